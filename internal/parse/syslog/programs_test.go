package syslog

import (
	"testing"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/parse/parsetest"
)

func TestPrograms(t *testing.T) {
	const h = "Nov 21 10:00:00 web-01 "
	tests := []struct {
		line string
		want map[string]string // field → JSON
	}{
		{h + "sshd[1]: Accepted password for alice from 198.51.100.4 port 50022 ssh2", map[string]string{
			"event.category": `["authentication"]`, "event.type": `["start"]`, "event.action": `"ssh_login"`,
			"event.outcome": `"success"`, "user.name": `"alice"`, "source.ip": `"198.51.100.4"`, "source.port": "50022",
			"related.ip": `["198.51.100.4"]`, "related.user": `["alice"]`, "system.auth.ssh.method": `"password"`,
			"system.auth.ssh.event": `"Accepted"`, "event.dataset": `"system.auth"`,
		}},
		{h + "sshd[1]: Accepted publickey for bob from 2001:db8::7 port 22 ssh2: RSA SHA256:abc/def", map[string]string{
			"system.auth.ssh.method": `"publickey"`, "system.auth.ssh.signature": `"RSA SHA256:abc/def"`,
			"source.ip": `"2001:db8::7"`, "user.name": `"bob"`,
		}},
		{h + "sshd[1]: Accepted keyboard-interactive/pam for carol from 10.1.2.3 port 1 ssh2", map[string]string{
			"system.auth.ssh.method": `"keyboard-interactive/pam"`, "event.outcome": `"success"`,
		}},
		{h + "sshd[1]: Failed password for root from 203.0.113.7 port 51234 ssh2", map[string]string{
			"event.action": `"ssh_login"`, "event.outcome": `"failure"`, "event.type": `["info"]`,
			"user.name": `"root"`, "system.auth.ssh.event": `"Failed"`, "source.port": "51234",
		}},
		{h + "sshd[1]: Failed password for invalid user admin from 203.0.113.7 port 51234 ssh2", map[string]string{
			"user.name": `"admin"`, "event.outcome": `"failure"`, "source.ip": `"203.0.113.7"`,
		}},
		{h + "sshd[1]: Failed none for invalid user from x from 203.0.113.7 port 5 ssh2", map[string]string{
			"user.name": `"from x"`, "source.ip": `"203.0.113.7"`,
		}},
		{h + "sshd[1]: Invalid user webmaster from 173.234.31.186", map[string]string{
			"event.action": `"ssh_invalid_user"`, "event.outcome": `"failure"`, "user.name": `"webmaster"`,
			"source.ip": `"173.234.31.186"`, "source.port": "<absent>", "system.auth.ssh.event": `"Invalid"`,
		}},
		{h + "sshd[1]: Invalid user test from 173.234.31.186 port 4242", map[string]string{
			"user.name": `"test"`, "source.port": "4242",
		}},
		{h + "sshd[1]: Invalid user  from 173.234.31.186 port 4242", map[string]string{
			"user.name": "<absent>", "source.ip": `"173.234.31.186"`, "event.action": `"ssh_invalid_user"`,
		}},
		{h + "sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186  user=root", map[string]string{
			"event.action": `"authentication_failure"`, "event.outcome": `"failure"`, "user.name": `"root"`,
			"source.ip": `"173.234.31.186"`, "related.user": `["root"]`,
		}},
		{h + "sshd(pam_unix)[1]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=zummit.com ", map[string]string{
			"event.action": `"authentication_failure"`, "source.domain": `"zummit.com"`, "source.ip": "<absent>", "user.name": "<absent>",
		}},
		{h + "sshd[1]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root", map[string]string{
			"event.action": `"authentication_failure"`, "user.name": `"root"`,
		}},
		{h + "sshd[1]: Connection closed by authenticating user root 203.0.113.7 port 40000 [preauth]", map[string]string{
			"event.category": `["session"]`, "event.type": `["end"]`, "event.action": `"ssh_disconnect"`,
			"user.name": `"root"`, "source.ip": `"203.0.113.7"`, "source.port": "40000", "event.outcome": "<absent>",
		}},
		{h + "sshd[1]: Disconnected from invalid user oracle 203.0.113.7 port 40000 [preauth]", map[string]string{
			"user.name": `"oracle"`, "source.ip": `"203.0.113.7"`, "source.port": "40000",
		}},
		{h + "sshd[1]: Disconnected from user alice 198.51.100.4 port 50022", map[string]string{
			"user.name": `"alice"`, "source.port": "50022",
		}},
		{h + "sshd[1]: Connection closed by 203.0.113.7 [preauth]", map[string]string{
			"source.ip": `"203.0.113.7"`, "source.port": "<absent>", "user.name": "<absent>",
		}},
		{h + "sshd[1]: Received disconnect from 203.0.113.7: 11: Bye Bye [preauth]", map[string]string{
			"source.ip": `"203.0.113.7"`, "event.action": `"ssh_disconnect"`,
		}},
		{h + "sshd[1]: Received disconnect from 203.0.113.7 port 40000:11: Bye Bye [preauth]", map[string]string{
			"source.ip": `"203.0.113.7"`, "source.port": "40000",
		}},
		{h + "sshd[1]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)", map[string]string{
			"event.category": `["session"]`, "event.type": `["start"]`, "event.action": `"session_opened"`,
			"user.name": `"alice"`, "user.target.name": "<absent>",
		}},
		{h + "sshd[1]: pam_unix(sshd:session): session closed for user alice", map[string]string{
			"event.type": `["end"]`, "event.action": `"session_closed"`, "user.name": `"alice"`,
		}},
		{h + "sshd[1]: message repeated 3 times: [ Failed password for root from 203.0.113.7 port 51234 ssh2]", map[string]string{
			"event.count": "3", "user.name": `"root"`, "event.outcome": `"failure"`,
		}},
		{h + "sshd[1]: Server listening on 0.0.0.0 port 22.", map[string]string{
			"event.action": "<absent>", "event.dataset": `"system.auth"`,
		}},
		{h + "sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/sh -c 'a ; b'", map[string]string{
			"event.action": `"sudo_command"`, "event.category": `["process"]`, "event.outcome": `"success"`,
			"user.name": `"alice"`, "user.target.name": `"root"`, "process.command_line": `"/bin/sh -c 'a ; b'"`,
			"process.working_directory": `"/home/alice"`, "related.user": `["alice","root"]`,
		}},
		{h + "sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/x ; USER=root ; COMMAND=/bin/ls", map[string]string{
			"event.outcome": `"failure"`, "event.category": `["authentication"]`, "system.auth.sudo.error": `"3 incorrect password attempts"`,
			"user.name": `"alice"`, "process.command_line": `"/bin/ls"`,
		}},
		{h + "sudo:      bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/usr/bin/id", map[string]string{
			"event.outcome": `"failure"`, "system.auth.sudo.error": `"user NOT in sudoers"`, "user.name": `"bob"`,
		}},
		{h + "sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)", map[string]string{
			"event.action": `"session_opened"`, "user.name": `"alice"`, "user.target.name": `"root"`,
		}},
		{h + "sudo: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice", map[string]string{
			"event.action": `"authentication_failure"`, "user.name": `"alice"`, "user.target.name": `"alice"`, "source.ip": "<absent>",
		}},
		{h + "su[9]: (to root) alice on pts/0", map[string]string{
			"event.action": `"su"`, "event.outcome": `"success"`, "user.name": `"alice"`, "user.target.name": `"root"`,
		}},
		{h + "su[9]: FAILED SU (to root) alice on pts/0", map[string]string{
			"event.outcome": `"failure"`, "user.name": `"alice"`, "user.target.name": `"root"`,
		}},
		{h + "su[9]: Successful su for root by alice", map[string]string{
			"event.outcome": `"success"`, "user.name": `"alice"`, "user.target.name": `"root"`,
		}},
		{h + "su[9]: pam_unix(su:session): session opened for user root by alice(uid=1000)", map[string]string{
			"user.name": `"alice"`, "user.target.name": `"root"`, "event.category": `["session"]`,
		}},
		{h + "su(pam_unix)[945]: session opened for user cyrus by (uid=0)", map[string]string{
			"user.name": "<absent>", "user.target.name": `"cyrus"`, "related.user": `["cyrus"]`,
		}},
		{h + "CRON[3]: pam_unix(cron:session): session opened for user root by (uid=0)", map[string]string{
			"event.action": `"session_opened"`, "user.name": `"root"`, "event.dataset": `"system.auth"`,
		}},
		{h + "kernel: [ 1.0] usb 1-1: new device", map[string]string{
			"event.action": "<absent>", "event.dataset": `"system.syslog"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.line[len(h):], func(t *testing.T) {
			var ev event.Event
			if err := Decode([]byte(tt.line), testMeta, &ev); err != nil {
				t.Fatal(err)
			}
			parsetest.CheckFields(t, &ev, tt.want)
			parsetest.CheckEvent(t, &ev) // source.ip typed, each field once
		})
	}
}

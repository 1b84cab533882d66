// Package vcenter decodes VMware vCenter Server and ESXi events as they are
// forwarded by syslog, the format "vcenter": administrative operations on
// virtual infrastructure (logins and logouts, VM power on/off, creation,
// removal, reconfiguration, cloning, migration, snapshots, permission and
// role changes, and tasks).
//
// Sources the patterns are based on:
//   - VMware vSphere documentation, "Forward vCenter Server events to a
//     remote syslog server" (vSphere 6.7 and 8.0, Monitoring and
//     Performance): vpxd streams each event as
//     "Event [eventId] [partInfo] [createdTime] [eventType] [severity]
//     [user] [target] [chainId] [desc]", split into parts [1-X] … [X-X]
//     when longer than 1024 characters;
//   - the vSphere Web Services API reference of the Event data objects
//     (vim.event.UserLoginSessionEvent, VmPoweredOnEvent, VmCreatedEvent,
//     TaskEvent, PermissionAddedEvent, …: type names, userName, vm, host,
//     datacenter, fullFormattedMessage) and the English message catalog of
//     their fullFormattedMessage ("User {user}@{ip} logged in as {agent}",
//     "{vm} on {host} in {datacenter} is powered on", "Created virtual
//     machine {vm} on {host} in {datacenter}", "Removed {vm} on {host} from
//     {datacenter}", "Reconfigured {vm} on {host} in {datacenter}",
//     "Task: {description}", "Permission created for {principal} on
//     {entity}, role is {role}, propagation is {bool}", …);
//   - ESXi hostd.log lines as forwarded by vmsyslogd, whose event manager
//     (sub=Vimsvc.ha-eventmgr) writes "Event <key> : <fullFormattedMessage>".
//
// The syslog header (RFC 5424 or RFC 3164, "<PRI>1 TIMESTAMP host vpxd PID
// - - <message>") is decoded with the syslog format's decoder (header.go):
// host.name, process.name/pid, log.syslog.*; its timestamp is @timestamp
// unless the event carries its createdTime.
//
// Fields: vsphere.event.key, .part, .type (vim.event.VmPoweredOnEvent),
// .severity, .user, .target, .chain_id, .created; vsphere.vm.name,
// vsphere.host.name, vsphere.datacenter.name, vsphere.task.description,
// vsphere.permission.principal/.entity/.role, vsphere.role.name; message
// (the event's description). ECS: event.module "vsphere", event.dataset
// "vsphere.event" ("vsphere.log" for other vpxd/hostd lines), event.kind
// "event"; event.action from the event type in kebab case without "Event"
// ("vm-powered-on", "user-login-session"), or for tasks "task-" and the
// description in kebab case ("task-power-on-virtual-machine"), or, when
// hostd gives no type, from the message pattern; event.category
// "authentication" for sessions, "iam" for permissions and roles,
// "configuration" for the rest; event.type start/end (login/logout),
// creation/deletion/change; event.outcome failure for failed logins and
// error-severity events, success for logins; user.name (the event's user,
// or the one of a login message), source.ip and user_agent.original (login
// messages), user.target.name (a permission's principal), related.user
// and related.ip. Plain vpxd/hostd lines that start an API task
// ("[VpxLRO] -- BEGIN task-1 -- vm-45 -- vim.VirtualMachine.powerOn",
// hostd "Task Created : haTask-2-vim.VirtualMachine.powerOn-123") get
// event.action "task-virtual-machine-power-on" and vsphere.task.*.
//
// Errors: a record whose syslog header the syslog decoder rejects, a record
// without a header, and one whose program is not a vSphere one (vpxd, vpxa,
// hostd, Hostd, vcenter-*, vmware-*) and whose message is not an event.
// A blank record is parse.ErrEmpty.
package vcenter

// Package vpcflow decodes Amazon VPC Flow Logs records, the format
// "vpcflow": space-separated, versions 2 to 5 (and later fields by name).
// The default format (version 2) is
//
//	version account-id interface-id srcaddr dstaddr srcport dstport protocol
//	packets bytes start end action log-status
//
// A custom format names its fields in a header line, which S3 delivery
// writes at the top of each file ("version vpc-id subnet-id …").
// DecodeAll (whole files, as `shoseki ingest` sends them) follows the
// header; Decode, which sees one line, skips header lines (parse.ErrEmpty)
// and decodes lines of 14 fields in the default order (other field counts
// need the header: an error). "-" means absent (NODATA and SKIPDATA
// records carry no addresses).
//
// ECS: @timestamp (start, else end), event.start, event.end, event.kind
// event, event.category network, event.type connection plus allowed or
// denied, event.action accept or reject, event.outcome success (ACCEPT) or
// failure (REJECT), event.module aws, event.dataset aws.vpcflow,
// source.ip/port, destination.ip/port (srcaddr/dstaddr; pkt-srcaddr and
// pkt-dstaddr go under aws.vpcflow), network.iana_number,
// network.transport (the IANA name of protocol), network.packets,
// network.bytes, network.direction (flow-direction), cloud.provider aws,
// cloud.account.id, cloud.region, cloud.availability_zone (az-id),
// cloud.instance.id, related.ip. Every field also under aws.vpcflow.<name>
// with '-' as '_' (aws.vpcflow.interface_id, aws.vpcflow.log_status …).
//
// Errors (*parse.SyntaxError): a field count that differs from the header's
// (or from 14 without one), a bad number in start/end/ports/protocol.
package vpcflow

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/shoseki/shoseki/internal/event"
	"github.com/shoseki/shoseki/internal/normalize"
	"github.com/shoseki/shoseki/internal/parse"
)

// Name is the format name.
const Name = "vpcflow"

// Format returns the vpcflow format.
func Format() parse.Format {
	return parse.Format{Name: Name, Description: "Amazon VPC Flow Logs (versions 2-5, default or custom field order)",
		Detect: Detect, Decode: Decode, DecodeAll: DecodeAll}
}

// DefaultFields is the version 2 default field order.
var DefaultFields = strings.Fields("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status")

// knownFields are the field names AWS documents (versions 2-5 and later).
var knownFields = func() map[string]string {
	names := strings.Fields(`version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes
		start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id
		sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path
		ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id
		ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id reject-reason`)
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = "aws.vpcflow." + strings.ReplaceAll(n, "-", "_")
	}
	return m
}()

const maxFields = 64

// isHeader reports whether the fields of a line are all documented field
// names.
func isHeader(fs []string) bool {
	if len(fs) < 2 {
		return false
	}
	for _, f := range fs {
		if _, ok := knownFields[f]; !ok {
			return false
		}
	}
	return true
}

// Detect scores a record (or the first bytes of a file): 95 for a header
// line of documented field names or a default-format line (version 2-5,
// a 12-digit account, eni-…, and ACCEPT/REJECT or a NODATA/SKIPDATA
// status), 0 otherwise.
func Detect(record []byte) int {
	if i := bytes.IndexByte(record, '\n'); i >= 0 {
		record = record[:i]
	}
	fs := strings.Fields(string(record))
	if isHeader(fs) {
		return 95
	}
	if len(fs) != 14 || len(fs[0]) != 1 || fs[0][0] < '2' || fs[0][0] > '9' || !strings.HasPrefix(fs[2], "eni-") {
		return 0
	}
	switch fs[13] {
	case "OK", "NODATA", "SKIPDATA":
		return 95
	}
	return 0
}

// Decode decodes one record in the default field order; header lines give
// parse.ErrEmpty.
func Decode(record []byte, meta *parse.Meta, ev *event.Event) error {
	return decode(record, DefaultFields, meta, ev)
}

// DecodeAll decodes a whole file, following its header line(s). Lines that
// do not decode are emitted as pipeline_error events.
func DecodeAll(data []byte, meta *parse.Meta, emit func(*event.Event) error) error {
	fields := DefaultFields
	for len(data) > 0 {
		line := data
		if k := bytes.IndexByte(data, '\n'); k >= 0 {
			line, data = data[:k], data[k+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if fs := strings.Fields(string(line)); isHeader(fs) {
			if len(fs) <= maxFields {
				fields = fs
			}
			continue
		}
		ev := new(event.Event)
		err := decode(line, fields, meta, ev)
		if err == parse.ErrEmpty {
			continue
		}
		if err != nil {
			created := time.Now()
			if meta != nil && !meta.Received.IsZero() {
				created = meta.Received
			}
			ev = event.NewPipelineError(line, err.Error(), created)
		}
		if err := emit(ev); err != nil {
			return err
		}
	}
	return nil
}

func add(ev *event.Event, name string, v event.Value) {
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func decode(record []byte, names []string, meta *parse.Meta, ev *event.Event) error {
	s := strings.TrimRight(string(record), " \r\n")
	var vals [maxFields]string
	n := 0
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			break
		}
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			j = len(s) - i
		}
		if n == maxFields {
			return &parse.SyntaxError{Format: Name, Offset: i, Msg: "more than " + strconv.Itoa(maxFields) + " fields"}
		}
		vals[n] = s[i : i+j]
		n++
		i += j
	}
	if n == 0 {
		return parse.ErrEmpty
	}
	if isHeader(vals[:n]) {
		return parse.ErrEmpty
	}
	if n != len(names) {
		return &parse.SyntaxError{Format: Name, Offset: len(s),
			Msg: "record has " + strconv.Itoa(n) + " fields, the format " + strconv.Itoa(len(names)) + " (a custom format needs its header line)"}
	}
	base := len(ev.Fields)
	bad := func(k int) error {
		clear(ev.Fields[base:])
		ev.Fields = ev.Fields[:base]
		return &parse.SyntaxError{Format: Name, Offset: max(strings.Index(s, vals[k]), 0),
			Msg: "bad " + names[k] + " " + strconv.Quote(vals[k])}
	}
	var start, end int64 = -1, -1
	action, status := "", ""
	for k, name := range names {
		v := vals[k]
		if v == "-" {
			continue
		}
		full, ok := knownFields[name]
		if !ok {
			continue // unreachable: names come from isHeader or DefaultFields
		}
		switch name {
		case "srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr":
			ip, ok := normalize.IPValue(v)
			if !ok {
				return bad(k)
			}
			add(ev, full, ip)
			normalize.AddRelatedIP(ev, ip)
			switch name {
			case "srcaddr":
				add(ev, event.FieldSourceIP, ip)
			case "dstaddr":
				add(ev, "destination.ip", ip)
			}
			continue
		case "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "version", "tcp-flags", "type":
			num, err := strconv.ParseInt(v, 10, 64)
			if err != nil || num < 0 {
				if name == "type" {
					break // type is IPv4/IPv6/EFA
				}
				return bad(k)
			}
			add(ev, full, event.Int(num))
			switch name {
			case "srcport":
				add(ev, "source.port", event.Int(num))
			case "dstport":
				add(ev, "destination.port", event.Int(num))
			case "protocol":
				add(ev, "network.iana_number", event.String(v))
				if t := normalize.IANATransport(int(num)); t != "" {
					add(ev, "network.transport", event.String(t))
				}
			case "packets":
				add(ev, "network.packets", event.Int(num))
			case "bytes":
				add(ev, "network.bytes", event.Int(num))
			case "start":
				start = num
			case "end":
				end = num
			}
			continue
		case "account-id":
			add(ev, "cloud.account.id", event.String(v))
		case "region":
			add(ev, "cloud.region", event.String(v))
		case "az-id":
			add(ev, "cloud.availability_zone", event.String(v))
		case "instance-id":
			add(ev, "cloud.instance.id", event.String(v))
		case "flow-direction":
			switch v {
			case "ingress":
				add(ev, "network.direction", event.String("ingress"))
			case "egress":
				add(ev, "network.direction", event.String("egress"))
			}
		case "action":
			action = v
		case "log-status":
			status = v
		}
		add(ev, full, event.String(v))
	}
	switch {
	case start >= 0 && start < 1<<33:
		ev.Time = start * 1e9
		add(ev, "event.start", event.TimeNanos(start*1e9))
		if end >= 0 && end < 1<<33 {
			add(ev, "event.end", event.TimeNanos(end*1e9))
		}
	case end >= 0 && end < 1<<33:
		ev.Time = end * 1e9
		add(ev, "event.end", event.TimeNanos(end*1e9))
	case meta != nil && !meta.Received.IsZero():
		ev.Time = meta.Received.UnixNano()
	}
	add(ev, event.FieldKind, event.String("event"))
	add(ev, event.FieldCategory, event.Array(event.String("network")))
	switch action {
	case "ACCEPT":
		add(ev, event.FieldType, event.Array(event.String("connection"), event.String("allowed")))
		add(ev, event.FieldAction, event.String("accept"))
		add(ev, event.FieldOutcome, event.String("success"))
	case "REJECT":
		add(ev, event.FieldType, event.Array(event.String("connection"), event.String("denied")))
		add(ev, event.FieldAction, event.String("reject"))
		add(ev, event.FieldOutcome, event.String("failure"))
	default:
		add(ev, event.FieldType, event.Array(event.String("info")))
		if status != "" {
			add(ev, event.FieldAction, event.String(strings.ToLower(status)))
		}
	}
	add(ev, event.FieldModule, event.String("aws"))
	add(ev, event.FieldDataset, event.String("aws.vpcflow"))
	add(ev, "cloud.provider", event.String("aws"))
	parse.SetCommon(ev, record, meta)
	return nil
}

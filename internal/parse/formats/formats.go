// Package formats is the table of log formats Shoseki decodes, written out
// in one list in detection priority order, and the auto-detection that
// picks one for a stream from sample records.
//
// To add a format: write internal/parse/<name> exporting
// `func Format() parse.Format`, and add it to the list in All at the place
// of its priority (more specific formats before more general ones, since
// ties in Detect go to the earlier format).
package formats

import (
	"bytes"

	"github.com/shoseki/shoseki/internal/parse"
	"github.com/shoseki/shoseki/internal/parse/auditd"
	"github.com/shoseki/shoseki/internal/parse/awslb"
	"github.com/shoseki/shoseki/internal/parse/cbs"
	"github.com/shoseki/shoseki/internal/parse/cef"
	"github.com/shoseki/shoseki/internal/parse/cloudfront"
	"github.com/shoseki/shoseki/internal/parse/cloudtrail"
	"github.com/shoseki/shoseki/internal/parse/evtx"
	"github.com/shoseki/shoseki/internal/parse/jsonl"
	"github.com/shoseki/shoseki/internal/parse/k8saudit"
	"github.com/shoseki/shoseki/internal/parse/proxifier"
	"github.com/shoseki/shoseki/internal/parse/s3access"
	"github.com/shoseki/shoseki/internal/parse/squid"
	"github.com/shoseki/shoseki/internal/parse/suricata"
	"github.com/shoseki/shoseki/internal/parse/syslog"
	"github.com/shoseki/shoseki/internal/parse/vcenter"
	"github.com/shoseki/shoseki/internal/parse/vpcflow"
	"github.com/shoseki/shoseki/internal/parse/weblog"
	"github.com/shoseki/shoseki/internal/parse/winevent"
	"github.com/shoseki/shoseki/internal/parse/winxml"
	"github.com/shoseki/shoseki/internal/parse/zeek"
)

// All returns the formats in detection priority order. The slice is new on
// every call; callers may keep or change it.
func All() []parse.Format {
	return []parse.Format{
		evtx.Format(), // binary files, recognized by their signature
		// Specific JSON formats (cloudtrail, ...) go before json.
		winevent.Format(),
		cloudtrail.Format(),
		suricata.Format(),
		zeek.Format(),
		k8saudit.Format(),
		winxml.Format(),
		jsonl.Format(),
		cef.Format(),
		cef.LEEFFormat(),
		weblog.ApacheFormat(),
		weblog.NginxFormat(),
		awslb.ALBFormat(),
		awslb.ELBFormat(),
		s3access.Format(),
		cloudfront.Format(),
		vpcflow.Format(),
		squid.Format(),
		proxifier.Format(),
		cbs.Format(),
		auditd.Format(),
		vcenter.Format(),
		syslog.Format(),
	}
}

// ByName returns the format with the given name.
func ByName(name string) (parse.Format, bool) {
	for _, f := range All() {
		if f.Name == name {
			return f, true
		}
	}
	return parse.Format{}, false
}

// MaxSamples is how many non-empty sample records Detect looks at.
const MaxSamples = 20

// minScore is the lowest mean score Detect accepts: below it no format
// claims the samples convincingly.
const minScore = 30

// Detect picks the format that fits the sample records best: the one with
// the highest mean Detect score over the first MaxSamples non-blank records,
// ties going to the earlier format of All. It reports false when there is
// no non-blank sample or no format reaches a mean score of 30.
func Detect(samples [][]byte) (parse.Format, bool) {
	var recs [][]byte
	for _, s := range samples {
		if len(bytes.TrimSpace(s)) == 0 {
			continue
		}
		recs = append(recs, s)
		if len(recs) == MaxSamples {
			break
		}
	}
	if len(recs) == 0 {
		return parse.Format{}, false
	}
	var best parse.Format
	bestScore := -1
	for _, f := range All() {
		total := 0
		for _, r := range recs {
			s := f.Detect(r)
			total += max(0, min(s, 100))
		}
		if total > bestScore {
			best, bestScore = f, total
		}
	}
	if bestScore < minScore*len(recs) {
		return parse.Format{}, false
	}
	return best, true
}

// HeadBytes is how much of an input DetectWholeInput looks at.
const HeadBytes = 4096

// wholeInputMinScore is the Detect score a whole-input format needs on an
// input's first bytes to claim it.
const wholeInputMinScore = 50

// DetectWholeInput returns the whole-input format (EVTX, CloudTrail S3
// object, Zeek TSV …) that an input's first bytes belong to, if any. Only
// formats with DecodeAll are asked; line formats are chosen by Detect.
func DetectWholeInput(head []byte) (parse.Format, bool) {
	head = head[:min(len(head), HeadBytes)]
	for _, f := range All() {
		if f.WholeInput() && f.Detect(head) >= wholeInputMinScore {
			return f, true
		}
	}
	return parse.Format{}, false
}

// DetectInput picks the format of a whole input from its beginning: a
// whole-input format recognized by its first bytes, else the line format
// that fits its first lines best.
func DetectInput(data []byte) (parse.Format, bool) {
	if f, ok := DetectWholeInput(data); ok {
		return f, true
	}
	return Detect(bytes.SplitN(data[:min(len(data), 1<<20)], []byte{'\n'}, 4*MaxSamples))
}

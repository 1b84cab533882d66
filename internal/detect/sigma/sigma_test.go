package sigma

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoseki/shoseki/internal/event"
)

// testEngine compiles rules (YAML documents) with a test mapping: product
// "test" events are selected by event.dataset "test" and fields are used by
// their Sigma names.
func testEngine(t *testing.T, yamlRules ...string) *Engine {
	t.Helper()
	m := BuiltinMappings()
	if err := m.AddYAML([]byte("logsources:\n  - product: test\n    service: test\n    when:\n      - event.dataset: test\n"), "test"); err != nil {
		t.Fatal(err)
	}
	rs := &RuleSet{}
	for i, y := range yamlRules {
		rules, err := ParseRule([]byte(y), fmt.Sprintf("rule%d.yml", i))
		if err != nil {
			t.Fatalf("rule %d: %v", i, err)
		}
		rs.Add(rules...)
	}
	e, err := NewEngine(rs, Options{Mappings: m, Placeholders: map[string][]string{"Admins": {"root", "admin"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, nc := range e.NotCompiled() {
		t.Fatalf("not compiled: %v", nc.Error())
	}
	return e
}

func detection(det string) string {
	return "title: t\nid: r1\nlogsource:\n  product: test\n  service: test\ndetection:\n" + det
}

func ev(fields ...any) *event.Event {
	e := &event.Event{Time: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC).UnixNano()}
	e.Set("event.dataset", event.String("test"))
	for i := 0; i+1 < len(fields); i += 2 {
		name := fields[i].(string)
		switch v := fields[i+1].(type) {
		case string:
			e.Set(name, event.String(v))
		case int:
			e.Set(name, event.Int(int64(v)))
		case event.Value:
			e.Set(name, v)
		}
	}
	return e
}

func matches(e *Engine, x *event.Event) bool {
	n := 0
	e.Process(x, func(Signal) { n++ })
	return n > 0
}

// TestModifiers: one table row per modifier and value form.
func TestModifiers(t *testing.T) {
	tests := []struct {
		name, det string
		ev        *event.Event
		want      bool
	}{
		{"plain equal, case-insensitive", "  sel:\n    A: FooBar\n  condition: sel", ev("A", "foobar"), true},
		{"plain equal is whole value", "  sel:\n    A: foo\n  condition: sel", ev("A", "foobar"), false},
		{"list is OR", "  sel:\n    A: [x, foobar]\n  condition: sel", ev("A", "FOOBAR"), true},
		{"map is AND", "  sel:\n    A: a\n    B: b\n  condition: sel", ev("A", "a", "B", "c"), false},
		{"list of maps is OR", "  sel:\n    - A: x\n    - B: b\n  condition: sel", ev("A", "a", "B", "b"), true},
		{"wildcard *", "  sel:\n    A: 'c:\\win*\\cmd.exe'\n  condition: sel", ev("A", `C:\Windows\System32\cmd.exe`), true},
		{"wildcard ?", "  sel:\n    A: 'ab?d'\n  condition: sel", ev("A", "abcd"), true},
		{"wildcard ? is one char", "  sel:\n    A: 'ab?d'\n  condition: sel", ev("A", "abccd"), false},
		{"escaped star is literal", "  sel:\n    A: 'a\\*b'\n  condition: sel", ev("A", "a*b"), true},
		{"escaped star not wildcard", "  sel:\n    A: 'a\\*b'\n  condition: sel", ev("A", "axxb"), false},
		{"escaped backslash before star", "  sel:\n    A: 'a\\\\*'\n  condition: sel", ev("A", `a\xyz`), true},
		{"lone backslash literal", "  sel:\n    A: 'c:\\temp'\n  condition: sel", ev("A", `C:\Temp`), true},
		{"contains", "  sel:\n    A|contains: urlcache\n  condition: sel", ev("A", "certutil -URLCache -f"), true},
		{"startswith", "  sel:\n    A|startswith: cert\n  condition: sel", ev("A", "certutil"), true},
		{"startswith no", "  sel:\n    A|startswith: util\n  condition: sel", ev("A", "certutil"), false},
		{"endswith", "  sel:\n    A|endswith: '\\cmd.exe'\n  condition: sel", ev("A", `C:\x\CMD.EXE`), true},
		{"contains|all yes", "  sel:\n    A|contains|all: [a, b]\n  condition: sel", ev("A", "xbxa"), true},
		{"contains|all no", "  sel:\n    A|contains|all: [a, z]\n  condition: sel", ev("A", "xbxa"), false},
		{"cased yes", "  sel:\n    A|cased: Foo\n  condition: sel", ev("A", "Foo"), true},
		{"cased no", "  sel:\n    A|cased: Foo\n  condition: sel", ev("A", "foo"), false},
		{"re", "  sel:\n    A|re: '^a[0-9]+$'\n  condition: sel", ev("A", "a123"), true},
		{"re case-sensitive", "  sel:\n    A|re: '^A'\n  condition: sel", ev("A", "abc"), false},
		{"re|i", "  sel:\n    A|re|i: '^A'\n  condition: sel", ev("A", "abc"), true},
		{"re|m", "  sel:\n    A|re|m: '^b$'\n  condition: sel", ev("A", "a\nb\nc"), true},
		{"re|s", "  sel:\n    A|re|s: 'a.b'\n  condition: sel", ev("A", "a\nb"), true},
		{"re without s", "  sel:\n    A|re: 'a.b'\n  condition: sel", ev("A", "a\nb"), false},
		{"cidr v4", "  sel:\n    A|cidr: 10.0.0.0/8\n  condition: sel", ev("A", "10.1.2.3"), true},
		{"cidr v4 no", "  sel:\n    A|cidr: 10.0.0.0/8\n  condition: sel", ev("A", "11.1.2.3"), false},
		{"cidr v6", "  sel:\n    A|cidr: 'fe80::/10'\n  condition: sel", ev("A", "fe80::1"), true},
		{"cidr on non-ip", "  sel:\n    A|cidr: 10.0.0.0/8\n  condition: sel", ev("A", "hello"), false},
		{"base64", "  sel:\n    A|base64: 'cmd'\n  condition: sel", ev("A", "Y21k"), true},
		{"base64|contains", "  sel:\n    A|base64|contains: 'http'\n  condition: sel", ev("A", "xxaHR0cA==yy"), true},
		{"base64offset offset 0", "  sel:\n    A|base64offset|contains: 'http://'\n  condition: sel", ev("A", "aHR0cDovL2V4YW1wbGU="), true},
		{"base64offset offset 1", "  sel:\n    A|base64offset|contains: 'http://'\n  condition: sel", ev("A", "eGh0dHA6Ly9leGFtcGxl"), true},
		{"base64offset offset 2", "  sel:\n    A|base64offset|contains: 'http://'\n  condition: sel", ev("A", "eHhodHRwOi8vZXhhbXBsZQ=="), true},
		{"base64offset no", "  sel:\n    A|base64offset|contains: 'http://'\n  condition: sel", ev("A", "Zm9vYmFy"), false},
		{"wide|base64offset", "  sel:\n    A|wide|base64offset|contains: 'ping'\n  condition: sel", ev("A", "cABpAG4AZwA="), true},
		{"utf16le|base64", "  sel:\n    A|utf16le|base64: 'ab'\n  condition: sel", ev("A", "YQBiAA=="), true},
		{"utf16be|base64", "  sel:\n    A|utf16be|base64: 'ab'\n  condition: sel", ev("A", "AGEAYg=="), true},
		{"utf16|base64", "  sel:\n    A|utf16|base64: 'ab'\n  condition: sel", ev("A", "//5hAGIA"), true},
		{"windash slash", "  sel:\n    A|windash|contains: ' -enc '\n  condition: sel", ev("A", "powershell /enc x"), true},
		{"windash en dash", "  sel:\n    A|windash|contains: ' -enc '\n  condition: sel", ev("A", "powershell \u2013enc x"), true},
		{"windash no", "  sel:\n    A|windash|contains: ' -enc '\n  condition: sel", ev("A", "powershell +enc x"), false},
		{"exists true", "  sel:\n    A|exists: true\n  condition: sel", ev("A", ""), true},
		{"exists true missing", "  sel:\n    A|exists: true\n  condition: sel", ev("B", "x"), false},
		{"exists false", "  sel:\n    A|exists: false\n  condition: sel", ev("B", "x"), true},
		{"null matches missing", "  sel:\n    A: null\n  condition: sel", ev("B", "x"), true},
		{"null matches empty", "  sel:\n    A: null\n  condition: sel", ev("A", ""), true},
		{"null not set", "  sel:\n    A: null\n  condition: sel", ev("A", "x"), false},
		{"empty string", "  sel:\n    A: ''\n  condition: sel", ev("A", ""), true},
		{"fieldref equal", "  sel:\n    A|fieldref: B\n  condition: sel", ev("A", "X", "B", "x"), true},
		{"fieldref differs", "  sel:\n    A|fieldref: B\n  condition: sel", ev("A", "x", "B", "y"), false},
		{"fieldref missing", "  sel:\n    A|fieldref: B\n  condition: sel", ev("A", "x"), false},
		{"fieldref|neq", "  sel:\n    A|fieldref|neq: B\n  condition: sel", ev("A", "x", "B", "y"), true},
		{"fieldref|startswith", "  sel:\n    A|fieldref|startswith: B\n  condition: sel", ev("A", "xyz", "B", "xy"), true},
		{"neq", "  sel:\n    A|neq: x\n  condition: sel", ev("A", "y"), true},
		{"neq equal", "  sel:\n    A|neq: x\n  condition: sel", ev("A", "X"), false},
		{"neq list", "  sel:\n    A|neq: [x, y]\n  condition: sel", ev("A", "y"), false},
		{"lt", "  sel:\n    A|lt: 10\n  condition: sel", ev("A", 9), true},
		{"lt edge", "  sel:\n    A|lt: 10\n  condition: sel", ev("A", 10), false},
		{"lte edge", "  sel:\n    A|lte: 10\n  condition: sel", ev("A", 10), true},
		{"gt string number", "  sel:\n    A|gt: 10\n  condition: sel", ev("A", "11"), true},
		{"gte edge", "  sel:\n    A|gte: 10\n  condition: sel", ev("A", 10), true},
		{"gt not a number", "  sel:\n    A|gt: 10\n  condition: sel", ev("A", "abc"), false},
		{"number equals int field", "  sel:\n    A: 4688\n  condition: sel", ev("A", 4688), true},
		{"hour", "  sel:\n    '@timestamp|hour': 5\n  condition: sel", ev(), true},
		{"hour gte no", "  sel:\n    '@timestamp|hour|gte': 6\n  condition: sel", ev(), false},
		{"minute", "  sel:\n    '@timestamp|minute': 6\n  condition: sel", ev(), true},
		{"day", "  sel:\n    '@timestamp|day': 4\n  condition: sel", ev(), true},
		{"week", "  sel:\n    '@timestamp|week': 10\n  condition: sel", ev(), true},
		{"month", "  sel:\n    '@timestamp|month': 3\n  condition: sel", ev(), true},
		{"year", "  sel:\n    '@timestamp|year|lt': 2026\n  condition: sel", ev(), true},
		{"time from string field", "  sel:\n    T|hour: 23\n  condition: sel", ev("T", "2024-01-01T23:10:00Z"), true},
		{"expand", "  sel:\n    A|expand: '%Admins%'\n  condition: sel", ev("A", "admin"), true},
		{"expand no", "  sel:\n    A|expand: '%Admins%'\n  condition: sel", ev("A", "bob"), false},
		{"keywords", "  kw:\n    - 'mimikatz'\n    - 'sekurlsa'\n  condition: kw", ev("msg", "run sekurlsa::logonpasswords"), true},
		{"keywords no", "  kw:\n    - 'mimikatz'\n  condition: kw", ev("msg", "hello"), false},
		{"keyword with modifier", "  kw:\n    '|contains|all': [abc, xyz]\n  condition: kw", ev("m", "abc", "n", "xyz"), true},
		{"array field any element", "  sel:\n    A: b\n  condition: sel", ev("A", event.Array(event.String("a"), event.String("B"))), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := testEngine(t, detection(tc.det))
			if got := matches(e, tc.ev); got != tc.want {
				t.Errorf("match = %v, want %v\nrule:\n%s", got, tc.want, tc.det)
			}
		})
	}
}

// TestConditions: every condition form.
func TestConditions(t *testing.T) {
	sels := "  sel_a:\n    A: a\n  sel_b:\n    B: b\n  filter:\n    C: c\n  _hidden:\n    D: d\n"
	tests := []struct {
		cond string
		ev   *event.Event
		want bool
	}{
		{"sel_a and sel_b", ev("A", "a", "B", "b"), true},
		{"sel_a and sel_b", ev("A", "a"), false},
		{"sel_a or sel_b", ev("B", "b"), true},
		{"sel_a and not filter", ev("A", "a", "C", "c"), false},
		{"sel_a and not filter", ev("A", "a"), true},
		{"not sel_a", ev("B", "b"), true},
		{"(sel_a or sel_b) and not filter", ev("B", "b", "C", "x"), true},
		{"sel_a or sel_b and filter", ev("A", "a"), true}, // and binds tighter
		{"(sel_a or sel_b) and filter", ev("A", "a"), false},
		{"1 of sel_*", ev("B", "b"), true},
		{"any of sel_*", ev("B", "b"), true},
		{"all of sel_*", ev("B", "b"), false},
		{"all of sel_*", ev("A", "a", "B", "b"), true},
		{"1 of them", ev("C", "c"), true},
		{"1 of them", ev("D", "d"), false}, // _ identifiers are not in them
		{"all of them", ev("A", "a", "B", "b", "C", "c"), true},
		{"sel_a AND NOT filter", ev("A", "a"), true},
		{"not (sel_a or sel_b)", ev("C", "c"), true},
		{"not not sel_a", ev("A", "a"), true},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			e := testEngine(t, detection(sels+"  condition: "+tc.cond+"\n"))
			if got := matches(e, tc.ev); got != tc.want {
				t.Errorf("%s: match = %v, want %v", tc.cond, got, tc.want)
			}
		})
	}
	// A list of conditions is OR.
	e := testEngine(t, detection(sels+"  condition:\n    - sel_a\n    - sel_b\n"))
	if !matches(e, ev("B", "b")) {
		t.Error("condition list is not OR")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, y, want string
		line          int
	}{
		{"yaml", "title: x\ndetection: [\n", "YAML", 2},
		{"no title", "id: x\ndetection:\n  s:\n    A: 1\n  condition: s\n", "missing title", 1},
		{"no condition", "title: x\ndetection:\n  s:\n    A: 1\n", "no condition", 3},
		{"nested map", "title: x\ndetection:\n  s:\n    A:\n      B: 1\n  condition: s\n", "nested map", 5},
		{"bad corr type", "title: x\ncorrelation:\n  type: foo\n  rules: [a]\n  timespan: 1m\n", "correlation type", 3},
		{"bad timespan", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5q\n  condition:\n    gte: 1\n", "timespan", 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRule([]byte(tc.y), "f.yml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			errs := flattenErrors(err)
			if errs[0].Line != tc.line || errs[0].File != "f.yml" {
				t.Errorf("position %s:%d, want f.yml:%d", errs[0].File, errs[0].Line, tc.line)
			}
		})
	}
	// Compile errors name the construct.
	rs := &RuleSet{}
	for _, y := range []string{
		detection("  s:\n    A|foo: 1\n  condition: s\n"),
		detection("  s:\n    A: 1\n  condition: s | count() > 5\n"),
		detection("  s:\n    A|re: '(?<=a)b'\n  condition: s\n"),
		detection("  s:\n    A|expand: '%nope%'\n  condition: s\n"),
		detection("  s:\n    A: 1\n  condition: t\n"),
	} {
		r, err := ParseRule([]byte(y), "x.yml")
		if err != nil {
			t.Fatal(err)
		}
		rs.Add(r...)
	}
	e, _ := NewEngine(rs, Options{})
	wants := []string{`modifier "foo"`, "aggregation", "regular expression", "%nope%", "unknown search"}
	if len(e.NotCompiled()) != len(wants) {
		t.Fatalf("not compiled: %v", e.NotCompiled())
	}
	for i, w := range wants {
		if !strings.Contains(e.NotCompiled()[i].Construct, w) {
			t.Errorf("not compiled %d: %q, want %q", i, e.NotCompiled()[i].Construct, w)
		}
	}
}

func TestExplainAndSignal(t *testing.T) {
	e := testEngine(t, "title: Certutil download\nid: r1\nlevel: high\ntags: [attack.command-and-control, attack.t1105]\n"+
		"logsource:\n  product: test\n  service: test\ndetection:\n  sel:\n    Image|endswith: '\\certutil.exe'\n  cli:\n    CommandLine|contains: urlcache\n  condition: sel and cli\n")
	x := ev("Image", `C:\Windows\certutil.exe`, "CommandLine", "certutil -urlcache -f http://x", "host.name", "ws1")
	x.Seq = 0x2a
	ex := e.Explain(x)
	if len(ex) != 1 || len(ex[0].Matched) != 2 {
		t.Fatalf("Explain = %+v", ex)
	}
	if d := ex[0].Matched[1]; d.Selection != "cli" || d.Field != "CommandLine" || d.Pattern != "urlcache" || !strings.Contains(d.Value, "-urlcache") {
		t.Errorf("detail = %+v", d)
	}
	var sig Signal
	e.Process(x, func(s Signal) { sig = s })
	out := sig.ToEvent()
	for f, want := range map[string]string{"event.kind": "signal", "rule.id": "r1", "rule.name": "Certutil download",
		"rule.level": "high", "threat.technique.id": "T1105", "signal.event.id": "2a", "host.name": "ws1"} {
		if got := out.GetString(f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
}

// Correlation tests: every type at window edges.

func corrEngine(t *testing.T, corr string, opts ...func(*Options)) *Engine {
	t.Helper()
	base := func(id, name, val string) string {
		return "title: " + name + "\nid: " + id + "\nname: " + name + "\nlogsource:\n  product: test\n  service: test\n" +
			"detection:\n  sel:\n    Action: " + val + "\n  condition: sel\n"
	}
	m := BuiltinMappings()
	m.AddYAML([]byte("logsources:\n  - product: test\n    service: test\n    when:\n      - event.dataset: test\n"), "test")
	rs := &RuleSet{}
	for _, y := range []string{base("a1", "rule_a", "a"), base("b1", "rule_b", "b"), base("c1", "rule_c", "c"), corr} {
		r, err := ParseRule([]byte(y), "c.yml")
		if err != nil {
			t.Fatal(err)
		}
		rs.Add(r...)
	}
	o := Options{Mappings: m, OutOfOrder: time.Second}
	for _, f := range opts {
		f(&o)
	}
	e, err := NewEngine(rs, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.NotCompiled()) > 0 {
		t.Fatal(e.NotCompiled())
	}
	return e
}

type step struct {
	at     time.Duration
	action string
	user   string
	value  int
}

func run(e *Engine, steps []step) (corr []Signal, base int) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range steps {
		x := ev("Action", s.action, "User", s.user, "Bytes", s.value)
		x.Time = t0.Add(s.at).UnixNano()
		x.Seq = uint64(i + 1)
		e.Process(x, func(sig Signal) {
			if sig.Correlation != nil {
				corr = append(corr, sig)
			} else {
				base++
			}
		})
	}
	return corr, base
}

func TestCorrelations(t *testing.T) {
	head := "title: corr\nid: k1\nname: corr\ncorrelation:\n"
	tests := []struct {
		name, corr string
		steps      []step
		want       int
	}{
		{"event_count at edge", "  type: event_count\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    gte: 3\n",
			[]step{{0, "a", "u", 0}, {5 * time.Second, "a", "u", 0}, {10 * time.Second, "a", "u", 0}}, 1},
		{"event_count just outside", "  type: event_count\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    gte: 3\n",
			[]step{{0, "a", "u", 0}, {5 * time.Second, "a", "u", 0}, {10*time.Second + 1, "a", "u", 0}}, 0},
		{"event_count groups apart", "  type: event_count\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    gte: 2\n",
			[]step{{0, "a", "u", 0}, {time.Second, "a", "v", 0}}, 0},
		{"event_count gt", "  type: event_count\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    gt: 2\n",
			[]step{{0, "a", "u", 0}, {1, "a", "u", 0}}, 0},
		{"event_count lt at window close", "  type: event_count\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    lt: 2\n",
			[]step{{0, "a", "u", 0}, {20 * time.Second, "zz", "x", 0}}, 1},
		{"event_count lt not met", "  type: event_count\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    lt: 2\n",
			[]step{{0, "a", "u", 0}, {9 * time.Second, "a", "u", 0}, {30 * time.Second, "zz", "x", 0}}, 0},
		{"value_count", "  type: value_count\n  rules: [rule_a]\n  group-by: [Action]\n  timespan: 10s\n  condition:\n    field: User\n    gte: 3\n",
			[]step{{0, "a", "u1", 0}, {time.Second, "a", "u2", 0}, {2 * time.Second, "a", "u2", 0}, {10 * time.Second, "a", "u3", 0}}, 1},
		{"value_count outside", "  type: value_count\n  rules: [rule_a]\n  group-by: [Action]\n  timespan: 10s\n  condition:\n    field: User\n    gte: 3\n",
			[]step{{0, "a", "u1", 0}, {time.Second, "a", "u2", 0}, {11 * time.Second, "a", "u3", 0}}, 0},
		{"temporal", "  type: temporal\n  rules: [rule_a, rule_b]\n  group-by: [User]\n  timespan: 5s\n",
			[]step{{0, "b", "u", 0}, {5 * time.Second, "a", "u", 0}}, 1},
		{"temporal outside", "  type: temporal\n  rules: [rule_a, rule_b]\n  group-by: [User]\n  timespan: 5s\n",
			[]step{{0, "b", "u", 0}, {5*time.Second + 1, "a", "u", 0}}, 0},
		{"temporal_ordered in order", "  type: temporal_ordered\n  rules: [rule_a, rule_b, rule_c]\n  group-by: [User]\n  timespan: 5s\n",
			[]step{{0, "a", "u", 0}, {time.Second, "b", "u", 0}, {5 * time.Second, "c", "u", 0}}, 1},
		{"temporal_ordered wrong order", "  type: temporal_ordered\n  rules: [rule_a, rule_b, rule_c]\n  group-by: [User]\n  timespan: 5s\n",
			[]step{{0, "b", "u", 0}, {time.Second, "a", "u", 0}, {2 * time.Second, "c", "u", 0}}, 0},
		{"value_sum", "  type: value_sum\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    field: Bytes\n    gt: 100\n",
			[]step{{0, "a", "u", 60}, {10 * time.Second, "a", "u", 41}}, 1},
		{"value_sum at limit", "  type: value_sum\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    field: Bytes\n    gt: 100\n",
			[]step{{0, "a", "u", 60}, {10 * time.Second, "a", "u", 40}}, 0},
		{"value_avg", "  type: value_avg\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    field: Bytes\n    gte: 50\n",
			[]step{{0, "a", "u", 40}, {time.Second, "a", "u", 60}}, 1},
		{"value_percentile rare", "  type: value_percentile\n  rules: [rule_a]\n  group-by: [Action]\n  timespan: 10s\n  condition:\n    field: User\n    lte: 25\n",
			[]step{{0, "a", "u", 0}, {1, "a", "u", 0}, {2, "a", "u", 0}, {3, "a", "rare", 0}, {20 * time.Second, "zz", "z", 0}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := corrEngine(t, head+tc.corr)
			got, base := run(e, tc.steps)
			if len(got) != tc.want {
				t.Errorf("%d correlation signals, want %d (%+v)", len(got), tc.want, got)
			}
			if base != 0 {
				t.Errorf("%d base-rule signals without generate: true", base)
			}
		})
	}
}

func TestCorrelationChainAliasGenerate(t *testing.T) {
	// generate: true keeps base signals; aliases map fields per rule.
	e := corrEngine(t, "title: corr\nid: k1\nname: corr\ncorrelation:\n  type: temporal\n  rules: [rule_a, rule_b]\n"+
		"  group-by: [who]\n  timespan: 5s\n  aliases:\n    who:\n      rule_a: User\n      rule_b: Bytes\n  generate: true\n")
	corr, base := run(e, []step{{0, "a", "7", 0}, {time.Second, "b", "x", 7}})
	if len(corr) != 1 || base != 2 || corr[0].Correlation.Group["who"] != "7" {
		t.Fatalf("corr %v base %d", corr, base)
	}
	// A chain: a correlation over a correlation.
	rs := &RuleSet{}
	m := BuiltinMappings()
	m.AddYAML([]byte("logsources:\n  - product: test\n    service: test\n    when:\n      - event.dataset: test\n"), "test")
	for _, y := range []string{
		"title: rule_a\nid: a1\nname: rule_a\nlogsource:\n  product: test\n  service: test\ndetection:\n  sel:\n    Action: a\n  condition: sel\n",
		"title: twice\nid: k1\nname: twice\ncorrelation:\n  type: event_count\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    gte: 2\n",
		"title: twice twice\nid: k2\ncorrelation:\n  type: event_count\n  rules: [twice]\n  group-by: [User]\n  timespan: 1m\n  condition:\n    gte: 2\n",
	} {
		r, err := ParseRule([]byte(y), "c.yml")
		if err != nil {
			t.Fatal(err)
		}
		rs.Add(r...)
	}
	e2, _ := NewEngine(rs, Options{Mappings: m})
	corr, _ = run(e2, []step{{0, "a", "u", 0}, {time.Second, "a", "u", 0}, {2 * time.Second, "a", "u", 0}, {3 * time.Second, "a", "u", 0}})
	if len(corr) != 3 || corr[2].Rule.ID != "k2" {
		t.Fatalf("chain signals: %d %+v", len(corr), corr)
	}
}

func TestCorrelationStateAndBounds(t *testing.T) {
	corr := "title: corr\nid: k1\nname: corr\ncorrelation:\n  type: event_count\n  rules: [rule_a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    gte: 2\n"
	e := corrEngine(t, corr)
	got, _ := run(e, []step{{0, "a", "u", 0}})
	if len(got) != 0 || e.Stats().States != 1 {
		t.Fatalf("states %d", e.Stats().States)
	}
	var buf bytes.Buffer
	if err := e.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	// A restarted engine continues where the old one stopped.
	e2 := corrEngine(t, corr)
	if err := e2.LoadState(&buf); err != nil {
		t.Fatal(err)
	}
	got, _ = run(e2, []step{{time.Second, "a", "u", 0}})
	if len(got) != 1 {
		t.Fatalf("after restart: %d signals, want 1", len(got))
	}
	// Cap: one state at most.
	e3 := corrEngine(t, corr, func(o *Options) { o.MaxStates = 1 })
	run(e3, []step{{0, "a", "u1", 0}, {0, "a", "u2", 0}})
	if s := e3.Stats(); s.States != 1 || s.StatesDropped != 1 {
		t.Fatalf("stats %+v", s)
	}
	// Late events beyond the allowance are counted, not correlated.
	e4 := corrEngine(t, corr)
	got, _ = run(e4, []step{{time.Minute, "a", "u", 0}, {0, "a", "u", 0}})
	if len(got) != 0 || e4.Stats().LateEvents != 1 {
		t.Fatalf("late: %d signals, stats %+v", len(got), e4.Stats())
	}
	// Expiry: idle groups go away when time moves on.
	e5 := corrEngine(t, corr)
	run(e5, []step{{0, "a", "u", 0}})
	e5.Advance(time.Date(2025, 1, 1, 1, 0, 0, 0, time.UTC).UnixNano(), func(Signal) {})
	if s := e5.Stats(); s.States != 0 || s.StatesExpired != 1 {
		t.Fatalf("expiry stats %+v", s)
	}
}

func FuzzParseRule(f *testing.F) {
	f.Add([]byte(detection("  sel:\n    A|contains|all: [a, b]\n  kw:\n    - x\n  condition: sel and not 1 of kw*\n")))
	f.Add([]byte("title: c\ncorrelation:\n  type: temporal\n  rules: [a]\n  group-by: [x]\n  timespan: 1m\n"))
	f.Add([]byte(detection("  sel:\n    A|base64offset|contains: 'x'\n    B|windash: '-a'\n    C|re|i: 'a+'\n  condition: all of them\n")))
	f.Add([]byte("---\ntitle: a\n---\n- [x\n"))
	m := BuiltinMappings()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		rules, _ := ParseRule(data, "fuzz.yml")
		if len(rules) == 0 {
			return
		}
		e, err := NewEngine(&RuleSet{Rules: rules}, Options{Mappings: m})
		if err != nil {
			t.Fatal(err)
		}
		e.Process(ev("A", "ab", "B", "-a"), func(Signal) {})
	})
}

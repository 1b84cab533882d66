package sigma

import (
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/shoseki/shoseki/internal/event"
)

func TestRegexLits(t *testing.T) {
	tests := []struct {
		expr string
		want []string // nil: no literal set
	}{
		{`abc`, []string{"abc"}},
		{`(?i)InVoKe`, []string{"invoke"}},
		{`IEX`, []string{"iex"}},
		{`foo|bar`, []string{"foo", "bar"}},
		{`foo|.*`, nil},
		{`^a+bc\d+defg`, []string{"defg"}},
		{`[Ss][Ee][Tt]-item`, []string{"set-item"}},
		{`(x|y)z`, nil},                     // one letter literals are too common
		{`\w+` + "`" + `\w`, []string{"`"}}, // a rare character is kept
		{`a?b*`, nil},
		{`(abc){2,}`, []string{"abc"}},
		{`(abc){0,3}`, nil},
		{`é+tude`, []string{"tude"}},
		{`[`, nil},
	}
	for _, tt := range tests {
		got, ok := regexLits(tt.expr)
		if !ok {
			got = nil
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("regexLits(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// checkRegexLits asserts the prefilter's promise for one expression and
// text: when the expression matches, one of its literals is in the text as
// the prefilter scans it (ASCII folded; non-ASCII text lowercased).
func checkRegexLits(t *testing.T, expr, text string) {
	re, err := regexp.Compile(expr)
	if err != nil || !re.MatchString(text) {
		return
	}
	lits, ok := regexLits(expr)
	if !ok {
		return
	}
	scanned := scanFold(strings.ToLower(text))
	for _, l := range lits {
		if strings.Contains(scanned, l) {
			return
		}
	}
	t.Errorf("%q matches %q but none of %q is in %q", expr, text, lits, scanned)
}

func FuzzRegexLits(f *testing.F) {
	f.Add(`(?i)invoke-\w+`, "INVOKE-Expression")
	f.Add(`(?i)s[Kk]`, "ſK")
	f.Add(`a(b|cd)+e`, "xxabcdbexx")
	f.Add(`"(?:\{\d\})+"\s*-f`, `"{0}{1}" -f`)
	f.Fuzz(func(t *testing.T, expr, text string) {
		if len(expr) > 100 || len(text) > 1000 || strings.Contains(expr, "{") && len(expr) > 20 {
			return // keep regexp compile and match times small
		}
		checkRegexLits(t, expr, text)
	})
}

func TestRunRegex(t *testing.T) {
	for _, expr := range []string{`.{3,}`, `.{3}`, `(?s).{3,}`, `.{3,5}`} {
		n, nl, ok := runRegex(expr)
		if !ok {
			t.Fatalf("runRegex(%q) not recognized", expr)
		}
		re := regexp.MustCompile(expr)
		for _, s := range []string{"", "ab", "abc", "ab\nc", "ab\ncde", "a\nb\nc\n", "éé", "ééé", "\xff\xfe\xfd", "ab\n\nabcd"} {
			if got, want := hasRuns(s, n, nl), re.MatchString(s); got != want {
				t.Errorf("%q on %q: %v, regexp says %v", expr, s, got, want)
			}
		}
	}
	for _, expr := range []string{`^.{3,}`, `a.{3,}`, `[a-z]{3,}`, `.*`} {
		if _, _, ok := runRegex(expr); ok {
			t.Errorf("runRegex(%q) recognized", expr)
		}
	}
}

// TestPrefilterSemantics: anchored literals, globs, regexes, keywords and
// event ids as route checks give the same verdicts as plain evaluation.
func TestPrefilterSemantics(t *testing.T) {
	tests := []struct {
		name, det string
		ev        *event.Event
		want      bool
	}{
		{"equal: literal inside the value", "  sel:\n    A: cmd.exe\n  condition: sel", ev("A", "xcmd.exe"), false},
		{"equal: whole value", "  sel:\n    A: cmd.exe\n  condition: sel", ev("A", "CMD.EXE"), true},
		{"prefix: not at start", "  sel:\n    A|startswith: ab\n  condition: sel", ev("A", "xab"), false},
		{"prefix: at start", "  sel:\n    A|startswith: ab\n  condition: sel", ev("A", "ABx"), true},
		{"suffix: not at end", "  sel:\n    A|endswith: '.exe'\n  condition: sel", ev("A", "a.exe.txt"), false},
		{"suffix: at end", "  sel:\n    A|endswith: '.exe'\n  condition: sel", ev("A", "a.exe.txt.exe"), true},
		{"suffix: array element", "  sel:\n    A|endswith: '.exe'\n  condition: sel", ev("A", event.Array(event.String("a.exe.x"), event.String("b.EXE"))), true},
		{"glob: anchored parts", "  sel:\n    A: 'ab*cd?ef'\n  condition: sel", ev("A", "ABxxCDzEF"), true},
		{"glob: anchor not met", "  sel:\n    A: 'ab*cd?ef'\n  condition: sel", ev("A", "xABxxCDzEF"), false},
		{"non-ASCII value", "  sel:\n    A|contains: 'straße'\n  condition: sel", ev("A", "STRASSE Straße"), true},
		{"non-ASCII upper case", "  sel:\n    A|endswith: 'éa'\n  condition: sel", ev("A", "xÉA"), true},
		{"lowercase grows the text", "  sel:\n    A|contains: 'ⱥⱥ'\n  condition: sel", ev("A", "ȺȺ"), true},
		{"literal after skipped bytes", "  sel:\n    A|endswith: 'zq'\n  condition: sel", ev("A", "aaaaaaaaaaaaaZQ"), true},
		{"literal split by skipped bytes", "  sel:\n    A|contains: 'zq'\n  condition: sel", ev("A", "zaq zxq"), false},
		{"regex literal", "  sel:\n    A|re: 'Invoke-[a-z]+'\n  condition: sel", ev("A", "x Invoke-expression"), true},
		{"regex literal case", "  sel:\n    A|re: 'Invoke-[a-z]+'\n  condition: sel", ev("A", "x invoke-expression"), false},
		{"regex i", "  sel:\n    A|re|i: 'invoke-[a-z]+'\n  condition: sel", ev("A", "x INVOKE-expression"), true},
		{"regex long s", "  sel:\n    A|re|i: 'ss'\n  condition: sel", ev("A", "xſſ"), true},
		{"regex run length", "  sel:\n    A|re: '.{5,}'\n  condition: sel", ev("A", "abcd\nefgh"), false},
		{"regex run length met", "  sel:\n    A|re: '.{5,}'\n  condition: sel", ev("A", "abcd\nefghi"), true},
		{"event id route: match", "  sel:\n    EventID: [4688, 1]\n    A: x\n  condition: sel", ev("winlog.event_id", 1, "A", "x"), true},
		{"event id route: other id", "  sel:\n    EventID: [4688, 1]\n    A: x\n  condition: sel", ev("winlog.event_id", 2, "A", "x"), false},
		{"event id under not", "  sel:\n    A: x\n  f:\n    EventID: 4688\n  condition: sel and not f", ev("winlog.event_id", 2, "A", "x"), true},
		{"event id in one branch of or", "  a:\n    EventID: 4688\n  b:\n    A: x\n  condition: a or b", ev("winlog.event_id", 2, "A", "x"), true},
		{"event id in both branches of or", "  a:\n    EventID: 4688\n  b:\n    EventID: 7\n    A: x\n  condition: a or b", ev("winlog.event_id", 7, "A", "x"), true},
		{"event id string value", "  sel:\n    EventID: 4688\n  condition: sel", ev("winlog.event_id", "4688"), true},
		{"keyword", "  keywords:\n    - 'mimikatz'\n  condition: keywords", ev("A", "run MimiKatz now"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngineWithEID(t, detection(tt.det))
			if got := matches(e, tt.ev); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

// testEngineWithEID is testEngine with the test product's EventID mapped to
// winlog.event_id, so that event id selections become route checks.
func testEngineWithEID(t *testing.T, yamlRules ...string) *Engine {
	t.Helper()
	m := BuiltinMappings()
	if err := m.AddYAML([]byte("products:\n  test:\n    fields: {EventID: winlog.event_id}\nlogsources:\n  - product: test\n    service: test\n    when:\n      - event.dataset: test\n"), "test"); err != nil {
		t.Fatal(err)
	}
	rs := &RuleSet{}
	for _, y := range yamlRules {
		rules, err := ParseRule([]byte(y), "rule.yml")
		if err != nil {
			t.Fatal(err)
		}
		rs.Add(rules...)
	}
	e, err := NewEngine(rs, Options{Mappings: m})
	if err != nil {
		t.Fatal(err)
	}
	for _, nc := range e.NotCompiled() {
		t.Fatalf("not compiled: %v", nc.Error())
	}
	return e
}

func TestKeywordsOnWindowsEvents(t *testing.T) {
	rule := "title: t\nid: r1\nlogsource:\n  product: windows\ndetection:\n  keywords:\n    - '%s'\n  condition: keywords\n"
	x := &event.Event{}
	x.Set("event.module", event.String("windows"))
	x.Set("winlog.channel", event.String("Security"))
	x.Set("winlog.event_id", event.Int(4624))
	x.Set("winlog.event_data.TargetUserName", event.String("Mallory"))
	x.Set("event.outcome", event.String("success"))
	x.Set("event.original", event.String("<Event>secret</Event>"))
	for kw, want := range map[string]bool{"mallory": true, "security": true, "success": false, "secret": false} {
		rs := &RuleSet{}
		rules, err := ParseRule([]byte(strings.Replace(rule, "%s", kw, 1)), "r.yml")
		if err != nil {
			t.Fatal(err)
		}
		rs.Add(rules...)
		e, err := NewEngine(rs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := matches(e, x); got != want {
			t.Errorf("keyword %q: match %v, want %v", kw, got, want)
		}
	}
}

// bruteForce returns the ids of the compiled rules that match ev, evaluating
// every variant whose logsource selects the event: no routing index, no
// event id route checks, no prefilter.
func bruteForce(e *Engine, ev *event.Event) []string {
	e.ctx.reset(ev)
	var out []string
	for _, cr := range e.rules {
		for _, v := range cr.variants {
			if logsourceSelects(ev, v.alt) && e.ctx.evalNode(v.root) {
				out = append(out, ruleKey(cr.rule))
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

func ruleKey(r *Rule) string { return r.ID + " " + r.File }

func logsourceSelects(ev *event.Event, alt map[string][]string) bool {
	for f, vals := range alt {
		v, ok := ev.Get(f)
		if !ok {
			return false
		}
		if len(vals) == 1 && vals[0] == "*" {
			continue
		}
		text := strings.ToLower(v.Text())
		if n, isInt := v.Int(); isInt && v.Type() == event.TypeInt {
			text = strconv.FormatInt(n, 10)
		}
		found := false
		for _, want := range vals {
			if strings.ToLower(want) == text {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// TestPrefilterConservative: over real Windows events (every regression
// case, and in the long run EVTX-ATTACK-SAMPLES), the engine with routing,
// event id route checks and the literal prefilter finds exactly the rules
// that evaluating every rule finds.
func TestPrefilterConservative(t *testing.T) {
	_, _, e := loadFull(t)
	var evs []*event.Event
	for _, c := range regressionCases(t) {
		evs = append(evs, loadCaseEvents(t, c)...)
	}
	if !testing.Short() {
		all := attackSamplesT(t)
		for i := 0; i < len(all); i += 4 {
			evs = append(evs, all[i])
		}
	}
	diffs := 0
	for i, ev := range evs {
		var got []string
		for _, x := range e.Explain(ev) {
			got = append(got, ruleKey(x.Rule))
		}
		sort.Strings(got)
		want := bruteForce(e, ev)
		if !slices.Equal(got, want) {
			diffs++
			if diffs <= 10 {
				t.Errorf("event %d (%s %s): engine %q, every rule %q", i, ev.GetString("winlog.channel"), ev.GetString("winlog.event_id"), got, want)
			}
		}
	}
	t.Logf("%d events compared, %d differ", len(evs), diffs)
}

// TestAutomaton compares the automaton, with all states dense, with only
// the root dense, and in between, against strings.Index on every position.
func TestAutomaton(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "abcAB\\.é"
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for round := range 200 {
		var lits []string
		seen := map[string]bool{}
		for range 1 + rng.IntN(30) {
			l := asciiLower(word(1 + rng.IntN(5)))
			if !seen[l] {
				seen[l] = true
				lits = append(lits, l)
			}
		}
		text := word(rng.IntN(60))
		want := map[[2]int]bool{}
		low := asciiLower(text)
		for id, l := range lits {
			for i := 0; i+len(l) <= len(low); i++ {
				if low[i:i+len(l)] == l {
					want[[2]int{id, i + len(l) - 1}] = true
				}
			}
		}
		for _, cells := range []int{1, 64, 1 << 20} {
			a := buildAutomatonCells(lits, cells)
			got := map[[2]int]bool{}
			a.find(text, func(id int32, end int) { got[[2]int{int(id), end}] = true })
			if !maps.Equal(got, want) {
				t.Fatalf("round %d, cells %d: lits %q text %q: got %v, want %v", round, cells, lits, text, got, want)
			}
		}
	}
}

package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	yaml "github.com/goccy/go-yaml"

	"github.com/jitsi-sim/confsim/internal/campaign"
	"github.com/jitsi-sim/confsim/internal/invariant"
	"github.com/jitsi-sim/confsim/sim"
)

func TestVersionOf(t *testing.T) {
	for _, c := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{debug.BuildInfo{}, "devel"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}}, "0123456789ab"},
		{debug.BuildInfo{Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, "0123456789ab-dirty"},
	} {
		if got := versionOf(&c.bi); got != c.want {
			t.Errorf("%+v: %q, want %q", c.bi, got, c.want)
		}
	}
}

// TestEveryProfileHasAPin: simulate version must say, for every profile,
// which lib-jitsi-meet commit it follows; a new profile is decided in
// libPins (or documented as following none here).
func TestEveryProfileHasAPin(t *testing.T) {
	followsNone := map[sim.Profile]bool{sim.ProfileDocumented: true}
	for _, p := range sim.Profiles {
		if _, ok := libPins[p]; ok == followsNone[p] {
			t.Errorf("profile %s: pinned %v, follows no commit %v: decide in libPins", p, ok, followsNone[p])
		}
	}
	_, out, _ := call("version")
	for _, p := range sim.Profiles {
		if !strings.Contains(out, string(p)) {
			t.Errorf("simulate version does not name profile %s:\n%s", p, out)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := call("version")
	want := "simulate (confsim) devel\nprofiles:\n    documented       lib-jitsi-meet none (the documented error list)\n    lib-jitsi-meet   lib-jitsi-meet 01daa07c3f8c\n"
	if code != exitOK || !strings.HasPrefix(out, want) {
		t.Errorf("exit %d:\n%s\nwant it to begin\n%s", code, out, want)
	}
	if code, out2, _ := call("--version"); code != exitOK || out2 != out {
		t.Errorf("--version: exit %d\n%s", code, out2)
	}
	code, out, _ = call("version", "--format", "json")
	var v struct {
		Tool, Version string
		Profiles      []profilePin
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != exitOK || v.Tool != "confsim" || v.Version != "devel" ||
		len(v.Profiles) != len(sim.Profiles) || v.Profiles[0].LibJitsiMeet != nil || *v.Profiles[1].LibJitsiMeet != "01daa07c3f8c" {
		t.Errorf("json: exit %d, %v: %s", code, err, out)
	}
	if code, _, stderr := call("version", "extra"); code != exitBadInput || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("an argument: exit %d, %s", code, stderr)
	}
}

// TestRunHeader: the profile and seed all the scenarios share, else mixed
// and null; each scenario's own in scenarios.
func TestRunHeader(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", passing)
	write(t, dir, "b.yaml", "profile: lib-jitsi-meet\nseed: 9\n"+passing)
	header := func(args ...string) jsonlHeader {
		t.Helper()
		_, out, _ := call(append([]string{"run", "--format", "jsonl"}, args...)...)
		first, _, _ := strings.Cut(out, "\n")
		var h struct {
			Header *jsonlHeader `json:"header"`
		}
		if err := json.Unmarshal([]byte(first), &h); err != nil || h.Header == nil {
			t.Fatalf("first line %q: %v", first, err)
		}
		return *h.Header
	}
	h := header(filepath.Join(dir, "b.yaml"))
	if h.Profile != "lib-jitsi-meet" || h.LibJitsiMeet == nil || *h.LibJitsiMeet != "01daa07c3f8c" || h.Seed == nil || *h.Seed != 9 {
		t.Errorf("one scenario: %+v", h)
	}
	h = header(dir)
	if h.Profile != "mixed" || h.LibJitsiMeet != nil || h.Seed != nil || len(h.Scenarios) != 2 ||
		h.Scenarios[0].Profile != "documented" || h.Scenarios[0].Seed != 1 || h.Scenarios[0].LibJitsiMeet != nil ||
		h.Scenarios[1].Profile != "lib-jitsi-meet" || h.Scenarios[1].Seed != 9 || *h.Scenarios[1].LibJitsiMeet != "01daa07c3f8c" {
		t.Errorf("two scenarios: %+v", h)
	}
}

// TestJSONLAfterHeaderUnchanged: the records and results after the header
// are what scenario.WriteJSONL writes (what diff and conformance read).
func TestJSONLAfterHeaderUnchanged(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.yaml", passing)
	_, out, _ := call("run", "--format", "jsonl", p)
	_, rest, _ := strings.Cut(out, "\n")
	if strings.Contains(rest, `"header"`) || !strings.HasPrefix(rest, `{"scenario":"a","file":`) {
		t.Errorf("after the header: %.200s", rest)
	}
}

func TestGitHubEscapes(t *testing.T) {
	var b strings.Builder
	ghError(&b, "a,b:c.yaml", 3, 4, "t: x", "100% sure\nnext\r")
	want := "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=t%3A x::100%25 sure%0Anext%0D\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	b.Reset()
	ghError(&b, "f.yaml", 0, 0, "t", "m")
	if b.String() != "::error file=f.yaml,title=t::m\n" {
		t.Errorf("no line: %q", b.String())
	}
}

func TestValidateGitHub(t *testing.T) {
	dir := t.TempDir()
	bad := write(t, dir, "bad.yaml", "description: x\nsteps:\n  - fault: nope\n")
	code, out, stderr := call("validate", "--format", "github", bad)
	if code != exitBadInput || !regexp.MustCompile(`(?m)^::error file=[^,]*bad\.yaml,line=3,col=12,title=simulate validate%3A bad scenario file::unknown fault "nope"`).MatchString(out) ||
		!strings.Contains(stderr, "bad.yaml:3:12: unknown fault") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	if code, out, _ := call("validate", "--format", "github", write(t, dir, "ok.yaml", passing)); code != exitOK || strings.Contains(out, "::") {
		t.Errorf("a good file: exit %d, %s", code, out)
	}
}

// TestJUnitTimesFilesAndBadInput: the report has time, file and line; bad
// input gives one failing case per bad file.
func TestJUnitTimesFilesAndBadInput(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", passing)
	write(t, dir, "b.yaml", failing)
	report := filepath.Join(t.TempDir(), "r.xml")
	call("run", "--junit", report, dir)
	var doc junitSuites
	data, _ := os.ReadFile(report)
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	cs := doc.Suites[0].Cases
	if len(cs) != 2 || cs[0].Line != 1 || cs[1].Line != 4 || !strings.HasSuffix(cs[1].File, "b.yaml") || cs[0].Time == "" ||
		cs[1].Properties == nil || cs[1].Properties.Props[0] != (junitProp{"virtual_ms", "100"}) {
		t.Errorf("cases: %+v", cs)
	}
	write(t, dir, "c.yaml", "description: x\nroom: {occupants: many}\n")
	write(t, dir, "d.yaml", "description: x\nsteps:\n  - wait: 5\n")
	if code, _, _ := call("run", "--junit", report, dir); code != exitBadInput {
		t.Fatalf("exit %d", code)
	}
	data, _ = os.ReadFile(report)
	doc = junitSuites{}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	cs = doc.Suites[0].Cases
	if doc.Tests != 2 || doc.Failures != 2 || len(cs) != 2 || cs[0].Failure == nil || cs[0].Failure.Type != "bad-input" ||
		cs[0].Line != 2 || !strings.HasSuffix(cs[1].File, "d.yaml") || !strings.Contains(cs[1].Failure.Body, "nothing was run") {
		t.Errorf("bad input report: %s", data)
	}
	// A path that names nothing is a case too.
	if code, _, _ := call("run", "--junit", report, filepath.Join(dir, "nope.yaml")); code != exitBadInput {
		t.Fatalf("exit %d", code)
	}
	data, _ = os.ReadFile(report)
	if !strings.Contains(string(data), `failures="1"`) || !strings.Contains(string(data), "no such file or directory") {
		t.Errorf("missing path: %s", data)
	}
}

// TestJUnitCampaign: one failing case per failing run listed, holding its
// reproduce command, and one for the runs beyond the list.
func TestJUnitCampaign(t *testing.T) {
	rep := &campaign.Report{Seed: 3, Shards: []string{"0/1"}, Runs: 10, ViolationRuns: 3, Failures: []campaign.Failure{
		{Run: 4, Violation: invariant.Violation{Invariant: "terminal-absorbs", Message: "m"}, Reproduce: "simulate random --seed 3 --run 4", Scenario: "failures/x.yaml", Shrunk: 2},
		{Run: 7, Violation: invariant.Violation{Invariant: "fatal-ends", Message: "n"}, Reproduce: "simulate random --seed 3 --run 7"},
	}}
	var doc junitSuites
	if err := xml.Unmarshal(junitCampaign(rep, 0), &doc); err != nil {
		t.Fatal(err)
	}
	cs := doc.Suites[0].Cases
	if doc.Tests != 3 || doc.Failures != 3 || cs[0].Name != "run-4" || !strings.Contains(cs[0].Failure.Body, "reproduce: simulate random --seed 3 --run 4") ||
		cs[0].File != "failures/x.yaml" || !strings.Contains(cs[0].Failure.Body, "simulate run failures/x.yaml") ||
		cs[1].Name != "run-7" || !strings.Contains(cs[2].Failure.Message, "1 more runs") {
		t.Errorf("report: %+v", doc)
	}
	rep.ViolationRuns, rep.Failures = 0, nil
	doc = junitSuites{}
	xml.Unmarshal(junitCampaign(rep, 0), &doc)
	if doc.Tests != 1 || doc.Failures != 0 {
		t.Errorf("no failure: %+v", doc)
	}
}

func TestSummaryMarkdown(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", passing)
	write(t, dir, "b.yaml", failing)
	md := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(md, []byte("earlier step\n"), 0o644)
	call("run", "--summary", md, dir)
	data, _ := os.ReadFile(md)
	s := string(data)
	for _, want := range []string{"earlier step\n## simulate run\n", "**FAIL**: 2 scenarios, 1 passed, 1 failed", "| b | ", "b.yaml:4:5 |", "Conference errors: 0 of 20."} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	// --summary never writes over an input.
	if code, _, stderr := call("run", "--summary", filepath.Join(dir, "a.yaml"), dir); code != exitBadInput || !strings.Contains(stderr, "that is the scenario file") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestDiffPassesOverTheHeader: simulate diff reads what run --format jsonl
// writes, header included, and a header changes no comparison.
func TestDiffPassesOverTheHeader(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.yaml", passing)
	_, withHeader, _ := call("run", "--format", "jsonl", p)
	_, bare, _ := strings.Cut(withHeader, "\n")
	a := write(t, dir, "a.jsonl", withHeader)
	b := write(t, dir, "b.jsonl", bare)
	if code, out, stderr := call("diff", a, b); code != exitOK {
		t.Fatalf("a trace and the same without its header: exit %d\n%s%s", code, out, stderr)
	}
	// A line with "header" and "event" is a record, checked as one.
	c := write(t, dir, "c.jsonl", `{"header":1,"event":"x","scenario":"a"}`+"\n")
	if code, _, stderr := call("diff", c, b); code != exitBadInput || !strings.Contains(stderr, `c.jsonl:1: missing key "t_ms"`) {
		t.Errorf("a record with a header key: exit %d, %s", code, stderr)
	}
}

// TestGitHubWorkflowExample runs the simulate commands of the workflow in
// docs/ci-github-actions.md, as its jobs would (with fewer runs): every
// flag exists, the shards merge, and a lost shard fails the merge.
func TestGitHubWorkflowExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/ci-github-actions.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatal("no yaml block")
	}
	var wf struct {
		Env  map[string]string
		Jobs map[string]struct {
			Strategy struct{ Matrix struct{ Shard []int } }
			Steps    []struct{ Run string }
		}
	}
	if err := yaml.Unmarshal([]byte(block), &wf); err != nil {
		t.Fatal(err)
	}
	shards := wf.Jobs["campaign"].Strategy.Matrix.Shard
	if strconv.Itoa(len(shards)) != wf.Env["SHARDS"] {
		t.Fatalf("matrix %v, SHARDS %s", shards, wf.Env["SHARDS"])
	}
	dir := t.TempDir()
	summary := filepath.Join(dir, "step-summary.md")
	vars := strings.NewReplacer(`"$SEED"`, wf.Env["SEED"], `"$RUNS"`, "40", `$SHARDS`, wf.Env["SHARDS"],
		`"$GITHUB_STEP_SUMMARY"`, summary, "scenarios/", "../../scenarios/", `"`, "")
	// simulate runs one command line of a step in dir; it returns the exit
	// status.
	simulate := func(line string) int {
		t.Helper()
		var out string
		args := strings.Fields(vars.Replace(line))
		if i := slices.Index(args, ">"); i >= 0 {
			out, args = filepath.Join(dir, args[i+1]), args[:i]
		}
		var expanded []string
		for _, a := range args[1:] {
			if m, _ := filepath.Glob(filepath.Join(dir, a)); strings.Contains(a, "*") && m != nil {
				expanded = append(expanded, m...)
			} else if strings.HasPrefix(a, "junit") || strings.HasSuffix(a, ".xml") {
				expanded = append(expanded, filepath.Join(dir, a))
			} else {
				expanded = append(expanded, a)
			}
		}
		code, stdout, stderr := call(expanded...)
		if out != "" {
			os.WriteFile(out, []byte(stdout), 0o644)
		}
		if code > exitFail {
			t.Errorf("%s: exit %d\n%s", line, code, stderr)
		}
		return code
	}
	var ran []string
	for _, job := range []string{"scenarios", "campaign", "merge"} {
		for _, st := range wf.Jobs[job].Steps {
			for _, line := range strings.Split(strings.ReplaceAll(st.Run, "\n", " "), "&&") {
				line = strings.TrimSpace(line)
				if !strings.HasPrefix(line, "./simulate ") {
					continue
				}
				ran = append(ran, job)
				if job != "campaign" {
					simulate(line)
					continue
				}
				for _, i := range shards {
					simulate(strings.ReplaceAll(line, "${{ matrix.shard }}", strconv.Itoa(i)))
				}
			}
		}
	}
	if !slices.Contains(ran, "merge") || !slices.Contains(ran, "campaign") || !slices.Contains(ran, "scenarios") {
		t.Fatalf("simulate commands ran in %v", ran)
	}
	data, _ := os.ReadFile(summary)
	if n := strings.Count(string(data), "## simulate random\n"); !strings.Contains(string(data), "## simulate run\n\n**") || n != len(shards) {
		t.Errorf("the step summaries (%d of random):\n%.300s", n, data)
	}
	if !strings.Contains(string(data), "## simulate merge\n\n**PASS**: seed 7, shards 0/4,1/4,2/4,3/4: 40 runs") {
		t.Errorf("the merged summary:\n%s", data)
	}
	// A lost artifact: the merge step fails.
	os.Remove(filepath.Join(dir, "shard-2.json"))
	if code, _, stderr := call("merge", filepath.Join(dir, "shard-0.json"), filepath.Join(dir, "shard-1.json"), filepath.Join(dir, "shard-3.json")); code != exitBadInput || !strings.Contains(stderr, "missing: 2/4") {
		t.Errorf("a lost shard: exit %d, %s", code, stderr)
	}
}

// TestRandomJSONLFieldsAsTheHelpSays: the keys of a record are those the
// manual lists, in its order.
func TestRandomJSONLFieldsAsTheHelpSays(t *testing.T) {
	_, out, _ := call("random", "--seed", "3", "--runs", "1", "--format", "jsonl")
	lines := strings.Split(out, "\n")
	if len(lines) < 2 {
		t.Fatalf("output %q", out)
	}
	// The top-level keys in order.
	var got []string
	d := json.NewDecoder(strings.NewReader(lines[1]))
	d.Token() // {
	for d.More() {
		k, _ := d.Token()
		got = append(got, k.(string))
		var skip json.RawMessage
		d.Decode(&skip)
	}
	manual := strings.Join(strings.Fields(randomManual), " ")
	want := `{"scenario": "run-I", "t_ms", "event", "error", "params", "args", "phase", "state"}`
	if !strings.Contains(manual, want) {
		t.Fatalf("the manual does not list %s", want)
	}
	if strings.Join(got, ",") != "scenario,t_ms,event,error,params,args,phase,state" {
		t.Errorf("record keys %v: %s", got, lines[1])
	}
}

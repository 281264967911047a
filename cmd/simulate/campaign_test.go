package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/internal/campaign"
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestRandomJSONSameForAnyWorkers(t *testing.T) {
	a, _, c1 := runCLI(t, "random", "--seed", "5", "--runs", "600", "--workers", "1", "--format", "json")
	b, _, c2 := runCLI(t, "random", "--seed", "5", "--runs", "600", "--workers", "2", "--format", "json")
	if a != b || c1 != c2 {
		t.Fatal("json differs between 1 and 2 workers")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(a), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"runs", "events", "errors", "coverage", "violations"} {
		if _, ok := m[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	if m["runs"].(float64) != 600 {
		t.Errorf("runs = %v", m["runs"])
	}
	j1, _, _ := runCLI(t, "random", "--seed", "5", "--runs", "200", "--workers", "1", "--format", "jsonl")
	j2, _, _ := runCLI(t, "random", "--seed", "5", "--runs", "200", "--workers", "2", "--format", "jsonl")
	header := `{"header":{"tool":"confsim","version":"devel","profile":"documented","lib_jitsi_meet":null,"seed":5}}` + "\n"
	if j1 != j2 || !strings.HasPrefix(j1, header+`{"scenario":"run-0","t_ms":`) {
		t.Fatalf("jsonl differs or is malformed: %.200s", j1)
	}
}

func TestRandomShardsMerge(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, sh := range []string{"0/2", "1/2"} {
		out, errOut, code := runCLI(t, "random", "--seed", "9", "--runs", "400", "--shard", sh, "--format", "json")
		if code != 0 {
			t.Fatalf("shard %s: exit %d: %s", sh, code, errOut)
		}
		f := filepath.Join(dir, strings.ReplaceAll(sh, "/", "of")+".json")
		os.WriteFile(f, []byte(out), 0o644)
		files = append(files, f)
	}
	merged, errOut, code := runCLI(t, append([]string{"merge", "--format", "json"}, files...)...)
	if code != 0 {
		t.Fatalf("merge: %d %s", code, errOut)
	}
	whole, _, _ := runCLI(t, "random", "--seed", "9", "--runs", "400", "--format", "json")
	var a, b map[string]any
	json.Unmarshal([]byte(merged), &a)
	json.Unmarshal([]byte(whole), &b)
	delete(a, "shards")
	delete(b, "shards")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("merged shards differ from the whole campaign")
	}
	if _, _, code := runCLI(t, "merge", files[0], files[0]); code != 2 {
		t.Errorf("merging one shard twice: exit %d", code)
	}
}

// Bad input exits 2 with one error line (and the usage hint), nothing on
// stdout; out-of-range values are refused, not replaced by defaults.
func TestCampaignBadInput(t *testing.T) {
	dir := t.TempDir()
	s0 := filepath.Join(dir, "s0.json")
	os.WriteFile(s0, []byte(`{"errors":{},"shards":["0/2"],"seed":5,"params":"p"}`), 0o644)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"random", "--shard", "3/2"}, `--shard: shard "3/2": want I/N with 0 <= I < N`},
		{[]string{"random", "--shard", "1/2junk"}, `--shard: shard "1/2junk": want I/N`},
		{[]string{"random", "--shard", "1/2/3"}, `--shard: shard "1/2/3": want I/N`},
		{[]string{"random", "--shard", "0/0"}, `--shard: shard "0/0": want I/N`},
		{[]string{"random", "--fault", "nope=0.1"}, `unknown fault selector "nope"`},
		{[]string{"random", "--fault", "all=2"}, `fault probability 2 for "all" is not a probability`},
		{[]string{"random", "--profile", "x"}, `--profile: unknown value "x"`},
		{[]string{"random", "--format", "xml"}, `--format: unknown value "xml"`},
		{[]string{"random", "--no-such-flag"}, `flag provided but not defined: -no-such-flag`},
		{[]string{"random", "--steps", "0"}, `--steps 0: want at least 1`},
		{[]string{"random", "--steps", "-5"}, `--steps -5: want at least 1`},
		{[]string{"random", "--keep-failures", "0"}, `--keep-failures 0: want at least 1`},
		{[]string{"random", "--workers", "-3"}, `--workers -3: want 1 to 256`},
		{[]string{"random", "--fault-rate", "-3"}, `--fault-rate -3: want a probability`},
		{[]string{"random", "--fault-rate", "NaN"}, `"NaN" is not a decimal number`},
		{[]string{"random", "--runs", "0"}, `--runs 0: want at least 1`},
		// Workers are bounded; numeric flags are decimal (issue 13).
		{[]string{"random", "--workers", "1000000"}, `--workers 1000000: want 1 to 256`},
		{[]string{"random", "--workers", "9223372036854775807"}, `--workers 9223372036854775807: want 1 to 256`},
		{[]string{"random", "--workers", "99999999999999999999"}, `99999999999999999999 is out of range`},
		{[]string{"random", "--seed", "0x10"}, `"0x10" is not a decimal integer, 0 or more`},
		{[]string{"random", "--seed", "1_000"}, `"1_000" is not a decimal integer, 0 or more`},
		{[]string{"random", "--seed", "+1"}, `"+1" is not a decimal integer, 0 or more`},
		{[]string{"random", "--seed", "-1"}, `"-1" is not a decimal integer, 0 or more`},
		{[]string{"random", "--runs", "0o17"}, `"0o17" is not a decimal integer, 0 or more`},
		{[]string{"random", "--steps", "0b11"}, `"0b11" is not a decimal integer`},
		{[]string{"random", "--fault-rate", "0x1p-3"}, `"0x1p-3" is not a decimal number`},
		{[]string{"random", "--fault-rate", "Inf"}, `"Inf" is not a decimal number`},
		{[]string{"random", "--fault", "all=0x1p-3"}, `probability: "0x1p-3" is not a decimal number`},
		{[]string{"explore", "--depth", "0x2"}, `"0x2" is not a decimal integer`},
		{[]string{"explore", "--workers", "300"}, `--workers 300: want 1 to 256`},
		{[]string{"merge", "--keep-failures", "0x1", s0}, `"0x1" is not a decimal integer`},
		{[]string{"random", "--run", "-5"}, `--run "-5": want a run index`},
		{[]string{"random", "--run", "3", "--format", "json"}, `--format json: with --run, want text or jsonl`},
		{[]string{"random", "extra"}, `unexpected argument "extra"`},
		{[]string{"explore", "--depth", "0"}, `--depth 0: want 1 to 4`},
		{[]string{"explore", "--depth", "5"}, `--depth 5: want 1 to 4`},
		{[]string{"explore", "--workers", "0"}, `--workers 0: want 1 to 256`},
		{[]string{"explore", "--profile", "x"}, `--profile: unknown value "x"`},
		{[]string{"explore", "--profile", "mixed"}, `--profile: unknown value "mixed"`},
		{[]string{"merge"}, `no summary files`},
		{[]string{"merge", s0, "--format", "xml"}, `--format: unknown value "xml"`},
		{[]string{"merge", "/no/such/file.json"}, `open /no/such/file.json: no such file or directory`},
	} {
		out, errOut, code := runCLI(t, c.args...)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if len(lines) == 2 && strings.HasPrefix(lines[1], "Run 'simulate ") {
			lines = lines[:1]
		}
		if code != exitBadInput || out != "" || len(lines) != 1 || !strings.Contains(lines[0], c.msg) {
			t.Errorf("%v: exit %d, stderr %q, stdout %.80q; want exit 2 and one line with %q", c.args, code, errOut, out, c.msg)
		}
	}
	for _, cmd := range []string{"random", "explore", "merge"} {
		out, _, code := runCLI(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "EXAMPLES") {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
	}
}

// Flags may follow the file arguments of merge.
func TestMergeFlagsAfterFiles(t *testing.T) {
	dir := t.TempDir()
	s0 := filepath.Join(dir, "s0.json")
	os.WriteFile(s0, []byte(`{"errors":{},"shards":["0/1"],"seed":5,"params":"--runs 1","runs":1}`), 0o644)
	out, errOut, code := runCLI(t, "merge", s0, "--format", "json")
	if code != exitOK || !strings.HasPrefix(out, "{") || errOut != "" {
		t.Fatalf("exit %d, stderr %q, stdout %.80q", code, errOut, out)
	}
}

// merge reads summaries whose maps are null, and refuses shards that split
// the campaign differently, repeat or are out of range.
func TestMergeNullFieldsAndMismatchedShards(t *testing.T) {
	dir := t.TempDir()
	write := func(name, js string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v1 := write("v1.json", `{"errors":{},"shards":["0/2"],"violations":null,"failures":null,"seed":5,"params":"--runs 2","runs":1}`)
	v2 := write("v2.json", `{"errors":{},"shards":["1/2"],"violations":{"classification":1},"violation_runs":1,"seed":5,"params":"--runs 2","runs":1}`)
	out, errOut, code := runCLI(t, "merge", "--format", "json", v1, v2)
	if code != exitFail || !strings.Contains(out, `"classification": 1`) || errOut != "" {
		t.Fatalf("null violations: exit %d, stderr %q, stdout %s", code, errOut, out)
	}
	v3 := write("v3.json", `{"errors":{},"shards":["0/3"],"seed":5,"params":"--runs 2","runs":1}`)
	for _, c := range []struct {
		files []string
		msg   string
	}{
		{[]string{v1, v3}, "v3.json: shards 0/2 and 0/3 split the campaign differently"},
		{[]string{v1, v1}, "v1.json: shard 0/2 is in two reports"},
		{[]string{write("z.json", `{"errors":{},"shards":["0/0"],"seed":5,"params":"p"}`)}, `shard "0/0": want I/N with 0 <= I < N`},
		{[]string{write("o.json", `{"errors":{},"shards":["5/2"],"seed":5,"params":"p"}`)}, `shard "5/2": want I/N with 0 <= I < N`},
	} {
		out, errOut, code := runCLI(t, append([]string{"merge"}, c.files...)...)
		if code != exitBadInput || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.files, code, errOut, c.msg)
		}
	}
	// A missing shard is named, and is bad input unless --allow-partial.
	out, errOut, code = runCLI(t, "merge", v1)
	if code != exitBadInput || out != "" || !strings.Contains(errOut, "(missing: 1/2)") || !strings.Contains(errOut, "--allow-partial") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "merge", "--allow-partial", v1)
	if code != exitOK || out == "" || !strings.Contains(errOut, "warning: the shards do not cover the campaign (missing: 1/2)") {
		t.Errorf("--allow-partial: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// A failing run (made to fail by an invariant injected for the test) is
// shrunk to a scenario file whose description says simulate run fails on
// it, and simulate run does: exit 1, on the offending record.
func TestShrunkScenarioFailsUnderRun(t *testing.T) {
	c, err := campaign.New(campaign.Options{Seed: 1, Runs: 400, Workers: 2, Steps: 20, Extra: func(r *sim.Record) string {
		if r.Event == catalog.Kicked {
			return "kicked"
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := c.Run()
	if err != nil || len(sum.Failures) == 0 {
		t.Fatalf("no failing run: %v", err)
	}
	dir := t.TempDir()
	f := &sum.Failures[0]
	path, sh, err := writeShrunk(dir, c, f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sh.Fails || len(sh.Steps) >= len(f.Steps) || strings.Contains(string(data), "advance: 0") {
		t.Fatalf("fails %v, %d steps from %d:\n%s", sh.Fails, len(sh.Steps), len(f.Steps), data)
	}
	desc := strings.Join(strings.Fields(string(data)), " ")
	if !strings.Contains(desc, "simulate run fails on this file as long as the bug is there: it never expects conference.kicked") {
		t.Errorf("the description does not say how the file fails:\n%s", data)
	}
	out, errOut, code := runCLI(t, "run", path)
	if code != exitFail || !strings.Contains(out, "conference.kicked") {
		t.Fatalf("simulate run %s: exit %d, want 1\n%s%s\n%s", path, code, out, errOut, data)
	}
}

// The campaign commands' manuals have the sections of the others, and
// simulate help COMMAND prints them.
func TestCampaignManuals(t *testing.T) {
	for name, manual := range map[string]string{"random": randomManual, "explore": exploreManual, "merge": mergeManual} {
		if !strings.HasPrefix(manual, "NAME\n    simulate "+name+" - ") {
			t.Errorf("%s: the manual does not start with NAME", name)
		}
		for _, sec := range []string{"\nSYNOPSIS\n", "\nDESCRIPTION\n", "\nOPTIONS\n", "\nEXIT STATUS\n", "\nEXAMPLES\n"} {
			if !strings.Contains(manual, sec) {
				t.Errorf("%s: the manual lacks %s", name, strings.TrimSpace(sec))
			}
		}
		for _, args := range [][]string{{"help", name}, {name, "--help"}} {
			if out, _, code := runCLI(t, args...); code != exitOK || out != manual {
				t.Errorf("%v: exit %d, not the manual", args, code)
			}
		}
	}
}

func TestExploreJSONAndEmit(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "explore", "--profile", "lib-jitsi-meet", "--format", "json", "--emit", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Profile     string
		States      int
		Transitions int
		Errors      []struct {
			Value     string
			Reachable bool
			Steps     int
			Witness   []string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	unreachable := 0
	for _, e := range res.Errors {
		if !e.Reachable {
			unreachable++
		}
	}
	if res.Profile != "lib-jitsi-meet" || len(res.Errors) != 20 || unreachable != 3 || res.States == 0 {
		t.Fatalf("unexpected result: %+v", res)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != 17 {
		t.Fatalf("%d witness files", len(files))
	}
	if _, errOut, code := runCLI(t, append([]string{"run", "-q"}, files...)...); code != 0 {
		t.Fatalf("simulate run on the witnesses: exit %d: %s", code, errOut)
	}
}

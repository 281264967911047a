package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if j1 != j2 || !strings.HasPrefix(j1, `{"scenario":"run-0","t_ms":`) {
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

func TestCampaignBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"random", "--shard", "3/2"}, {"random", "--fault", "nope=0.1"}, {"random", "--profile", "x"},
		{"random", "--format", "xml"}, {"random", "--no-such-flag"}, {"explore", "--depth", "0"},
		{"explore", "--profile", "x"}, {"merge"}, {"merge", "/no/such/file.json"},
	} {
		if _, _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	for _, cmd := range []string{"random", "explore", "merge"} {
		out, _, code := runCLI(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "EXAMPLES") {
			t.Errorf("%s --help: exit %d", cmd, code)
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

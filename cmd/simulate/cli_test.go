package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/jitsi-sim/confsim/internal/catalog"
)

// call runs the command line in-process.
func call(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func write(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const passing = `description: joins a room
steps:
  - action: join
  - expect: {event: conference.joined}
`

const failing = `description: expects an error that never comes
steps:
  - action: join
  - expect: {error: conference.iceFailed, within: 100}
`

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	pass := write(t, dir, "pass.yaml", passing)
	fail := write(t, dir, "fail.yaml", failing)
	bad := write(t, dir, "bad.yaml", "description: x\nsteps:\n  - fault: nope\n")
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"run", pass}, exitOK},
		{[]string{"run", fail}, exitFail},
		{[]string{"run", pass, fail}, exitFail},
		{[]string{"run", pass, fail, bad}, exitBadInput},
		{[]string{"run", "--format", "jsonl", fail}, exitFail},
		{[]string{"run"}, exitBadInput},
		{[]string{"run", "--nope", pass}, exitBadInput},
		{[]string{"run", filepath.Join(dir, "missing.yaml")}, exitBadInput},
		{[]string{"validate", pass, fail}, exitOK},
		{[]string{"validate", bad}, exitBadInput},
		{[]string{"validate"}, exitBadInput},
		{[]string{"errors"}, exitOK},
		{[]string{"errors", "--format", "json"}, exitOK},
		{[]string{"errors", "--format", "xml"}, exitBadInput},
		{[]string{"describe", "--scenarios", dir, "ICE_FAILED"}, exitOK},
		{[]string{"describe", "ICE_FAILD"}, exitBadInput},
		{[]string{"graph"}, exitOK},
		{[]string{"graph", "--format", "dot"}, exitOK},
		{[]string{"graph", "--format", "svg"}, exitBadInput},
		{[]string{}, exitBadInput},
		{[]string{"nope"}, exitBadInput},
		{[]string{"--help"}, exitOK},
		{[]string{"help", "describe"}, exitOK},
		{[]string{"run", "--help"}, exitOK},
	} {
		if code, stdout, stderr := call(c.args...); code != c.code {
			t.Errorf("simulate %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(c.args, " "), code, c.code, stdout, stderr)
		}
	}
}

func TestBadInputRunsNothing(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", passing)
	write(t, dir, "b.yaml", "description: x\nroom: {occupants: many}\n")
	code, stdout, stderr := call("run", dir)
	if code != exitBadInput || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	want := filepath.Join(dir, "b.yaml") + `:2:19: room.occupants: want an integer from 0 to 1000, got string "many"`
	if !strings.Contains(stderr, want+"\n") {
		t.Fatalf("stderr %q\nwant the line %q", stderr, want)
	}
}

func TestRunOutputIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", passing)
	write(t, dir, "b.yaml", failing)
	for _, format := range []string{"text", "jsonl"} {
		_, first, _ := call("run", "--format", format, "--junit", filepath.Join(dir, "1.xml"), dir)
		_, second, _ := call("run", "--format", format, "--junit", filepath.Join(dir, "2.xml"), dir)
		if first != second {
			t.Errorf("%s: two runs differ", format)
		}
	}
	// The wall time of each case is the only part that may differ.
	wall := regexp.MustCompile(` time="[0-9.]+"`)
	x1, _ := os.ReadFile(filepath.Join(dir, "1.xml"))
	x2, _ := os.ReadFile(filepath.Join(dir, "2.xml"))
	x1, x2 = wall.ReplaceAll(x1, nil), wall.ReplaceAll(x2, nil)
	if !bytes.Equal(x1, x2) || len(x1) == 0 {
		t.Error("two JUnit reports differ")
	}
}

func TestJSONL(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "fail.yaml", failing)
	_, stdout, _ := call("run", "--format", "jsonl", p)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	var header struct {
		Header jsonlHeader `json:"header"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &header); err != nil || header.Header.Tool != "confsim" || len(header.Header.Scenarios) != 1 {
		t.Fatalf("want a header record first, got %q", lines[0])
	}
	lines = lines[1:]
	if len(lines) < 2 {
		t.Fatalf("want records and a result, got %q", stdout)
	}
	for _, l := range lines[:len(lines)-1] {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		for _, k := range []string{"scenario", "t_ms", "event", "error", "params", "state"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("record without %s: %s", k, l)
			}
		}
	}
	var res struct{ Scenario, File, Result, Reason string }
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatal(err)
	}
	if res.Scenario != "fail" || res.Result != "fail" || !strings.HasPrefix(res.Reason, p+":4:5: ") {
		t.Errorf("result: %+v", res)
	}
}

func TestJUnit(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", passing)
	write(t, dir, "b.yaml", failing)
	report := filepath.Join(dir, "report.xml")
	if code, _, stderr := call("run", "-q", "--junit", report, dir); code != exitFail {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 2 {
		t.Fatalf("report: %+v", doc)
	}
	c := doc.Suites[0].Cases[1]
	if c.Name != "b" || c.Failure == nil || !strings.Contains(c.Failure.Body, "b.yaml:4:5: expect error=conference.iceFailed") {
		t.Errorf("failed case: %+v", c)
	}
	if doc.Suites[0].Cases[0].Failure != nil {
		t.Error("the passing case has a failure")
	}
}

func TestErrorsJSON(t *testing.T) {
	_, stdout, _ := call("errors", "--format", "json")
	var doc struct {
		Errors    []map[string]any `json:"errors"`
		AuthTypes []map[string]any `json:"auth_error_types"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Errors) != catalog.NumErrors || len(doc.AuthTypes) != catalog.NumAuthErrorTypes {
		t.Fatalf("%d errors, %d auth types", len(doc.Errors), len(doc.AuthTypes))
	}
	for _, e := range doc.Errors {
		for _, k := range []string{"name", "value", "event", "phase", "fatal", "recoverable", "emitted_by_lib", "causes"} {
			if _, ok := e[k]; !ok {
				t.Errorf("error %v has no %s", e["name"], k)
			}
		}
	}
	for _, a := range doc.AuthTypes {
		if a["name"] == nil || a["value"] == nil {
			t.Errorf("auth type without name or value: %v", a)
		}
	}
}

func TestDescribeEveryError(t *testing.T) {
	dir := t.TempDir()
	for _, e := range catalog.Errors() {
		code, stdout, stderr := call("describe", "--scenarios", dir, e.Name)
		if code != exitOK {
			t.Fatalf("describe %s: exit %d: %s", e.Name, code, stderr)
		}
		for _, c := range e.Causes {
			if !strings.Contains(stdout, "    "+c.ID+"\n") {
				t.Errorf("describe %s does not list cause %s", e.Name, c.ID)
			}
		}
		if !strings.Contains(stdout, e.AppReaction) {
			t.Errorf("describe %s does not say what jitsi-meet does", e.Name)
		}
	}
}

// TestManualCoversEveryCommand keeps the package doc comment (the manual
// go doc shows) and the command table in step.
func TestManualCoversEveryCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	_, help, _ := call("--help")
	for _, c := range commands() {
		if !strings.Contains(doc, "\t"+c.name+" ") && !strings.Contains(doc, "\t"+c.name+"\t") {
			t.Errorf("the doc comment of main.go does not list %s", c.name)
		}
		if !strings.Contains(help, "    "+c.name+" ") {
			t.Errorf("simulate --help does not list %s", c.name)
		}
		if !strings.Contains(c.manual, "\nEXAMPLES\n") || !strings.HasPrefix(c.manual, "NAME\n    simulate "+c.name+" - ") {
			t.Errorf("the manual of %s lacks NAME or EXAMPLES", c.name)
		}
		// go doc ./cmd/simulate has a paragraph on every command.
		if !strings.Contains("\n"+doc, "\nsimulate "+c.name+" ") {
			t.Errorf("the doc comment of main.go has no paragraph on simulate %s", c.name)
		}
		// help COMMAND and COMMAND --help print the same manual.
		if _, h1, _ := call("help", c.name); h1 != c.manual {
			t.Errorf("simulate help %s does not print its manual", c.name)
		}
		if _, h2, _ := call(c.name, "--help"); h2 != c.manual {
			t.Errorf("simulate %s --help does not print its manual", c.name)
		}
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.yaml", passing)
	code, stdout, _ := call("run", p, "--format", "jsonl")
	if code != exitOK || !strings.Contains(stdout, "\n"+`{"scenario":"a"`) {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	// After --, everything is a path.
	code, _, stderr := call("run", "--", "--format")
	if code != exitBadInput || !strings.Contains(stderr, "--format: no such file or directory") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestJUnitBadPathIsFoundBeforeRunning: a --junit path that cannot be
// written is bad input, reported before any scenario runs.
func TestJUnitBadPathIsFoundBeforeRunning(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.yaml", passing)
	code, stdout, stderr := call("run", "--junit", filepath.Join(dir, "no", "such", "dir", "r.xml"), p)
	if code != exitBadInput || stdout != "" || !strings.HasPrefix(stderr, "simulate run: --junit: ") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
}

// TestHugeRoomIsBadInput: a huge room is refused by the parser, so neither
// run nor describe spends its time emitting a record per occupant.
func TestHugeRoomIsBadInput(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "huge.yaml", "description: x\nroom: {occupants: 99999999999999}\nsteps:\n  - action: join\n  - advance: 9223372036854775807\n")
	done := make(chan struct{})
	var code int
	var stdout, stderr, dstderr string
	go func() {
		defer close(done)
		code, stdout, stderr = call("run", p)
		_, _, dstderr = call("describe", "--scenarios", dir, "ICE_FAILED")
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("run or describe hangs on a huge room")
	}
	want := p + ":2:19: room.occupants: want an integer from 0 to 1000, got 99999999999999\n" +
		p + ":5:14: advance: want an integer from 1 to 86400000 (24 h of virtual time), got 9223372036854775807\n"
	if code != exitBadInput || stdout != "" || !strings.HasPrefix(stderr, want) {
		t.Errorf("run: exit %d\nstdout %q\nstderr %q\nwant it to begin %q", code, stdout, stderr, want)
	}
	if !strings.Contains(dstderr, "simulate describe: skipping "+p+": "+p+":2:19: room.occupants") {
		t.Errorf("describe: stderr %q", dstderr)
	}
}

// TestExpandErrorsAreBadInput: a path that names no scenario file is bad
// input (exit 2) with a message naming it; the same file named twice runs
// once.
func TestExpandErrorsAreBadInput(t *testing.T) {
	dir := t.TempDir()
	ok := write(t, dir, "ok.yaml", passing)
	notes := write(t, dir, "notes.txt", "not a scenario\n")
	empty := filepath.Join(dir, "empty")
	noYAML := filepath.Join(dir, "no-yaml")
	for _, d := range []string{empty, noYAML} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, noYAML, "x.txt", "x\n")
	for _, c := range []struct {
		arg, want string
	}{
		{filepath.Join(dir, "nope.yaml"), "nope.yaml: no such file or directory"},
		{empty, "empty: no scenario files (*.yaml, *.yml) in this directory"},
		{noYAML, "no-yaml: no scenario files (*.yaml, *.yml) in this directory"},
		{notes, "notes.txt: not a scenario file: want a *.yaml or *.yml file"},
		{filepath.Join(dir, "*.txt"), "*.txt: no scenario files (*.yaml, *.yml) match the pattern"},
	} {
		for _, cmd := range []string{"run", "validate"} {
			code, stdout, stderr := call(cmd, c.arg)
			if code != exitBadInput || stdout != "" || !strings.HasSuffix(stderr, c.want+"\n") {
				t.Errorf("%s %s: exit %d\nstdout %q\nstderr %q\nwant it to end %q", cmd, c.arg, code, stdout, stderr, c.want)
			}
		}
	}
	code, stdout, _ := call("run", ok, dir, filepath.Join(dir, "*"))
	if code != exitOK || strings.Count(stdout, "--- PASS") != 1 {
		t.Errorf("the same file named three ways: exit %d\n%s", code, stdout)
	}
}

// TestReadmeExamplesAreTranscripts: the README's example scenario and its
// trace are run.txtar's pass.yaml and the golden output of
// "simulate run pass.yaml" (which TestScripts checks and -update rewrites).
func TestReadmeExamplesAreTranscripts(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	ar, err := txtar.ParseFile("testdata/script/run.txtar")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range ar.Files {
		files[f.Name] = string(f.Data)
	}
	for _, c := range []struct{ file, fence string }{
		{"pass.yaml", "```yaml\n"},
		{"pass.txt", "```\n"},
	} {
		want := files[c.file]
		if want == "" {
			t.Fatalf("run.txtar has no %s", c.file)
		}
		if !strings.Contains(string(readme), c.fence+want+"```\n") {
			t.Errorf("README.md does not show run.txtar's %s as it is:\n%s", c.file, want)
		}
	}
}

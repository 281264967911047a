package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// failWriter fails every write with err.
type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// callTo runs the command line in-process with stdout w.
func callTo(w io.Writer, args ...string) (int, string) {
	var e strings.Builder
	code := run(args, w, &e)
	return code, e.String()
}

// TestUnwritableOutputIsAnError: when standard output cannot be written
// (a full disk), every command says so in one line and exits 2; a closed
// pipe ends quietly with the status of a Unix tool killed by SIGPIPE.
func TestUnwritableOutputIsAnError(t *testing.T) {
	dir := t.TempDir()
	pass := write(t, dir, "pass.yaml", passing)
	s0 := filepath.Join(dir, "s0.json")
	if code, _, stderr := call("random", "--runs", "20", "--shard", "0/2", "--format", "json"); code != exitOK {
		t.Fatalf("random: %d %s", code, stderr)
	} else {
		_, out, _ := call("random", "--runs", "20", "--shard", "0/2", "--format", "json")
		os.WriteFile(s0, []byte(out), 0o644)
	}
	for _, args := range [][]string{
		{"run", pass}, {"run", "-q", pass}, {"run", "--format", "jsonl", pass},
		{"validate", pass}, {"errors"}, {"errors", "--format", "json"},
		{"describe", "--scenarios", dir, "ICE_FAILED"}, {"graph"}, {"graph", "--format", "dot"},
		{"random", "--runs", "20"}, {"random", "--runs", "20", "--format", "json"},
		{"random", "--runs", "20", "--format", "jsonl"}, {"random", "--run", "3"},
		{"explore", "--depth", "1"}, {"explore", "--depth", "1", "--format", "json"},
		{"merge", "--allow-partial", s0}, {"merge", "--allow-partial", "--format", "json", s0},
	} {
		code, stderr := callTo(failWriter{&os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}}, args...)
		want := "simulate " + args[0] + ": cannot write standard output: no space left on device\n"
		if code != exitBadInput || !strings.HasSuffix(stderr, want) {
			t.Errorf("%v to a full disk: exit %d, stderr %q; want 2 and %q", args, code, stderr, want)
		}
		code, stderr = callTo(failWriter{&os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}}, args...)
		if code != exitBrokenPipe || strings.Contains(stderr, "standard output") {
			t.Errorf("%v to a closed pipe: exit %d, stderr %q; want %d, quietly", args, code, stderr, exitBrokenPipe)
		}
	}
}

// TestPanicIsAnInternalError: a panic is not bad input: its own status and
// one line pointing to a bug report.
func TestPanicIsAnInternalError(t *testing.T) {
	var e strings.Builder
	c := command{name: "boom", run: func([]string, io.Writer, io.Writer) int { panic("index out of range") }}
	if code := runChecked(c, nil, io.Discard, &e); code != exitInternal || code == exitBadInput {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(e.String(), "simulate: internal error (a bug in simulate, not in your input): index out of range\n") || strings.Count(e.String(), "\n") != 2 {
		t.Errorf("stderr %q", e.String())
	}
}

// TestSeedIsDecimal: --seed 010 is ten, not eight.
func TestSeedIsDecimal(t *testing.T) {
	_, out, _ := call("random", "--seed", "010", "--runs", "2", "--format", "json")
	var r struct{ Seed uint64 }
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Seed != 10 {
		t.Fatalf("%v seed %d", err, r.Seed)
	}
}

// TestJUnitNeverOverwritesAnInput: --junit naming a scenario file is
// refused and leaves it alone.
func TestJUnitNeverOverwritesAnInput(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.yaml", passing)
	code, stdout, stderr := call("run", "--junit", p, dir)
	if code != exitBadInput || stdout != "" || !strings.Contains(stderr, "--junit "+p+": that is the scenario file "+p+"; the report would overwrite it") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if data, _ := os.ReadFile(p); string(data) != passing {
		t.Fatal("the scenario file changed")
	}
}

// TestControlCharactersInNames: a file name with a terminal escape is
// quoted in messages and traces, and the JUnit report stays well-formed.
func TestControlCharactersInNames(t *testing.T) {
	dir := t.TempDir()
	name := "red\x1b[31m\x07.yaml"
	write(t, dir, name, failing)
	write(t, dir, "bad\x1b]0;x\x07.yaml", "description: x\nsteps:\n  - fault: nope\n")
	code, _, stderr := call("validate", dir)
	if code != exitBadInput || strings.ContainsAny(stderr, "\x1b\x07") || !strings.Contains(stderr, `"`+filepath.Join(dir, "bad\\x1b]0;x\\a.yaml")+`":3:12: unknown fault`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	os.Remove(filepath.Join(dir, "bad\x1b]0;x\x07.yaml"))
	report := filepath.Join(dir, "r.xml")
	code, stdout, _ := call("run", "--junit", report, dir)
	if code != exitFail || strings.ContainsAny(stdout, "\x1b\x07") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the report is not XML: %v", err)
	}
	if c := doc.Suites[0].Cases[0]; !strings.Contains(c.Classname, `red\x1b[31m\a.yaml`) {
		t.Errorf("classname %q", c.Classname)
	}
}

// TestNonRegularFilesAreRefused: a FIFO named *.yaml, in a directory or
// named, is refused at once instead of blocking run, validate and
// describe for ever; so is a device.
func TestNonRegularFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ok.yaml", passing)
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	zero := filepath.Join(dir, "zero.yaml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"validate", dir}, {"run", dir}, {"validate", fifo}, {"run", filepath.Join(dir, "*.yaml")},
		{"validate", zero}, {"merge", zero},
	} {
		done := make(chan struct{})
		var code int
		var stderr string
		go func() { code, _, stderr = call(args...); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%v hangs", args)
		}
		if code != exitBadInput || !strings.Contains(stderr, "not a regular file") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	done := make(chan string)
	go func() { _, out, _ := call("describe", "--scenarios", dir, "ICE_FAILED"); done <- out }()
	select {
	case out := <-done:
		if !strings.Contains(out, "not a regular file") {
			t.Errorf("describe: %q", out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("describe hangs on a FIFO")
	}
}

// TestPathsMeanWhatTheySay: a name with glob characters that exists is
// that file; a symbolic link loop is reported as one.
func TestPathsMeanWhatTheySay(t *testing.T) {
	dir := t.TempDir()
	lit := write(t, dir, "a[1].yaml", passing)
	write(t, dir, "a1.yaml", failing)
	if code, stdout, stderr := call("run", "-q", lit); code != exitOK || !strings.Contains(stdout, "PASS: 1 scenarios") {
		t.Errorf("a[1].yaml: exit %d\n%s%s", code, stdout, stderr)
	}
	loop := filepath.Join(dir, "loop.yaml")
	os.Symlink(loop, loop)
	if code, _, stderr := call("validate", loop); code != exitBadInput || !strings.HasSuffix(stderr, loop+": too many levels of symbolic links\n") {
		t.Errorf("loop: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := call("validate", dir); code != exitBadInput || !strings.Contains(stderr, "too many levels of symbolic links") {
		t.Errorf("loop in a directory: exit %d, stderr %q", code, stderr)
	}
}

// TestRandomInterrupted: SIGINT or SIGTERM during random stops it at a
// batch boundary with whole records, the summary of what ran (marked
// interrupted) and exit status 130 or 143.
func TestRandomInterrupted(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, exitSIGINT}, {syscall.SIGTERM, exitSIGTERM}} {
		// jsonl: the signal comes with the first write.
		w := &signalWriter{sig: c.sig}
		var e strings.Builder
		code := run([]string{"random", "--runs", "100000000", "--format", "jsonl", "--workers", "2"}, w, &e)
		if code != c.code || !strings.Contains(e.String(), "INTERRUPTED: the counts are those of the") {
			t.Fatalf("%v: exit %d, stderr %q", c.sig, code, e.String())
		}
		out := w.b.String()
		if !strings.HasSuffix(out, "\n") {
			t.Errorf("%v: the JSONL ends in half a line", c.sig)
		}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if !json.Valid([]byte(l)) {
				t.Fatalf("%v: not a whole record: %.200q", c.sig, l)
			}
		}
	}
	// json: the summary of what ran, marked interrupted.
	go func() {
		time.Sleep(300 * time.Millisecond)
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	code, out, _ := call("random", "--runs", "100000000", "--format", "json")
	var r struct {
		Runs        uint64
		Interrupted bool
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitSIGTERM || !r.Interrupted || r.Runs == 0 {
		t.Fatalf("exit %d, %v, %+v", code, err, r)
	}
}

// signalWriter sends its process a signal at the first write.
type signalWriter struct {
	sig  syscall.Signal
	sent bool
	b    strings.Builder
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if !w.sent {
		w.sent = true
		syscall.Kill(os.Getpid(), w.sig)
	}
	return w.b.Write(p)
}

// TestMergeTrustsNothing: merge refuses summaries whose counts the
// campaign cannot have produced.
func TestMergeTrustsNothing(t *testing.T) {
	dir := t.TempDir()
	_, out, _ := call("random", "--runs", "20", "--shard", "0/2", "--format", "json")
	for _, c := range []struct{ name, from, to, want string }{
		{"runs", `"runs": 10,`, `"runs": 11,`, "runs 11: shards 0/2 of a 20-run campaign hold 10 runs"},
		{"error", `"conference.iceFailed"`, `"conference.nope"`, `unknown error value "conference.nope"`},
	} {
		p := write(t, dir, c.name+".json", strings.Replace(out, c.from, c.to, 1))
		code, _, stderr := call("merge", p)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q", c.name, code, stderr)
		}
	}
}

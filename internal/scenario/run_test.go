package scenario

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/sim"
)

func mustParse(t *testing.T, src string) *Scenario {
	t.Helper()
	sc, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestRunGoodFixturesPass(t *testing.T) {
	good, _ := filepath.Glob("testdata/good/*.yaml")
	for _, p := range good {
		sc, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if res := Run(sc, Options{}); !res.Pass {
			var b bytes.Buffer
			WriteText(&b, sc, &res)
			t.Errorf("%s failed:\n%s", p, b.String())
		}
	}
}

func TestRunFailures(t *testing.T) {
	for _, c := range []struct {
		name, src string
		// reason is a prefix of Result.Reason
		reason string
	}{
		{"wrong error", `description: x
room: {password: s3cret}
steps:
  - action: join
  - expect: {error: conference.iceFailed, within: 1000}
`, "t.yaml:5:5: expect error=conference.iceFailed: no matching record within 1000 ms (now 1000 ms); records after the previous match:\n    40ms connection.connectionEstablished (id=\"res1\") [connected]\n"},
		{"state now", `description: x
steps:
  - action: join
  - expect: {state: joined}
`, "t.yaml:4:5: expect state=joined: the state is connecting"},
		{"state of the record", `description: x
room: {password: s3cret}
steps:
  - action: join
  - expect: {error: conference.passwordRequired, state: joined, within: 500}
`, "t.yaml:5:5: expect error=conference.passwordRequired state=joined: no matching record within 500 ms"},
		{"params mismatch", `description: x
room: {lobby: true}
client: {display_name: A}
steps:
  - action: join
  - expect: {error: conference.connectionError.membersOnly, params: {waitingForHost: true}, within: 500}
`, "t.yaml:6:5: expect error=conference.connectionError.membersOnly params={waitingForHost=true}: no matching record"},
		{"refused", `description: x
steps:
  - action: join
  - expect: {event: conference.joined}
  - action: knock
`, "t.yaml:5:5: action knock: the model refuses it: knock is not possible in state joined"},
		{"never", `description: x
steps:
  - expect_never: [conference.joined]
  - action: join
`, "t.yaml: after the last step: t.yaml:3:5 (expect_never [conference.joined]) forbids conference.joined, which occurred: 120ms conference.joined [joined]"},
		{"never during a wait", `description: x
steps:
  - expect_never: [connection.connectionEstablished]
  - action: join
  - expect: {event: conference.joined}
`, "t.yaml:5:5: expect event=conference.joined: t.yaml:3:5 (expect_never [connection.connectionEstablished]) forbids connection.connectionEstablished"},
		{"quiet", `description: x
steps:
  - action: join
  - expect: {event: connection.connectionEstablished}
  - expect_quiet: true
`, "t.yaml:5:5: expect_quiet: want no further records, got "},
		{"time limit", `description: x
limits: {max_time_ms: 100}
steps:
  - action: join
  - advance: 1000
`, "t.yaml:5:5: advance 1000 ms: the run reached its virtual time limit of 100 ms"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := Run(mustParse(t, c.src), Options{})
			if res.Pass {
				t.Fatal("passed")
			}
			if !strings.HasPrefix(res.Reason, c.reason) {
				t.Fatalf("reason\n%s\nwant prefix\n%s", res.Reason, c.reason)
			}
			if last := res.Trace[len(res.Trace)-1]; last.Kind != EntryFail {
				t.Errorf("the trace does not end with the failure: %+v", last)
			}
		})
	}
}

func TestRunCursor(t *testing.T) {
	// The second expectation for the same event needs a second record: the
	// match moves the cursor past the first.
	sc := mustParse(t, `description: x
room: {password: s3cret}
steps:
  - action: join
  - expect: {error: conference.passwordRequired}
  - expect: {error: conference.passwordRequired, within: 1000}
`)
	res := Run(sc, Options{})
	if res.Pass || !strings.HasPrefix(res.Reason, "t.yaml:6:5:") {
		t.Fatalf("want a failure at line 6, got pass=%v %q", res.Pass, res.Reason)
	}
}

func TestRunLookBackBeforeWaiting(t *testing.T) {
	// Records emitted while advancing are matched afterwards without waiting.
	sc := mustParse(t, `description: x
steps:
  - action: join
  - advance: 10000
  - expect: {event: connection.connectionEstablished, within: 1}
  - expect: {event: conference.joined, within: 1}
`)
	if res := Run(sc, Options{}); !res.Pass {
		t.Fatal(res.Reason)
	}
}

func TestRunIsDeterministic(t *testing.T) {
	sc, err := Load("testdata/good/every-key.yaml")
	if err != nil {
		t.Fatal(err)
	}
	render := func() string {
		res := Run(sc, Options{})
		var b bytes.Buffer
		WriteText(&b, sc, &res)
		WriteJSONL(&b, &res)
		return b.String()
	}
	first := render()
	for range 3 {
		if again := render(); again != first {
			t.Fatalf("two runs differ:\n%s\n---\n%s", first, again)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	if _, err := Expand([]string{"testdata/nope"}); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing path: %v", err)
	}
	if _, err := Expand([]string{"testdata/good/*.nope"}); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("empty glob: %v", err)
	}
	if _, err := Expand([]string{"testdata/fuzz"}); err == nil || !strings.Contains(err.Error(), "no scenario files") {
		t.Errorf("empty directory: %v", err)
	}
	got, err := Expand([]string{"testdata/good", "testdata/good/lobby.yaml", "testdata/good/*.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.Glob("testdata/good/*.yaml"); len(got) != len(want) || len(want) < 3 {
		t.Errorf("duplicates not removed: %v", got)
	}
}

func TestValueMatchesObjectsAsSubsets(t *testing.T) {
	rec := sim.Obj(sim.P("visitorsSupported", sim.Str("true")), sim.P("extra", sim.BoolV(false)))
	for _, c := range []struct {
		want sim.Value
		ok   bool
	}{
		{sim.Obj(), true},
		{sim.Obj(sim.P("visitorsSupported", sim.Str("true"))), true},
		{sim.Obj(sim.P("visitorsSupported", sim.Str("false"))), false},
		{sim.Obj(sim.P("missing", sim.Nul())), false},
		{sim.Str("true"), false},
	} {
		if got := valueMatches(c.want, rec); got != c.ok {
			t.Errorf("valueMatches(%s, %s) = %v, want %v", c.want, rec, got, c.ok)
		}
	}
	if !valueMatches(sim.Obj(sim.P("v", sim.Nul())), sim.Obj(sim.P("v", sim.Value{}))) {
		t.Error("null should match undefined inside an object")
	}
}

func writeFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("description: x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExpandSameFileTwoWays: a file named relatively, absolutely and through
// its directory comes out once, as first named, in first-seen order.
func TestExpandSameFileTwoWays(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "ok.yaml", "z.yaml")
	t.Chdir(dir)
	got, err := Expand([]string{"z.yaml", "ok.yaml", dir, filepath.Join(dir, "ok.yaml"), "./*.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"z.yaml", "ok.yaml"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestExpandKeepsScenarioFiles: globs and directories take only *.yaml and
// *.yml files; a file named explicitly must be one.
func TestExpandKeepsScenarioFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a.yaml", "b.yml", "notes.txt", "README.md", "sub/c.yaml", "sub/d.json", "empty-ish/x.txt")
	got, err := Expand([]string{filepath.Join(dir, "*")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yml"), filepath.Join(dir, "sub", "c.yaml")}
	if !slices.Equal(got, want) {
		t.Errorf("glob: got %v, want %v", got, want)
	}
	got, err = Expand([]string{filepath.Join(dir, "sub")})
	if err != nil || !slices.Equal(got, []string{filepath.Join(dir, "sub", "c.yaml")}) {
		t.Errorf("directory: got %v, %v", got, err)
	}
	for _, c := range []struct{ arg, want string }{
		{filepath.Join(dir, "notes.txt"), "notes.txt: not a scenario file: want a *.yaml or *.yml file"},
		{filepath.Join(dir, "*.txt"), "*.txt: no scenario files (*.yaml, *.yml) match the pattern"},
		{filepath.Join(dir, "empty-ish"), "empty-ish: no scenario files (*.yaml, *.yml) in this directory"},
		{filepath.Join(dir, "nope.yaml"), "nope.yaml: no such file or directory"},
		{filepath.Join(dir, "nope*.yaml"), "nope*.yaml: no file matches the pattern"},
	} {
		if _, err := Expand([]string{c.arg}); err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one ending %q", c.arg, err, c.want)
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Expand([]string{empty}); err == nil || !strings.Contains(err.Error(), "no scenario files") {
		t.Errorf("empty directory: %v", err)
	}
}

// Every scenario run is checked against the lifecycle invariants.
func TestRunChecksInvariants(t *testing.T) {
	sc := mustParse(t, "description: x\nroom: {occupants: 1}\nsteps:\n  - action: join\n  - expect: {event: conference.joined}\n")
	if res := Run(sc, Options{}); !res.Pass {
		t.Fatalf("want a pass, got %s", res.Reason)
	}
	forbidJoined := func(r *sim.Record) string {
		if r.Event == "conference.joined" {
			return "joined, which this test forbids"
		}
		return ""
	}
	res := Run(sc, Options{Extra: forbidJoined})
	if res.Pass || !strings.Contains(res.Reason, "lifecycle invariant broken: extra") {
		t.Fatalf("want the extra invariant to fail the run, got pass=%v reason=%q", res.Pass, res.Reason)
	}
}

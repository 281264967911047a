package api

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
)

func scenarioFiles(t testing.TB) []string {
	files, err := scenario.Expand([]string{filepath.Join("..", "..", "..", "scenarios")})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Next must be the time of the delivery RunUntil runs next: the JavaScript
// side's settle and fake-timer adapter rely on it.
func TestNextIsTheNextDelivery(t *testing.T) {
	x, err := New(sim.Config{Room: sim.Room{Occupants: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := x.Next(); ok {
		t.Fatal("Next before any input")
	}
	if err := x.Step(sim.Input{Action: sim.ActionJoin}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		at, ok := x.Next()
		if !ok {
			break
		}
		// Nothing runs before at, and something runs at it.
		if at > x.s.Now() {
			if _, err := x.s.RunUntil(at-x.s.Now()-1, func(*sim.Record) bool { return true }); err != nil {
				t.Fatal(err)
			}
			if got, _ := x.Next(); got != at {
				t.Fatalf("step %d: next moved from %d to %d before its time", i, at, got)
			}
		}
		if _, err := x.RunNext(-1); err != nil {
			t.Fatal(err)
		}
		if x.s.Now() != at && len(x.s.Records()) > 0 {
			// RunNext(-1) stops at a record-emitting delivery, which is at
			// or after at.
			if x.s.Now() < at {
				t.Fatalf("step %d: clock %d before next %d", i, x.s.Now(), at)
			}
		}
	}
	if x.s.State().Conference != sim.Joined {
		t.Fatalf("state %s", x.s.State())
	}
}

// Stepping one record at a time ends where Settle ends, with the same
// records.
func TestRunNextSettlesLikeSettle(t *testing.T) {
	for _, f := range scenarioFiles(t)[:20] {
		sc, err := scenario.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := New(sc.Config)
		b, _ := sim.New(sc.Config)
		for _, st := range sc.Steps {
			if st.Kind != scenario.KindAction && st.Kind != scenario.KindFault {
				continue
			}
			ea, eb := a.Step(st.Input), b.Step(st.Input)
			if (ea == nil) != (eb == nil) {
				t.Fatalf("%s: step %s: %v vs %v", f, st.String(), ea, eb)
			}
			for {
				matched, err := a.RunNext(-1)
				if err != nil || !matched {
					break
				}
			}
			_ = b.Settle()
			if a.s.Now() != b.Now() || len(a.s.Records()) != len(b.Records()) {
				t.Fatalf("%s: after %s: %d ms/%d records vs %d ms/%d records", f, st.String(), a.s.Now(), len(a.s.Records()), b.Now(), len(b.Records()))
			}
		}
	}
}

func TestRejoinKeepsWhatWasEmitted(t *testing.T) {
	x, _ := New(sim.Config{Room: sim.Room{Occupants: 1, Password: "s3cret"}})
	if err := x.Step(sim.Input{Action: sim.ActionJoin}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.RunNext(1000); err != nil { // connection.connectionEstablished
		t.Fatal(err)
	}
	if err := x.Rejoin("s3cret"); err != nil {
		t.Fatal(err)
	}
	_ = x.s.Settle()
	for _, r := range x.s.Records() {
		if r.HasErr {
			t.Fatalf("the password did not reach the model: %s", r.String())
		}
	}
	// Too late: PASSWORD_REQUIRED was already handed out.
	y, _ := New(sim.Config{Room: sim.Room{Occupants: 1, Password: "s3cret"}})
	_ = y.Step(sim.Input{Action: sim.ActionJoin})
	for {
		if m, _ := y.RunNext(-1); !m {
			break
		}
	}
	if err := y.Rejoin("s3cret"); err == nil || !strings.Contains(err.Error(), "already emitted") && !strings.Contains(err.Error(), "moved on") {
		t.Fatalf("late rejoin: %v", err)
	}
}

func TestUnknownFaultSuggests(t *testing.T) {
	x, _ := New(sim.Config{})
	err := x.Step(sim.Input{Fault: "turn-unavailble"})
	if err == nil || !strings.Contains(err.Error(), `did you mean "turn-unavailable"`) {
		t.Fatal(err)
	}
}

func TestParseConfigRefusesUnknownKeys(t *testing.T) {
	if _, err := ParseConfig([]byte(`{"room":{"ocupants":1}}`)); err == nil || !strings.Contains(err.Error(), "ocupants") {
		t.Fatal(err)
	}
}

// BenchmarkScenarios is the native side of the per-event cost: every bundled
// scenario parsed and run through package scenario's runner, on the engine
// the WebAssembly build uses; js/bench/bench.mjs does the same work through
// runScenario in WebAssembly.
func BenchmarkScenarios(b *testing.B) {
	type file struct {
		name string
		data []byte
	}
	var files []file
	for _, f := range scenarioFiles(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, file{f, data})
	}
	records := 0
	b.ResetTimer()
	for b.Loop() {
		records = 0
		for _, f := range files {
			sc, err := scenario.Parse(f.name, f.data)
			if err != nil {
				b.Fatal(err)
			}
			res := scenario.Run(sc, scenario.Options{Engine: sim.EngineTable})
			records += len(res.Records)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(records), "ns/record")
	b.ReportMetric(float64(records), "records")
}

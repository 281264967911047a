package sim

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// TestEnginesAgreeOnRandomEvents fires random event sequences, valid or not,
// at the looplab/fsm machine and the transition table machine built from the
// same definition: they must accept and refuse the same events and end in
// the same states.
func TestEnginesAgreeOnRandomEvents(t *testing.T) {
	for _, sp := range []struct {
		name string
		sp   *spec
	}{{"conference", conferenceSpec}, {"session", sessionSpec}} {
		t.Run(sp.name, func(t *testing.T) {
			// Every event of the spec, plus one no machine knows.
			events := append(append([]string(nil), sp.sp.events...), "no-such-event")
			rapid.Check(t, func(t *rapid.T) {
				ref := sp.sp.newMachine(EngineLooplab)
				fast := sp.sp.newMachine(EngineTable)
				start := uint8(rapid.IntRange(0, len(sp.sp.states)-1).Draw(t, "start"))
				ref.Reset(start)
				fast.Reset(start)
				n := rapid.IntRange(1, 40).Draw(t, "n")
				for i := range n {
					ev := events[rapid.IntRange(0, len(events)-1).Draw(t, "event")]
					before := sp.sp.states[ref.Current()]
					e1, e2 := ref.Fire(ev), fast.Fire(ev)
					if (e1 == nil) != (e2 == nil) {
						t.Fatalf("step %d: %q in %s: looplab %v, table %v", i, ev, before, e1, e2)
					}
					var te *transitionError
					if e2 != nil && !errors.As(e2, &te) {
						t.Fatalf("table error %T", e2)
					}
					if ref.Current() != fast.Current() {
						t.Fatalf("step %d: %q in %s: looplab -> %s, table -> %s", i, ev, before,
							sp.sp.states[ref.Current()], sp.sp.states[fast.Current()])
					}
				}
			})
		})
	}
}

// TestEngineTableMatchesTransitions checks the table against the transition
// list entry by entry, including every (state, event) pair the list lacks.
func TestEngineTableMatchesTransitions(t *testing.T) {
	for _, sp := range []*spec{conferenceSpec, sessionSpec} {
		for si, st := range sp.states {
			for _, ev := range sp.events {
				want := -1
				for _, tr := range sp.transitions {
					if tr.event != ev {
						continue
					}
					for _, src := range tr.src {
						if src == st {
							want = int(sp.index[tr.dst])
						}
					}
				}
				m := sp.newMachine(EngineLooplab)
				m.Reset(uint8(si))
				err := m.Fire(ev)
				got := -1
				if err == nil {
					got = int(m.Current())
				}
				if got != want {
					t.Errorf("%s --%s--> looplab %d, transitions say %d", st, ev, got, want)
				}
			}
		}
	}
}

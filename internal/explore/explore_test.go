package explore

import (
	"testing"
	"time"

	"github.com/jitsi-sim/confsim/internal/campaign"
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
)

// In the documented profile every error is reachable; in the pinned
// lib-jitsi-meet profile exactly the three dead ones are not. Every witness,
// written as a scenario file, replays under simulate run's runner and
// reaches its error.
func TestReachability(t *testing.T) {
	for _, p := range sim.Profiles {
		t.Run(string(p), func(t *testing.T) {
			res, err := Run(Options{Profile: p, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if res.States < 10 || res.Transitions < res.States {
				t.Errorf("suspiciously small search: %d states, %d transitions", res.States, res.Transitions)
			}
			for _, e := range res.Errors {
				ce, _ := catalog.ByValue(e.Value)
				want := p == sim.ProfileDocumented || (p == sim.ProfileLibJitsiMeet && ce.EmittedByLib) ||
					(p == sim.ProfileLibJitsiMeet2021 && catalog.EmittedAt2021(ce.ID))
				if e.Reachable != want {
					t.Errorf("%s: reachable %v, want %v (witness %v)", e.Name, e.Reachable, want, e.Witness)
					continue
				}
				if !e.Reachable {
					continue
				}
				data := campaign.ScenarioYAML(campaign.ScenarioFile{Name: "w", Description: "witness", Config: e.Run.Config, Steps: e.Run.Steps, Expect: e.Value})
				sc, err := scenario.Parse(e.Name+".yaml", data)
				if err != nil {
					t.Errorf("%s: %v\n%s", e.Name, err, data)
					continue
				}
				if r := scenario.Run(sc, scenario.Options{}); !r.Pass {
					t.Errorf("%s: witness does not replay: %s\n%s", e.Name, r.Reason, data)
				}
			}
		})
	}
}

// Shortest means shortest: no witness is longer than one found with a
// smaller bound.
func TestWitnessesAreShortest(t *testing.T) {
	r2, _ := Run(Options{Depth: 2})
	r3, _ := Run(Options{Depth: 3})
	for i, e := range r2.Errors {
		if e.Reachable && (!r3.Errors[i].Reachable || r3.Errors[i].Steps != e.Steps) {
			t.Errorf("%s: depth 2 finds %d steps, depth 3 finds %v", e.Name, e.Steps, r3.Errors[i].Steps)
		}
	}
}

func TestDocumentedUnderTwoSeconds(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing")
	}
	start := time.Now()
	if _, err := Run(Options{Profile: sim.ProfileDocumented, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("exploration took %v", d)
	}
}

func BenchmarkExploreDocumented(b *testing.B) {
	for b.Loop() {
		if _, err := Run(Options{Profile: sim.ProfileDocumented, Workers: 2}); err != nil {
			b.Fatal(err)
		}
	}
}

// The depth is bounded: beyond MaxDepth the search costs minutes and
// gigabytes, so Run refuses it.
func TestDepthBounded(t *testing.T) {
	for _, d := range []int{-1, MaxDepth + 1, 8} {
		if _, err := Run(Options{Depth: d}); err == nil {
			t.Errorf("depth %d accepted", d)
		}
	}
}

// The inputs tried are campaign.ActionInput's (with the room's password for
// join and login), then every campaign fault.
func TestChoicesAreCampaignInputs(t *testing.T) {
	cfg := sim.Config{Room: sim.Room{Password: "pw"}}
	cs := choices(&cfg)
	if len(cs) != len(sim.Actions)+len(campaign.Faults()) {
		t.Fatalf("%d choices", len(cs))
	}
	for k, a := range sim.Actions {
		want := campaign.ActionInput(a, highest{}, &cfg)
		if cs[k].in != want {
			t.Errorf("%s: %+v, want %+v", a, cs[k].in, want)
		}
		if (a == sim.ActionJoin || a == sim.ActionLogin) && cs[k].in.Password != "pw" {
			t.Errorf("%s without the room's password: %+v", a, cs[k].in)
		}
	}
}

package campaign

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/internal/invariant"
	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
)

func runCampaign(t *testing.T, o Options) ([]byte, *Report) {
	t.Helper()
	var out bytes.Buffer
	o.JSONL = func(b []byte) error { out.Write(b); return nil }
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := c.Run()
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), sum.Report(c.Options().Profile)
}

func reportJSON(t *testing.T, r *Report) string {
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The same seed gives byte-identical traces and summaries whatever the
// number of workers.
func TestSameSeedSameBytesAnyWorkers(t *testing.T) {
	base := Options{Seed: 42, Runs: 1500, Swarm: true, FaultRate: 0.02, Profile: ProfileMixed}
	var first []byte
	var firstRep string
	for _, w := range []int{1, 2, 3} {
		o := base
		o.Workers = w
		out, rep := runCampaign(t, o)
		if len(out) == 0 || rep.Events == 0 {
			t.Fatalf("workers=%d: no output", w)
		}
		js := reportJSON(t, rep)
		if first == nil {
			first, firstRep = out, js
			continue
		}
		if !bytes.Equal(first, out) {
			t.Fatalf("workers=%d: JSONL differs from workers=1", w)
		}
		if js != firstRep {
			t.Fatalf("workers=%d: summary differs:\n%s\nvs\n%s", w, js, firstRep)
		}
	}
	// A different seed gives a different campaign.
	o := base
	o.Seed = 43
	if out, _ := runCampaign(t, o); bytes.Equal(out, first) {
		t.Fatal("seeds 42 and 43 gave the same trace")
	}
}

// Shards merged give the whole campaign's summary.
func TestShardsMergeToWhole(t *testing.T) {
	base := Options{Seed: 7, Runs: 1000, Workers: 2}
	_, whole := runCampaign(t, base)
	var merged *Report
	for i := range uint64(3) {
		o := base
		o.Shard = Shard{i, 3}
		_, r := runCampaign(t, o)
		// Through JSON, as merge reads them.
		var rr Report
		if err := json.Unmarshal([]byte(reportJSON(t, r)), &rr); err != nil {
			t.Fatal(err)
		}
		if merged == nil {
			merged = &rr
			continue
		}
		if err := merged.Merge(&rr, 20); err != nil {
			t.Fatal(err)
		}
	}
	if missing := MissingShards(merged.Shards); missing != nil {
		t.Fatalf("shards %v incomplete: %v", merged.Shards, missing)
	}
	merged.Shards, whole.Shards = nil, nil
	if a, b := reportJSON(t, merged), reportJSON(t, whole); a != b {
		t.Fatalf("merged shards differ from the whole campaign:\n%s\nvs\n%s", a, b)
	}
	o := base
	o.Shard = Shard{1, 3}
	_, again := runCampaign(t, o)
	merged.Shards = []string{"0/3", "1/3", "2/3"}
	if err := merged.Merge(again, 20); err == nil {
		t.Fatal("merging a shard twice was accepted")
	}
}

func TestSelectors(t *testing.T) {
	for _, sel := range []string{"all", "causes", "signals", "phase:media", "ICE_FAILED", "conference.iceFailed",
		"turn-unavailable", "authorization-failure:no-main-participants", "participant-joins"} {
		if idx, err := Select(sel); err != nil || len(idx) == 0 {
			t.Errorf("Select(%q) = %v, %v", sel, idx, err)
		}
	}
	for _, sel := range []string{"nope", "phase:nowhere", ""} {
		if _, err := Select(sel); err == nil {
			t.Errorf("Select(%q) accepted", sel)
		}
	}
	idx, _ := Select("ICE_FAILED")
	if len(idx) != len(catalog.Get(catalog.IceFailed).Causes) {
		t.Errorf("ICE_FAILED selects %d faults", len(idx))
	}
}

// kickedIsABug is an invariant injected for the tests: no run may be
// kicked. Campaigns with it fail without any bug in the model.
func kickedIsABug(r *sim.Record) string {
	if r.Event == catalog.Kicked {
		return "kicked"
	}
	return ""
}

// firstFailure runs a campaign with the injected invariant and returns its
// first failing run.
func firstFailure(t *testing.T) (*Campaign, *Failure) {
	t.Helper()
	c, err := New(Options{Seed: 1, Runs: 400, Workers: 2, Steps: 20, Extra: kickedIsABug})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := c.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failures) == 0 {
		t.Fatal("no run was kicked: the injected invariant never fired")
	}
	return c, &sum.Failures[0]
}

// A failing run shrinks to a shorter list of steps that breaks the same
// invariant, and to a scenario file that simulate run's parser accepts and
// whose replay fails on the offending record.
func TestShrinkWritesFailingScenario(t *testing.T) {
	c, f := firstFailure(t)
	if f.Violation.Invariant != invariant.InvExtra || f.Violation.Event != string(catalog.Kicked) {
		t.Fatalf("unexpected violation %+v", f.Violation)
	}
	sh := c.ShrinkFailure(f)
	if len(sh.Steps) >= len(f.Steps) {
		t.Fatalf("not shrunk: %d steps from %d", len(sh.Steps), len(f.Steps))
	}
	s, err := sim.New(f.Config)
	if err != nil {
		t.Fatal(err)
	}
	v, _, ok := c.Replay(s, f.Config, sh.Steps)
	if !ok || v == nil || v.Invariant != invariant.InvExtra {
		t.Fatalf("the shrunk steps do not fail the same way: %v (accepted %v)", v, ok)
	}
	// 1-minimal: without any one input the run no longer fails.
	for k := range sh.Steps {
		if sh.Steps[k].Kind != StepInput {
			continue
		}
		cand := append(slices.Clone(sh.Steps[:k]), sh.Steps[k+1:]...)
		if v, _, ok := c.Replay(s, f.Config, cand); ok && v != nil && v.Invariant == invariant.InvExtra {
			t.Errorf("step %d (%s) can go: %v", k, sh.Steps[k], sh.Steps)
		}
	}
	if !sh.Fails || sh.File.Never != string(catalog.Kicked) {
		t.Fatalf("no failing expectation: %+v", sh.File)
	}
	data := ScenarioYAML(sh.File)
	if bytes.Contains(data, []byte("advance: 0")) {
		t.Errorf("advance 0 written:\n%s", data)
	}
	sc, err := scenario.Parse("shrunk.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	res := scenario.Run(sc, scenario.Options{})
	if res.Pass || !strings.Contains(res.Reason, "conference.kicked") {
		t.Fatalf("the shrunk scenario does not fail on conference.kicked under simulate run (%q):\n%s", res.Reason, data)
	}
}

// ScenarioYAML never writes advance 0 (the format wants >= 1; a wait of 0
// does nothing) and writes a settle as settle.
func TestScenarioYAMLSkipsZeroWaits(t *testing.T) {
	cfg := sim.Config{Profile: sim.ProfileDocumented, Seed: 1, Client: sim.Client{DisplayName: "Alice"}}
	steps := []Step{InputStep(sim.Input{Action: sim.ActionJoin}), WaitStep(0), WaitStep(40), SettleStep(), WaitStep(0)}
	data := ScenarioYAML(ScenarioFile{Name: "z", Description: "zero waits", Config: cfg, Steps: steps, Never: "conference.kicked", NeverAt: 1})
	if bytes.Contains(data, []byte("advance: 0")) || !bytes.Contains(data, []byte("  - advance: 40\n  - settle: true\n")) {
		t.Fatalf("unexpected steps:\n%s", data)
	}
	sc, err := scenario.Parse("z.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if res := scenario.Run(sc, scenario.Options{}); !res.Pass {
		t.Fatalf("%s\n%s", res.Reason, data)
	}
}

// A terminal state left without a record (terminal-absorbs from End) names
// the terminal state, and the scenario written for it expects that state at
// the end, so that it fails while the state is left.
func TestTerminalAbsorbsWithoutRecordFails(t *testing.T) {
	var chk invariant.Checker
	chk.Reset(sim.Config{Profile: sim.ProfileDocumented})
	r := sim.Record{T: 1, Event: catalog.ConnectionFailed, ConnErr: catalog.ConnErrors()[0], State: sim.State{Conference: sim.ConnectionFailed}}
	chk.Record(&r)
	chk.End(sim.State{Conference: sim.Joined})
	v := chk.Violation()
	if v == nil || v.Invariant != invariant.InvTerminalAbsorbs || v.Record != -1 || v.Terminal != sim.ConnectionFailed.String() {
		t.Fatalf("got %+v", v)
	}
	// A run that ends joined fails the expectation such a file ends with.
	cfg := sim.Config{Profile: sim.ProfileDocumented, Seed: 1, Room: sim.Room{Occupants: 1}, Client: sim.Client{DisplayName: "Alice"}}
	data := ScenarioYAML(ScenarioFile{Name: "t", Description: "terminal", Config: cfg,
		Steps: []Step{InputStep(sim.Input{Action: sim.ActionJoin})}, FinalState: v.Terminal})
	sc, err := scenario.Parse("t.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if res := scenario.Run(sc, scenario.Options{}); res.Pass || !strings.Contains(res.Reason, "connection-failed") {
		t.Fatalf("passes or fails for another reason (%q):\n%s", res.Reason, data)
	}
}

// Summaries whose maps are null merge; shards that split the campaign
// differently, out of range or twice do not.
func TestMergeNullFieldsAndBadShards(t *testing.T) {
	read := func(js string) (*Report, error) { return ReadReport([]byte(js)) }
	a, err := read(`{"errors":{},"shards":["0/2"],"violations":null,"failures":null,"seed":5,"params":"--runs 2","runs":1}`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := read(`{"errors":{},"shards":["1/2"],"violations":{"classification":1},"violation_runs":1,"seed":5,"params":"--runs 2","runs":1}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Merge(b, 20); err != nil {
		t.Fatal(err)
	}
	if a.Violations["classification"] != 1 || a.ViolationRuns != 1 || len(MissingShards(a.Shards)) != 0 {
		t.Fatalf("merged: %+v", a)
	}
	// Merge itself copes with a report built by hand with nil maps.
	c := &Report{Seed: 5, Params: "--runs 2", Runs: 1, Shards: []string{"0/2"}}
	if err := c.Merge(b, 20); err != nil || c.Violations["classification"] != 1 {
		t.Fatalf("%v %+v", err, c)
	}

	for _, js := range []string{
		`{"errors":{},"shards":["0/0"],"seed":5,"params":"--runs 2","runs":1}`,
		`{"errors":{},"shards":["5/2"],"seed":5,"params":"--runs 2","runs":1}`,
		`{"errors":{},"shards":["1/2junk"],"seed":5,"params":"--runs 2","runs":1}`,
		`{"errors":{},"shards":["0/2","0/2"],"seed":5,"params":"--runs 2","runs":1}`,
		`{"errors":{},"shards":["0/2","1/3"],"seed":5,"params":"--runs 2","runs":1}`,
		`{"shards":["0/2"],"seed":5,"params":"--runs 2","runs":1}`,
	} {
		if r, err := read(js); err == nil {
			t.Errorf("%s accepted: %+v", js, r)
		}
	}
	x, _ := read(`{"errors":{},"shards":["0/2"],"seed":5,"params":"--runs 6","runs":3}`)
	y, _ := read(`{"errors":{},"shards":["0/3"],"seed":5,"params":"--runs 6","runs":2}`)
	if err := x.Merge(y, 20); err == nil || !strings.Contains(err.Error(), "split the campaign differently") {
		t.Errorf("0/2 with 0/3: %v", err)
	}
	if got := MissingShards([]string{"0/3"}); !slices.Equal(got, []string{"1/3", "2/3"}) {
		t.Errorf("missing %v", got)
	}
}

func TestParseShard(t *testing.T) {
	for s, want := range map[string]Shard{"0/1": {0, 1}, "3/8": {3, 8}, "18446744073709551614/18446744073709551615": {1<<64 - 2, 1<<64 - 1}} {
		if got, err := ParseShard(s); err != nil || got != want {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	for _, s := range []string{"", "1", "1/2junk", "1/2/3", "0/0", "5/2", "2/2", "-1/2", "+1/2", " 1/2", "1/ 2", "x/2"} {
		if _, err := ParseShard(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// The runs of the shards add up to the campaign's, even at the top of the
// range.
func TestShardRunsNoOverflow(t *testing.T) {
	const all = 1<<64 - 1
	for _, n := range []uint64{1, 2, 3, 7} {
		var sum uint64
		for i := range n {
			sum += Shard{i, n}.Runs(all)
		}
		if sum != all {
			t.Errorf("N=%d: %d runs in all", n, sum)
		}
	}
	if got := (Shard{0, 2}).Runs(all); got != all/2+1 {
		t.Errorf("0/2 of %d: %d", uint64(all), got)
	}
	if got := (Shard{2, 3}).Runs(5); got != 1 {
		t.Errorf("2/3 of 5: %d", got)
	}
}

// New rejects out-of-range options instead of replacing them with defaults.
func TestNewRejectsOutOfRange(t *testing.T) {
	for _, o := range []Options{{Steps: -5}, {Workers: -3}, {KeepFailures: -1}, {FaultRate: 1.5},
		{Shard: Shard{2, 2}}, {Shard: Shard{1, 0}}, {FaultProbs: []FaultProb{{"all", -0.1}}}} {
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

// RunOne returns the configuration the run drew.
func TestRunOneReturnsItsConfig(t *testing.T) {
	c, err := New(Options{Seed: 3, Profile: ProfileMixed})
	if err != nil {
		t.Fatal(err)
	}
	for i := range uint64(20) {
		recs, steps, cfg, _ := c.RunOne(i)
		if cfg.Seed != RunSeed(3, i) || cfg.Engine != sim.EngineTable || len(recs) == 0 || len(steps) == 0 {
			t.Fatalf("run %d: %+v", i, cfg)
		}
	}
}

// An unknown phase lists the catalog's phases, every one of which selects
// some cause.
func TestSelectPhasesFromCatalog(t *testing.T) {
	_, err := Select("phase:nowhere")
	if err == nil {
		t.Fatal("phase:nowhere accepted")
	}
	for _, e := range catalog.Errors() {
		for _, p := range e.Phases {
			if !strings.Contains(err.Error(), string(p)) {
				t.Errorf("%q does not list phase %s", err, p)
			}
			if idx, err := Select("phase:" + string(p)); err != nil || len(idx) == 0 {
				t.Errorf("phase:%s: %v", p, err)
			}
		}
	}
}

// Coverage is measured against every cause and every signal, once each,
// but focus-recovers, which campaigns do not draw.
func TestCoverageTotals(t *testing.T) {
	causes := map[string]bool{}
	for _, e := range catalog.Errors() {
		for _, c := range e.Causes {
			causes[c.ID] = true
		}
	}
	if got := faultIDs(true); len(got) != len(causes) {
		t.Errorf("%d cause ids, catalog has %d", len(got), len(causes))
	}
	if got := faultIDs(false); len(got) != len(sim.Signals)-1 || slices.Contains(got, "focus-recovers") {
		t.Errorf("%d signal ids (%v), sim has %d, focus-recovers not drawn", len(got), got, len(sim.Signals))
	}
}

// A replay that reaches a limit stops there, as a campaign run does: the
// inputs after it are not "refused".
func TestReplayStopsAtLimit(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.Config{Profile: sim.ProfileDocumented, Seed: 1, Room: sim.Room{Occupants: 1}, Client: sim.Client{DisplayName: "Alice"},
		Limits: sim.Limits{MaxTimeMs: 100, MaxSteps: 5000}}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	steps := []Step{InputStep(sim.Input{Action: sim.ActionJoin}), WaitStep(1000), InputStep(sim.Input{Action: sim.ActionLeave}), SettleStep()}
	v, _, accepted := c.Replay(s, cfg, steps)
	if v != nil || !accepted {
		t.Fatalf("violation %v, accepted %v; want none, accepted", v, accepted)
	}
}

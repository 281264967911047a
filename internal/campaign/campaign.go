// Package campaign runs seeded random fault campaigns on the simulator:
// each run draws a room, a deployment and a client, then a sequence of
// application and moderator actions, faults (documented causes and
// wire-level signals) and waits, and checks every record with a invariant.Checker.
//
// Everything a run does is derived from (campaign seed, run index): the run's
// seed feeds the model's jitter stream and the workload and faults child
// streams (sim.Stream), so results do not depend on the number of workers or
// on sharding. Workers each reuse one sim.Sim (Reset, the table engine), and
// nothing is kept per run beyond the summary counters, a bounded list of
// failing runs, and, only while a batch of runs is written out, its JSONL.
//
// The first KeepFailures failing runs are kept; ShrinkFailure reduces one by
// delta debugging over its input list to a scenario file
// (docs/scenario-format.md) on which simulate run fails while the bug is
// there, when a record shows the violation.
package campaign

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/internal/invariant"
	"github.com/jitsi-sim/confsim/sim"
)

// ProfileMixed draws the profile of each run.
const ProfileMixed = "mixed"

// Options describe a campaign. The zero value of a field is its default.
type Options struct {
	Seed uint64
	// Runs is the number of runs of the whole campaign (all shards).
	Runs uint64
	// Shard is the part of the campaign this process runs (the zero value:
	// all of it).
	Shard Shard
	// Workers is the number of goroutines (default: GOMAXPROCS).
	Workers int
	// Profile is documented (default), lib-jitsi-meet or mixed.
	Profile string
	// Steps is the number of draw rounds per run (default 12); each round
	// may inject a fault, take an action and wait.
	Steps int
	// FaultRate is the default per-round probability of each fault
	// (0: 0.005; negative: none, so that only FaultProbs inject).
	FaultRate float64
	// FaultProbs set the probability of some faults, in order: each
	// selector is a fault (cause id, cause id:reason, signal id), an error
	// (name or value: all its causes), "phase:P" (the causes of every error
	// that can surface in phase P), "causes", "signals" or "all".
	FaultProbs []FaultProb
	// Swarm arms a random half of the faults in each run (swarm testing).
	Swarm bool
	// JSONL, when set, receives every record of every run, in run order.
	JSONL func([]byte) error
	// Progress, when set, is told how many runs are done after each batch.
	Progress func(done uint64)
	// Stop, when set, ends the campaign at the next batch boundary once it
	// is closed: the runs done are written and counted whole, and the
	// summary says it was interrupted.
	Stop <-chan struct{}
	// KeepFailures bounds the failing runs kept for reporting (default 20);
	// every violation is counted.
	KeepFailures int
	// Extra, when set, is one more invariant checked on every record: it
	// returns why the record breaks it, or "". Its violations are reported
	// as InvExtra. Tests use it to make runs fail on purpose.
	Extra func(*sim.Record) string
}

// Shard is the part of a campaign one process runs: the runs whose index is
// I modulo N. The zero value stands for the whole campaign (0/1).
type Shard struct{ I, N uint64 }

// ParseShard parses "I/N" (decimal, 0 <= I < N).
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	x, errI := strconv.ParseUint(i, 10, 64)
	y, errN := strconv.ParseUint(n, 10, 64)
	if !ok || errI != nil || errN != nil {
		return Shard{}, fmt.Errorf("shard %q: want I/N with 0 <= I < N", s)
	}
	sh := Shard{x, y}
	return sh, sh.check()
}

func (s Shard) check() error {
	if s.I >= s.N {
		return fmt.Errorf("shard %q: want I/N with 0 <= I < N", s.String())
	}
	return nil
}

func (s Shard) String() string {
	return strconv.FormatUint(s.I, 10) + "/" + strconv.FormatUint(s.N, 10)
}

// Runs is the number of runs of a campaign of total runs that fall in the
// shard.
func (s Shard) Runs(total uint64) uint64 {
	n := total / s.N
	if s.I < total%s.N {
		n++
	}
	return n
}

// FaultProb sets the probability of the faults a selector names.
type FaultProb struct {
	Selector string
	P        float64
}

// MaxWorkers bounds Options.Workers: each worker holds a model and a
// batch of runs, and beyond the cores more only cost memory.
const MaxWorkers = 256

// The defaults of Options.
const (
	DefaultSteps        = 12
	DefaultFaultRate    = 0.005
	DefaultKeepFailures = 20
)

func (o *Options) normalize() {
	if o.Shard == (Shard{}) {
		o.Shard = Shard{0, 1}
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Profile == "" {
		o.Profile = string(sim.ProfileDocumented)
	}
	if o.Steps == 0 {
		o.Steps = DefaultSteps
	}
	if o.FaultRate == 0 {
		o.FaultRate = DefaultFaultRate
	}
	if o.KeepFailures == 0 {
		o.KeepFailures = DefaultKeepFailures
	}
}

// Campaign is a prepared campaign.
type Campaign struct {
	opts  Options
	probs []float64 // per fault, in Faults() order
}

// New checks the options and prepares a campaign.
func New(opts Options) (*Campaign, error) {
	opts.normalize()
	if err := opts.Shard.check(); err != nil {
		return nil, err
	}
	switch {
	case opts.Workers < 0 || opts.Workers > MaxWorkers:
		return nil, fmt.Errorf("%d workers: want 1 to %d", opts.Workers, MaxWorkers)
	case opts.Steps < 0:
		return nil, fmt.Errorf("%d steps per run: want at least 1", opts.Steps)
	case opts.KeepFailures < 0:
		return nil, fmt.Errorf("keeping %d failures: want at least 1", opts.KeepFailures)
	}
	switch opts.Profile {
	case string(sim.ProfileDocumented), string(sim.ProfileLibJitsiMeet), string(sim.ProfileLibJitsiMeet2021), ProfileMixed:
	default:
		return nil, fmt.Errorf("unknown profile %q (want documented, lib-jitsi-meet, lib-jitsi-meet-2021 or mixed)", opts.Profile)
	}
	if opts.FaultRate > 1 || math.IsNaN(opts.FaultRate) {
		return nil, fmt.Errorf("fault rate %v is not a probability", opts.FaultRate)
	}
	c := &Campaign{opts: opts, probs: make([]float64, len(faults))}
	for i := range c.probs {
		c.probs[i] = max(opts.FaultRate, 0)
	}
	for _, fp := range opts.FaultProbs {
		if fp.P < 0 || fp.P > 1 || math.IsNaN(fp.P) {
			return nil, fmt.Errorf("fault probability %v for %q is not a probability", fp.P, fp.Selector)
		}
		idx, err := Select(fp.Selector)
		if err != nil {
			return nil, err
		}
		for _, i := range idx {
			c.probs[i] = fp.P
		}
	}
	return c, nil
}

// Options returns the campaign's options with defaults filled in.
func (c *Campaign) Options() Options { return c.opts }

// Select returns the indices in Faults() a selector names.
func Select(sel string) ([]int, error) {
	var out []int
	add := func(pred func(f *Fault) bool) {
		for i := range faults {
			if pred(&faults[i]) {
				out = append(out, i)
			}
		}
	}
	switch {
	case sel == "all":
		add(func(*Fault) bool { return true })
	case sel == "causes":
		add(func(f *Fault) bool { return f.Error != nil })
	case sel == "signals":
		add(func(f *Fault) bool { return f.Error == nil })
	case strings.HasPrefix(sel, "phase:"):
		p := catalog.Phase(strings.TrimPrefix(sel, "phase:"))
		add(func(f *Fault) bool { return f.Error != nil && f.Error.HasPhase(p) })
		if out == nil {
			return nil, fmt.Errorf("no cause has phase %q (phases: %s)", p, strings.Join(causePhases(), ", "))
		}
	default:
		if e, ok := catalog.ByName(sel); ok {
			add(func(f *Fault) bool { return f.Error == e })
		} else if e, ok := catalog.ByValue(sel); ok {
			add(func(f *Fault) bool { return f.Error == e })
		} else {
			add(func(f *Fault) bool { return f.Name() == sel || f.Input.Fault == sel })
		}
	}
	if out == nil {
		return nil, fmt.Errorf("unknown fault selector %q: want a cause id, a signal id, an error name or value, phase:PHASE, causes, signals or all", sel)
	}
	return out, nil
}

// causePhases lists the distinct phases of the catalog's errors, in catalog
// order.
func causePhases() []string {
	var out []string
	for _, e := range catalog.Errors() {
		for _, p := range e.Phases {
			if !slices.Contains(out, string(p)) {
				out = append(out, string(p))
			}
		}
	}
	return out
}

// RunSeed derives the seed of one run from the campaign seed and the run
// index (SplitMix64 of both), so a run is the same whoever runs it.
func RunSeed(seed, index uint64) uint64 {
	z := seed ^ mix(index+0x9e3779b97f4a7c15)
	return mix(z)
}

func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// StepKind says what a Step is.
type StepKind uint8

// The kinds of steps.
const (
	StepInput  StepKind = iota // an input (an action or a fault)
	StepWait                   // a wait of Wait virtual ms
	StepSettle                 // run until nothing more is scheduled
)

// Step is one accepted input of a run, a wait or a settle.
type Step struct {
	Kind  StepKind
	Input sim.Input // for StepInput
	Wait  int64     // for StepWait, in virtual ms
}

// InputStep, WaitStep and SettleStep build steps.
func InputStep(in sim.Input) Step { return Step{Kind: StepInput, Input: in} }

// WaitStep is a wait of ms virtual milliseconds.
func WaitStep(ms int64) Step { return Step{Kind: StepWait, Wait: ms} }

// SettleStep runs until nothing more is scheduled.
func SettleStep() Step { return Step{Kind: StepSettle} }

func (s Step) String() string {
	switch s.Kind {
	case StepSettle:
		return "settle"
	case StepWait:
		return "wait " + strconv.FormatInt(s.Wait, 10)
	}
	return s.Input.String()
}

// Failure is a run that broke an invariant.
type Failure struct {
	Run       uint64              `json:"run"`
	Seed      uint64              `json:"seed"`
	Violation invariant.Violation `json:"violation"`
	Config    sim.Config          `json:"config"`
	Steps     []Step              `json:"-"`
	// Reproduce is the command that re-runs this run alone.
	Reproduce string `json:"reproduce"`
	// Scenario is the shrunk scenario file, once written.
	Scenario string `json:"scenario,omitempty"`
	// Shrunk is the number of steps of the shrunk scenario.
	Shrunk int `json:"shrunk_steps,omitempty"`
}

// player applies steps to a Sim under a invariant.Checker: the one step loop that
// campaign runs, Replay and so Shrink share. A run stops at the first model
// error or limit.
type player struct {
	s     *sim.Sim
	chk   invariant.Checker
	steps []Step // the steps the model accepted, in order
	limit bool   // the run reached its time or step limit
}

// input applies in. A refused input changes nothing and is not kept. It
// reports whether the model accepted the input and whether the run goes on.
func (p *player) input(in sim.Input) (accepted, goOn bool) {
	st := p.s.State()
	err := p.s.Step(in)
	var na *sim.NotAllowedError
	if errors.As(err, &na) {
		return false, true
	}
	if err != nil {
		return false, p.check(err)
	}
	p.steps = append(p.steps, InputStep(in))
	p.chk.Input(in, st)
	return true, true
}

// wait advances virtual time by ms; it reports whether the run goes on.
func (p *player) wait(ms int64) bool {
	p.steps = append(p.steps, WaitStep(ms))
	return p.check(p.s.Advance(ms))
}

// settle runs until nothing is scheduled; it reports whether the run goes
// on.
func (p *player) settle() bool {
	p.steps = append(p.steps, SettleStep())
	return p.check(p.s.Settle())
}

// end settles the run and checks its end.
func (p *player) end() {
	p.check(p.s.Settle())
	p.chk.End(p.s.State())
}

// check accounts for the error of Advance, Settle or Step; it reports
// whether the run goes on.
func (p *player) check(err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, sim.ErrLimit):
		p.limit = true
	default:
		p.chk.Fail(invariant.InvModelError, err.Error())
	}
	return false
}

// worker runs campaign runs one at a time on one reused Sim.
type worker struct {
	c    *Campaign
	p    player
	cfg  sim.Config // of the current run
	sum  Summary
	out  []byte
	name string
	prev uint16
	// per-run fault weights (swarm) and their cumulative sums
	cum []float64
}

func (c *Campaign) newWorker() *worker {
	s, err := sim.New(sim.Config{Engine: sim.EngineTable})
	if err != nil {
		panic(err)
	}
	w := &worker{c: c, p: player{s: s}, cum: make([]float64, len(faults))}
	w.p.chk.SetExtra(c.opts.Extra)
	w.sum.init()
	s.OnRecord = w.record
	return w
}

func (w *worker) record(r *sim.Record) {
	w.sum.Events++
	if r.HasErr {
		w.sum.Errors[r.Err]++
	} else if r.ConnErr != "" {
		w.sum.connErr(r.ConnErr)
	}
	st := packState(r.State)
	w.sum.States[st]++
	if st != w.prev {
		w.sum.transition(w.prev, st)
		w.prev = st
	}
	w.p.chk.Record(r)
	if w.c.opts.JSONL != nil {
		w.out = r.AppendJSONL(w.out, w.name, "")
	}
}

// RunName is the scenario name of run i in traces ("run-42").
func RunName(i uint64) string { return "run-" + strconv.FormatUint(i, 10) }

// profileOf is the profile of run i.
func (c *Campaign) profileOf(wl *rand.Rand) sim.Profile {
	if c.opts.Profile == ProfileMixed {
		return sim.Profiles[wl.IntN(len(sim.Profiles))]
	}
	return sim.Profile(c.opts.Profile)
}

// run executes run i; it returns a failure, or nil.
func (w *worker) run(i uint64) (fail *Failure) {
	c, p := w.c, &w.p
	seed := RunSeed(c.opts.Seed, i)
	wl := sim.Stream(seed, "workload")
	fl := sim.Stream(seed, "faults")
	cfg := DrawConfig(wl, c.profileOf(wl))
	cfg.Seed = seed
	cfg.Engine = sim.EngineTable
	w.cfg = cfg
	p.steps, p.limit = p.steps[:0], false
	if c.opts.JSONL != nil {
		w.name = RunName(i)
	}
	w.prev = packState(sim.State{})
	w.sum.Runs++
	defer func() {
		if r := recover(); r != nil {
			p.chk.Fail(invariant.InvPanic, fmt.Sprint(r))
		}
		if p.limit {
			w.sum.Limits++
		}
		if v := p.chk.Violation(); v != nil {
			w.sum.violation(v.Invariant)
			fail = &Failure{Run: i, Seed: seed, Violation: *v, Config: cfg, Steps: slices.Clone(p.steps)}
		}
	}()
	if err := p.s.Reset(cfg); err != nil {
		p.chk.Fail(invariant.InvModelError, err.Error())
		return
	}
	p.chk.Reset(cfg)

	// Fault weights for this run.
	total := 0.0
	for k, pr := range c.probs {
		if c.opts.Swarm && fl.IntN(2) == 0 {
			pr = 0
		}
		total += pr
		w.cum[k] = total
	}
	scale := 1.0
	if total > 1 {
		scale = 1 / total // at most one fault per round
	}
	for range c.opts.Steps {
		if total > 0 {
			if u := fl.Float64() / scale; u < total {
				k := 0
				for w.cum[k] <= u {
					k++
				}
				accepted, goOn := p.input(faults[k].Input)
				if !goOn {
					return
				}
				if accepted {
					w.sum.Inputs++
					w.sum.faultApplied(k)
				}
			}
		}
		if wl.IntN(100) < 70 {
			if acts := p.s.Allowed(); len(acts) > 0 {
				a := acts[wl.IntN(len(acts))]
				accepted, goOn := p.input(ActionInput(a, wl, &cfg))
				if !goOn {
					return
				}
				if accepted {
					w.sum.Inputs++
				}
			}
		}
		if !p.wait(Delays[wl.IntN(len(Delays))]) {
			return
		}
		if p.s.State().Conference.Terminal() && !p.s.Pending() {
			break
		}
	}
	p.end()
	return nil
}

// batchSize is the number of runs handed out between two ordered writes.
const batchSize = 512

// Run runs the campaign (this shard of it) and returns its summary.
func (c *Campaign) Run() (*Summary, error) {
	o := c.opts
	count := o.Shard.Runs(o.Runs)
	workers := make([]*worker, o.Workers)
	for k := range workers {
		workers[k] = c.newWorker()
	}
	type slot struct {
		out  []byte
		fail *Failure
	}
	slots := make([]slot, batchSize*o.Workers)
	var failures []Failure
	interrupted := false
	for start := uint64(0); start < count; start += uint64(len(slots)) {
		if stopped(o.Stop) {
			interrupted = true
			break
		}
		n := min(uint64(len(slots)), count-start)
		var next atomic.Uint64
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					j := next.Add(1) - 1
					if j >= n {
						return
					}
					i := o.Shard.I + (start+j)*o.Shard.N
					w.out = slots[j].out[:0]
					slots[j].fail = w.run(i)
					slots[j].out = w.out
				}
			}()
		}
		wg.Wait()
		for j := range n {
			if o.JSONL != nil && len(slots[j].out) > 0 {
				if err := o.JSONL(slots[j].out); err != nil {
					return nil, err
				}
			}
			if f := slots[j].fail; f != nil && len(failures) < o.KeepFailures {
				f.Reproduce = c.ReproduceCommand(f.Run)
				failures = append(failures, *f)
			}
			slots[j].fail = nil
		}
		if o.Progress != nil {
			o.Progress(start + n)
		}
	}
	sum := &Summary{}
	sum.init()
	for _, w := range workers {
		sum.add(&w.sum)
	}
	sum.Failures = failures
	sum.Interrupted = interrupted
	sum.Seed, sum.Shards = o.Seed, []string{o.Shard.String()}
	sum.Params = c.Fingerprint()
	return sum, nil
}

// stopped reports whether a stop channel is closed.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// RunOne runs run i alone and returns its records, its steps, the
// configuration it drew and its failure (nil when it passed).
func (c *Campaign) RunOne(i uint64) ([]sim.Record, []Step, sim.Config, *Failure) {
	w := c.newWorker()
	var recs []sim.Record
	w.p.s.OnRecord = func(r *sim.Record) {
		w.record(r)
		recs = append(recs, *r)
	}
	f := w.run(i)
	if f != nil {
		f.Reproduce = c.ReproduceCommand(i)
	}
	return recs, slices.Clone(w.p.steps), w.cfg, f
}

// drawFlags are the options that change what runs draw, as command-line
// flags, in a fixed order.
func (c *Campaign) drawFlags() []string {
	o := c.opts
	var out []string
	if o.Profile != string(sim.ProfileDocumented) {
		out = append(out, "--profile "+o.Profile)
	}
	if o.Steps != DefaultSteps {
		out = append(out, "--steps "+strconv.Itoa(o.Steps))
	}
	if o.FaultRate != DefaultFaultRate {
		out = append(out, "--fault-rate "+strconv.FormatFloat(max(o.FaultRate, 0), 'g', -1, 64))
	}
	for _, fp := range o.FaultProbs {
		out = append(out, "--fault "+fp.Selector+"="+strconv.FormatFloat(fp.P, 'g', -1, 64))
	}
	if o.Swarm {
		out = append(out, "--swarm")
	}
	return out
}

// Fingerprint names what runs draw: campaigns whose summaries are merged
// must have the same seed and fingerprint.
func (c *Campaign) Fingerprint() string {
	return strings.Join(append([]string{"--runs " + strconv.FormatUint(c.opts.Runs, 10)}, c.drawFlags()...), " ")
}

// ReproduceCommand is the command line that re-runs run i alone.
func (c *Campaign) ReproduceCommand(i uint64) string {
	parts := append([]string{"simulate random --seed " + strconv.FormatUint(c.opts.Seed, 10), "--run " + strconv.FormatUint(i, 10)}, c.drawFlags()...)
	return strings.Join(parts, " ")
}

// SetProgress sets Options.Progress once the campaign is prepared (the
// command line builds its progress bar from the validated options).
func (c *Campaign) SetProgress(f func(done uint64)) { c.opts.Progress = f }

package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jitsi-sim/confsim/internal/invariant"
	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// Options tune a run.
type Options struct {
	// Engine selects the state machine implementation (looplab/fsm by
	// default).
	Engine sim.Engine
	// Extra, when set, is one more invariant every record must keep: it
	// returns why a record breaks it, or "".
	Extra func(*sim.Record) string
	// OnServerReceive, when set, is told of each client message the
	// model's server side receives (sim.Sim.OnServerReceive).
	OnServerReceive func(t int64, m wire.Message)
	// OnStep, when set, is called as each step starts, with its index.
	OnStep func(i int)
}

// Result is the outcome of one scenario run.
type Result struct {
	Scenario string // the scenario's name
	File     string
	Pass     bool
	// Reason says why the scenario failed, beginning with the failing step's
	// file:line:col; "" when it passed.
	Reason string
	// FailedStep is the index of the failing step, or -1 (passed, or failed
	// while settling after the last step).
	FailedStep int
	// Trace is the run step by step: each step as it starts, the records the
	// model emitted, and the outcome of each check.
	Trace []Entry
	// Records are the records the model emitted, in order.
	Records []sim.Record
	// EndMs is the virtual time at the end of the run.
	EndMs int64
}

// EntryKind says what a trace entry is.
type EntryKind uint8

// The trace entry kinds.
const (
	EntryStep   EntryKind = iota // a step starts: Step is set
	EntryRecord                  // the model emitted Records[Record]
	EntryCheck                   // a check of Step passed: Note says how
	EntryFail                    // the run failed: Note says why
	EntrySettle                  // the steps are done; the model settles
)

// Entry is one line of a trace.
type Entry struct {
	Kind   EntryKind
	T      int64 // virtual ms
	Step   *Step // EntryStep, EntryCheck, EntryFail (nil when settling at the end)
	Index  int   // the index of Step in Scenario.Steps, or -1
	Record int   // index into Result.Records for EntryRecord
	Note   string
}

// never is an active expect_never: values that may not occur in records
// from index from on.
type never struct {
	step   *Step
	values []string
	from   int
}

type runner struct {
	sc      *Scenario
	s       *sim.Sim
	res     *Result
	logged  int // records already in the trace
	cursor  int // records before cursor are matched or passed over
	nevers  []never
	checked int // records already checked against nevers
	// chk checks every record against the lifecycle invariants, as
	// campaigns do; fed counts the records it has seen.
	chk invariant.Checker
	fed int

	onStep func(int) // Options.OnStep
}

// Run replays a scenario and checks its expectations. It never panics: a
// panic of the model fails the scenario with the panic's message.
func Run(sc *Scenario, opts Options) (res Result) {
	res = Result{Scenario: sc.Name, File: sc.File, Pass: true, FailedStep: -1}
	cfg := sc.Config
	cfg.Engine = opts.Engine
	s, err := sim.New(cfg)
	if err != nil {
		res.fail(-1, nil, 0, fmt.Sprintf("%s:1:1: %v", sc.File, err))
		return res
	}
	s.OnServerReceive = opts.OnServerReceive
	r := &runner{sc: sc, s: s, res: &res, onStep: opts.OnStep}
	r.chk.SetExtra(opts.Extra)
	r.chk.Reset(s.Config())
	defer func() {
		if p := recover(); p != nil {
			r.log()
			res.Records = slices.Clone(s.Records())
			res.EndMs = s.Now()
			res.fail(res.FailedStep, nil, s.Now(), fmt.Sprintf("%s: the model panicked (a bug in package sim): %v", sc.File, p))
		}
	}()
	r.run()
	res.Records = slices.Clone(s.Records())
	res.EndMs = s.Now()
	return res
}

func (res *Result) fail(i int, st *Step, t int64, reason string) {
	res.Pass, res.Reason, res.FailedStep = false, reason, i
	res.Trace = append(res.Trace, Entry{Kind: EntryFail, T: t, Step: st, Index: i, Note: reason})
}

func (r *runner) run() {
	for i := range r.sc.Steps {
		st := &r.sc.Steps[i]
		r.res.FailedStep = i // for a panic
		r.res.Trace = append(r.res.Trace, Entry{Kind: EntryStep, T: r.s.Now(), Step: st, Index: i})
		if r.onStep != nil {
			r.onStep(i)
		}
		why := r.step(st)
		r.log()
		if why == "" {
			why = r.checkNevers()
		}
		if why == "" {
			why = r.checkInvariants()
		}
		if why != "" {
			r.res.fail(i, st, r.s.Now(), st.Pos.String()+": "+st.String()+": "+why)
			return
		}
	}
	r.res.FailedStep = -1
	// Settle so that expect_never sees everything the steps set in motion.
	r.res.Trace = append(r.res.Trace, Entry{Kind: EntrySettle, T: r.s.Now(), Index: -1})
	err := r.s.Settle()
	r.log()
	why := r.checkNevers()
	if why == "" {
		r.chk.End(r.s.State())
		why = r.checkInvariants()
	}
	if why == "" && err != nil {
		why = "settling after the last step: " + r.limitText(err)
	}
	if why != "" {
		r.res.fail(-1, nil, r.s.Now(), fmt.Sprintf("%s: after the last step: %s", r.sc.File, why))
	}
}

// checkInvariants feeds the new records to the invariant checker and says
// which lifecycle invariant the run broke, or "".
func (r *runner) checkInvariants() string {
	recs := r.s.Records()
	for ; r.fed < len(recs); r.fed++ {
		r.chk.Record(&recs[r.fed])
	}
	if v := r.chk.Violation(); v != nil {
		return "lifecycle invariant broken: " + v.String()
	}
	return ""
}

// log appends the records emitted since the last call to the trace.
func (r *runner) log() {
	recs := r.s.Records()
	for ; r.logged < len(recs); r.logged++ {
		r.res.Trace = append(r.res.Trace, Entry{Kind: EntryRecord, T: recs[r.logged].T, Record: r.logged, Index: -1})
	}
}

func (r *runner) limitText(err error) string {
	if errors.Is(err, sim.ErrLimit) {
		return "the run reached its " + r.s.LimitReached() + " (raise limits in the file if this is expected)"
	}
	return err.Error()
}

// check records a passing check in the trace.
func (r *runner) check(st *Step, note string) {
	r.log()
	r.res.Trace = append(r.res.Trace, Entry{Kind: EntryCheck, T: r.s.Now(), Step: st, Index: r.res.FailedStep, Note: note})
}

// step runs one step and says why it failed, or "".
func (r *runner) step(st *Step) string {
	switch st.Kind {
	case KindAction, KindFault:
		r.checkInvariants() // the records before the input come first
		before := r.s.State()
		if err := r.s.Step(st.Input); err != nil {
			var na *sim.NotAllowedError
			if errors.As(err, &na) {
				return "the model refuses it: " + err.Error()
			}
			if errors.Is(err, sim.ErrLimit) {
				return r.limitText(err)
			}
			return err.Error()
		}
		r.chk.Input(st.Input, before)
	case KindAdvance:
		if err := r.s.Advance(st.Advance); err != nil {
			return r.limitText(err)
		}
	case KindSettle:
		if err := r.s.Settle(); err != nil {
			return r.limitText(err)
		}
	case KindExpect:
		return r.expect(st)
	case KindExpectQuiet:
		if err := r.s.Settle(); err != nil {
			return r.limitText(err)
		}
		recs := r.s.Records()
		if r.cursor < len(recs) {
			return fmt.Sprintf("want no further records, got %d after the last match:\n%s", len(recs)-r.cursor, r.describeRecords(r.cursor, len(recs)))
		}
		r.check(st, "quiet")
	case KindExpectNever:
		r.nevers = append(r.nevers, never{step: st, values: st.Never, from: len(r.s.Records())})
	}
	return ""
}

func (r *runner) expect(st *Step) string {
	x := st.Expect
	if !x.Waits() {
		if got := r.s.State(); !stateMatches(x.State, got) {
			return fmt.Sprintf("the state is %s", got)
		}
		r.check(st, "state "+r.s.State().String())
		return ""
	}
	match := func(rec *sim.Record) bool { return matches(x, rec) }
	start := r.cursor
	i := r.find(match)
	if i < 0 {
		_, err := r.s.RunUntil(x.Within, match)
		r.log()
		i = r.find(match)
		if i < 0 {
			why := fmt.Sprintf("no matching record within %d ms (now %d ms)", x.Within, r.s.Now())
			if err != nil {
				why = fmt.Sprintf("no matching record before %s", r.limitText(err))
			}
			if recs := r.s.Records(); start < len(recs) {
				why += "; records after the previous match:\n" + r.describeRecords(start, len(recs))
			} else {
				why += "; no record after the previous match"
			}
			return why
		}
	}
	r.cursor = i + 1
	rec := &r.s.Records()[i]
	r.check(st, fmt.Sprintf("matched the record at %d ms", rec.T))
	return ""
}

// find returns the index of the first record at or after the cursor that
// matches, or -1.
func (r *runner) find(match func(*sim.Record) bool) int {
	recs := r.s.Records()
	for i := r.cursor; i < len(recs); i++ {
		if match(&recs[i]) {
			return i
		}
	}
	return -1
}

// describeRecords lists records [from, to) for a failure message, at most
// a dozen of them.
func (r *runner) describeRecords(from, to int) string {
	return DescribeRecords(r.s.Records(), from, to)
}

// DescribeRecords lists recs[from:to] as a failure message shows them, at
// most a dozen of them.
func DescribeRecords(recs []sim.Record, from, to int) string {
	var b strings.Builder
	const most = 12
	for i := from; i < to && i < from+most; i++ {
		b.WriteString("    " + recs[i].String() + "\n")
	}
	if to-from > most {
		fmt.Fprintf(&b, "    ... and %d more\n", to-from-most)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// checkNevers says which expect_never a new record breaks, or "".
func (r *runner) checkNevers() string {
	recs := r.s.Records()
	for ; r.checked < len(recs); r.checked++ {
		rec := &recs[r.checked]
		for _, n := range r.nevers {
			if r.checked < n.from {
				continue
			}
			for _, v := range n.values {
				if string(rec.Event) == v || rec.ErrorValue() == v {
					return fmt.Sprintf("%s (%s) forbids %s, which occurred: %s", n.step.Pos, n.step.String(), v, rec.String())
				}
			}
		}
	}
	return ""
}

// Matches reports whether a record satisfies an expectation that waits: its
// event, error value, state and params (a subset, objects matched field by
// field), as the runner checks it.
func Matches(x *Expect, rec *sim.Record) bool { return matches(x, rec) }

// StateMatches reports whether a state satisfies an expectation's state:
// the whole state when it names sessions, else the conference state.
func StateMatches(want string, st sim.State) bool { return stateMatches(want, st) }

// matches reports whether a record satisfies an expectation that waits.
func matches(x *Expect, rec *sim.Record) bool {
	if x.Event != "" && string(rec.Event) != x.Event {
		return false
	}
	if x.Error != "" && rec.ErrorValue() != x.Error {
		return false
	}
	if x.State != "" && !stateMatches(x.State, rec.State) {
		return false
	}
	for _, want := range x.Params {
		if !paramMatches(want, rec.Params) {
			return false
		}
	}
	return true
}

// paramMatches reports whether the record has the named parameter with the
// wanted value.
func paramMatches(want sim.Param, got sim.Params) bool {
	for _, p := range got {
		if p.Name == want.Name {
			return valueMatches(want.Value, p.Value)
		}
	}
	return false
}

// valueMatches compares a wanted value with a record's. null matches null
// and undefined (JSON has no undefined); a wanted object matches an object
// that has at least its fields, recursively.
func valueMatches(want, v sim.Value) bool {
	switch want.Kind {
	case sim.Null:
		return v.Kind == sim.Null || v.Kind == sim.Undefined
	case sim.String:
		return v.Kind == sim.String && v.Str == want.Str
	case sim.Bool:
		return v.Kind == sim.Bool && v.Bool == want.Bool
	case sim.Number:
		return v.Kind == sim.Number && v.Num == want.Num
	case sim.Object:
		// A wanted object also matches a placeholder of the library's
		// objects (an Error's message, a participant's id).
		if v.Kind != sim.Object && v.Kind != sim.Ref {
			return false
		}
		for _, f := range want.Fields {
			if !paramMatches(f, v.Fields) {
				return false
			}
		}
		return true
	}
	return false
}

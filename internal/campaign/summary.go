package campaign

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

var (
	nConf = len(sim.ConferenceStates())
	nSess = len(sim.SessionStates())
)

// packState numbers a model state densely.
func packState(s sim.State) uint16 {
	return uint16((int(s.Conference)*nSess+int(s.JVB))*nSess + int(s.P2P))
}

func unpackState(p uint16) sim.State {
	i := int(p)
	return sim.State{Conference: sim.ConfState(i / (nSess * nSess)), JVB: sim.SessionState(i / nSess % nSess), P2P: sim.SessionState(i % nSess)}
}

// Summary is what a campaign keeps: counters, coverage and a bounded list
// of failing runs. Its size does not grow with the number of runs.
type Summary struct {
	Seed     uint64
	Params   string
	Shards   []string
	Runs     uint64
	Events   uint64
	Inputs   uint64
	Limits   uint64
	Errors   [catalog.NumErrors]uint64
	ConnErrs map[catalog.ConnError]uint64
	// Faults counts the applications of each fault, in Faults() order.
	Faults []uint64
	// States counts the records seen in each (packed) state.
	States []uint64
	// Transitions counts the state changes between consecutive records.
	Transitions map[uint32]uint64
	Violations  map[string]uint64
	Failures    []Failure
	// Interrupted says Options.Stop ended the campaign before all its runs.
	Interrupted bool
}

func (s *Summary) init() {
	s.ConnErrs = map[catalog.ConnError]uint64{}
	s.Faults = make([]uint64, len(faults))
	s.States = make([]uint64, nConf*nSess*nSess)
	s.Transitions = map[uint32]uint64{}
	s.Violations = map[string]uint64{}
}

func (s *Summary) connErr(e catalog.ConnError) { s.ConnErrs[e]++ }
func (s *Summary) faultApplied(k int)          { s.Faults[k]++ }
func (s *Summary) violation(inv string)        { s.Violations[inv]++ }
func (s *Summary) transition(from, to uint16)  { s.Transitions[uint32(from)<<16|uint32(to)]++ }
func (s *Summary) add(o *Summary) {
	s.Runs += o.Runs
	s.Events += o.Events
	s.Inputs += o.Inputs
	s.Limits += o.Limits
	for i := range s.Errors {
		s.Errors[i] += o.Errors[i]
	}
	for k, v := range o.ConnErrs {
		s.ConnErrs[k] += v
	}
	for i := range s.Faults {
		s.Faults[i] += o.Faults[i]
	}
	for i := range s.States {
		s.States[i] += o.States[i]
	}
	for k, v := range o.Transitions {
		s.Transitions[k] += v
	}
	for k, v := range o.Violations {
		s.Violations[k] += v
	}
}

// Report is the JSON form of a summary; merge works on reports.
type Report struct {
	Seed   uint64   `json:"seed"`
	Params string   `json:"params"`
	Shards []string `json:"shards"`
	Runs   uint64   `json:"runs"`
	Events uint64   `json:"events"`
	Inputs uint64   `json:"inputs"`
	// LimitsReached counts runs that reached their time or step limit.
	LimitsReached uint64 `json:"limits_reached"`
	// Errors counts every conference error value (all 20, zeros included)
	// and every connection error value seen.
	Errors     map[string]uint64 `json:"errors"`
	Coverage   Coverage          `json:"coverage"`
	Violations map[string]uint64 `json:"violations"`
	// ViolationRuns is the number of runs that broke an invariant.
	ViolationRuns uint64    `json:"violation_runs"`
	Failures      []Failure `json:"failures"`
	// Interrupted says the campaign was stopped (SIGINT, SIGTERM) before
	// all its runs: the counts are those of the runs done.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Coverage says which causes, signals, errors, states and transitions the
// campaign reached.
type Coverage struct {
	Causes      Covered `json:"causes"`
	Signals     Covered `json:"signals"`
	Errors      Covered `json:"errors"`
	States      Covered `json:"states"`
	Transitions Covered `json:"transitions"`
}

// Covered is one coverage figure: what was reached, sorted, and of how
// many known (0 when the total is not known in advance).
type Covered struct {
	Covered int      `json:"covered"`
	Total   int      `json:"total,omitempty"`
	Items   []string `json:"items"`
	Missing []string `json:"missing,omitempty"`
}

func covered(items []string, all []string) Covered {
	items = uniqSorted(items)
	c := Covered{Covered: len(items), Total: len(all), Items: items}
	for _, a := range all {
		if _, ok := slices.BinarySearch(items, a); !ok {
			c.Missing = append(c.Missing, a)
		}
	}
	if c.Missing != nil {
		sort.Strings(c.Missing)
	}
	if c.Items == nil {
		c.Items = []string{}
	}
	return c
}

func uniqSorted(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return slices.Compact(out)
}

// faultIDs lists the ids of the documented causes (cause true) or of the
// signals, once each, in Faults() order: the one list coverage is measured
// against, derived from the catalog and sim.Signals through Faults().
func faultIDs(cause bool) []string {
	var out []string
	for _, f := range faults {
		if (f.Error != nil) == cause && !slices.Contains(out, f.Input.Fault) {
			out = append(out, f.Input.Fault)
		}
	}
	return out
}

func allErrorValues(profile string) []string {
	var out []string
	for _, e := range catalog.Errors() {
		if profile == string(sim.ProfileLibJitsiMeet) && !e.EmittedByLib {
			continue
		}
		if profile == string(sim.ProfileLibJitsiMeet2021) && !catalog.EmittedAt2021(e.ID) {
			continue
		}
		out = append(out, e.Value)
	}
	return out
}

// Report converts the summary to its JSON form.
func (s *Summary) Report(profile string) *Report {
	r := &Report{Seed: s.Seed, Params: s.Params, Shards: append([]string(nil), s.Shards...), Runs: s.Runs,
		Events: s.Events, Inputs: s.Inputs, LimitsReached: s.Limits, Errors: map[string]uint64{},
		Violations: map[string]uint64{}, Failures: s.Failures, Interrupted: s.Interrupted}
	var reached, causes, signals, states, trans []string
	for i, n := range s.Errors {
		v := catalog.ID(i).String()
		r.Errors[v] = n
		if n > 0 {
			reached = append(reached, v)
		}
	}
	for k, n := range s.ConnErrs {
		r.Errors[string(k)] = n
	}
	for k, n := range s.Faults {
		if n == 0 {
			continue
		}
		if f := &faults[k]; f.Error != nil {
			causes = append(causes, f.Input.Fault)
		} else {
			signals = append(signals, f.Input.Fault)
		}
	}
	for k, n := range s.States {
		if n > 0 {
			states = append(states, unpackState(uint16(k)).String())
		}
	}
	for k := range s.Transitions {
		trans = append(trans, unpackState(uint16(k>>16)).String()+" -> "+unpackState(uint16(k)).String())
	}
	r.Coverage = Coverage{
		Causes:      covered(causes, faultIDs(true)),
		Signals:     covered(signals, faultIDs(false)),
		Errors:      covered(reached, allErrorValues(profile)),
		States:      covered(states, nil),
		Transitions: covered(trans, nil),
	}
	for k, n := range s.Violations {
		r.Violations[k] = n
		r.ViolationRuns += n
	}
	if r.Failures == nil {
		r.Failures = []Failure{}
	}
	return r
}

// WriteJSON writes the report as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// fill allocates the maps and slices JSON left null.
func (r *Report) fill() {
	if r.Errors == nil {
		r.Errors = map[string]uint64{}
	}
	if r.Violations == nil {
		r.Violations = map[string]uint64{}
	}
	if r.Failures == nil {
		r.Failures = []Failure{}
	}
}

// parseShards parses a report's shards; they must be distinct and of one N.
func parseShards(ss []string) ([]Shard, error) {
	out := make([]Shard, 0, len(ss))
	for _, s := range ss {
		sh, err := ParseShard(s)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && sh.N != out[0].N {
			return nil, fmt.Errorf("shards %s and %s split the campaign differently", out[0], sh)
		}
		if slices.Contains(out, sh) {
			return nil, fmt.Errorf("shard %s is in two reports", sh)
		}
		out = append(out, sh)
	}
	return out, nil
}

// Merge adds another shard's report. Both must come from the same campaign
// (seed and params), split it the same way (one N) and cover different
// shards.
func (r *Report) Merge(o *Report, keepFailures int) error {
	if r.Seed != o.Seed || r.Params != o.Params {
		return fmt.Errorf("not the same campaign: seed %d %q and seed %d %q", r.Seed, r.Params, o.Seed, o.Params)
	}
	shards, err := parseShards(append(slices.Clone(r.Shards), o.Shards...))
	if err != nil {
		return err
	}
	slices.SortFunc(shards, func(a, b Shard) int { return cmp.Compare(a.I, b.I) })
	r.Shards = r.Shards[:0]
	for _, sh := range shards {
		r.Shards = append(r.Shards, sh.String())
	}
	r.fill()
	// Every sum is checked before anything changes: a merge that would
	// wrap a count is refused whole.
	sum := *r
	sum.Errors, sum.Violations = maps.Clone(r.Errors), maps.Clone(r.Violations)
	for _, c := range []struct {
		what string
		to   *uint64
		from uint64
	}{
		{"runs", &sum.Runs, o.Runs}, {"events", &sum.Events, o.Events}, {"inputs", &sum.Inputs, o.Inputs},
		{"limits_reached", &sum.LimitsReached, o.LimitsReached}, {"violation_runs", &sum.ViolationRuns, o.ViolationRuns},
	} {
		if *c.to, err = add64(c.what, *c.to, c.from); err != nil {
			return err
		}
	}
	for k, v := range o.Errors {
		if sum.Errors[k], err = add64("errors", sum.Errors[k], v); err != nil {
			return err
		}
	}
	for k, v := range o.Violations {
		if sum.Violations[k], err = add64("violations", sum.Violations[k], v); err != nil {
			return err
		}
	}
	r.Runs, r.Events, r.Inputs, r.LimitsReached, r.ViolationRuns = sum.Runs, sum.Events, sum.Inputs, sum.LimitsReached, sum.ViolationRuns
	r.Errors, r.Violations = sum.Errors, sum.Violations
	r.Interrupted = r.Interrupted || o.Interrupted
	mergeCovered(&r.Coverage.Causes, o.Coverage.Causes)
	mergeCovered(&r.Coverage.Signals, o.Coverage.Signals)
	mergeCovered(&r.Coverage.Errors, o.Coverage.Errors)
	mergeCovered(&r.Coverage.States, o.Coverage.States)
	mergeCovered(&r.Coverage.Transitions, o.Coverage.Transitions)
	r.Failures = append(r.Failures, o.Failures...)
	sort.SliceStable(r.Failures, func(i, j int) bool { return r.Failures[i].Run < r.Failures[j].Run })
	if keepFailures > 0 && len(r.Failures) > keepFailures {
		r.Failures = r.Failures[:keepFailures]
	}
	return nil
}

func mergeCovered(c *Covered, o Covered) {
	items := uniqSorted(append(append([]string(nil), c.Items...), o.Items...))
	if c.Total > 0 {
		all := uniqSorted(append(append(append([]string(nil), items...), c.Missing...), o.Missing...))
		*c = covered(items, all)
		return
	}
	*c = Covered{Covered: len(items), Items: items}
}

// MissingShards lists the shards I/N of the campaign that shards (distinct,
// of one N, as Merge leaves them) lacks.
func MissingShards(shards []string) []string {
	parsed, err := parseShards(shards)
	if err != nil || len(parsed) == 0 {
		return nil
	}
	var missing []string
	for i := range parsed[0].N {
		if !slices.Contains(parsed, Shard{i, parsed[0].N}) {
			missing = append(missing, Shard{i, parsed[0].N}.String())
			if len(missing) == 10 {
				missing = append(missing, "...")
				break
			}
		}
	}
	return missing
}

// FormatText writes the report for people.
func (r *Report) FormatText(w io.Writer) {
	fmt.Fprintf(w, "campaign seed %d (%s), shards %s\n", r.Seed, r.Params, strings.Join(r.Shards, ","))
	if r.Interrupted {
		fmt.Fprintf(w, "INTERRUPTED: the counts are those of the %d runs done\n", r.Runs)
	}
	fmt.Fprintf(w, "runs %d, events %d, inputs %d, runs at a limit %d\n", r.Runs, r.Events, r.Inputs, r.LimitsReached)
	fmt.Fprintf(w, "errors reached (%d/%d):\n", r.Coverage.Errors.Covered, r.Coverage.Errors.Total)
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(w, "  %-45s %d\n", k, r.Errors[k])
	}
	cv := r.Coverage
	fmt.Fprintf(w, "coverage: causes %d/%d, signals %d/%d, states %d, transitions %d\n",
		cv.Causes.Covered, cv.Causes.Total, cv.Signals.Covered, cv.Signals.Total, cv.States.Covered, cv.Transitions.Covered)
	if len(cv.Causes.Missing) > 0 {
		fmt.Fprintf(w, "  causes not covered: %s\n", strings.Join(cv.Causes.Missing, ", "))
	}
	if len(cv.Errors.Missing) > 0 {
		fmt.Fprintf(w, "  errors not reached: %s\n", strings.Join(cv.Errors.Missing, ", "))
	}
	fmt.Fprintf(w, "invariant violations: %d runs\n", r.ViolationRuns)
	for _, k := range slices.Sorted(maps.Keys(r.Violations)) {
		fmt.Fprintf(w, "  %-40s %d\n", k, r.Violations[k])
	}
	for _, f := range r.Failures {
		fmt.Fprintf(w, "FAIL run %d: %s\n  reproduce: %s\n", f.Run, f.Violation.String(), f.Reproduce)
		if f.Scenario != "" {
			fmt.Fprintf(w, "  shrunk to %d steps: simulate run %s\n", f.Shrunk, f.Scenario)
		}
	}
}

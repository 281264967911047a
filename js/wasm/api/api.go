// Package api is what the WebAssembly build of the model offers to
// JavaScript: simulations driven one record-emitting delivery at a time (so
// that a listener's reaction happens at the virtual time of the event it
// reacts to), the catalog's tables, and scenario files parsed and run as
// the command line does. Everything crosses the boundary as JSON; the
// package itself builds for any platform so that its tests and benchmarks
// run natively.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/internal/invariant"
	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
)

// Config is what createSimulation takes: the scenario file's keys.
type Config struct {
	Profile    sim.Profile    `json:"profile,omitempty"`
	Seed       uint64         `json:"seed,omitempty"`
	Room       sim.Room       `json:"room"`
	Deployment sim.Deployment `json:"deployment"`
	Client     sim.Client     `json:"client"`
	Limits     sim.Limits     `json:"limits"`
}

// ParseConfig decodes a configuration, refusing unknown keys.
func ParseConfig(data []byte) (sim.Config, error) {
	var c Config
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return sim.Config{}, fmt.Errorf("config: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return sim.Config{Profile: c.Profile, Seed: c.Seed, Room: c.Room, Deployment: c.Deployment, Client: c.Client, Limits: c.Limits}, nil
}

// op is one operation on a simulation, kept so that a run can be replayed.
type op struct {
	step bool
	in   sim.Input
	ms   int64 // RunNext's maxMs
}

// Sim is one simulation and what the JavaScript side needs around it.
type Sim struct {
	cfg  sim.Config
	s    *sim.Sim
	ops  []op
	chk  invariant.Checker
	fed  int // records fed to chk
	sent int // records handed out by Take
}

// New builds a simulation. It runs on the precomputed transition table
// (sim.EngineTable), which the model's tests hold equal to looplab/fsm and
// which is some twenty times cheaper to build in WebAssembly.
func New(cfg sim.Config) (*Sim, error) {
	cfg.Engine = sim.EngineTable
	s, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	x := &Sim{cfg: s.Config(), s: s}
	x.chk.Reset(s.Config())
	return x, nil
}

// Model returns the simulation itself.
func (x *Sim) Model() *sim.Sim { return x.s }

// Step applies an input. Faults are checked against the catalog first so
// that an unknown id gets a suggestion.
func (x *Sim) Step(in sim.Input) error {
	if in.Fault != "" && !slices.Contains(scenario.Faults(), in.Fault) {
		return fmt.Errorf("unknown fault %q%s: not a documented cause or a signal", in.Fault, scenario.Suggest(in.Fault, scenario.Faults()))
	}
	if in.Action != "" && !slices.Contains(sim.Actions, in.Action) {
		return fmt.Errorf("unknown action %q", in.Action)
	}
	x.feed()
	before := x.s.State()
	if err := x.s.Step(in); err != nil {
		return err
	}
	x.chk.Input(in, before)
	x.ops = append(x.ops, op{step: true, in: in})
	return nil
}

// RunNext runs deliveries until one emits records, and stops after it. With
// maxMs >= 0 it runs for at most maxMs virtual ms and, when nothing emitted
// a record, moves the clock there (Sim.Advance, one record at a time). With
// maxMs < 0 it settles: it runs while anything is scheduled and leaves the
// clock at the last delivery (Sim.Settle, one record at a time). It reports
// whether a delivery emitted records.
func (x *Sim) RunNext(maxMs int64) (bool, error) {
	x.ops = append(x.ops, op{ms: maxMs})
	return x.runNext(maxMs)
}

func (x *Sim) runNext(maxMs int64) (bool, error) {
	anyRecord := func(*sim.Record) bool { return true }
	if maxMs >= 0 {
		return x.s.RunUntil(maxMs, anyRecord)
	}
	for x.s.Pending() {
		at, ok := x.Next()
		if !ok {
			// The model's queue is out of reach: fall back to one ms at a
			// time, which ends at the same time.
			at = x.s.Now() + 1
		}
		matched, err := x.s.RunUntil(at-x.s.Now(), anyRecord)
		if matched || err != nil {
			return matched, err
		}
	}
	return false, nil
}

// Next returns the virtual time of the next delivery, if any is scheduled.
func (x *Sim) Next() (int64, bool) { return x.s.NextAt() }

// Rejoin replays the simulation from the start with the password of its
// last join set to password: the model takes a join's password when join()
// starts, and the fake's connect() starts the join before the application
// has called conference.join(password). The replay is kept only when it
// emits exactly the records already handed out; otherwise nothing changes
// and an error says why.
func (x *Sim) Rejoin(password string) error {
	last := -1
	for i, o := range x.ops {
		if o.step && o.in.Action == sim.ActionJoin {
			last = i
		}
	}
	if last < 0 {
		return errors.New("no join to give a password to")
	}
	y, err := New(x.cfg)
	if err != nil {
		return err
	}
	for i, o := range x.ops {
		if o.step {
			in := o.in
			if i == last {
				in.Password = password
			}
			if err := y.Step(in); err != nil {
				return fmt.Errorf("replay: %w", err)
			}
		} else if _, err := y.RunNext(o.ms); err != nil && !errors.Is(err, sim.ErrLimit) {
			return fmt.Errorf("replay: %w", err)
		}
	}
	a, b := x.s.Records(), y.s.Records()
	if len(a) != len(b) || y.s.Now() != x.s.Now() {
		return fmt.Errorf("the model has moved on since join() started at the connection (%d records then, %d with the password)", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].AppendJSONL(nil, "", ""), b[i].AppendJSONL(nil, "", "")) {
			return fmt.Errorf("the password would have changed what was already emitted: %s", b[i].String())
		}
	}
	y.sent = x.sent
	*x = *y
	return nil
}

// feed hands new records to the invariant checker.
func (x *Sim) feed() {
	recs := x.s.Records()
	for ; x.fed < len(recs); x.fed++ {
		x.chk.Record(&recs[x.fed])
	}
}

// Violation says which lifecycle invariant the run broke, or "". end also
// checks the end of the run.
func (x *Sim) Violation(end bool) string {
	x.feed()
	if end {
		x.chk.End(x.s.State())
	}
	if v := x.chk.Violation(); v != nil {
		return "lifecycle invariant broken: " + v.String()
	}
	return ""
}

// Take returns the records emitted since the last Take, as JSON.
func (x *Sim) Take() []byte {
	recs := x.s.Records()
	b := RecordsJSON(recs[x.sent:], x.sent)
	x.sent = len(recs)
	return b
}

// RecordsJSON encodes records as a JSON array of objects with the keys of
// a JSONL trace line (sim.Record.AppendJSONL), plus index and text.
func RecordsJSON(recs []sim.Record, first int) []byte {
	b := []byte{'['}
	for i := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		line := recs[i].AppendJSONL(nil, "", "")
		line = bytes.TrimSuffix(line, []byte("}\n"))
		b = append(b, line...)
		b = fmt.Appendf(b, `,"index":%d,"text":`, first+i)
		t, _ := json.Marshal(recs[i].String())
		b = append(b, t...)
		b = append(b, '}')
	}
	return append(b, ']')
}

// Status is the simulation's clock, state and what it accepts.
type Status struct {
	Now        int64        `json:"now"`
	Next       *int64       `json:"next"`
	State      string       `json:"state"`
	Conference string       `json:"conference"`
	Allowed    []sim.Action `json:"allowed"`
	Limit      string       `json:"limit,omitempty"`
	Records    int          `json:"records"`
}

// Status reports the simulation's status.
func (x *Sim) Status() Status {
	st := Status{Now: x.s.Now(), State: x.s.State().String(), Conference: x.s.State().Conference.String(),
		Allowed: x.s.Allowed(), Limit: x.s.LimitReached(), Records: len(x.s.Records())}
	if st.Allowed == nil {
		st.Allowed = []sim.Action{}
	}
	if at, ok := x.Next(); ok {
		st.Next = &at
	}
	return st
}

// LimitText explains an error of a run as the scenario runner does.
func (x *Sim) LimitText(err error) string {
	if errors.Is(err, sim.ErrLimit) {
		return "the run reached its " + x.s.LimitReached() + " (raise limits in the file if this is expected)"
	}
	return err.Error()
}

// Catalog is the catalog as the JavaScript side needs it.
type Catalog struct {
	Errors      []catalog.Error     `json:"errors"`
	Events      []catalog.Event     `json:"events"`
	EventArgs   []catalog.EventArgs `json:"event_args"`
	ConnErrors  []catalog.ConnError `json:"conn_errors"`
	Faults      []string            `json:"faults"`
	Signals     []signal            `json:"signals"`
	Actions     []sim.Action        `json:"actions"`
	AuthReasons []string            `json:"auth_reasons"`
	Profiles    []sim.Profile       `json:"profiles"`
	AuthTypes   []authType          `json:"auth_types"`
}

type authType struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type signal struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// CatalogJSON returns the catalog's tables.
func CatalogJSON() []byte {
	c := Catalog{Errors: catalog.Errors(), Events: catalog.Events(), EventArgs: catalog.AllEventArgs(),
		ConnErrors: catalog.ConnErrors(), Faults: scenario.Faults(), Actions: sim.Actions,
		AuthReasons: scenario.AuthReasons(), Profiles: sim.Profiles}
	for _, t := range catalog.AuthTypes() {
		c.AuthTypes = append(c.AuthTypes, authType{t.Name, t.Value})
	}
	for _, s := range sim.Signals {
		c.Signals = append(c.Signals, signal(s))
	}
	b, _ := json.Marshal(c)
	return b
}

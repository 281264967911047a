package api

import (
	"encoding/json"
	"strings"

	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
)

// Scenario is a parsed scenario file.
type Scenario struct {
	Sc *scenario.Scenario
}

// ParseScenario parses a scenario file as the command line does; its error
// has one "file:line:col: message" per line.
func ParseScenario(filename string, data []byte) (*Scenario, error) {
	sc, err := scenario.Parse(filename, data)
	if err != nil {
		return nil, err
	}
	return &Scenario{sc}, nil
}

type stepJSON struct {
	Kind    string     `json:"kind"`
	Pos     string     `json:"pos"`
	Line    int        `json:"line"`
	Col     int        `json:"col"`
	Text    string     `json:"text"`
	Input   *sim.Input `json:"input,omitempty"`
	Advance int64      `json:"advance,omitempty"`
	Within  int64      `json:"within,omitempty"`
	Waits   bool       `json:"waits,omitempty"`
	Never   []string   `json:"never,omitempty"`
}

type scenarioJSON struct {
	Name        string     `json:"name"`
	File        string     `json:"file"`
	Description string     `json:"description"`
	Config      Config     `json:"config"`
	Steps       []stepJSON `json:"steps"`
}

// JSON describes the scenario for the JavaScript runner.
func (s *Scenario) JSON() []byte {
	sc := s.Sc
	c := sc.Config
	out := scenarioJSON{Name: sc.Name, File: sc.File, Description: strings.TrimSpace(sc.Description),
		Config: Config{Profile: c.Profile, Seed: c.Seed, Room: c.Room, Deployment: c.Deployment, Client: c.Client, Limits: c.Limits},
		Steps:  []stepJSON{}}
	for i := range sc.Steps {
		st := &sc.Steps[i]
		j := stepJSON{Kind: st.Kind.Key(), Pos: st.Pos.String(), Line: st.Pos.Line, Col: st.Pos.Col, Text: st.String()}
		switch st.Kind {
		case scenario.KindAction, scenario.KindFault:
			in := st.Input
			j.Input = &in
		case scenario.KindAdvance:
			j.Advance = st.Advance
		case scenario.KindExpect:
			j.Within, j.Waits = st.Expect.Within, st.Expect.Waits()
		case scenario.KindExpectNever:
			j.Never = st.Never
		}
		out.Steps = append(out.Steps, j)
	}
	b, _ := json.Marshal(out)
	return b
}

// Config returns the scenario's configuration.
func (s *Scenario) Config() sim.Config { return s.Sc.Config }

// Find returns the index of the first record at or after from that the
// expectation of step i matches, or -1.
func (s *Scenario) Find(i int, x *Sim, from int) int {
	e := s.Sc.Steps[i].Expect
	recs := x.s.Records()
	for j := max(from, 0); j < len(recs); j++ {
		if scenario.Matches(e, &recs[j]) {
			return j
		}
	}
	return -1
}

// StateMatches reports whether the state-only expectation of step i holds.
func (s *Scenario) StateMatches(i int, x *Sim) bool {
	return scenario.StateMatches(s.Sc.Steps[i].Expect.State, x.s.State())
}

// DescribeRecords lists records [from, to) for a failure message as the
// scenario runner does, at most a dozen of them.
func DescribeRecords(x *Sim, from, to int) string {
	return scenario.DescribeRecords(x.s.Records(), from, to)
}

// NativeResult is scenario.Run's result: the command line's verdict.
type NativeResult struct {
	Name    string          `json:"name"`
	File    string          `json:"file"`
	Pass    bool            `json:"pass"`
	Reason  string          `json:"reason,omitempty"`
	EndMs   int64           `json:"end_ms"`
	Records json.RawMessage `json:"records"`
}

// RunNative runs the scenario with package scenario's runner.
func (s *Scenario) RunNative() []byte {
	res := scenario.Run(s.Sc, scenario.Options{})
	b, _ := json.Marshal(NativeResult{Name: res.Scenario, File: res.File, Pass: res.Pass, Reason: res.Reason,
		EndMs: res.EndMs, Records: RecordsJSON(res.Records, 0)})
	return b
}

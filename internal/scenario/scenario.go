package scenario

import (
	"fmt"
	"strings"

	"github.com/jitsi-sim/confsim/sim"
)

// Pos is a position in a scenario file; lines and columns count from 1.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", Quote(p.File), p.Line, p.Col) }

// Scenario is one parsed and checked scenario file.
type Scenario struct {
	// File is the path the scenario was read from, as given.
	File string
	// Name defaults to the file name without its extension.
	Name        string
	Description string
	// Config holds the profile, seed, room, deployment, client and limits.
	Config sim.Config
	Steps  []Step
}

// Kind says what a step does.
type Kind uint8

// The step kinds, one per step key of the format.
const (
	KindAction      Kind = iota // action: the application or a moderator acts
	KindFault                   // fault: a documented cause or a signal
	KindAdvance                 // advance: virtual time moves forward
	KindSettle                  // settle: run until nothing is scheduled
	KindExpect                  // expect: an event, error, params or state
	KindExpectQuiet             // expect_quiet: nothing after the last match
	KindExpectNever             // expect_never: these never occur from here on
)

var kindKeys = [...]string{"action", "fault", "advance", "settle", "expect", "expect_quiet", "expect_never"}

// Key returns the YAML key that introduces the step kind.
func (k Kind) Key() string { return kindKeys[k] }

// Step is one step of a scenario.
type Step struct {
	Pos  Pos
	Kind Kind
	// Input is the action or fault of KindAction and KindFault.
	Input sim.Input
	// Advance is the number of virtual milliseconds of KindAdvance.
	Advance int64
	// Expect is the expectation of KindExpect.
	Expect *Expect
	// Never lists the error values and event names of KindExpectNever.
	Never []string
}

// Expect is an expectation on the records or the current state.
type Expect struct {
	Event  string // a catalog.Event, or ""
	Error  string // a conference or connection error value, or ""
	State  string // a state (whole or conference part), or ""
	Params []sim.Param
	// Within is how many virtual ms to wait for the record (default 60000).
	Within int64
}

// DefaultWithin is how long an expectation waits for its record.
const DefaultWithin = 60000

// Waits reports whether the expectation looks for a record (event, error or
// params); an expectation with a state alone checks the current state.
func (e *Expect) Waits() bool { return e.Event != "" || e.Error != "" || e.Params != nil }

// String renders the expectation as "event=... error=... state=...".
func (e *Expect) String() string {
	var parts []string
	if e.Event != "" {
		parts = append(parts, "event="+e.Event)
	}
	if e.Error != "" {
		parts = append(parts, "error="+e.Error)
	}
	if e.Params != nil {
		ps := make([]string, len(e.Params))
		for i, p := range e.Params {
			ps[i] = p.Name + "=" + p.Value.String()
		}
		parts = append(parts, "params={"+strings.Join(ps, ", ")+"}")
	}
	if e.State != "" {
		parts = append(parts, "state="+e.State)
	}
	return strings.Join(parts, " ")
}

// String renders the step as its YAML key and value, e.g. "action join".
func (s *Step) String() string {
	switch s.Kind {
	case KindAction:
		out := "action " + string(s.Input.Action)
		if s.Input.Password != "" {
			out += " password=" + fmt.Sprintf("%q", s.Input.Password)
		}
		if s.Input.Text != "" {
			out += " text=" + fmt.Sprintf("%q", s.Input.Text)
		}
		return out
	case KindFault:
		if s.Input.Reason != "" {
			return "fault " + s.Input.Fault + " reason=" + s.Input.Reason
		}
		return "fault " + s.Input.Fault
	case KindAdvance:
		return fmt.Sprintf("advance %d ms", s.Advance)
	case KindSettle:
		return "settle"
	case KindExpect:
		return "expect " + s.Expect.String()
	case KindExpectQuiet:
		return "expect_quiet"
	case KindExpectNever:
		return "expect_never [" + strings.Join(s.Never, ", ") + "]"
	}
	return "?"
}

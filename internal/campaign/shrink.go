package campaign

import (
	"cmp"
	"fmt"
	"github.com/jitsi-sim/confsim/internal/invariant"
	"slices"
	"strconv"
	"strings"

	"github.com/jitsi-sim/confsim/sim"
)

// Replay runs cfg with steps on s, checking every record with the
// campaign's invariants, through the step loop campaign runs use: each input
// at the current virtual time, each wait with Advance, each settle with
// Settle, then a final Settle. Like a campaign run it stops at a model error
// or a limit. It returns the first violation, the index of the step during
// which it showed (len(steps) for the final settle), and whether every input
// was accepted.
func (c *Campaign) Replay(s *sim.Sim, cfg sim.Config, steps []Step) (v *invariant.Violation, at int, accepted bool) {
	p := player{s: s}
	p.chk.SetExtra(c.opts.Extra)
	p.chk.Reset(cfg)
	defer func() { s.OnRecord = nil }()
	if err := s.Reset(cfg); err != nil {
		return nil, 0, false
	}
	at = -1
	refused := false
	s.OnRecord = p.chk.Record
	note := func(k int) {
		if at < 0 && p.chk.Violation() != nil {
			at = k
		}
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				p.chk.Fail(invariant.InvPanic, fmt.Sprint(r))
			}
		}()
		for k, st := range steps {
			goOn := true
			switch st.Kind {
			case StepWait:
				goOn = p.wait(st.Wait)
			case StepSettle:
				goOn = p.settle()
			default:
				var ok bool
				if ok, goOn = p.input(st.Input); !ok && goOn {
					refused, at = true, k
					return
				}
			}
			note(k)
			if !goOn {
				return
			}
		}
		p.end()
		note(len(steps))
	}()
	if refused {
		return nil, at, false
	}
	if at < 0 {
		at = len(steps)
	}
	if v := p.chk.Violation(); v != nil {
		cp := *v
		return &cp, at, true
	}
	return nil, at, true
}

// Shrink reduces a failing run's steps by delta debugging (ddmin) to a
// list from which no single chunk can be removed without the run passing,
// breaking a different invariant, or having an input refused. Waits are
// then lowered where the failure allows it.
func (c *Campaign) Shrink(cfg sim.Config, steps []Step, inv string) []Step {
	s, err := sim.New(cfg)
	if err != nil {
		return steps
	}
	fails := func(cand []Step) bool {
		v, _, ok := c.Replay(s, cfg, cand)
		return ok && v != nil && v.Invariant == inv
	}
	cur := slices.Clone(steps)
	if !fails(cur) {
		return cur
	}
	n := 2
	for len(cur) >= 2 {
		chunk := (len(cur) + n - 1) / n
		reduced := false
		for start := 0; start < len(cur); start += chunk {
			end := min(start+chunk, len(cur))
			cand := append(slices.Clone(cur[:start]), cur[end:]...)
			if fails(cand) {
				cur, n, reduced = cand, max(n-1, 2), true
				break
			}
		}
		if !reduced {
			if n >= len(cur) {
				break
			}
			n = min(n*2, len(cur))
		}
	}
	// Shorter waits, where they keep the failure.
	for k := range cur {
		if cur[k].Kind != StepWait {
			continue
		}
		for _, d := range Delays {
			if d >= cur[k].Wait {
				break
			}
			old := cur[k].Wait
			cur[k].Wait = d
			if fails(cur) {
				break
			}
			cur[k].Wait = old
		}
	}
	return cur
}

// Shrunk is a failing run shrunk to a scenario file.
type Shrunk struct {
	Name  string
	File  ScenarioFile
	Steps []Step
	// Fails says whether the file has an expectation that fails while the
	// bug is there: an expect_never of the offending record's error or
	// event, or, for a terminal state left without a record, an expect of
	// that state after the run.
	Fails bool
}

// ShrinkFailure shrinks a failing run and describes it as a scenario file.
func (c *Campaign) ShrinkFailure(f *Failure) Shrunk {
	cfg := f.Config
	steps := c.Shrink(cfg, f.Steps, f.Violation.Invariant)
	sh := Shrunk{Name: fmt.Sprintf("seed%d-run%d-%s", c.opts.Seed, f.Run, f.Violation.Invariant), Steps: steps}
	sf := ScenarioFile{Name: sh.Name, Config: cfg, Steps: steps}
	expectation := ""
	if s, err := sim.New(cfg); err == nil {
		if v, at, _ := c.Replay(s, cfg, steps); v != nil {
			switch {
			case v.Error != "" || v.Event != "":
				sf.Never, sf.NeverAt = cmp.Or(v.Error, v.Event), at
				expectation = "it never expects " + sf.Never + " (the offending record)"
			case v.Terminal != "":
				sf.FinalState = v.Terminal
				expectation = "it expects the run to end in the terminal state " + v.Terminal
			}
		}
	}
	desc := fmt.Sprintf("Random campaign run %d of seed %d broke the invariant %s: %s. Shrunk from %d to %d steps.",
		f.Run, c.opts.Seed, f.Violation.Invariant, f.Violation.Message, len(f.Steps), len(steps))
	if expectation != "" {
		sh.Fails = true
		desc += " simulate run fails on this file as long as the bug is there: " + expectation + "."
	} else {
		desc += " The violation shows in no record, so this file has no failing expectation: simulate run shows the trace only."
	}
	sf.Description = desc + " Reproduce the run: " + f.Reproduce
	sh.File = sf
	return sh
}

// ScenarioFile is what ScenarioYAML writes.
type ScenarioFile struct {
	Name, Description string
	Config            sim.Config
	Steps             []Step
	// Never, when set, is an event name or error value written as an
	// expect_never before step NeverAt (after the last step when NeverAt
	// is len(Steps)): for a failing run, the offending record, so that
	// simulate run fails (exit 1) as long as the bug is there.
	Never   string
	NeverAt int
	// Expect, when set, is an error value written as a final expect.
	Expect string
	// FinalState, when set, is a conference state written, after a settle,
	// as a final expect.
	FinalState string
}

// ScenarioYAML writes a scenario file in the format of
// docs/scenario-format.md. Waits of 0 ms are left out: every delivery the
// model schedules is due later than now, so they do nothing, and the format
// wants advance >= 1.
func ScenarioYAML(f ScenarioFile) []byte {
	name, description, cfg, steps, never, neverAt := f.Name, f.Description, f.Config, f.Steps, f.Never, f.NeverAt
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\n", yq(name))
	b.WriteString("description: >\n")
	for _, line := range wrap(description, 90) {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString(ConfigYAML(cfg))
	b.WriteString("steps:\n")
	if len(steps) == 0 && never == "" && f.Expect == "" && f.FinalState == "" {
		b.WriteString("  - settle: true\n")
	}
	for k, st := range steps {
		if k == neverAt && never != "" {
			fmt.Fprintf(&b, "  - expect_never: [%s]\n", yq(never))
		}
		in := st.Input
		switch {
		case st.Kind == StepSettle:
			b.WriteString("  - settle: true\n")
		case st.Kind == StepWait && st.Wait <= 0:
		case st.Kind == StepWait:
			fmt.Fprintf(&b, "  - advance: %d\n", st.Wait)
		case in.Action != "":
			fmt.Fprintf(&b, "  - action: %s\n", in.Action)
			if in.Password != "" {
				fmt.Fprintf(&b, "    password: %s\n", yq(in.Password))
			}
			if in.Text != "" {
				fmt.Fprintf(&b, "    text: %s\n", yq(in.Text))
			}
		default:
			fmt.Fprintf(&b, "  - fault: %s\n", in.Fault)
			if in.Reason != "" {
				fmt.Fprintf(&b, "    reason: %s\n", in.Reason)
			}
		}
	}
	if neverAt >= len(steps) && never != "" {
		fmt.Fprintf(&b, "  - expect_never: [%s]\n", yq(never))
	}
	if f.Expect != "" {
		fmt.Fprintf(&b, "  - expect: {error: %s}\n", yq(f.Expect))
	}
	if f.FinalState != "" {
		fmt.Fprintf(&b, "  - settle: true\n  - expect: {state: %s}\n", yq(f.FinalState))
	}
	return []byte(b.String())
}

// ConfigYAML is a run's configuration as the keys of a scenario file
// (profile, seed, room, deployment, client, limits), each section with its
// keys that differ from the default, in block style.
func ConfigYAML(cfg sim.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "profile: %s\n", cfg.Profile)
	fmt.Fprintf(&b, "seed: %d\n", cfg.Seed)
	writeMap(&b, "room", [][2]string{
		{"name", yqIf(cfg.Room.Name)}, {"exists", yb(cfg.Room.Exists)}, {"occupants", yi(cfg.Room.Occupants)},
		{"max_occupants", yi(cfg.Room.MaxOccupants)}, {"password", yqIf(cfg.Room.Password)}, {"lobby", yb(cfg.Room.Lobby)},
		{"members_only", yb(cfg.Room.MembersOnly)}, {"waiting_for_host", yb(cfg.Room.WaitingForHost)},
		{"require_display_name", yb(cfg.Room.RequireDisplayName)}, {"peer_ids_first", yb(cfg.Room.PeerIDsFirst)},
	})
	p2p := ""
	if cfg.Deployment.P2P != nil {
		p2p = strconv.FormatBool(*cfg.Deployment.P2P)
	}
	auth := ""
	if cfg.Deployment.Authentication != "" && cfg.Deployment.Authentication != sim.AuthNone {
		auth = string(cfg.Deployment.Authentication)
	}
	writeMap(&b, "deployment", [][2]string{
		{"authentication", auth}, {"conference_request_http", yb(cfg.Deployment.ConferenceRequestHTTP)},
		{"reservations", yb(cfg.Deployment.Reservations)}, {"visitors", yb(cfg.Deployment.Visitors)},
		{"max_occupants", yi(cfg.Deployment.MaxOccupants)}, {"p2p", p2p},
		{"enable_ice_restart", yb(cfg.Deployment.EnableIceRestart)}, {"no_password_support", yb(cfg.Deployment.NoPasswordSupport)},
	})
	writeMap(&b, "client", [][2]string{
		{"display_name", yqIf(cfg.Client.DisplayName)}, {"token", yqIf(cfg.Client.Token)}, {"logged_in", yb(cfg.Client.LoggedIn)},
		{"guest", yb(cfg.Client.Guest)}, {"disable_room_creation_retry", yb(cfg.Client.DisableRoomCreationRetry)},
	})
	if cfg.Limits != (sim.Limits{}) {
		fmt.Fprintf(&b, "limits: {max_time_ms: %d, max_steps: %d}\n", cfg.Limits.MaxTimeMs, cfg.Limits.MaxSteps)
	}
	return b.String()
}

func writeMap(b *strings.Builder, key string, kv [][2]string) {
	var parts []string
	for _, p := range kv {
		if p[1] != "" {
			parts = append(parts, p[0]+": "+p[1])
		}
	}
	if len(parts) == 0 {
		return
	}
	fmt.Fprintf(b, "%s:\n", key)
	for _, p := range parts {
		b.WriteString("  " + p + "\n")
	}
}

// yq quotes a YAML scalar (a JSON string is a YAML double-quoted string).
func yq(s string) string { return strconv.Quote(s) }

func yqIf(s string) string {
	if s == "" {
		return ""
	}
	return yq(s)
}

func yb(v bool) string {
	if v {
		return "true"
	}
	return ""
}

func yi(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

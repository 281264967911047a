package campaign

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jitsi-sim/confsim/sim"
)

// Replay runs cfg with steps on s, checking every record, the way simulate
// run replays a scenario: each input at the current virtual time, each wait
// with Advance (a negative wait settles), then Settle. It returns the first violation, the index of the
// step during which it showed (len(steps) for the final settle), and
// whether every input was accepted.
func Replay(s *sim.Sim, cfg sim.Config, steps []Step) (v *Violation, at int, accepted bool) {
	var chk Checker
	chk.Reset(cfg)
	defer func() { s.OnRecord = nil }()
	if err := s.Reset(cfg); err != nil {
		return nil, 0, false
	}
	at = -1
	refused := false
	s.OnRecord = chk.Record
	note := func(k int) {
		if at < 0 && chk.Violation() != nil {
			at = k
		}
	}
	modelErr := func(err error) bool {
		if err != nil && !errors.Is(err, sim.ErrLimit) {
			chk.Fail(InvModelError, err.Error())
			return true
		}
		return false
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				chk.Fail(InvPanic, fmt.Sprint(p))
			}
		}()
		for k, st := range steps {
			if st.Input == (sim.Input{}) {
				var err error
				if st.Wait < 0 {
					err = s.Settle()
				} else {
					err = s.Advance(st.Wait)
				}
				if modelErr(err) {
					note(k)
					return
				}
				note(k)
				continue
			}
			before := s.State()
			err := s.Step(st.Input)
			var na *sim.NotAllowedError
			if errors.As(err, &na) || (err != nil && !errors.Is(err, sim.ErrInternal)) {
				refused, at = true, k
				return
			}
			if modelErr(err) {
				note(k)
				return
			}
			chk.Input(st.Input, before)
			note(k)
		}
		modelErr(s.Settle())
		chk.End(s.State())
		note(len(steps))
	}()
	if refused {
		return nil, at, false
	}
	if at < 0 {
		at = len(steps)
	}
	if v := chk.Violation(); v != nil {
		cp := *v
		return &cp, at, true
	}
	return nil, at, true
}

// Shrink reduces a failing run's steps by delta debugging (ddmin) to a
// list from which no single chunk can be removed without the run passing,
// breaking a different invariant, or having an input refused. Waits are
// then lowered where the failure allows it.
func Shrink(cfg sim.Config, steps []Step, inv string) []Step {
	s, err := sim.New(cfg)
	if err != nil {
		return steps
	}
	fails := func(c []Step) bool {
		v, _, ok := Replay(s, cfg, c)
		return ok && v != nil && v.Invariant == inv
	}
	cur := append([]Step(nil), steps...)
	if !fails(cur) {
		return cur
	}
	n := 2
	for len(cur) >= 2 {
		chunk := (len(cur) + n - 1) / n
		reduced := false
		for start := 0; start < len(cur); start += chunk {
			end := min(start+chunk, len(cur))
			cand := append(append([]Step(nil), cur[:start]...), cur[end:]...)
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
		if cur[k].Input != (sim.Input{}) {
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
}

// ScenarioYAML writes a scenario file in the format of
// docs/scenario-format.md. A Step with a negative Wait is a settle.
func ScenarioYAML(f ScenarioFile) []byte {
	name, description, cfg, steps, never, neverAt := f.Name, f.Description, f.Config, f.Steps, f.Never, f.NeverAt
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\n", yq(name))
	b.WriteString("description: >\n")
	for _, line := range wrap(description, 90) {
		b.WriteString("  " + line + "\n")
	}
	fmt.Fprintf(&b, "profile: %s\n", cfg.Profile)
	fmt.Fprintf(&b, "seed: %d\n", cfg.Seed)
	writeMap(&b, "room", [][2]string{
		{"name", yqIf(cfg.Room.Name)}, {"exists", yb(cfg.Room.Exists)}, {"occupants", yi(cfg.Room.Occupants)},
		{"max_occupants", yi(cfg.Room.MaxOccupants)}, {"password", yqIf(cfg.Room.Password)}, {"lobby", yb(cfg.Room.Lobby)},
		{"members_only", yb(cfg.Room.MembersOnly)}, {"waiting_for_host", yb(cfg.Room.WaitingForHost)},
		{"require_display_name", yb(cfg.Room.RequireDisplayName)},
	})
	auth := ""
	if cfg.Deployment.Authentication != "" && cfg.Deployment.Authentication != sim.AuthNone {
		auth = string(cfg.Deployment.Authentication)
	}
	writeMap(&b, "deployment", [][2]string{
		{"authentication", auth}, {"conference_request_http", yb(cfg.Deployment.ConferenceRequestHTTP)},
		{"reservations", yb(cfg.Deployment.Reservations)}, {"visitors", yb(cfg.Deployment.Visitors)},
		{"max_occupants", yi(cfg.Deployment.MaxOccupants)}, {"p2p", yb(cfg.Deployment.P2P)},
		{"enable_ice_restart", yb(cfg.Deployment.EnableIceRestart)}, {"no_password_support", yb(cfg.Deployment.NoPasswordSupport)},
	})
	writeMap(&b, "client", [][2]string{
		{"display_name", yqIf(cfg.Client.DisplayName)}, {"token", yqIf(cfg.Client.Token)}, {"logged_in", yb(cfg.Client.LoggedIn)},
		{"guest", yb(cfg.Client.Guest)}, {"disable_room_creation_retry", yb(cfg.Client.DisableRoomCreationRetry)},
	})
	if cfg.Limits != (sim.Limits{}) {
		fmt.Fprintf(&b, "limits: {max_time_ms: %d, max_steps: %d}\n", cfg.Limits.MaxTimeMs, cfg.Limits.MaxSteps)
	}
	b.WriteString("steps:\n")
	if len(steps) == 0 && never == "" && f.Expect == "" {
		b.WriteString("  - settle: true\n")
	}
	for k, st := range steps {
		if k == neverAt && never != "" {
			fmt.Fprintf(&b, "  - expect_never: [%s]\n", yq(never))
		}
		in := st.Input
		switch {
		case in == (sim.Input{}) && st.Wait < 0:
			b.WriteString("  - settle: true\n")
		case in == (sim.Input{}):
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
	return []byte(b.String())
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

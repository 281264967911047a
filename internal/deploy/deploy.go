// Package deploy plays a scenario's server side as a fake Jitsi deployment
// for a real client, in real time: the application under test (a page
// with lib-jitsi-meet, or the library in a Node test) connects to the
// model's server side (an xmpp.Server), does what the scenario's actions
// say, and the deployment injects the scenario's faults and performs its
// moderators' actions at the right moments.
//
// The right moment comes from the model itself. Before serving, the
// scenario runs on the model; for each fault and moderator action the
// deployment notes how many client messages the model's server side had
// received when it was applied, and how long after the last of them. In
// real time it applies the input once the real client has sent as many,
// and that long after: a kick waits for the join, an approval for the
// knock, however slow the application is. With real media (SetBridges) an
// input also waits for as many starts of the JVB session's connectivity
// checks as the model had seen, and as long after the last of them (at
// least connectGraceMs): a cut comes after the session connected.
//
// The verdict is on what the server side saw: the client's messages (the
// conference requests, joins, lobby joins, leaves, room configuration,
// chat, logins) must be, in order, those the model's client sent in the
// scenario; the application may send more after them. Jingle, ICE and
// pings are not compared: they depend on media and on time.
//
// The clock is the caller's: Tick sets the virtual time (ms since the
// start); the command line ticks it from the wall clock, a Node test from
// its timers. Cues may also come by hand through Control: inject, approve,
// deny, kick, destroy, advance.
package deploy

import (
	"errors"
	"fmt"
	"log"
	"sync"

	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/internal/xmpp"
	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// Options configure a deployment.
type Options struct {
	// Manual: the scenario's faults and moderators are not played; only
	// the cues sent through Control are.
	Manual bool
	// Profile is the library the client runs, whose model gives the cues;
	// default sim.ProfileLibJitsiMeet, the model's pin.
	Profile sim.Profile
	// Log, when set, receives the xmpp.Server's diagnostics.
	Log *log.Logger
}

// cue is one server-side input of the scenario and when to apply it.
type cue struct {
	in   sim.Input
	pos  scenario.Pos
	msgs int   // client messages received before it, in the model
	wait int64 // ms after the last of them (or after the start)
	// checks is the number of JVB connectivity checks the model's server
	// side saw start before it, and checkWait how long after the last of
	// them it came: with real media the checks run at the network's pace,
	// after the client's answer, so a fault on a connected session waits
	// for them (SetBridges).
	checks    int
	checkWait int64
}

// expected is one client message of the model's run.
type expected struct {
	typ wire.Type
	t   int64
}

// Deployment is a scenario's server side served to a real client.
type Deployment struct {
	sc     *scenario.Scenario
	server *xmpp.Server
	manual bool

	cues   []cue
	expect []expected // the model client's messages, compared by type
	media  bool       // real bridges and peers (SetBridges)

	// Warning, when set, says what of the scenario the deployment cannot
	// play.
	Warning string

	// playMu makes one play at a time (the ticker's and a control
	// advance's), so that cues are applied in order on a clock that only
	// goes forward. Locks are taken in the order playMu, the server's, mu.
	playMu sync.Mutex

	mu      sync.Mutex
	now     int64 // the caller's clock (Tick), ms
	skip    int64 // what advance cues added to it
	seen    []expected
	checks  []int64   // when the JVB connectivity checks started
	lastUp  wire.Type // the last client message observed
	next    int       // the next cue to apply
	played  []string
	failure string // the first cue that failed, or the first mismatch
}

// compared says whether a client message takes part in the verdict and in
// the cues: signalling the application drives, not media or keep-alives.
func compared(t wire.Type) bool {
	switch t {
	case wire.StreamOpen, wire.ConferenceIQ, wire.JoinPresence, wire.LobbyJoinPresence,
		wire.LeavePresence, wire.RoomConfigSubmit, wire.GroupChat, wire.Login:
		return true
	}
	return false
}

// New runs sc on the model, in opts.Profile (the library the client runs),
// to learn its cues, and makes the server side for it.
func New(sc *scenario.Scenario, opts Options) (*Deployment, error) {
	if opts.Profile == "" {
		opts.Profile = sim.ProfileLibJitsiMeet
	}
	pinned := *sc
	pinned.Config.Profile = opts.Profile
	sc = &pinned
	d := &Deployment{sc: sc, manual: opts.Manual}
	var ups []expected
	var checks []int64
	atStep, atCheck := map[int]int{}, map[int]int{}
	res := scenario.Run(sc, scenario.Options{
		OnServerReceive: func(t int64, m wire.Message) {
			if compared(m.Type) {
				ups = append(ups, expected{m.Type, t})
			}
			if jvbChecks(m) {
				checks = append(checks, t)
			}
		},
		OnStep: func(i int) { atStep[i], atCheck[i] = len(ups), len(checks) },
	})
	if !res.Pass && res.FailedStep >= 0 {
		// Steps after a failed expectation never ran: no cue for them.
		d.Warning = fmt.Sprintf("the model stops at %s in the %s profile, so the steps after it are not played: %s",
			sc.Steps[res.FailedStep].Pos, opts.Profile, res.Reason)
	}
	d.expect = ups
	for _, e := range res.Trace {
		if e.Kind != scenario.EntryStep || e.Step == nil {
			continue
		}
		st := e.Step
		if !serverSide(st) {
			continue
		}
		k := atStep[e.Index]
		c := cue{in: st.Input, pos: st.Pos, msgs: k, wait: e.T, checks: atCheck[e.Index]}
		if k > 0 {
			c.wait = e.T - ups[k-1].t
		}
		if c.checks > 0 {
			c.checkWait = e.T - checks[c.checks-1]
		}
		d.cues = append(d.cues, c)
	}
	sv, err := xmpp.NewServer(sc.Config, opts.Log)
	if err != nil {
		return nil, err
	}
	d.server = sv
	sv.Observe(d.observe)
	return d, nil
}

// serverSide says whether a step is the deployment's to play: a fault, or
// a moderator's action.
func serverSide(st *scenario.Step) bool {
	switch st.Kind {
	case scenario.KindFault:
		return true
	case scenario.KindAction:
		return st.Input.Action.Moderator()
	}
	return false
}

// connectGraceMs is the least time a cue that follows the JVB checks
// leaves the browser to connect once the network lets its packets through
// (tens of ms on loopback): in the model a fault may cut the session at
// the very instant it connects.
const connectGraceMs = 500

// jvbChecks says whether a client message is the start of the JVB
// session's connectivity checks.
func jvbChecks(m wire.Message) bool { return m.Type == wire.IceChecks && m.Session == wire.JVB }

// SetBridges gives every session a real bridge or peer (xmpp.Server's
// SetBridges); cues then also wait for the JVB checks the model had seen.
func (d *Deployment) SetBridges(f xmpp.NewBridgeFunc) {
	d.mu.Lock()
	d.media = true
	d.mu.Unlock()
	d.server.SetBridges(f)
}

// Server is the server side the deployment serves.
func (d *Deployment) Server() *xmpp.Server { return d.server }

// Scenario is the scenario played.
func (d *Deployment) Scenario() *scenario.Scenario { return d.sc }

// observe is the server's hook (under its lock): it notes the client's
// signalling.
func (d *Deployment) observe(t int64, m wire.Message) {
	if jvbChecks(m) {
		d.mu.Lock()
		d.checks = append(d.checks, t)
		d.mu.Unlock()
	}
	if !compared(m.Type) {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if m.Type == wire.StreamOpen && d.lastUp == wire.Login {
		// The endpoint binds the login's authenticated connection after
		// telling the server side of the login; the model's login is
		// that one message (authenticateAndUpgradeRole).
		d.lastUp = m.Type
		return
	}
	d.lastUp = m.Type
	i := len(d.seen)
	d.seen = append(d.seen, expected{m.Type, t})
	if d.failure == "" && i < len(d.expect) && d.expect[i].typ != m.Type {
		d.failure = fmt.Sprintf("the client's message %d was %s at %d ms; in the scenario it is %s (at %d ms in the model)",
			i+1, words(m.Type), t, words(d.expect[i].typ), d.expect[i].t)
	}
}

// words names a client message as a reader knows it.
func words(t wire.Type) string {
	switch t {
	case wire.StreamOpen:
		return "a connection (stream, SASL, bind)"
	case wire.ConferenceIQ:
		return "a conference request"
	case wire.JoinPresence:
		return "a MUC join presence"
	case wire.LobbyJoinPresence:
		return "a lobby join presence"
	case wire.LeavePresence:
		return "a leave presence"
	case wire.RoomConfigSubmit:
		return "a room configuration (lock)"
	case wire.GroupChat:
		return "a chat message"
	case wire.Login:
		return "a login (an authenticated connection)"
	}
	return t.String()
}

// Tick sets the clock to now (ms since the start, plus what advance cues
// added): what is due on the server side runs, and so do the cues that
// are ready. The clock never goes back.
func (d *Deployment) Tick(now int64) error {
	d.mu.Lock()
	if now > d.now {
		d.now = now
	}
	d.mu.Unlock()
	return d.play()
}

// clock is the server side's time: the caller's plus the skips.
func (d *Deployment) clock() int64 { return d.now + d.skip }

// play advances the server side to the clock, applying each cue at its
// moment on the way.
func (d *Deployment) play() error {
	d.playMu.Lock()
	defer d.playMu.Unlock()
	for {
		d.mu.Lock()
		to := d.clock()
		var c *cue
		// Cues go on after a mismatch: the verdict has failed, but the
		// story is played to its end for whoever watches.
		if !d.manual && d.next < len(d.cues) {
			n := &d.cues[d.next]
			checked := !d.media || len(d.checks) >= n.checks
			if len(d.seen) >= n.msgs && checked {
				at := n.wait
				if n.msgs > 0 {
					at += d.seen[n.msgs-1].t
				}
				if d.media && n.checks > 0 {
					at = max(at, d.checks[n.checks-1]+max(n.checkWait, connectGraceMs))
				}
				if at <= to {
					c, to = n, at
					d.next++
				}
			}
		}
		d.mu.Unlock()
		to = max(to, d.server.Now()) // a cue already late is applied now
		if _, err := d.server.Control(xmpp.ControlRequest{Op: "advance", To: &to}); err != nil {
			return err
		}
		if c == nil {
			return nil
		}
		if err := d.apply(c.in); err != nil {
			d.mu.Lock()
			if d.failure == "" {
				d.failure = fmt.Sprintf("%s: %s could not be applied: %v", c.pos, describe(c.in), err)
			}
			d.mu.Unlock()
		}
	}
}

// apply applies one input on the server side and notes it.
func (d *Deployment) apply(in sim.Input) error {
	req := xmpp.ControlRequest{Op: "fault", Fault: in.Fault, Reason: in.Reason}
	if in.Action != "" {
		req = xmpp.ControlRequest{Op: "act", Action: string(in.Action), Text: in.Text}
	}
	out, err := d.server.Control(req)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.played = append(d.played, fmt.Sprintf("%d ms %s", out["now"], describe(in)))
	d.mu.Unlock()
	return nil
}

func describe(in sim.Input) string {
	if in.Action != "" {
		return "moderator " + string(in.Action)
	}
	return "fault " + in.Fault
}

// Control performs one control operation: the cues inject (a fault),
// approve, deny, kick and destroy, advance (ms: skip the clock ahead),
// verdict, and the server side's own (next, transcript).
func (d *Deployment) Control(c xmpp.ControlRequest) (map[string]any, error) {
	switch c.Op {
	case "inject":
		if c.Fault == "" {
			return nil, errors.New(`inject: want "fault"`)
		}
		if err := d.apply(sim.Input{Fault: c.Fault, Reason: c.Reason}); err != nil {
			return nil, err
		}
		return map[string]any{"ok": true}, nil
	case "approve", "deny", "kick", "destroy":
		if err := d.apply(sim.Input{Action: sim.Action(c.Op), Text: c.Text}); err != nil {
			return nil, err
		}
		return map[string]any{"ok": true}, nil
	case "fault", "act":
		in := sim.Input{Fault: c.Fault, Reason: c.Reason}
		if c.Op == "act" {
			in = sim.Input{Action: sim.Action(c.Action), Text: c.Text}
		}
		if err := d.apply(in); err != nil {
			return nil, err
		}
		return map[string]any{"ok": true}, nil
	case "advance":
		if c.To != nil || c.Ms < 0 {
			return nil, errors.New(`advance: want "ms", a duration to skip ahead (the clock is real time)`)
		}
		d.mu.Lock()
		d.skip += c.Ms
		d.mu.Unlock()
		if err := d.play(); err != nil {
			return nil, err
		}
		return map[string]any{"ok": true}, nil
	case "verdict":
		return map[string]any{"verdict": d.Verdict()}, nil
	}
	return d.server.Control(c)
}

// Verdict is the deployment's judgement of what the server side saw.
type Verdict struct {
	Pass bool `json:"pass"`
	// Reason says why it failed, or what is still awaited.
	Reason string `json:"reason"`
	// Played lists the cues applied, with their virtual times.
	Played []string `json:"played"`
	// Seen is how many of the scenario's client messages arrived, of
	// Expected.
	Seen     int `json:"seen"`
	Expected int `json:"expected"`
	// Done: every cue is applied and every expected message arrived.
	Done bool `json:"done"`
	// Failed: the client did something else, or a cue could not be
	// applied; nothing later changes the verdict.
	Failed bool `json:"failed"`
}

// Verdict says whether the client did what the scenario says, as far as
// the server side saw.
func (d *Deployment) Verdict() Verdict {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := Verdict{Played: append([]string{}, d.played...), Seen: min(len(d.seen), len(d.expect)), Expected: len(d.expect)}
	cuesDone := d.manual || d.next == len(d.cues)
	v.Done = cuesDone && len(d.seen) >= len(d.expect)
	switch {
	case d.failure != "":
		v.Reason, v.Failed = d.failure, true
	case len(d.seen) < len(d.expect):
		e := d.expect[len(d.seen)]
		v.Reason = fmt.Sprintf("waiting for the client's message %d of %d: %s (at %d ms in the model)", len(d.seen)+1, len(d.expect), words(e.typ), e.t)
	case !cuesDone:
		c := d.cues[d.next]
		v.Reason = fmt.Sprintf("%s: %s not applied yet", c.pos, describe(c.in))
	default:
		v.Pass = true
	}
	return v
}

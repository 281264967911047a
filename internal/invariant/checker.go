// Package invariant checks a run of the model against the lifecycle
// invariants and the catalog's classification, one record at a time and in
// constant memory. Campaigns, the property tests and every scenario run use
// it.
package invariant

import (
	"fmt"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// The lifecycle invariants a Checker enforces. The names appear in reports,
// in scenario files written for failing runs, and in test failures.
const (
	InvOneFailurePerJoin  = "one-failure-per-join"       // at most one conference.failed per join attempt
	InvQuietAfterFailure  = "quiet-after-failure"        // no joined or media events after a failure until a new join
	InvJoinedPhaseErrors  = "joined-errors-after-joined" // joined-phase errors only after conference.joined
	InvMediaAfterInitiate = "media-errors-after-session-initiate"
	InvLeftOnlyIfJoined   = "left-only-if-joined" // conference.left only after conference.joined, never after conference.kicked
	InvIceFailedRestarts  = "ice-failed-after-restarts"
	InvTimeMonotonic      = "time-monotonic"
	InvTerminalAbsorbs    = "terminal-absorbs"
	InvClassification     = "classification" // carrier event, params, phase, fatal, recoverable as the catalog says
	InvProfile            = "profile"        // the pinned library never emits its three dead errors
	InvPanic              = "model-panic"    // the model panicked
	InvModelError         = "model-error"    // the model returned an unexpected error
	InvExtra              = "extra"          // an invariant given by the caller (SetExtra)
)

// Violation is the first invariant a run broke.
type Violation struct {
	Invariant string `json:"invariant"`
	Message   string `json:"message"`
	// Record is the index of the offending record in the run (-1 when the
	// violation is about an input or the end of the run).
	Record int   `json:"record"`
	T      int64 `json:"t_ms"`
	// Event and Error are those of the offending record, if any.
	Event string `json:"event,omitempty"`
	Error string `json:"error,omitempty"`
	// Terminal is, for a terminal-absorbs violation, the terminal
	// conference state the run should have stayed in.
	Terminal string `json:"terminal_state,omitempty"`
}

func (v *Violation) String() string {
	return fmt.Sprintf("%s at %d ms: %s", v.Invariant, v.T, v.Message)
}

// The minimal wait between the first JVB session-initiate and ICE_FAILED:
// three restarts with getJitterDelay(n, 1000, 2) back-offs, at least 1 s
// each; or one back-off plus IceFailedHandling's 2 s when jicofo refuses the
// restart's session-terminate.
const minIceFailedAfterInitiateMs = 3000

// Checker checks the lifecycle invariants of one run, one record at a time,
// keeping a constant amount of state: it is fed by Sim.OnRecord so that
// campaigns never keep a run's records. Call Reset before each run, Input
// for every input the model accepted, Record for every record, and End after
// the run.
type Checker struct {
	cfg sim.Config

	n        int // records seen
	lastT    int64
	prev     sim.State
	terminal bool
	// destroyed: CONFERENCE_DESTROYED was emitted (leave() stays allowed)
	destroyed bool

	failures       int  // conference.failed in the current join attempt
	failed         bool // a failure happened since the last join attempt
	joined         bool // conference.joined since the last join attempt
	kicked         bool
	initiated      bool // a Jingle session was initiated in this conference
	firstInitiateT int64
	jvbInitiates   int // JVB session-initiates (server_region_changed) in this conference
	terminateError bool

	v     *Violation
	first Violation

	extra func(*sim.Record) string // see SetExtra; kept by Reset
}

// Reset prepares the checker for a run with cfg.
func (c *Checker) Reset(cfg sim.Config) {
	*c = Checker{cfg: cfg, extra: c.extra}
}

// SetExtra adds an invariant given by the caller: extra returns why a record
// breaks it, or "". Reset keeps it.
func (c *Checker) SetExtra(extra func(*sim.Record) string) { c.extra = extra }

// Violation returns the first violation, or nil.
func (c *Checker) Violation() *Violation { return c.v }

func (c *Checker) fail(inv string, r *sim.Record, format string, args ...any) {
	if c.v != nil {
		return
	}
	c.first = Violation{Invariant: inv, Message: fmt.Sprintf(format, args...), Record: -1, T: c.lastT}
	if r != nil {
		c.first.Record, c.first.T = c.n, r.T
		c.first.Event, c.first.Error = string(r.Event), r.ErrorValue()
	}
	c.v = &c.first
}

// Fail records a violation found outside the record stream (a panic or an
// unexpected model error).
func (c *Checker) Fail(inv, msg string) { c.fail(inv, nil, "%s", msg) }

// Input tells the checker that the model accepted in while in state st.
func (c *Checker) Input(in sim.Input, st sim.State) {
	// A terminal state absorbs every action but one: leave() after
	// CONFERENCE_DESTROYED, which the library accepts (its presence goes
	// to a room that is gone and times out) and which changes nothing.
	leaveDestroyed := in.Action == sim.ActionLeave && c.destroyed
	if in.Action != "" && c.terminal && c.v == nil && !leaveDestroyed {
		c.fail(InvTerminalAbsorbs, nil, "action %s accepted in terminal state %s", in.Action, st)
		c.first.Terminal = c.prev.Conference.String()
	}
	switch in.Action {
	case sim.ActionJoin, sim.ActionLogin, sim.ActionKnock:
		// A new join attempt: join(), login then a new conference request,
		// or joinLobby().
		c.failures, c.failed = 0, false
		if in.Action != sim.ActionKnock {
			c.joined = false
		}
	}
	if in.Fault == "restart-terminate-error" {
		c.terminateError = true
	}
}

// Record checks one record.
func (c *Checker) Record(r *sim.Record) {
	defer func() {
		c.prev = r.State
		c.lastT = r.T
		c.n++
	}()
	if r.T < c.lastT {
		c.fail(InvTimeMonotonic, r, "record at %d ms after one at %d ms", r.T, c.lastT)
	}
	if c.terminal && r.State.Conference != c.prev.Conference {
		c.fail(InvTerminalAbsorbs, r, "%s left terminal state %s for %s", r.Event, c.prev.Conference, r.State.Conference)
	}
	if r.State.Conference.Terminal() {
		c.terminal = true
	}
	if r.HasErr && r.Err == catalog.ConferenceDestroyed {
		c.destroyed = true
	}
	if r.State.JVB != sim.SessionNone || r.State.P2P != sim.SessionNone {
		if !c.initiated {
			c.initiated, c.firstInitiateT = true, r.T
		}
	}

	switch r.Event {
	case catalog.ConferenceFailed, catalog.ConnectionFailed:
		// After an in-room fatal error (failed-in-room) the library goes on
		// until the application leaves: more events, and more failures,
		// may follow.
		live := c.prev.Conference == sim.FailedInRoom
		if c.cfg.Profile == sim.ProfileLibJitsiMeet2021 && r.HasErr && r.Err == catalog.FocusDisconnected {
			// d630bc32: a notice before each retry of the conference
			// request; the join goes on.
			break
		}
		if r.Event == catalog.ConferenceFailed && !live {
			c.failures++
			if c.failures > 1 {
				c.fail(InvOneFailurePerJoin, r, "second conference.failed (%s) in one join attempt", r.ErrorValue())
			}
		}
		if r.State.Conference != sim.FailedInRoom {
			c.failed = true
		}
	case catalog.ConferenceJoined, catalog.ConferenceJoinInProgress, catalog.MediaSessionStarted,
		catalog.ConnectionEstablished, catalog.ConnectionInterrupted, catalog.ConnectionRestored,
		catalog.DataChannelOpened, catalog.P2PStatus, catalog.ServerRegionChanged, catalog.UserJoined:
		if c.failed {
			c.fail(InvQuietAfterFailure, r, "%s after a failure, with no new join", r.Event)
		}
	case catalog.ConferenceLeft:
		if !c.joined {
			c.fail(InvLeftOnlyIfJoined, r, "conference.left but the room was never joined")
		}
		if c.kicked {
			c.fail(InvLeftOnlyIfJoined, r, "conference.left after conference.kicked")
		}
	case catalog.Kicked:
		c.kicked = true
	}
	switch r.Event {
	case catalog.ConferenceJoined:
		c.joined = true
		c.initiated, c.jvbInitiates = false, 0
	case catalog.ServerRegionChanged:
		if c.jvbInitiates == 0 {
			c.firstInitiateT = r.T
		}
		c.jvbInitiates++
	}

	if r.HasErr {
		c.checkError(r)
	}
	if c.extra != nil {
		if why := c.extra(r); why != "" {
			c.fail(InvExtra, r, "%s", why)
		}
	}
}

func (c *Checker) checkError(r *sim.Record) {
	e := catalog.Get(r.Err)
	if c.cfg.Profile == sim.ProfileLibJitsiMeet && !e.EmittedByLib {
		c.fail(InvProfile, r, "%s is never emitted by lib-jitsi-meet 01daa07c3f8c", e.Value)
	}
	at2021 := c.cfg.Profile == sim.ProfileLibJitsiMeet2021
	if at2021 && !catalog.EmittedAt2021(r.Err) {
		c.fail(InvProfile, r, "%s is never emitted by lib-jitsi-meet d630bc32", e.Value)
	}
	// Classification.
	if r.Event != e.Event {
		c.fail(InvClassification, r, "%s carried by %s, catalog says %s", e.Value, r.Event, e.Event)
	}
	if !paramsMatch(e, r, at2021) {
		c.fail(InvClassification, r, "%s params %s, catalog says %s", e.Value, names(r.Params, func(p sim.Param) string { return p.Name }),
			names(e.Params, func(p catalog.Param) string { return p.Name }))
	}
	if !e.HasPhase(r.Phase) {
		c.fail(InvClassification, r, "%s in phase %s, catalog says %v", e.Value, r.Phase, e.Phases)
	}
	// join-failed: the library stopped this join and lets the application
	// try again; for jitsi-meet's classification the attempt is over.
	term := r.State.Conference.Over()
	over := term || r.State.Conference == sim.JoinFailed
	// An error raised where the conference was already over (in
	// failed-in-room the library goes on) changes nothing.
	changed := r.State.Conference != c.prev.Conference
	switch {
	case at2021 && r.Err == catalog.FocusDisconnected:
		// d630bc32 retries after every FOCUS_DISCONNECTED, for ever.
		if r.State.Conference != sim.ConferenceRequestRetry {
			c.fail(InvClassification, r, "%s at d630bc32 is followed by a retry, not %s", e.Value, r.State.Conference)
		}
	case e.Fatal && !over:
		c.fail(InvClassification, r, "fatal %s left the conference in %s", e.Value, r.State.Conference)
	case e.Event == catalog.ConferenceFailed && e.Recoverable && term && changed:
		c.fail(InvClassification, r, "recoverable %s ended the conference (%s)", e.Value, r.State.Conference)
	case e.Event == catalog.ConferenceFailed && !e.Recoverable && !over:
		c.fail(InvClassification, r, "non-recoverable %s left the conference in %s", e.Value, r.State.Conference)
	case e.Event != catalog.ConferenceFailed && term && changed:
		c.fail(InvClassification, r, "%s (not a failure) ended the conference (%s)", e.Value, r.State.Conference)
	}
	// Lifecycle order.
	if onlyPhases(e, catalog.PhaseJoined, catalog.PhaseMedia) && !c.joined {
		c.fail(InvJoinedPhaseErrors, r, "%s before conference.joined", e.Value)
	}
	if onlyPhases(e, catalog.PhaseMedia) && !c.initiated {
		c.fail(InvMediaAfterInitiate, r, "%s with no session-initiate", e.Value)
	}
	if r.Err == catalog.IceFailed {
		switch {
		case c.jvbInitiates == 0:
			c.fail(InvIceFailedRestarts, r, "ICE_FAILED with no JVB session")
		case r.T-c.firstInitiateT < minIceFailedAfterInitiateMs:
			c.fail(InvIceFailedRestarts, r, "ICE_FAILED %d ms after the first session-initiate, before three restarts could run", r.T-c.firstInitiateT)
		case !c.cfg.Deployment.EnableIceRestart && !c.terminateError && c.jvbInitiates < 4:
			c.fail(InvIceFailedRestarts, r, "ICE_FAILED after %d JVB session-initiates; the library re-invites three times first", c.jvbInitiates)
		}
	}
}

// End checks what holds at the end of a run: a terminal state stays put.
func (c *Checker) End(final sim.State) {
	if c.terminal && final.Conference != c.prev.Conference && c.v == nil {
		c.fail(InvTerminalAbsorbs, nil, "ended in %s after terminal state %s", final.Conference, c.prev.Conference)
		c.first.Terminal = c.prev.Conference.String()
	}
}

func onlyPhases(e *catalog.Error, ps ...catalog.Phase) bool {
	for _, p := range e.Phases {
		ok := false
		for _, q := range ps {
			ok = ok || p == q
		}
		if !ok {
			return false
		}
	}
	return len(e.Phases) > 0
}

// paramsMatch: the record's parameter names are the catalog's, in order. A
// CONFERENCE_DESTROYED relayed from the lobby has no alternateJid.
func paramsMatch(e *catalog.Error, r *sim.Record, at2021 bool) bool {
	want := e.Params
	if at2021 {
		want = catalog.ParamsAt2021(e.ID)
	}
	if e.ID == catalog.ConferenceDestroyed && r.Phase == catalog.PhaseLobby {
		want = want[:1]
	}
	if len(want) != len(r.Params) {
		return false
	}
	for i := range want {
		if want[i].Name != r.Params[i].Name {
			return false
		}
	}
	return true
}

// names lists the names of xs.
func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}

package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/looplab/fsm"
)

// ConfState is a state of the conference lifecycle machine.
type ConfState uint8

// The conference lifecycle states, in the order the lifecycle visits them.
const (
	Disconnected ConfState = iota
	Connecting
	Connected
	ConferenceRequest
	ConferenceRequestRetry
	MUCJoining
	MUCJoinRetry
	PasswordRequired
	AuthRequired
	MembersOnly
	Lobby
	Joined
	Leaving
	Left
	KickedOut
	Failed
	FailedInRoom
	ConnectionFailed
	Redirected
	// JoinFailed: the join was refused in a way the library lets the
	// application retry (a display name, room space, a permission, the
	// reservation, the conference request): join() works again.
	JoinFailed
	numConfStates
)

var confStateNames = [numConfStates]string{
	"disconnected", "connecting", "connected", "conference-request", "conference-request-retry",
	"muc-joining", "muc-join-retry", "password-required", "auth-required", "members-only",
	"lobby", "joined", "leaving", "left", "kicked", "failed", "failed-in-room", "connection-failed", "redirected", "join-failed",
}

func (s ConfState) String() string { return confStateNames[s] }

// Terminal reports whether the conference can no longer change state.
func (s ConfState) Terminal() bool {
	switch s {
	case Left, KickedOut, Failed, ConnectionFailed, Redirected:
		return true
	}
	return false
}

// Over reports whether the conference attempt is over for jitsi-meet's
// classification: a terminal state, or failed-in-room, where the library
// goes on but the application is expected to leave.
func (s ConfState) Over() bool { return s.Terminal() || s == FailedInRoom }

// SessionState is a state of one Jingle session (JVB or P2P).
type SessionState uint8

// The Jingle session states.
const (
	SessionNone SessionState = iota
	SessionNegotiating
	SessionChecking
	SessionConnected
	SessionInterrupted
	SessionFailed
	SessionRestarting
	SessionEnded
	numSessionStates
)

var sessionStateNames = [numSessionStates]string{
	"none", "negotiating", "checking", "connected", "interrupted", "failed", "restarting", "ended",
}

func (s SessionState) String() string { return sessionStateNames[s] }

// transition is one edge set of a machine: event from any of src to dst.
type transition struct {
	event string
	src   []string
	dst   string
}

// Conference machine events.
const (
	evConnect          = "connect"
	evConnected        = "connection-established"
	evConnectionFailed = "connection-failed"
	evJoin             = "join"
	evFocusReady       = "focus-ready"
	evFocusRetry       = "focus-retry"
	evFocusResend      = "focus-resend"
	evAuthRequired     = "authentication-required"
	evRedirect         = "redirect"
	evPasswordRequired = "password-required"
	evMembersOnly      = "members-only"
	evCreationRetry    = "room-creation-retry"
	evCreationRejoin   = "room-creation-rejoin"
	evKnock            = "knock"
	evAdmitted         = "admitted"
	evMUCJoined        = "muc-joined"
	evFail             = "fail"
	evFailInRoom       = "fail-in-room"
	evLeave            = "leave"
	evLeaveUnjoined    = "leave-unjoined"
	evMUCLeft          = "muc-left"
	evKicked           = "kicked"
	evJoinRefused      = "join-refused"
)

var live = []string{"connecting", "connected", "conference-request", "conference-request-retry",
	"muc-joining", "muc-join-retry", "password-required", "auth-required", "members-only", "lobby",
	"joined", "failed-in-room", "leaving", "join-failed"}

// conferenceTransitions is the conference lifecycle. Both engines are built
// from it.
var conferenceTransitions = []transition{
	{evConnect, []string{"disconnected"}, "connecting"},
	{evConnected, []string{"connecting"}, "connected"},
	{evConnectionFailed, live, "connection-failed"},
	{evJoin, []string{"connected", "password-required", "auth-required", "join-failed"}, "conference-request"},
	{evFocusReady, []string{"conference-request"}, "muc-joining"},
	{evFocusRetry, []string{"conference-request"}, "conference-request-retry"},
	{evFocusResend, []string{"conference-request-retry"}, "conference-request"},
	{evAuthRequired, []string{"conference-request"}, "auth-required"},
	{evRedirect, []string{"conference-request"}, "redirected"},
	{evPasswordRequired, []string{"muc-joining"}, "password-required"},
	{evMembersOnly, []string{"muc-joining"}, "members-only"},
	{evCreationRetry, []string{"muc-joining"}, "muc-join-retry"},
	{evCreationRejoin, []string{"muc-join-retry"}, "conference-request"},
	{evKnock, []string{"members-only"}, "lobby"},
	{evAdmitted, []string{"lobby"}, "conference-request"},
	{evMUCJoined, []string{"muc-joining"}, "joined"},
	{evFail, []string{"conference-request", "conference-request-retry", "muc-joining", "lobby", "joined", "failed-in-room"}, "failed"},
	{evFailInRoom, []string{"joined"}, "failed-in-room"},
	{evJoinRefused, []string{"conference-request", "conference-request-retry", "muc-joining"}, "join-failed"},
	{evLeave, []string{"joined", "failed-in-room"}, "leaving"},
	{evLeaveUnjoined, []string{"connected", "conference-request", "conference-request-retry", "muc-joining",
		"muc-join-retry", "password-required", "auth-required", "members-only", "lobby", "join-failed"}, "left"},
	{evMUCLeft, []string{"leaving"}, "left"},
	{evKicked, []string{"joined", "failed-in-room"}, "kicked"},
}

// Jingle session machine events.
const (
	evInitiate      = "session-initiate"
	evAccepted      = "session-accepted"
	evIceConnected  = "ice-connected"
	evIceDisconnect = "ice-disconnected"
	evIceFailed     = "ice-failed"
	evRestart       = "restart"
	evTerminate     = "terminate"
)

var sessionTransitions = []transition{
	{evInitiate, []string{"none", "ended"}, "negotiating"},
	{evAccepted, []string{"negotiating"}, "checking"},
	{evIceConnected, []string{"checking", "interrupted", "restarting"}, "connected"},
	{evIceDisconnect, []string{"connected"}, "interrupted"},
	{evIceFailed, []string{"checking", "connected", "interrupted", "restarting"}, "failed"},
	{evRestart, []string{"checking", "connected", "interrupted", "failed", "restarting"}, "restarting"},
	{evTerminate, []string{"negotiating", "checking", "connected", "interrupted", "failed", "restarting"}, "ended"},
}

// machine is what the model needs of a state machine. Two engines implement
// it: looplab/fsm (the reference) and a transition table (the fast path used
// by campaigns); a property test checks that they agree.
type machine interface {
	// Fire applies an event; it fails if the event is not allowed now.
	Fire(event string) error
	// Current returns the index of the current state.
	Current() uint8
	// Reset puts the machine back in state s.
	Reset(s uint8)
}

// Engine selects the state machine implementation.
type Engine uint8

// The engines.
const (
	// EngineLooplab runs the lifecycle on github.com/looplab/fsm.
	EngineLooplab Engine = iota
	// EngineTable runs it on a precomputed transition table built from the
	// same definition; it is what campaigns use in their hot loop.
	EngineTable
)

type spec struct {
	states      []string
	index       map[string]uint8
	transitions []transition
	events      []string // sorted
	eventIndex  map[string]uint8
	table       [][]int8 // [state][event] -> dst or -1
}

func newSpec(states []string, ts []transition) *spec {
	sp := &spec{states: states, index: map[string]uint8{}, transitions: ts, eventIndex: map[string]uint8{}}
	for i, s := range states {
		sp.index[s] = uint8(i)
	}
	for _, t := range ts {
		if !slices.Contains(sp.events, t.event) {
			sp.events = append(sp.events, t.event)
		}
	}
	slices.Sort(sp.events)
	for i, e := range sp.events {
		sp.eventIndex[e] = uint8(i)
	}
	sp.table = make([][]int8, len(states))
	for i := range sp.table {
		sp.table[i] = make([]int8, len(sp.events))
		for j := range sp.table[i] {
			sp.table[i][j] = -1
		}
	}
	for _, t := range ts {
		dst, ok := sp.index[t.dst]
		if !ok {
			panic("sim: unknown state " + t.dst)
		}
		for _, s := range t.src {
			src, ok := sp.index[s]
			if !ok {
				panic("sim: unknown state " + s)
			}
			sp.table[src][sp.eventIndex[t.event]] = int8(dst)
		}
	}
	return sp
}

var (
	conferenceSpec = newSpec(confStateNames[:], conferenceTransitions)
	sessionSpec    = newSpec(sessionStateNames[:], sessionTransitions)
)

func (sp *spec) newMachine(e Engine) machine {
	if e == EngineTable {
		return &tableMachine{sp: sp}
	}
	var evs fsm.Events
	for _, t := range sp.transitions {
		evs = append(evs, fsm.EventDesc{Name: t.event, Src: t.src, Dst: t.dst})
	}
	return &looplabMachine{sp: sp, f: fsm.NewFSM(sp.states[0], evs, nil)}
}

// transitionError reports an event the machine does not accept in its state.
type transitionError struct {
	event, state string
}

func (e *transitionError) Error() string {
	return fmt.Sprintf("event %q is not allowed in state %q", e.event, e.state)
}

// looplabMachine runs on looplab/fsm; it caches the index of the state
// looplab reports after each change, so that reading it is cheap.
type looplabMachine struct {
	sp  *spec
	f   *fsm.FSM
	cur uint8
}

func (m *looplabMachine) Fire(event string) error {
	err := m.f.Event(context.Background(), event)
	var noTrans fsm.NoTransitionError
	if err != nil && !errors.As(err, &noTrans) {
		return &transitionError{event, m.f.Current()}
	}
	m.cur = m.sp.index[m.f.Current()]
	return nil
}

func (m *looplabMachine) Current() uint8 { return m.cur }

func (m *looplabMachine) Reset(s uint8) {
	m.f.SetState(m.sp.states[s])
	m.cur = s
}

type tableMachine struct {
	sp  *spec
	cur uint8
}

func (m *tableMachine) Fire(event string) error {
	ev, ok := m.sp.eventIndex[event]
	if !ok {
		return &transitionError{event, m.sp.states[m.cur]}
	}
	dst := m.sp.table[m.cur][ev]
	if dst < 0 {
		return &transitionError{event, m.sp.states[m.cur]}
	}
	m.cur = uint8(dst)
	return nil
}

func (m *tableMachine) Current() uint8 { return m.cur }

func (m *tableMachine) Reset(s uint8) { m.cur = s }

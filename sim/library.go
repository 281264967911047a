package sim

import (
	"fmt"
	"math"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// library is the client state lib-jitsi-meet keeps across a conference:
// JitsiConference, its ChatRoom, Moderator and Lobby.
type library struct {
	// gen invalidates the conference's pending deliveries when it ends.
	gen uint32
	// jvbGen and p2pGen invalidate a Jingle session's pending deliveries.
	jvbGen, p2pGen uint32

	joinPassword        string // the password of the pending join
	notReadyTries       int    // Moderator: ready=false back-off counter
	errorTries          int    // Moderator: session-invalid back-off counter
	focusJid            string // Moderator.focusUserJids, from the conference answer
	visitorsSupported   bool   // Moderator.visitorsSupported
	roomCreationRetries int    // ChatRoom: never reset
	lobbyRoom           string // Lobby: the lobby jid of MEMBERS_ONLY_ERROR
	iceRestarts         int    // JitsiConference._iceRestarts: never reset
	noBridgeAvailable   bool   // ChatRoom flag: never reset
	jvbWasConnected     bool   // the current JVB session's ICE was connected once
	p2pActive           bool   // P2P_STATUS(true) was emitted
	deferredP2P         bool   // deferredStartP2PTask is set
	deferredP2PGen      uint32 // invalidates a cleared deferred start
	jvbInterrupted      bool   // JitsiConference.isJvbConnectionInterrupted
	destroyed           bool   // MUC_DESTROYED left the ChatRoom joined
	acceptPending       bool   // our session-accept waits for its answer
	statsDisposed       bool   // leave() has disposed of the statistics
	displayName         string // set by setDisplayName, sent with the next join
	loginRequests       int    // conference requests of authenticateAndUpgradeRole in flight
	loginJoin           bool   // 2021 profile: authenticateAndUpgradeRole will join by itself
	earlyRequest        bool   // the conference request of connect({name}) is in flight
	requestSent         bool   // Moderator.conferenceRequestSent by connect({name})
	conn                connState

	// ChatRoom and JitsiConference state learnt on joining.
	inProgressEmitted       bool   // MUC_JOIN_IN_PROGRESS was emitted
	role                    string // our MUC role
	meetingID               string
	roomInfo                bool // a disco#info of the room was read
	membersOnly             bool
	visitorsEnabled         bool
	propertiesSeen          bool // jicofo's conference properties were read
	supportTerminateRestart bool
	acceptGen               uint32 // invalidates the session-accept's timeout
	others                  int    // the other participants in the room, from their presences
	notJvb121               bool   // Jvb121EventGenerator._jvb121 is false (2021 profile)
}

func (s *Sim) confState() ConfState { return ConfState(s.conf.Current()) }

// fire applies a conference machine event. The model only fires events its
// state allows; anything else is a bug in the model.
func (s *Sim) fire(ev string) {
	if err := s.conf.Fire(ev); err != nil {
		panic(fmt.Sprintf("sim: conference machine: %v", err))
	}
	if s.confState().Terminal() {
		s.endConference()
	}
	// In failed-in-room the library goes on: the MUC, its listeners and
	// the Jingle sessions stay live until the application leaves.
}

// inRoom says whether we are in the MUC as the library sees it: joined, or
// failed-in-room after an in-room fatal error (CONFERENCE_FAILED does not
// leave the room; the application does).
func (s *Sim) inRoom() bool {
	st := s.confState()
	return st == Joined || st == FailedInRoom
}

// endConference cancels everything in flight and closes both sessions.
func (s *Sim) endConference() {
	s.lib.gen++
	s.endSession(s.jvb, &s.lib.jvbGen)
	s.endSession(s.p2p, &s.lib.p2pGen)
}

func (s *Sim) fireSession(m machine, ev string) {
	if err := m.Fire(ev); err != nil {
		panic(fmt.Sprintf("sim: session machine: %v", err))
	}
}

func (s *Sim) endSession(m machine, gen *uint32) {
	*gen++
	if gen == &s.lib.jvbGen {
		s.lib.acceptPending = false
		s.lib.acceptGen++
	}
	if st := SessionState(m.Current()); st != SessionNone && st != SessionEnded {
		s.fireSession(m, evTerminate)
	}
}

// phase is the lifecycle phase of the current state.
func (s *Sim) phase() catalog.Phase {
	switch s.confState() {
	case Disconnected, Connecting, Connected:
		return catalog.PhaseConnecting
	case ConferenceRequest, ConferenceRequestRetry, AuthRequired:
		return catalog.PhaseFocusRequest
	case MUCJoining, MUCJoinRetry, JoinFailed:
		return catalog.PhaseMUCJoin
	case PasswordRequired:
		return catalog.PhasePassword
	case MembersOnly, Lobby:
		return catalog.PhaseLobby
	case Joined, FailedInRoom:
		return catalog.PhaseJoined
	}
	return catalog.PhaseTeardown
}

func (s *Sim) emitEvent(ev catalog.Event, ph catalog.Phase, ps ...Param) {
	s.emit(Record{Event: ev, Params: ps, Phase: ph})
}

// raise fires the conference machine event ev and hands the error to the
// application on its catalog carrier.
func (s *Sim) raise(id catalog.ID, ev string, ps ...Param) {
	s.raiseIn(s.phase(), id, ev, ps...)
}

func (s *Sim) raiseIn(ph catalog.Phase, id catalog.ID, ev string, ps ...Param) {
	if ev == evFailInRoom && s.confState() == FailedInRoom {
		ev = "" // a second in-room failure: the state stays
	}
	if ev != "" {
		s.fire(ev)
	}
	s.emit(Record{Event: catalog.Get(id).Event, Err: id, HasErr: true, Params: ps, Phase: ph})
}

// connectionFailed is connection.connectionFailed: the conference is over.
// A second one (AUTHFAIL's connection.passwordRequired is followed by the
// DISCONNECTED of its disconnect) leaves the state as it is.
func (s *Sim) connectionFailed(e catalog.ConnError, ps ...Param) {
	ph := s.phase()
	if !s.confState().Terminal() {
		s.fire(evConnectionFailed)
	}
	s.emit(Record{Event: catalog.ConnectionFailed, ConnErr: e, Params: ps, Phase: ph})
}

// jitterDelay is lib-jitsi-meet's getJitterDelay(retry, minDelay, factor):
// floor(random * (factor^retry * 1000 - minDelay) + minDelay).
func (s *Sim) jitterDelay(retry int, minDelay int64, factor float64) int64 {
	span := math.Pow(factor, float64(retry))*1000 - float64(minDelay)
	return int64(s.jitter.Float64()*span) + minDelay
}

func optStr(s string) Value {
	if s == "" {
		return Value{}
	}
	return Str(s)
}

// --- connecting ---------------------------------------------------------------

func (s *Sim) connect() {
	s.fire(evConnect)
	if s.cfg.Client.ConnectWithName && s.cfg.Deployment.ConferenceRequestHTTP && s.cfg.Profile != ProfileLibJitsiMeet2021 {
		// JitsiConnection.connect({name}) with conferenceRequestUrl: the
		// conference request first, the XMPP connection once it succeeds.
		s.lib.earlyRequest = true
		s.sendConferenceRequest()
		return
	}
	s.startConnection()
}

// onEarlyAnswer is Moderator's handling of the conference request sent by
// connect({name}). No ChatRoom exists yet to forward its events
// (ChatRoom's eventsForwarder): AUTH_STATUS_CHANGED is not emitted, and
// AUTHENTICATION_REQUIRED and RESERVATION_ERROR are lost with nothing after
// them, so the application waits for a connection that never comes. On
// success the XMPP connection follows, and the join sends no second request
// (conferenceRequestSent).
func (s *Sim) onEarlyAnswer(a wire.FocusAnswer) {
	switch {
	case a.OK && !a.Ready:
		wait := min(int64(1000)<<min(s.lib.notReadyTries, 10), 120000)
		s.lib.notReadyTries++
		s.after(wait, s.sendConferenceRequest)
	case a.OK && a.Live && a.Vnode == "":
		s.lib.earlyRequest = false
		s.lib.requestSent = true
		s.lib.notReadyTries = 0
		s.lib.focusJid = a.FocusJid
		s.startConnection()
	default:
		// Lost (or, for the cases the model does not follow here, left
		// waiting): nothing reaches the application.
		s.lib.earlyRequest = false
	}
}

// onConnected: the connection is established, then the conference joins.
func (s *Sim) onConnected(m *wire.Message) {
	// XMPP._connectionHandler asks the server for its disco#info before it
	// emits CONNECTION_ESTABLISHED; the lobbyrooms identity in the answer
	// makes the library ask the lobby component for its features
	// (Caps.getFeaturesAndIdentities), and #displayname_required among them
	// is DISPLAY_NAME_REQUIRED: two round trips that start just before the
	// application's join and run beside it.
	if m.DisplayNameRequired {
		s.after(rtt, func() {
			s.after(rtt, func() {
				s.emitEvent(catalog.ConnectionDisplayNameRequired, s.phase())
			})
		})
	}
	s.xmppConnected(m, false)
	s.fire(evConnected)
	s.emitEvent(catalog.ConnectionEstablishedConn, catalog.PhaseConnecting, P("id", Str(m.Text)))
	s.join()
	// The server's disco#info answer (sent just before the application's
	// join) ends with _maybeSendDeploymentInfoStat(true): its promise
	// settles after the conference answer of the same instant.
	s.after(rtt, s.propertiesUpdated)
}

// join is JitsiConference.join(password): the conference request to the
// focus, then the MUC join.
func (s *Sim) join() {
	s.fire(evJoin)
	if s.lib.requestSent {
		// Moderator.sendConferenceRequest: already sent by connect({name}).
		s.lib.requestSent = false
		s.fire(evFocusReady)
		s.sendJoinPresence()
		return
	}
	s.sendConferenceRequest()
}

// disposeStatistics is the synchronous start of JitsiConference.leave():
// statistics.dispose() emits BEFORE_STATISTICS_DISPOSED, the first time
// only (it removes its listeners).
func (s *Sim) disposeStatistics() {
	if !s.lib.statsDisposed {
		s.lib.statsDisposed = true
		s.emitEvent(catalog.BeforeStatisticsDisposed, catalog.PhaseTeardown)
	}
}

// leave is JitsiConference.leave(): the statistics are disposed of, the
// sessions close, an unavailable presence goes out, and MUC_LEFT comes back
// as CONFERENCE_LEFT. A room never joined sends nothing and emits only
// BEFORE_STATISTICS_DISPOSED.
func (s *Sim) leave() {
	s.disposeStatistics()
	if st := s.confState(); st != Joined && st != FailedInRoom {
		s.fire(evLeaveUnjoined)
		return
	}
	s.fire(evLeave)
	s.endConference()
	s.send(wire.Message{Type: wire.LeavePresence}, rtt, wire.NoSession)
}

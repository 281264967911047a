package sim

import (
	"fmt"

	"github.com/jitsi-sim/confsim/internal/catalog"
)

// library is the client state lib-jitsi-meet keeps across a conference:
// JitsiConference, its ChatRoom, Moderator and Lobby.
type library struct {
	// gen invalidates the conference's pending deliveries when it ends.
	gen uint32
	// jvbGen and p2pGen invalidate a Jingle session's pending deliveries.
	jvbGen, p2pGen uint32

	connected           bool   // the XMPP connection is up
	joinPassword        string // the password of the pending join
	notReadyTries       int    // Moderator: ready=false back-off counter
	errorTries          int    // Moderator: session-invalid back-off counter
	roomCreationRetries int    // ChatRoom: never reset
	mucJoined           bool
	lobbyRoom           string
	iceRestarts         int  // JitsiConference._iceRestarts: never reset
	noBridgeAvailable   bool // ChatRoom flag: never reset
	established         bool // CONNECTION_ESTABLISHED was emitted
	interrupted         bool // CONNECTION_INTERRUPTED is outstanding
	p2pActive           bool // P2P_STATUS(true) was emitted
	forceNoPassword     bool // the next join carries no password
}

func (s *Sim) confState() ConfState { return ConfState(s.conf.Current()) }

// fire applies a conference machine event. The model only fires events its
// state allows; anything else is a bug in the model.
func (s *Sim) fire(ev string) {
	if err := s.conf.Fire(ev); err != nil {
		panic(fmt.Sprintf("sim: conference machine: %v", err))
	}
	if s.confState().Terminal() {
		s.lib.gen++
		s.endSession(s.jvb, &s.lib.jvbGen)
		s.endSession(s.p2p, &s.lib.p2pGen)
	}
}

func (s *Sim) fireSession(m machine, ev string) {
	if err := m.Fire(ev); err != nil {
		panic(fmt.Sprintf("sim: session machine: %v", err))
	}
}

func (s *Sim) endSession(m machine, gen *uint32) {
	*gen++
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
	case MUCJoining, MUCJoinRetry:
		return catalog.PhaseMUCJoin
	case PasswordRequired:
		return catalog.PhasePassword
	case MembersOnly, Lobby:
		return catalog.PhaseLobby
	case Joined:
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
	if ev != "" {
		s.fire(ev)
	}
	s.emit(Record{Event: catalog.Get(id).Event, Err: id, HasErr: true, Params: ps, Phase: ph})
}

// connectionFailed is connection.connectionFailed: the conference is over.
func (s *Sim) connectionFailed(e catalog.ConnError, ps ...Param) {
	ph := s.phase()
	s.lib.connected = false
	s.fire(evConnectionFailed)
	s.emit(Record{Event: catalog.ConnectionFailed, ConnErr: e, Params: ps, Phase: ph})
}

// jitterDelay is lib-jitsi-meet's getJitterDelay(retry, minDelay, factor):
// floor(random * (factor^retry * 1000 - minDelay) + minDelay).
func (s *Sim) jitterDelay(retry int, minDelay int64, factor float64) int64 {
	span := pow(factor, retry)*1000 - float64(minDelay)
	return int64(s.jitter.Float64()*span) + minDelay
}

func pow(f float64, n int) float64 {
	r := 1.0
	for range n {
		r *= f
	}
	return r
}

// --- connecting -----------------------------------------------------------

func (s *Sim) connect() {
	s.fire(evConnect)
	s.after(rtt, func() {
		s.lib.connected = true
		s.fire(evConnected)
		s.emitEvent(catalog.ConnectionEstablishedConn, catalog.PhaseConnecting)
		s.join()
	})
}

// join is JitsiConference.join(password): the conference request to the
// focus, then the MUC join.
func (s *Sim) join() {
	s.fire(evJoin)
	s.lib.notReadyTries, s.lib.errorTries = 0, 0
	s.sendConferenceRequest()
}

// --- the conference request (Moderator) -------------------------------------

func (s *Sim) sendConferenceRequest() {
	s.after(rtt, func() { s.onConferenceAnswer(s.w.answerConferenceRequest()) })
}

func (s *Sim) onConferenceAnswer(a focusAnswer) {
	switch {
	case a.ok && !a.ready:
		// ready=false: retry forever, 1 s, 2 s, 4 s ... capped at 120 s.
		wait := min(int64(1000)<<min(s.lib.notReadyTries, 10), 120000)
		s.lib.notReadyTries++
		s.retryConferenceRequest(wait)
	case a.ok && !a.live:
		s.connectionFailed(catalog.NotLiveError)
	case a.ok && a.vnode != "":
		ph := s.phase()
		s.fire(evRedirect)
		s.emitEvent(catalog.ConnectionRedirected, ph, P("vnode", Str(a.vnode)), P("focusJid", Str("focus@auth."+mainDomain)))
	case a.ok:
		// The answer updates the identity: AUTH_STATUS_CHANGED.
		s.emitEvent(catalog.AuthStatusChanged, catalog.PhaseFocusRequest,
			P("isAuthEnabled", BoolV(s.w.deploy.Authentication != AuthNone)), P("authIdentity", identity(&s.w)))
		s.fire(evFocusReady)
		s.sendJoinPresence()
	case a.reservationCode != "":
		s.raise(catalog.ReservationError, evFail, P("errorCode", Str(a.reservationCode)), P("errorMsg", optStr(a.text)))
	case a.httpStatus == 403 || a.condition == "not-authorized":
		s.raise(catalog.AuthenticationRequired, evAuthRequired)
	case a.sessionInvalid:
		// The session is invalid: drop it and retry, 1 s, 2 s ... while the
		// next wait stays under 60 s; then give up.
		wait := int64(1000) << s.lib.errorTries
		if wait < 60000 {
			s.lib.errorTries++
			s.retryConferenceRequest(wait)
			return
		}
		s.giveUpConferenceRequest(a, wait)
	default:
		s.giveUpConferenceRequest(a, 1000)
	}
}

func (s *Sim) retryConferenceRequest(wait int64) {
	s.fire(evFocusRetry)
	s.after(wait, func() {
		s.fire(evFocusResend)
		s.sendConferenceRequest()
	})
}

// giveUpConferenceRequest ends a conference request the focus refused. The
// current library reports it on the connection; the documented list has
// GRACEFUL_SHUTDOWN and FOCUS_DISCONNECTED for it.
func (s *Sim) giveUpConferenceRequest(a focusAnswer, nextWait int64) {
	if s.cfg.Profile == ProfileLibJitsiMeet {
		s.connectionFailed(catalog.ConferenceRequestFailed)
		return
	}
	if a.gracefulShutdown {
		s.raise(catalog.GracefulShutdown, evFail)
		return
	}
	s.raise(catalog.FocusDisconnected, evFail, P("focus", Str("focus."+mainDomain)), P("retrySec", Num(nextWait/1000)))
}

func identity(w *world) Value {
	if w.hasIdentity() {
		return Str("user@" + mainDomain)
	}
	return Value{}
}

func optStr(s string) Value {
	if s == "" {
		return Value{}
	}
	return Str(s)
}

// --- the MUC join (ChatRoom) -------------------------------------------------

func (s *Sim) sendJoinPresence() {
	pw := s.lib.joinPassword
	if s.lib.forceNoPassword {
		pw, s.lib.forceNoPassword = "", false
	}
	s.after(rtt, func() {
		if pe := s.w.answerJoin(pw); pe != nil {
			s.onPresenceError(pe)
			return
		}
		s.onMUCJoined()
	})
}

// onPresenceError is ChatRoom.onPresenceError.
func (s *Sim) onPresenceError(pe *presenceError) {
	switch {
	case pe.errType == "auth" && pe.condition == "not-authorized":
		s.raise(catalog.PasswordRequired, evPasswordRequired)
	case pe.errType == "auth" && pe.condition == "registration-required":
		s.lib.lobbyRoom = pe.lobbyRoom
		s.raise(catalog.MembersOnlyError, evMembersOnly, P("lobbyRoomJid", optStr(pe.lobbyRoom)), P("waitingForHost", BoolV(pe.waiting)))
	case pe.errType == "modify" && pe.child == "displayname-required":
		lobby := Nul()
		if pe.lobbyAttr != "" {
			lobby = Str(pe.lobbyAttr)
		}
		s.raise(catalog.DisplayNameRequired, evFail, P("lobby", lobby))
	case pe.condition == "service-unavailable":
		vs := Value{}
		if s.w.deploy.ConferenceRequestHTTP && s.w.deploy.Visitors {
			vs = Str("true")
		}
		s.raise(catalog.ConferenceMaxUsers, evFail, P("visitorsSupported", Obj(P("visitorsSupported", vs))))
	case pe.errType == "cancel" && pe.condition == "not-allowed" && pe.toDomain == anonymousDomain:
		s.raise(catalog.ConnectionError, evFail)
	case pe.errType == "cancel" && pe.condition == "not-allowed":
		s.onNotAllowed(pe)
	default:
		s.raise(catalog.ConnectionError, evFail)
	}
}

func (s *Sim) onNotAllowed(pe *presenceError) {
	t := catalog.AuthGeneral
	switch {
	case pe.text == "Room creation is restricted" || pe.child == "room-does-not-exist":
		t = catalog.AuthRoomCreationRestriction
	case pe.child == "authentication-required":
		t = catalog.AuthRoomUnauthenticatedAccessDisabled
	case pe.child == "no-main-participants":
		t = catalog.AuthNoMainParticipants
	case pe.child == "promotion-not-allowed":
		t = catalog.AuthPromotionNotAllowed
	case pe.child == "no-visitors-lobby":
		t = catalog.AuthNoVisitorsLobby
	}
	if t == catalog.AuthRoomCreationRestriction && !s.w.client.DisableRoomCreationRetry && s.lib.roomCreationRetries < 3 {
		// Re-join after getJitterDelay(n, 500, 1.5), sending the conference
		// request again.
		s.lib.roomCreationRetries++
		s.fire(evCreationRetry)
		s.after(s.jitterDelay(s.lib.roomCreationRetries, 500, 1.5), func() {
			s.fire(evCreationRejoin)
			s.sendConferenceRequest()
		})
		return
	}
	s.raise(catalog.NotAllowedError, evFail, P("type", Str(t.String())), P("txt", Str(pe.text)))
}

// onMUCJoined: the occupants' presences, then our own.
func (s *Sim) onMUCJoined() {
	ph := catalog.PhaseMUCJoin
	s.emitEvent(catalog.ConferenceJoinInProgress, ph)
	for i := range s.w.room.Occupants {
		s.emitEvent(catalog.UserJoined, ph, P("id", Str(participantID(i))))
	}
	s.lib.mucJoined = true
	s.fire(evMUCJoined)
	s.emitEvent(catalog.ConferenceJoined, ph)
	if s.w.room.Lobby || s.w.room.MembersOnly {
		s.emitEvent(catalog.MembersOnlyChanged, catalog.PhaseJoined, P("enabled", BoolV(true)))
	}
	s.w.room.Occupants++ // we count now
	s.afterJoined()
}

func participantID(i int) string { return fmt.Sprintf("p%d", i+1) }

// afterJoined runs what the server does once we are in: the focus's presence,
// jicofo's invite (once there are two participants), and armed room events.
func (s *Sim) afterJoined() {
	if s.w.versionsIncompatible {
		s.focusPresence()
	}
	s.maybeInvite()
	s.armedJoinedEvents()
}

// armedJoinedEvents delivers the room events faults armed for the joined
// state.
func (s *Sim) armedJoinedEvents() {
	if s.confState() != Joined {
		return
	}
	if s.w.settingsError != "" {
		text := s.w.settingsError
		s.w.settingsError = ""
		s.after(rtt, func() {
			s.raiseIn(catalog.PhaseJoined, catalog.SettingsError, "", P("settingsErrorMsg", Str(text)))
		})
	}
	if s.w.focusLeaves {
		s.w.focusLeaves = false
		s.after(rtt, func() { s.raise(catalog.FocusLeft, evFail) })
	}
	if s.w.destroyPending {
		s.w.destroyPending = false
		reason := s.w.destroyReason
		s.after(rtt, func() {
			s.raise(catalog.ConferenceDestroyed, evFail, P("reason", optStr(reason)), P("alternateJid", Nul()))
		})
	}
}

// focusPresence is a presence of the focus occupant in the room.
func (s *Sim) focusPresence() {
	s.after(rtt, func() {
		if s.confState() != Joined {
			return
		}
		if s.w.versionsIncompatible && s.cfg.Profile == ProfileDocumented {
			s.w.versionsIncompatible = false
			s.raise(catalog.IncompatibleServerVersions, evFail)
			return
		}
		if s.w.bridgeUnavailable && !s.lib.noBridgeAvailable {
			s.lib.noBridgeAvailable = true
			s.raise(catalog.VideobridgeNotAvailable, evFail)
		}
	})
}

// maybeInvite is jicofo inviting us to the media session once the conference
// has two participants: it selects a bridge, then sends a session-initiate.
func (s *Sim) maybeInvite() {
	if s.confState() != Joined || s.w.room.Occupants < 2 || SessionState(s.jvb.Current()) != SessionNone {
		return
	}
	if s.w.bridgeUnavailable {
		s.focusPresence()
		return
	}
	s.sessionInitiate()
}

// --- leave, kick, destroy -------------------------------------------------------

func (s *Sim) leave() {
	if s.confState() != Joined {
		s.fire(evLeaveUnjoined)
		return
	}
	s.fire(evLeave)
	s.lib.gen++ // leave() cancels whatever the conference had in flight
	s.endSession(s.jvb, &s.lib.jvbGen)
	s.endSession(s.p2p, &s.lib.p2pGen)
	s.after(rtt, func() {
		s.fire(evMUCLeft)
		s.emitEvent(catalog.ConferenceLeft, catalog.PhaseTeardown)
	})
}

func (s *Sim) kicked(reason string) {
	ph := s.phase()
	s.fire(evKicked)
	s.emitEvent(catalog.Kicked, ph, P("actorParticipant", Str("moderator")), P("reason", optStr(reason)), P("isReplaceParticipant", BoolV(false)))
}

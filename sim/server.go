package sim

import "github.com/jitsi-sim/confsim/sim/wire"

// server is the server side of the model: prosody (the MUC, its lobby,
// max-occupants and reservation modules), jicofo, the bridge and the network
// under ICE. It answers the client's wire messages and acts on its own
// (moderators, jicofo's invites, faults), sending wire messages back through
// its host. It never looks at the client's state: what it knows of the
// client is what the client has sent it.
type server struct {
	world
	host serverHost
	sim  *Sim // the host, when it is the in-process network

	occupant   bool   // our self-presence is in the main room
	inLobby    bool   // we are in the lobby room
	jvbInvited bool   // jicofo has invited us to a JVB session
	jvbIce     string // the JVB transport as the network sees it: "", or a wire.Ice* outcome
	p2pIce     string // the P2P transport
	peerOffer  bool   // the other participant has offered us P2P
	// jvbCut and p2pCut count the transports' cuts, so that a cut's
	// timers do not act on a later one.
	jvbCut, p2pCut uint32
	conn           connServer
}

// serverHost is what the server side needs from whoever runs it: the
// in-process network (Sim), or the XMPP endpoint.
type serverHost interface {
	// schedule runs fn after d virtual ms. A scope other than
	// wire.NoSession ties it to that Jingle session's transport: it is
	// dropped when the session ends.
	schedule(d int64, scope wire.Session, fn func())
	// down sends m to the client, delivered after d virtual ms (0: now).
	down(m wire.Message, d int64)
}

// newServer builds the server side on a host: the in-process network (sim)
// or another host.
func newServer(cfg *Config, host serverHost, sim *Sim) server {
	return server{world: newWorld(cfg), host: host, sim: sim}
}

// schedule runs fn after d ms on the host's clock.
func (sv *server) schedule(d int64, scope wire.Session, fn func()) {
	if sv.sim != nil {
		sv.sim.schedule(d, scope, fn)
		return
	}
	sv.host.schedule(d, scope, fn)
}

// receive handles a message from the client.
func (sv *server) receive(m *wire.Message) {
	switch m.Type {
	case wire.StreamOpen:
		sv.streamOpen(m)
	case wire.StreamResume:
		sv.streamResume()
	case wire.BOSHRequest:
		sv.boshRequest()
	case wire.KeepAlive:
		sv.keepAlive()
	case wire.Login:
		sv.client.LoggedIn = true
		if sv.deploy.Authentication == AuthJWT {
			sv.client.Token = "token"
		}
	case wire.ConferenceIQ:
		if sv.focusSilent {
			return
		}
		sv.down(wire.Message{Type: wire.ConferenceResult, HTTP: sv.requestsOverHTTP(), Focus: sv.answerConferenceRequest()})
	case wire.JoinPresence:
		if m.Nick != "" {
			sv.client.DisplayName = m.Nick // the presence's <nick>
		}
		if pe := sv.checkJoin(m.Password); pe != nil {
			sv.down(wire.Message{Type: wire.JoinError, JoinErr: *pe})
			return
		}
		// The occupants' presences come first, the focus's among them,
		// then our self-presence; the room's disco#info follows it.
		sv.room.Exists = true
		sv.occupant = true
		sv.down(wire.Message{Type: wire.FocusPresence, FocusPres: sv.focusPresence()})
		sv.down(wire.Message{Type: wire.SelfPresence, Occupants: sv.room.Occupants, Role: "moderator",
			MembersOnly: sv.room.Lobby || sv.room.MembersOnly, MeetingID: MeetingID, VisitorsEnabled: sv.deploy.Visitors})
		sv.joined()
	case wire.LobbyJoinPresence:
		sv.inLobby = true
		sv.lobbyJoined()
	case wire.LeavePresence:
		sv.occupant, sv.jvbInvited, sv.jvbIce, sv.p2pIce, sv.peerOffer = false, false, "", "", false
		sv.down(wire.Message{Type: wire.Unavailable, Unavail: wire.UnavailablePresence{Nick: "me", Self: true}})
	case wire.RoomConfigSubmit:
		r := wire.Message{Type: wire.RoomConfigResult, Password: m.Password}
		if sv.configFormHasRoomSecret() {
			sv.room.Password = m.Password
		} else {
			r.Condition = "feature-not-implemented"
		}
		sv.down(r)
	case wire.GroupChat:
		if e := sv.chatBounce; e != nil {
			sv.chatBounce = nil
			sv.later(wire.Message{Type: wire.ErrorMessage, ErrMessage: *e}, rtt)
		}
	case wire.SessionAccept:
		if sv.sessionAcceptSilent {
			return
		}
		r := wire.Message{Type: wire.IQResult, For: wire.SessionAccept, Session: wire.JVB}
		if sv.offerAnswerFailure == "session-accept" {
			r.Condition = "bad-request"
		}
		sv.down(r)
	case wire.SessionTerminate:
		if m.Session == wire.P2P {
			sv.p2pIce, sv.peerOffer = "", false
			return
		}
		sv.jvbIce = ""
		r := wire.Message{Type: wire.IQResult, For: wire.SessionTerminate, Session: wire.JVB}
		if sv.restartTerminateError {
			// JitsiMeetConferenceImpl.onSessionTerminate: a participant's
			// restart requests are rate-limited (resource-constraint,
			// "rate-limited").
			r.Condition = "resource-constraint"
			sv.down(r)
			return
		}
		sv.down(r)
		if m.Restart {
			sv.sessionInitiate()
		}
	case wire.P2PInvite:
		// The other participant's session-accept; its answer cannot be
		// applied when the P2P negotiation is failing.
		r := wire.Message{Type: wire.PeerSessionAccept, Session: wire.P2P}
		if sv.p2pOfferAnswerFail {
			r.Offer = wire.OfferUnusable
		}
		sv.down(r)
	case wire.P2PAccept:
		sv.down(wire.Message{Type: wire.IQResult, For: wire.P2PAccept, Session: wire.P2P})
	case wire.IceChecks:
		sv.iceChecks(m.Session)
	case wire.Ping:
		if !sv.pingSilent {
			sv.down(wire.Message{Type: wire.IQResult, For: wire.Ping, Session: m.Session})
		}
	}
}

func (sv *server) down(m wire.Message) { sv.later(m, 0) }

// later sends m to the client after d ms. In process the concrete Sim takes
// it by pointer: no copy of the message escapes.
func (sv *server) later(m wire.Message, d int64) {
	if sv.sim != nil {
		sv.sim.down(&m, d)
		return
	}
	sv.host.down(m, d)
}

// joined runs once our self-presence is in the room: jicofo's presence
// reaches us, jicofo allocates and invites once the conference has two
// participants, and whatever faults armed for the joined room happens.
func (sv *server) joined() {
	sv.room.Occupants++ // we count now
	sv.sendFocusPresence()
	if sv.room.Occupants >= 2 {
		sv.allocate(true)
	}
	sv.peerStartsP2P(p2pStartMs) // on our join
	sv.roomEvents()
}

// peerStartsP2P is the other participant's _maybeStartOrStopP2P: with P2P
// enabled, the call at two participants and its id the smaller, it offers
// us P2P (session-initiate) d ms later, creating the offer included. Its
// offer cannot be applied when the P2P negotiation is failing.
func (sv *server) peerStartsP2P(d int64) {
	if !sv.deploy.P2PEnabled() || !sv.occupant || sv.others() != 1 || Node < sv.room.ParticipantID(0) {
		return
	}
	sv.schedule(d, wire.NoSession, func() {
		if !sv.occupant || sv.others() != 1 || sv.peerOffer || sv.p2pIce != "" {
			return
		}
		sv.peerOffer = true
		m := wire.Message{Type: wire.SessionInitiate, Session: wire.P2P}
		if sv.p2pOfferAnswerFail {
			m.Offer = wire.OfferUnusable
		}
		sv.later(m, rtt)
	})
}

func (sv *server) sendFocusPresence() {
	sv.later(wire.Message{Type: wire.FocusPresence, FocusPres: sv.focusPresence()}, rtt)
}

// allocate is jicofo's bridge selection for a participant. When it fails,
// jicofo adds <bridgeNotAvailable/> to its presence; when it succeeds it
// removes it and, for us, sends a session-initiate.
func (sv *server) allocate(inviteUs bool) {
	if sv.bridgeUnavailable {
		sv.bridgeNotAvailableExt = true
		sv.sendFocusPresence()
		return
	}
	sv.bridgeNotAvailableExt = false
	if inviteUs {
		sv.sessionInitiate()
	}
}

// sessionInitiate is jicofo's session-initiate for the JVB session. Its
// offer cannot be applied (setRemoteDescription) or answered (createAnswer)
// when a negotiation fault is armed.
func (sv *server) sessionInitiate() {
	sv.jvbInvited = true
	m := wire.Message{Type: wire.SessionInitiate, Session: wire.JVB, Text: "region-1"}
	switch sv.offerAnswerFailure {
	case "setRemoteDescription":
		m.Offer = wire.OfferUnusable
	case "createAnswer":
		m.Offer = wire.OfferNoCommonCodec
	}
	m.NoCandidates = sv.bridgeNoCandidates
	sv.later(m, rtt)
}

// iceChecks is the network's answer to a transport's connectivity checks:
// connected at once (they arrive iceCheckMs, for P2P p2pIceCheckMs, after
// they start), or, when no candidate pair works, disconnected then failed
// iceChecksFailMs after they started.
func (sv *server) iceChecks(session wire.Session) {
	if session == wire.JVB && sv.bridgeNoCandidates {
		// No remote candidate, no pair: the checks never start, and the
		// browser reports nothing at all.
		sv.setIce(session, iceChecking)
		return
	}
	fails := sv.p2pIceFails
	if session == wire.JVB {
		fails = sv.jvbIceFails || sv.jvbIceFailOnce
		sv.jvbIceFailOnce = false
	}
	if !fails {
		sv.setIce(session, wire.IceConnected)
		sv.down(wire.Message{Type: wire.IceState, Session: session, Text: wire.IceConnected})
		return
	}
	sv.setIce(session, iceChecking)
	checks := int64(iceCheckMs) // the client tells us they started this late
	if session == wire.P2P {
		checks = p2pIceCheckMs
	}
	sv.schedule(iceChecksFailMs-checks, session, func() {
		sv.setIce(session, wire.IceFailed)
		sv.down(wire.Message{Type: wire.IceState, Session: session, Text: wire.IceDisconnected})
		sv.down(wire.Message{Type: wire.IceState, Session: session, Text: wire.IceFailed})
	})
}

// iceChecking is a transport whose checks are under way, as the network
// sees it (never sent: the library learns only the outcome).
const iceChecking = "checking"

// setIce notes a transport's ICE state as the network sees it.
func (sv *server) setIce(session wire.Session, state string) {
	if session == wire.P2P {
		sv.p2pIce = state
	} else {
		sv.jvbIce = state
	}
}

// iceCut is a transport whose connectivity is gone but whose loss the
// browser has not noticed yet; iceHealing one whose connectivity is back
// and whose ICE is reconnecting (neither is ever sent).
const (
	iceCut     = "cut"
	iceHealing = "healing"
)

// ice is a transport's ICE state as the network sees it.
func (sv *server) ice(session wire.Session) string {
	if session == wire.P2P {
		return sv.p2pIce
	}
	return sv.jvbIce
}

// failsFor says whether a transport's connectivity is gone for good.
func (sv *server) failsFor(session wire.Session) bool {
	if session == wire.P2P {
		return sv.p2pIceFails
	}
	return sv.jvbIceFails || sv.jvbIceFailOnce
}

// cutTransport takes a connected transport's connectivity away: from now
// on the network drops its packets (wire.Network), and the browser notices
// as Chromium does: ICE disconnected iceDisconnectedMs later, ICE failed
// iceConnectionFailedMs later. With recoverAfter > 0 connectivity comes
// back that much later, unless the transport fails for good by then.
func (sv *server) cutTransport(session wire.Session, recoverAfter int64) {
	if !sv.occupant || sv.ice(session) != wire.IceConnected {
		return
	}
	cuts := &sv.jvbCut
	if session == wire.P2P {
		cuts = &sv.p2pCut
	}
	*cuts++
	this := *cuts
	sv.setIce(session, iceCut)
	sv.down(wire.Message{Type: wire.Network, Session: session, Text: wire.NetworkCut})
	sv.schedule(iceDisconnectedMs, session, func() {
		if *cuts == this && sv.ice(session) == iceCut {
			sv.setIce(session, wire.IceDisconnected)
			sv.down(wire.Message{Type: wire.IceState, Session: session, Text: wire.IceDisconnected})
		}
	})
	sv.schedule(iceConnectionFailedMs, session, func() {
		if st := sv.ice(session); *cuts == this && (st == iceCut || st == wire.IceDisconnected) {
			if session == wire.JVB {
				sv.jvbIceFailOnce = false // this is the one failure
			}
			sv.setIce(session, wire.IceFailed)
			sv.down(wire.Message{Type: wire.IceState, Session: session, Text: wire.IceFailed})
		}
	})
	if recoverAfter > 0 {
		sv.schedule(recoverAfter, session, func() {
			if *cuts == this {
				sv.healTransport(session)
			}
		})
	}
}

// healTransport gives a cut transport its connectivity back: unnoticed
// before the browser saw the cut, ICE connected again iceReconnectMs later
// after it.
func (sv *server) healTransport(session wire.Session) {
	st := sv.ice(session)
	if (st != iceCut && st != wire.IceDisconnected) || sv.failsFor(session) {
		return
	}
	sv.down(wire.Message{Type: wire.Network, Session: session, Text: wire.NetworkHeal})
	if st == iceCut {
		sv.setIce(session, wire.IceConnected)
		return
	}
	sv.setIce(session, iceHealing)
	sv.schedule(iceReconnectMs, session, func() {
		if sv.ice(session) == iceHealing {
			sv.setIce(session, wire.IceConnected)
			sv.down(wire.Message{Type: wire.IceState, Session: session, Text: wire.IceConnected})
		}
	})
}

// disruptJVB takes the JVB transport's connectivity away (cutTransport).
func (sv *server) disruptJVB(recoverAfter int64) { sv.cutTransport(wire.JVB, recoverAfter) }

// disruptP2P takes the P2P transport's connectivity away for good.
func (sv *server) disruptP2P() { sv.cutTransport(wire.P2P, 0) }

// roomEvents delivers the room events faults armed for the joined room,
// once we are in it.
func (sv *server) roomEvents() {
	if !sv.occupant {
		return
	}
	if sv.settingsError != "" {
		e := wire.ErrorMessageInfo{Condition: "not-acceptable", SettingsError: sv.settingsError}
		sv.settingsError = ""
		sv.later(wire.Message{Type: wire.ErrorMessage, ErrMessage: e}, rtt)
	}
	if sv.focusLeaves {
		sv.focusLeaves = false
		sv.later(wire.Message{Type: wire.Unavailable, Unavail: wire.UnavailablePresence{Nick: "focus", RealJid: focusJid}}, rtt)
	}
	if sv.destroyPending {
		sv.destroyPending = false
		sv.destroy(sv.destroyReason)
	}
}

// destroy destroys the main room, as a moderator's end-for-all or prosody
// does.
func (sv *server) destroy(reason string) {
	sv.occupant = false
	sv.later(wire.Message{Type: wire.Unavailable, Unavail: wire.UnavailablePresence{Destroy: true, Reason: reason}}, rtt)
}

// kick kicks us from the main room.
func (sv *server) kick(reason string) {
	sv.occupant = false
	sv.later(wire.Message{Type: wire.Unavailable,
		Unavail: wire.UnavailablePresence{Nick: "me", Self: true, Kicked: true, Actor: sv.kicker(), Reason: reason}}, rtt)
}

// kicker is the occupant who kicks us: the first other participant, or
// nobody we know (an administrator, jicofo) when we are alone.
func (sv *server) kicker() string {
	if sv.room.Occupants >= 2 {
		return sv.room.ParticipantID(0)
	}
	return ""
}

// participantJoins: another participant joins the room; jicofo allocates
// for them (inviting us if we were alone).
func (sv *server) participantJoins() {
	sv.room.Occupants++
	if !sv.occupant {
		return
	}
	sv.down(wire.Message{Type: wire.OccupantPresence, Nick: sv.room.ParticipantID(sv.room.Occupants - 2)})
	if sv.room.Occupants >= 2 {
		sv.allocate(!sv.jvbInvited)
	}
	if sv.others() > 1 {
		sv.peerOffer = false // the peers stop P2P: no longer two
	}
	sv.peerStartsP2P(p2pStartMs) // on its MUC join
}

// participantLeaves: another participant leaves.
func (sv *server) participantLeaves() {
	if sv.others() == 0 {
		return // nobody but us to leave
	}
	sv.room.Occupants--
	if sv.occupant {
		sv.down(wire.Message{Type: wire.Unavailable, Unavail: wire.UnavailablePresence{Nick: sv.room.ParticipantID(sv.room.Occupants - 1)}})
		sv.peerStartsP2P(backToP2PDelayMs) // after a user left
	}
}

// others is the number of participants in the room other than us.
func (sv *server) others() int {
	if sv.occupant {
		return sv.room.Occupants - 1
	}
	return sv.room.Occupants
}

// versionsChanged: jicofo's presence now carries other versions.
func (sv *server) versionsChanged() {
	if sv.occupant {
		sv.sendFocusPresence()
	}
}

// --- lobby ---------------------------------------------------------------------

// lobbyJoined runs once we are in the lobby room: armed moderator decisions
// and the lobby's end.
func (sv *server) lobbyJoined() {
	if !sv.inLobby {
		return
	}
	if sv.lobbyDeny {
		sv.lobbyDeny = false
		sv.schedule(moderatorMs, wire.NoSession, sv.lobbyKick)
	}
	if sv.lobbyEmptied {
		// The main room empties and the lobby room is destroyed with it.
		sv.lobbyEmptied = false
		sv.later(wire.Message{Type: wire.Unavailable, Room: wire.LobbyRoom,
			Unavail: wire.UnavailablePresence{Destroy: true, Reason: "The meeting has ended"}}, rtt)
	}
}

// lobbyKick: a moderator (or an access rule) kicks us from the lobby.
func (sv *server) lobbyKick() {
	sv.inLobby = false
	sv.down(wire.Message{Type: wire.Unavailable, Room: wire.LobbyRoom, Unavail: wire.UnavailablePresence{Nick: "me", Self: true, Kicked: true}})
}

// deny: a moderator refuses our knock.
func (sv *server) deny() { sv.schedule(rtt, wire.NoSession, sv.lobbyKick) }

// approve: a moderator lets us in; the lobby sends the invite.
func (sv *server) approve() {
	sv.schedule(rtt, wire.NoSession, func() {
		sv.members = true
		sv.down(wire.Message{Type: wire.LobbyInvite, Password: sv.room.Password})
	})
}

// lobbyDisabled: a moderator turns the lobby off; the lobby room is
// destroyed with the main room as alternate jid.
func (sv *server) lobbyDisabled() {
	sv.schedule(rtt, wire.NoSession, func() {
		sv.room.Lobby, sv.room.MembersOnly = false, false
		sv.down(wire.Message{Type: wire.Unavailable, Room: wire.LobbyRoom,
			Unavail: wire.UnavailablePresence{Destroy: true, AltJid: sv.room.Name + "@conference." + mainDomain}})
	})
}

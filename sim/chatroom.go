package sim

import "github.com/jitsi-sim/confsim/internal/catalog"

// This file models ChatRoom (modules/xmpp/ChatRoom.ts) and the parts of
// JitsiConference that react to it: the join presence, the classification
// of presence errors, the joined room's presences and error messages, and
// lock().

// The library's expectations of the server's component versions, checked
// only in the documented profile.
const (
	expectedJicofoMajor = 1
	expectedJVBMajor    = 2
)

func (s *Sim) sendJoinPresence() {
	pw := s.lib.joinPassword
	s.after(rtt, func() {
		pe, info := s.w.answerJoin(pw)
		if pe != nil {
			s.onPresenceError(pe)
			return
		}
		s.onMUCJoined(info)
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
		if s.lib.visitorsSupported {
			vs = Str("true")
		}
		s.raise(catalog.ConferenceMaxUsers, evFail, P("visitorsSupported", Obj(P("visitorsSupported", vs))))
	case pe.errType == "cancel" && pe.condition == "not-allowed" && pe.toDomain == anonymousDomain:
		s.raise(catalog.ConnectionError, evFail) // ROOM_JOIN_ERROR
	case pe.errType == "cancel" && pe.condition == "not-allowed":
		s.onNotAllowed(pe)
	default:
		s.raise(catalog.ConnectionError, evFail) // ROOM_CONNECT_ERROR
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
func (s *Sim) onMUCJoined(info roomInfo) {
	ph := catalog.PhaseMUCJoin
	s.emitEvent(catalog.ConferenceJoinInProgress, ph)
	for i := range info.occupants {
		s.emitEvent(catalog.UserJoined, ph, P("id", Str(participantID(i))))
	}
	s.fire(evMUCJoined)
	s.emitEvent(catalog.ConferenceJoined, ph)
	if info.membersOnly {
		s.emitEvent(catalog.MembersOnlyChanged, catalog.PhaseJoined, P("enabled", BoolV(true)))
	}
	s.serverJoined()
}

// onPresenceUnavailable is ChatRoom.onPresenceUnavailable in the main room.
func (s *Sim) onPresenceUnavailable(p unavailablePresence) {
	if s.confState() != Joined {
		return
	}
	switch {
	case p.destroy:
		// MUC_DESTROYED: emuc is left and no MUC_LEFT follows.
		jid := Nul()
		if p.altJid != "" {
			jid = Str(p.altJid)
		}
		s.raise(catalog.ConferenceDestroyed, evFail, P("reason", optStr(p.reason)), P("alternateJid", jid))
	case p.self && p.kicked:
		// KICKED: the library leaves and disconnects; no CONFERENCE_LEFT.
		ph := s.phase()
		s.fire(evKicked)
		s.emitEvent(catalog.Kicked, ph, P("actorParticipant", Str(p.actor)), P("reason", optStr(p.reason)), P("isReplaceParticipant", BoolV(false)))
	case p.realJid != "" && p.realJid == s.lib.focusJid:
		s.raise(catalog.FocusLeft, evFailInRoom)
	default:
		s.emitEvent(catalog.UserLeft, s.phase(), P("id", Str(p.nick)))
		if s.w.room.Occupants < 2 {
			s.stopP2P()
		}
		s.maybeStartP2P()
	}
}

// onFocusPresence handles a presence of the focus occupant.
func (s *Sim) onFocusPresence(p focusPresence) {
	if s.confState() != Joined {
		return
	}
	if s.cfg.Profile == ProfileDocumented && (p.jicofoMajor != expectedJicofoMajor || p.jvbMajor != expectedJVBMajor) {
		s.raise(catalog.IncompatibleServerVersions, evFailInRoom)
		return
	}
	if p.bridgeNotAvailable && !s.lib.noBridgeAvailable {
		s.lib.noBridgeAvailable = true // BRIDGE_DOWN: the first one only
		s.raise(catalog.VideobridgeNotAvailable, evFailInRoom)
	}
}

// onMessageError is ChatRoom.onMessage for a message of type error: a
// settings error with text first, then the chat error.
func (s *Sim) onMessageError(m errorMessage) {
	if s.confState() != Joined {
		return
	}
	if m.settingsError != "" {
		s.raiseIn(catalog.PhaseJoined, catalog.SettingsError, "", P("settingsErrorMsg", Str(m.settingsError)))
		return
	}
	s.raiseIn(catalog.PhaseJoined, catalog.ChatError, "", P("errorMsg", Str(m.text)))
}

// lock is JitsiConference.lock(password): the room's muc#owner config form,
// submitted with the secret when the form has a field for it; without one,
// the promise rejects with PASSWORD_NOT_SUPPORTED.
func (s *Sim) lock(password string) {
	s.after(rtt, func() {
		if !s.w.configFormHasRoomSecret() {
			s.raiseIn(catalog.PhaseJoined, catalog.PasswordNotSupported, "")
			return
		}
		s.w.room.Password = password
		s.emitEvent(catalog.LockStateChanged, catalog.PhaseJoined, P("locked", BoolV(password != "")))
	})
}

// onOccupantJoined is a presence of a new occupant.
func (s *Sim) onOccupantJoined(nick string) {
	s.emitEvent(catalog.UserJoined, s.phase(), P("id", Str(nick)))
	if s.w.room.Occupants > 2 {
		s.stopP2P()
	}
}

// sendChat sends a groupchat message.
func (s *Sim) sendChat() { s.serverChat() }

package sim

import (
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

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
	s.send(wire.Message{Type: wire.JoinPresence, Password: s.lib.joinPassword, Nick: s.lib.displayName}, rtt, wire.NoSession)
}

// onPresenceError is ChatRoom.onPresenceError.
func (s *Sim) onPresenceError(pe *wire.PresenceError) {
	if s.cfg.Profile == ProfileLibJitsiMeet2021 {
		s.onPresenceError2021(pe)
		return
	}
	switch {
	case pe.Type == "auth" && pe.Condition == "not-authorized":
		s.raise(catalog.PasswordRequired, evPasswordRequired)
	case pe.Type == "auth" && pe.Condition == "registration-required":
		s.lib.lobbyRoom = pe.LobbyRoom
		s.raise(catalog.MembersOnlyError, evMembersOnly, P("lobbyRoomJid", optStr(pe.LobbyRoom)), P("waitingForHost", BoolV(pe.Waiting)))
	case pe.Type == "modify" && pe.Child == "displayname-required":
		lobby := Nul()
		if pe.LobbyAttr != "" {
			lobby = Str(pe.LobbyAttr)
		}
		s.raise(catalog.DisplayNameRequired, evJoinRefused, P("lobby", lobby))
	case pe.Condition == "service-unavailable":
		vs := Value{}
		if s.lib.visitorsSupported {
			vs = Str("true")
		}
		s.raise(catalog.ConferenceMaxUsers, evJoinRefused, P("visitorsSupported", Obj(P("visitorsSupported", vs))))
	case pe.Type == "cancel" && pe.Condition == "not-allowed" && pe.ToDomain == anonymousDomain:
		s.raise(catalog.ConnectionError, evJoinRefused) // ROOM_JOIN_ERROR
	case pe.Type == "cancel" && pe.Condition == "not-allowed":
		s.onNotAllowed(pe)
	default:
		s.raise(catalog.ConnectionError, evJoinRefused) // ROOM_CONNECT_ERROR
	}
}

// onPresenceError2021 is ChatRoom.onPresenceError at d630bc32, checked in
// its order: no room-creation retry, no AUTH_ERROR_TYPES, and no
// DISPLAY_NAME_REQUIRED (<displayname-required/> falls to the last branch).
func (s *Sim) onPresenceError2021(pe *wire.PresenceError) {
	switch {
	case pe.Type == "auth" && pe.Condition == "not-authorized":
		s.raise(catalog.PasswordRequired, evPasswordRequired)
	case pe.Type == "cancel" && pe.Condition == "not-allowed" && pe.ToDomain == anonymousDomain:
		s.raise(catalog.ConnectionError, evJoinRefused) // ROOM_JOIN_ERROR
	case pe.Type == "cancel" && pe.Condition == "not-allowed":
		s.raise(catalog.NotAllowedError, evJoinRefused) // ROOM_CONNECT_NOT_ALLOWED_ERROR, no arguments
	case pe.Condition == "service-unavailable":
		s.raise(catalog.ConferenceMaxUsers, evJoinRefused) // ROOM_MAX_USERS_ERROR, no arguments
	case pe.Type == "auth" && pe.Condition == "registration-required":
		// The jid of the presence's own <lobbyroom> (prosody's
		// mod_muc_lobby_rooms puts one beside the error).
		s.lib.lobbyRoom = pe.LobbyRoom
		s.raise(catalog.MembersOnlyError, evMembersOnly, P("lobbyRoomJid", optStr(pe.LobbyRoom)))
	default:
		s.raise(catalog.ConnectionError, evJoinRefused) // ROOM_CONNECT_ERROR
	}
}

func (s *Sim) onNotAllowed(pe *wire.PresenceError) {
	t := catalog.AuthGeneral
	switch {
	case pe.Text == "Room creation is restricted" || pe.Child == "room-does-not-exist":
		t = catalog.AuthRoomCreationRestriction
	case pe.Child == "authentication-required":
		t = catalog.AuthRoomUnauthenticatedAccessDisabled
	case pe.Child == "no-main-participants":
		t = catalog.AuthNoMainParticipants
	case pe.Child == "promotion-not-allowed":
		t = catalog.AuthPromotionNotAllowed
	case pe.Child == "no-visitors-lobby":
		t = catalog.AuthNoVisitorsLobby
	}
	if t == catalog.AuthRoomCreationRestriction && !s.cfg.Client.DisableRoomCreationRetry && s.lib.roomCreationRetries < 3 {
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
	s.raise(catalog.NotAllowedError, evJoinRefused, P("type", Str(t.String())), P("txt", Str(pe.Text)))
}

// onMUCJoined is our self-presence (ChatRoom.onPresence, status 110): the
// occupants we learnt of, MUC_JOINED, our role (LOCAL_ROLE_CHANGED), then
// the room's disco#info (discoRoomInfo): the meeting id, members-only and
// visitors-supported, each emitted when it changes (from undefined the
// first time).
func (s *Sim) onMUCJoined(m *wire.Message) {
	ph := catalog.PhaseMUCJoin
	s.joinInProgress()
	for i := range m.Occupants {
		s.evaluateJvb121(i + 2)
		s.emitEvent(catalog.UserJoined, ph, P("id", Str(s.cfg.Room.ParticipantID(i))))
	}
	s.lib.others = m.Occupants
	if s.cfg.Profile == ProfileLibJitsiMeet2021 {
		// ChatRoom.onPresence at d630bc32: LOCAL_ROLE_CHANGED comes before
		// MUC_JOINED, with the presence's role only for the owner
		// affiliation ('none' otherwise); the model's server makes us
		// owner, as jicofo does. this.role starts null: it always fires.
		s.lib.role = m.Role
		s.emitEvent(catalog.UserRoleChanged, ph, P("id", Str(Node)), P("role", Str(m.Role)))
		s.fire(evMUCJoined)
		s.emitEvent(catalog.ConferenceJoined, ph)
	} else {
		s.fire(evMUCJoined)
		s.emitEvent(catalog.ConferenceJoined, ph)
	}
	if m.Role != s.lib.role {
		s.lib.role = m.Role
		s.emitEvent(catalog.UserRoleChanged, catalog.PhaseJoined, P("id", Str(Node)), P("role", Str(m.Role)))
	}
	if m.MeetingID != s.lib.meetingID {
		s.lib.meetingID = m.MeetingID
		s.emitEvent(catalog.ConferenceUniqueIDSet, catalog.PhaseJoined, P("meetingId", Str(m.MeetingID)))
	}
	if !s.lib.roomInfo || m.MembersOnly != s.lib.membersOnly {
		s.lib.membersOnly = m.MembersOnly
		s.emitEvent(catalog.MembersOnlyChanged, catalog.PhaseJoined, P("enabled", BoolV(m.MembersOnly)))
	}
	// ChatRoom.discoRoomInfo at d630bc32 has no visitors.
	if s.cfg.Profile != ProfileLibJitsiMeet2021 && (!s.lib.roomInfo || m.VisitorsEnabled != s.lib.visitorsEnabled) {
		s.lib.visitorsEnabled = m.VisitorsEnabled
		s.emitEvent(catalog.VisitorsSupportedChanged, catalog.PhaseJoined, P("supported", BoolV(m.VisitorsEnabled)))
	}
	s.lib.roomInfo = true
	s.maybeStartP2P(false) // JitsiConference._onMucJoined
}

// joinInProgress is MUC_JOIN_IN_PROGRESS: the first presence of the room
// before we are in it, once per ChatRoom.
func (s *Sim) joinInProgress() {
	if !s.lib.inProgressEmitted {
		s.lib.inProgressEmitted = true
		s.emitEvent(catalog.ConferenceJoinInProgress, catalog.PhaseMUCJoin)
	}
}

// onPresenceUnavailable is ChatRoom.onPresenceUnavailable in the main room.
func (s *Sim) onPresenceUnavailable(p wire.UnavailablePresence) {
	if s.confState() == Leaving && p.Self && !p.Kicked && !p.Destroy {
		// Our own unavailable presence (110): ChatRoom.onPresenceUnavailable
		// removes every other member (USER_LEFT each), then MUC_LEFT.
		s.membersLeft(catalog.PhaseTeardown)
		s.fire(evMUCLeft)
		s.emitEvent(catalog.ConferenceLeft, catalog.PhaseTeardown)
		return
	}
	if !s.inRoom() {
		return
	}
	switch {
	case p.Destroy:
		// MUC_DESTROYED: emuc is left and no MUC_LEFT follows.
		jid := Nul()
		if p.AltJid != "" {
			jid = Str(p.AltJid)
		} else if s.cfg.Profile == ProfileLibJitsiMeet2021 {
			jid = Value{} // d630bc32: jQuery's attr('jid'), undefined
		}
		s.raise(catalog.ConferenceDestroyed, evFail, P("reason", optStr(p.Reason)), P("alternateJid", jid))
		// The ChatRoom stays joined: a later leave() sends its presence to
		// a room that is gone and times out, without CONFERENCE_LEFT.
		s.lib.destroyed = true
	case p.Self && p.Kicked && s.cfg.Profile == ProfileLibJitsiMeet2021:
		// d630bc32: ChatRoom.onPresenceUnavailable emits KICKED with
		// isReplaceParticipant the count of <flip_device> (0);
		// JitsiConference.onMemberKicked emits kicked first, then leave()
		// (BEFORE_STATISTICS_DISPOSED); the member loop's USER_LEFTs
		// follow. No MUC_LEFT, and no disconnect: ChatRoom.leave's timeout
		// rejects inside Promise.allSettled.
		actor := Value{}
		if s.knows(p.Actor) {
			actor = participantRef(p.Actor)
		}
		ph := s.phase()
		s.fire(evKicked)
		s.emitEvent(catalog.Kicked, ph, P("actorParticipant", actor), P("reason", optStr(p.Reason)), P("isReplaceParticipant", Num(0)))
		s.disposeStatistics()
		s.membersLeft(ph)
	case p.Self && p.Kicked:
		// KICKED: onMemberKicked calls leave(), whose unavailable presence
		// gets no answer (MUC_LEFT never comes: no CONFERENCE_LEFT, the
		// 5 s timeout rejects), then disconnects. The self-presence's
		// member loop emits USER_LEFT for every other participant. The
		// actor is this.participants.get(actorId), undefined when no
		// participant we know kicked.
		actor := Value{}
		if s.knows(p.Actor) {
			actor = participantRef(p.Actor)
		}
		ph := s.phase()
		s.disposeStatistics() // leave() runs before KICKED is emitted
		s.fire(evKicked)
		s.emitEvent(catalog.Kicked, ph, P("actorParticipant", actor), P("reason", optStr(p.Reason)), P("isReplaceParticipant", BoolV(false)))
		s.membersLeft(ph)
		s.after(mucLeftTimeoutMs, func() {
			s.emitEvent(catalog.ConnectionDisconnected, catalog.PhaseTeardown, P("msg", Value{}))
		})
	case p.RealJid != "" && p.RealJid == s.lib.focusJid:
		s.raise(catalog.FocusLeft, evFailInRoom)
	case s.cfg.Profile == ProfileLibJitsiMeet2021 && p.Nick == "focus":
		// Moderator.onMucMemberLeft at d630bc32: whoever leaves with the
		// MUC resource 'focus' is the focus (JitsiConference.onMemberLeft
		// ignores it).
		s.raise(catalog.FocusLeft, evFailInRoom)
	default:
		s.lib.others--
		s.evaluateJvb121(s.lib.others + 1)
		s.emitEvent(catalog.UserLeft, s.phase(), P("id", Str(p.Nick)))
		if s.lib.others < 1 {
			s.stopP2P()
		}
		s.maybeStartP2P(true)
	}
}

// membersLeft is the member loop of our own unavailable presence: USER_LEFT
// for every other participant (JitsiConference.onMemberLeft).
func (s *Sim) membersLeft(ph catalog.Phase) {
	n := s.lib.others
	for i := range n {
		s.evaluateJvb121(n - i)
		s.emitEvent(catalog.UserLeft, ph, P("id", Str(s.cfg.Room.ParticipantID(i))))
	}
	s.lib.others = 0
}

// evaluateJvb121 is Jvb121EventGenerator.evaluateStatus at d630bc32, which
// listens to USER_JOINED, USER_LEFT and P2P_STATUS from the conference's
// constructor, before the application: JVB121_STATUS(old, new) when "not
// P2P and at most two participants, us included" flips. count is the
// participant count once the change is made. Other profiles have no such
// generator.
func (s *Sim) evaluateJvb121(count int) {
	if s.cfg.Profile != ProfileLibJitsiMeet2021 {
		return
	}
	old := !s.lib.notJvb121
	now := !s.lib.p2pActive && count <= 2
	if old != now {
		s.lib.notJvb121 = !now
		s.emitEvent(catalog.Jvb121Status, s.phase(), P("oldStatus", BoolV(old)), P("newStatus", BoolV(now)))
	}
}

// onFocusPresence handles a presence of the focus occupant.
func (s *Sim) onFocusPresence(p wire.FocusPresenceInfo) {
	switch s.confState() {
	case MUCJoining:
		// The focus's presence arrives among the occupants', before ours.
		s.joinInProgress()
		s.updateProperties(p)
		return
	case Joined, FailedInRoom:
		s.updateProperties(p)
	default:
		return
	}
	if s.cfg.Profile == ProfileDocumented && (p.JicofoMajor != expectedJicofoMajor || p.JVBMajor != expectedJVBMajor) {
		s.raise(catalog.IncompatibleServerVersions, evFailInRoom)
		return
	}
	if p.BridgeNotAvailable && !s.lib.noBridgeAvailable {
		s.lib.noBridgeAvailable = true // BRIDGE_DOWN: the first one only
		s.raise(catalog.VideobridgeNotAvailable, evFailInRoom)
	}
}

// updateProperties is JitsiConference._updateProperties: on a change of
// jicofo's conference properties, PROPERTIES_CHANGED, then the audio and
// video unmute permissions when they change (from undefined the first
// time; the model's jicofo never sets audio- or video-limit-reached).
func (s *Sim) updateProperties(p wire.FocusPresenceInfo) {
	if s.lib.propertiesSeen && p.SupportTerminateRestart == s.lib.supportTerminateRestart {
		return
	}
	first := !s.lib.propertiesSeen
	s.lib.propertiesSeen, s.lib.supportTerminateRestart = true, p.SupportTerminateRestart
	props := Obj()
	if p.SupportTerminateRestart {
		props = Obj(P("support-terminate-restart", Str("true")))
	}
	ph := s.phase()
	s.emitEvent(catalog.PropertiesChanged, ph, P("properties", props))
	if first {
		s.emitEvent(catalog.AudioUnmutePermissionsChanged, ph, P("audioLimitReached", BoolV(false)))
		s.emitEvent(catalog.VideoUnmutePermissionsChanged, ph, P("videoLimitReached", BoolV(false)))
	}
}

// onMessageError is ChatRoom.onMessage for a message of type error: a
// settings error with text first, then the chat error.
func (s *Sim) onMessageError(m wire.ErrorMessageInfo) {
	if !s.inRoom() {
		return
	}
	if s.cfg.Profile == ProfileLibJitsiMeet2021 {
		// ChatRoom.onMessage at d630bc32: every error message is
		// CHAT_ERROR_RECEIVED with the text of a direct <error><text>, ''
		// when the text sits under <settings-error>.
		s.raiseIn(catalog.PhaseJoined, catalog.ChatError, "", P("errorMsg", Str(m.Text)))
		return
	}
	if m.SettingsError != "" {
		s.raiseIn(catalog.PhaseJoined, catalog.SettingsError, "", P("settingsErrorMsg", Str(m.SettingsError)))
		return
	}
	s.raiseIn(catalog.PhaseJoined, catalog.ChatError, "", P("errorMsg", Str(m.Text)))
}

// lock is JitsiConference.lock(password): the room's muc#owner config form,
// submitted with the secret when the form has a field for it; without one,
// the promise rejects with PASSWORD_NOT_SUPPORTED.
func (s *Sim) lock(password string) {
	s.send(wire.Message{Type: wire.RoomConfigSubmit, Password: password}, rtt, wire.NoSession)
}

func (s *Sim) onRoomConfigResult(m *wire.Message) {
	if m.Condition != "" {
		s.raiseIn(catalog.PhaseJoined, catalog.PasswordNotSupported, "")
		return
	}
	s.emitEvent(catalog.LockStateChanged, catalog.PhaseJoined, P("locked", BoolV(m.Password != "")))
}

// onOccupantJoined is a presence of a new occupant.
func (s *Sim) onOccupantJoined(nick string) {
	if !s.inRoom() {
		return
	}
	s.lib.others++
	s.evaluateJvb121(s.lib.others + 1)
	s.emitEvent(catalog.UserJoined, s.phase(), P("id", Str(nick)))
	if s.lib.others > 1 {
		s.stopP2P()
	}
	s.maybeStartP2P(false)
}

// sendChat sends a groupchat message.
func (s *Sim) sendChat(text string) {
	s.send(wire.Message{Type: wire.GroupChat, Text: text}, 0, wire.NoSession)
}

// knows says whether nick is one of the remote participants the library
// knows (p1 ... pN).
func (s *Sim) knows(nick string) bool {
	for i := range s.lib.others {
		if s.cfg.Room.ParticipantID(i) == nick {
			return true
		}
	}
	return false
}

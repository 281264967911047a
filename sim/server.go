package sim

// This file holds what the servers do on their own initiative, as opposed to
// answering a request (world.go): jicofo's presence, its bridge allocations
// and invites, the room's error messages and unavailable presences, the
// lobby's moderators. Each action sends wire-level stanzas to the library.

// serverJoined runs once our self-presence is in the room: jicofo's
// presence reaches us, jicofo allocates and invites once the conference has
// two participants, and whatever faults armed for the joined room happens.
func (s *Sim) serverJoined() {
	s.w.room.Occupants++ // we count now
	s.sendFocusPresence()
	if s.w.room.Occupants >= 2 {
		s.allocate(true)
	}
	s.serverRoomEvents()
}

func (s *Sim) sendFocusPresence() {
	p := s.w.focusPresence()
	s.after(rtt, func() { s.onFocusPresence(p) })
}

// allocate is jicofo's bridge selection for a participant. When it fails,
// jicofo adds <bridgeNotAvailable/> to its presence; when it succeeds it
// removes it and, for us, sends a session-initiate.
func (s *Sim) allocate(inviteUs bool) {
	if s.w.bridgeUnavailable {
		s.w.bridgeNotAvailableExt = true
		s.sendFocusPresence()
		return
	}
	s.w.bridgeNotAvailableExt = false
	if inviteUs {
		s.sessionInitiate()
	}
}

// serverRoomEvents delivers the room events faults armed for the joined
// room, once we are in it.
func (s *Sim) serverRoomEvents() {
	if s.confState() != Joined {
		return
	}
	w := &s.w
	if w.settingsError != "" {
		m := errorMessage{condition: "not-acceptable", settingsError: w.settingsError}
		w.settingsError = ""
		s.after(rtt, func() { s.onMessageError(m) })
	}
	if w.focusLeaves {
		w.focusLeaves = false
		s.after(rtt, func() { s.onPresenceUnavailable(unavailablePresence{nick: "focus", realJid: focusJid}) })
	}
	if w.destroyPending {
		w.destroyPending = false
		s.serverDestroy(w.destroyReason)
	}
}

// serverDestroy destroys the main room, as a moderator's end-for-all or
// prosody does.
func (s *Sim) serverDestroy(reason string) {
	s.after(rtt, func() { s.onPresenceUnavailable(unavailablePresence{destroy: true, reason: reason}) })
}

// serverKick kicks us from the main room.
func (s *Sim) serverKick(reason string) {
	s.after(rtt, func() {
		s.onPresenceUnavailable(unavailablePresence{nick: "me", self: true, kicked: true, actor: "moderator", reason: reason})
	})
}

// serverChat is the room's handling of our groupchat message: delivered, or
// bounced with the armed error.
func (s *Sim) serverChat() {
	m := s.w.chatBounce
	if m == nil {
		return
	}
	s.w.chatBounce = nil
	s.after(rtt, func() { s.onMessageError(*m) })
}

// serverParticipantJoins: another participant joins the room; jicofo
// allocates for them (inviting us if we were alone).
func (s *Sim) serverParticipantJoins() {
	s.w.room.Occupants++
	if s.confState() != Joined {
		return
	}
	s.onOccupantJoined(participantID(s.w.room.Occupants - 2))
	if s.w.room.Occupants >= 2 {
		s.allocate(s.jvbState() == SessionNone)
	}
}

// serverParticipantLeaves: another participant leaves.
func (s *Sim) serverParticipantLeaves() {
	s.w.room.Occupants--
	if s.confState() == Joined {
		nick := participantID(s.w.room.Occupants - 1)
		s.onPresenceUnavailable(unavailablePresence{nick: nick})
	}
}

// --- lobby ---------------------------------------------------------------------

// serverLobbyJoined runs once we are in the lobby room: armed moderator
// decisions and the lobby's end.
func (s *Sim) serverLobbyJoined() {
	if s.confState() != Lobby {
		return
	}
	w := &s.w
	if w.lobbyDeny {
		w.lobbyDeny = false
		s.after(moderatorMs, s.serverLobbyKick)
	}
	if w.lobbyEmptied {
		// The main room empties and the lobby room is destroyed with it.
		w.lobbyEmptied = false
		s.after(rtt, func() { s.onLobbyUnavailable(unavailablePresence{destroy: true, reason: "The meeting has ended"}) })
	}
}

// serverLobbyKick: a moderator (or an access rule) kicks us from the lobby.
func (s *Sim) serverLobbyKick() {
	s.onLobbyUnavailable(unavailablePresence{nick: "me", self: true, kicked: true})
}

// serverApprove: a moderator lets us in; the lobby sends the invite.
func (s *Sim) serverApprove() {
	s.after(rtt, func() {
		s.w.members = true
		s.onLobbyInvite(s.w.room.Password)
	})
}

// serverLobbyDisabled: a moderator turns the lobby off; the lobby room is
// destroyed with the main room as alternate jid.
func (s *Sim) serverLobbyDisabled() {
	s.after(rtt, func() {
		s.w.room.Lobby, s.w.room.MembersOnly = false, false
		s.onLobbyUnavailable(unavailablePresence{destroy: true, altJid: s.w.room.Name + "@conference." + mainDomain})
	})
}

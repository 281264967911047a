package sim

import (
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// This file models Lobby (modules/xmpp/Lobby.js) for a participant who
// knocks: joining the lobby room, being let in, refused, or left without a
// lobby.

// knock is conference.joinLobby(displayName): we join the lobby room.
func (s *Sim) knock() {
	s.fire(evKnock)
	s.send(wire.Message{Type: wire.LobbyJoinPresence, Room: wire.LobbyRoom}, rtt, wire.NoSession)
}

// onLobbyUnavailable handles an unavailable presence in the lobby room.
func (s *Sim) onLobbyUnavailable(p wire.UnavailablePresence) {
	if s.confState() != Lobby {
		return
	}
	switch {
	case p.Self && p.Kicked:
		// KICKED from the lobby, then MUC_DENIED_ACCESS on the main room.
		s.raise(catalog.ConferenceAccessDenied, evFail)
	case p.Destroy && p.AltJid == "":
		// The main room relays MUC_DESTROYED with the reason only.
		s.raise(catalog.ConferenceDestroyed, evFail, P("reason", optStr(p.Reason)))
	case p.Destroy:
		// The lobby was turned off: join the main room instead.
		// Lobby.js: mainRoom.join() with no password (ChatRoom.join sets
		// this.password to undefined), whatever the first join carried.
		s.rejoinMainRoom("")
	}
}

// onLobbyInvite is the moderator's invite: mainRoom.join(invitePassword).
func (s *Sim) onLobbyInvite(password string) {
	if s.confState() == Lobby {
		s.rejoinMainRoom(password)
	}
}

// rejoinMainRoom joins the main room again. The MEMBERS_ONLY_ERROR reset
// conferenceRequestSent, so the conference request goes out first.
func (s *Sim) rejoinMainRoom(password string) {
	s.fire(evAdmitted)
	s.lib.joinPassword = password
	s.sendConferenceRequest()
}

package sim

import (
	"errors"

	"github.com/jitsi-sim/confsim/internal/catalog"
)

// Step applies one input at the current virtual time. Its consequences are
// scheduled; Advance, Settle or RunUntil deliver them. Step fails, changing
// nothing, on an unknown input or one the model does not accept in its
// current state.
func (s *Sim) Step(in Input) (err error) {
	defer s.recoverBug(&err)
	if s.limit != "" {
		return ErrLimit
	}
	if (in.Action == "") == (in.Fault == "") {
		return errors.New("an input has exactly one of action or fault")
	}
	if in.Fault != "" {
		return s.applyFault(in)
	}
	if why := s.refuse(in); why != "" {
		return &NotAllowedError{Input: in, State: s.State(), Why: why}
	}
	switch in.Action {
	case ActionJoin:
		s.lib.joinPassword = in.Password
		if s.confState() == Disconnected {
			s.connect()
		} else {
			s.join()
		}
	case ActionLogin:
		// authenticateAndUpgradeRole: log in on a second connection, then a
		// new conference request with the identity.
		s.w.client.LoggedIn = true
		if s.w.deploy.Authentication == AuthJWT {
			s.w.client.Token = "token"
		}
		s.lib.joinPassword = in.Password
		s.join()
	case ActionLeave:
		s.leave()
	case ActionKnock:
		s.fire(evKnock)
		s.after(rtt, s.armedLobbyEvents)
	case ActionApprove:
		s.after(rtt, func() {
			s.w.members = true
			s.rejoinMainRoom(s.w.room.Password)
		})
	case ActionDeny:
		s.after(rtt, s.deniedAccess)
	case ActionKick:
		s.after(rtt, func() { s.kicked(in.Text) })
	case ActionDestroy:
		s.after(rtt, func() {
			s.raise(catalog.ConferenceDestroyed, evFail, P("reason", optStr(in.Text)), P("alternateJid", Nul()))
		})
	case ActionLock, ActionUnlock:
		pw := in.Password
		if in.Action == ActionUnlock {
			pw = ""
		}
		s.lock(pw)
	case ActionSendChat:
		s.sendChat()
	}
	return nil
}

// refuse says why an action is not possible now, or "".
func (s *Sim) refuse(in Input) string {
	st := s.confState()
	switch in.Action {
	case ActionJoin:
		switch {
		case st == Disconnected || st == Connected || st == PasswordRequired || st == AuthRequired:
			return ""
		case st.Terminal():
			return "the conference has ended; a new one needs a new simulation"
		}
		return "a conference is already in progress"
	case ActionLogin:
		if st == AuthRequired {
			return ""
		}
		return "login follows AUTHENTICATION_REQUIRED"
	case ActionLeave:
		switch {
		case st.Terminal():
			return "the conference has ended"
		case st == Disconnected || st == Connecting || st == Leaving:
			return "there is no conference to leave"
		}
		return ""
	case ActionKnock:
		if st == MembersOnly && s.lib.lobbyRoom != "" {
			return ""
		}
		return "knocking needs MEMBERS_ONLY_ERROR with a lobby room"
	case ActionApprove, ActionDeny:
		if st == Lobby {
			return ""
		}
		return "a moderator answers a knock in the lobby"
	case ActionKick, ActionDestroy, ActionLock, ActionUnlock, ActionSendChat:
		if st == Joined {
			return ""
		}
		return "the conference is not joined"
	}
	return "unknown action"
}

// Allowed lists the actions the model accepts now, in a stable order.
func (s *Sim) Allowed() []Action {
	var out []Action
	for _, a := range Actions {
		if s.refuse(Input{Action: a}) == "" {
			out = append(out, a)
		}
	}
	return out
}

// --- lobby --------------------------------------------------------------------

// armedLobbyEvents delivers what faults armed for the time we wait in the
// lobby: a denial or the lobby's destruction.
func (s *Sim) armedLobbyEvents() {
	if s.confState() != Lobby {
		return
	}
	if s.w.lobbyDeny {
		s.w.lobbyDeny = false
		s.after(moderatorMs, s.deniedAccess)
	}
	if s.w.lobbyEmptied {
		s.w.lobbyEmptied = false
		s.after(rtt, func() {
			if s.confState() != Lobby {
				return
			}
			// The lobby room is destroyed without an alternate jid: the main
			// room relays MUC_DESTROYED with the reason only.
			s.raise(catalog.ConferenceDestroyed, evFail, P("reason", Str("The meeting has ended")))
		})
	}
}

// deniedAccess: the lobby room kicks us, and MUC_DENIED_ACCESS follows.
func (s *Sim) deniedAccess() {
	if s.confState() == Lobby {
		s.raise(catalog.ConferenceAccessDenied, evFail)
	}
}

// rejoinMainRoom is the lobby's way back into the main room: after an
// approval (with the invite's password) or when the lobby is destroyed with
// the main room as alternate jid.
func (s *Sim) rejoinMainRoom(password string) {
	if s.confState() != Lobby {
		return
	}
	s.fire(evAdmitted)
	s.lib.joinPassword = password
	s.sendJoinPresence()
}

// --- joined -------------------------------------------------------------------

// lock is JitsiConference.lock(password): the room's muc#owner config form,
// submitted with the secret when the form has a field for it.
func (s *Sim) lock(password string) {
	s.after(rtt, func() {
		if s.w.deploy.NoPasswordSupport {
			s.raiseIn(catalog.PhaseJoined, catalog.PasswordNotSupported, "")
			return
		}
		s.w.room.Password = password
		s.emitEvent(catalog.LockStateChanged, catalog.PhaseJoined, P("locked", BoolV(password != "")))
	})
}

// sendChat sends a groupchat message; an error bounce is CHAT_ERROR.
func (s *Sim) sendChat() {
	s.after(rtt, func() {
		if s.w.chatCondition == "" {
			return
		}
		text := s.w.chatText
		s.w.chatCondition, s.w.chatText = "", ""
		s.raiseIn(catalog.PhaseJoined, catalog.ChatError, "", P("errorMsg", Str(text)))
	})
}

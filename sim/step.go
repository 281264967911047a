package sim

import "errors"

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
		s.login()
	case ActionLeave:
		if s.confState() == Failed {
			// After CONFERENCE_DESTROYED: the presence gets no answer, no
			// CONFERENCE_LEFT.
			s.disposeStatistics()
			break
		}
		s.leave()
	case ActionKnock:
		s.knock()
	case ActionApprove:
		s.srv.approve()
	case ActionDeny:
		s.srv.deny()
	case ActionKick:
		s.srv.kick(in.Text)
	case ActionDestroy:
		s.srv.destroy(in.Text)
	case ActionLock:
		s.lock(in.Password)
	case ActionUnlock:
		s.lock("")
	case ActionSendChat:
		s.sendChat(in.Text)
	case ActionSetDisplayName:
		s.lib.displayName = in.Text
	}
	return nil
}

// refuse says why an action is not possible now, or "".
func (s *Sim) refuse(in Input) string {
	st := s.confState()
	switch in.Action {
	case ActionJoin:
		if s.lib.loginJoin {
			return "login joins by itself once it succeeds (authenticateAndUpgradeRole at d630bc32)"
		}
		switch {
		case st == Disconnected || st == Connected || st == PasswordRequired || st == AuthRequired || st == JoinFailed:
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
		case st == Failed && s.lib.destroyed:
			return "" // allowed: the presence times out, nothing is emitted
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
	case ActionSetDisplayName:
		if st.Terminal() {
			return "the conference has ended"
		}
		if in.Text == "" {
			return "set-display-name needs a text, the name"
		}
		return ""
	case ActionKick, ActionDestroy, ActionLock, ActionUnlock, ActionSendChat:
		if s.inRoom() {
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

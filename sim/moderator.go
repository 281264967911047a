package sim

import "github.com/jitsi-sim/confsim/internal/catalog"

// This file models Moderator (modules/xmpp/moderator.js): the conference
// request to the focus and what the library makes of the answer.

func (s *Sim) sendConferenceRequest() {
	s.after(rtt, func() { s.onConferenceAnswer(s.w.answerConferenceRequest()) })
}

func (s *Sim) onConferenceAnswer(a focusAnswer) {
	if a.ok {
		// Any answer updates the identity (AUTH_STATUS_CHANGED) and
		// resets the error back-off.
		s.lib.errorTries = 0
		s.lib.focusJid = a.focusJid
		// _parseConferenceIq (XMPP) does not copy visitors-supported; the
		// HTTP path does.
		if s.w.deploy.ConferenceRequestHTTP {
			s.lib.visitorsSupported = a.visitorsSupported
		}
		s.emitEvent(catalog.AuthStatusChanged, catalog.PhaseFocusRequest,
			P("isAuthEnabled", BoolV(a.authEnabled)), P("authIdentity", optStr(a.identity)))
	}
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
		s.emitEvent(catalog.ConnectionRedirected, ph, P("vnode", Str(a.vnode)), P("focusJid", Str(a.focusJid)))
	case a.ok:
		s.lib.notReadyTries = 0
		s.fire(evFocusReady)
		s.sendJoinPresence()
	case a.reservationCode != "":
		// <reservation-error> is checked first.
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
// GRACEFUL_SHUTDOWN (when the error carries <graceful-shutdown/>) and
// FOCUS_DISCONNECTED for it.
func (s *Sim) giveUpConferenceRequest(a focusAnswer, nextWait int64) {
	if s.cfg.Profile == ProfileLibJitsiMeet {
		s.connectionFailed(catalog.ConferenceRequestFailed)
		return
	}
	if a.gracefulShutdown {
		s.raise(catalog.GracefulShutdown, evFail)
		return
	}
	s.raise(catalog.FocusDisconnected, evFail, P("focus", Str(focusComponent)), P("retrySec", Num(nextWait/1000)))
}

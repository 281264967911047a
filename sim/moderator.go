package sim

import (
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// This file models Moderator (modules/xmpp/moderator.js): the conference
// request to the focus and what the library makes of the answer.

func (s *Sim) sendConferenceRequest() {
	s.send(wire.Message{Type: wire.ConferenceIQ}, rtt, wire.NoSession)
}

// onConferenceAnswer is Moderator's handling of the answer, over XMPP or
// (http) HTTP.
func (s *Sim) onConferenceAnswer(a wire.FocusAnswer, http bool) {
	if s.lib.earlyRequest {
		s.onEarlyAnswer(a)
		return
	}
	if s.cfg.Profile == ProfileLibJitsiMeet2021 {
		s.onConferenceAnswer2021(a)
		return
	}
	if a.OK {
		// Any answer updates the identity (AUTH_STATUS_CHANGED) and
		// resets the error back-off.
		s.lib.errorTries = 0
		s.lib.focusJid = a.FocusJid
		// _parseConferenceIq (XMPP) does not copy visitors-supported; the
		// HTTP path does.
		if http {
			s.lib.visitorsSupported = a.VisitorsSupported
		}
		// _parseConferenceIq reads the identity with getAttribute, null
		// when absent; the HTTP answer's JSON leaves it undefined.
		identity := Nul()
		switch {
		case a.Identity != "":
			identity = Str(a.Identity)
		case http:
			identity = Value{}
		}
		s.emitEvent(catalog.AuthStatusChanged, catalog.PhaseFocusRequest,
			P("isAuthEnabled", BoolV(a.AuthEnabled)), P("authIdentity", identity))
	}
	if s.lib.loginRequests > 0 {
		// The conference request of authenticateAndUpgradeRole: its answer
		// updates the identity, and nothing joins.
		s.lib.loginRequests--
		return
	}
	switch {
	case a.OK && !a.Ready:
		// ready=false: retry forever, 1 s, 2 s, 4 s ... capped at 120 s.
		wait := min(int64(1000)<<min(s.lib.notReadyTries, 10), 120000)
		s.lib.notReadyTries++
		s.retryConferenceRequest(wait)
	case a.OK && !a.Live:
		s.conferenceRequestRefused(catalog.NotLiveError)
	case a.OK && a.Vnode != "":
		ph := s.phase()
		s.fire(evRedirect)
		s.emitEvent(catalog.ConnectionRedirected, ph, P("vnode", Str(a.Vnode)), P("focusJid", Str(a.FocusJid)))
	case a.OK:
		s.lib.notReadyTries = 0
		s.fire(evFocusReady)
		s.sendJoinPresence()
	case a.ReservationCode != "":
		// <reservation-error> is checked first.
		s.raise(catalog.ReservationError, evJoinRefused, P("errorCode", Str(a.ReservationCode)), P("errorMsg", optStr(a.Text)))
	case a.HTTPStatus == 403 || a.Condition == "not-authorized":
		s.raise(catalog.AuthenticationRequired, evAuthRequired)
	case a.SessionInvalid:
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
func (s *Sim) giveUpConferenceRequest(a wire.FocusAnswer, nextWait int64) {
	if s.cfg.Profile == ProfileLibJitsiMeet {
		s.conferenceRequestRefused(catalog.ConferenceRequestFailed)
		return
	}
	if a.GracefulShutdown {
		s.raise(catalog.GracefulShutdown, evFail)
		return
	}
	s.raise(catalog.FocusDisconnected, evFail, P("focus", Str(focusComponent)), P("retrySec", Num(nextWait/1000)))
}

// conferenceRequestRefused is Moderator's CONNECTION_FAILED on the XMPP
// connection's emitter for a conference request that will not succeed
// (NOT_LIVE_ERROR, CONFERENCE_REQUEST_FAILED). The XMPP connection itself
// stays up, so the application may join again.
func (s *Sim) conferenceRequestRefused(e catalog.ConnError) {
	ph := s.phase()
	s.fire(evJoinRefused)
	s.emit(Record{Event: catalog.ConnectionFailed, ConnErr: e, Phase: ph})
}

// login is JitsiConference.authenticateAndUpgradeRole: a second, logged-in
// XMPP connection sends Moderator.authenticate's conference IQ (jicofo
// stores the session's identity), then the conference's own Moderator sends
// a new conference request (sendConferenceRequest), whose answer carries the
// identity (AUTH_STATUS_CHANGED). It does not join the room: the
// application calls join() after it.
func (s *Sim) login() {
	s.send(wire.Message{Type: wire.Login}, 0, wire.NoSession)
	if s.cfg.Profile == ProfileLibJitsiMeet2021 {
		// authenticateAndUpgradeRole at d630bc32: once the second
		// connection's Moderator.authenticate succeeds, it calls
		// this.join(roomPassword) itself.
		s.lib.loginJoin = true
		s.after(rtt, func() {
			s.lib.loginJoin = false
			if s.refuse(Input{Action: ActionJoin}) == "" {
				s.join()
			}
		})
		return
	}
	s.after(rtt, func() {
		s.lib.loginRequests++
		s.sendConferenceRequest()
	})
}

// onConferenceAnswer2021 is Moderator at d630bc32 (modules/xmpp/moderator.js):
// the answer always comes over XMPP (there is no conferenceRequestUrl), and
// nothing in it about visitors, vnodes or NOT_LIVE is read.
func (s *Sim) onConferenceAnswer2021(a wire.FocusAnswer) {
	if a.OK {
		// _allocateConferenceFocusSuccess: parseConfigOptions emits
		// IDENTITY_UPDATED with jQuery's attr('identity'), undefined when
		// absent; then the error timer is reset.
		s.lib.errorTries = 0
		s.lib.focusJid = a.FocusJid
		identity := Value{}
		if a.Identity != "" {
			identity = Str(a.Identity)
		}
		s.emitEvent(catalog.AuthStatusChanged, catalog.PhaseFocusRequest,
			P("isAuthEnabled", BoolV(a.AuthEnabled)), P("authIdentity", identity))
		if s.lib.loginRequests > 0 {
			s.lib.loginRequests--
			return
		}
		if !a.Ready {
			// ready != 'true': getNextTimeout(), 1 s, 2 s, 4 s ... with
			// no cap (createExpBackoffTimer).
			wait := backoff2021(s.lib.notReadyTries)
			s.lib.notReadyTries++
			s.retryConferenceRequest(wait)
			return
		}
		s.lib.notReadyTries = 0
		s.fire(evFocusReady)
		s.sendJoinPresence()
		return
	}
	// _allocateConferenceFocusError, in its order. <session-invalid/> or
	// <not-acceptable/> only clears the session id here.
	invalidSession := a.SessionInvalid || a.Condition == "not-acceptable"
	switch {
	case a.GracefulShutdown:
		// GRACEFUL_SHUTDOWN and return: no retry.
		s.raise(catalog.GracefulShutdown, evFail)
	case a.ReservationCode != "":
		// jQuery's text() of a missing <text> is ''.
		s.raise(catalog.ReservationError, evJoinRefused, P("errorCode", Str(a.ReservationCode)), P("errorMsg", Str(a.Text)))
	case a.Condition == "not-authorized":
		s.raise(catalog.AuthenticationRequired, evAuthRequired)
	default:
		// getNextErrorTimeout(): 1 s, 2 s, 4 s ... with no cap and no
		// end. FOCUS_DISCONNECTED(focusComponent, waitMs / 1000) before
		// every retry, unless the session was invalid; the ready timer
		// is reset.
		wait := backoff2021(s.lib.errorTries)
		s.lib.errorTries++
		s.lib.notReadyTries = 0
		if invalidSession {
			s.retryConferenceRequest(wait)
			return
		}
		s.raise(catalog.FocusDisconnected, evFocusRetry, P("focus", Str(focusComponent)), P("retrySec", Num(wait/1000)))
		s.after(wait, func() {
			s.fire(evFocusResend)
			s.sendConferenceRequest()
		})
	}
}

// backoff2021 is createExpBackoffTimer(1000)'s n-th timeout (from 0):
// 2^n s. The shift stops at 2^40 s, far beyond any run's time limit.
func backoff2021(n int) int64 {
	return int64(1000) << min(n, 40)
}

package sim

import (
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// This file models the media sessions: Jingle offer/answer on the JVB and
// P2P sessions, ICE, and JitsiConference's handling of ICE failures (three
// jittered restarts, then ICE_FAILED; a P2P failure falls back to JVB).
// Not modelled: tracks, simulcast, codecs beyond a mismatch, E2EE, the
// in-place restart request's own IQ (and its rejection).

func (s *Sim) jvbState() SessionState { return SessionState(s.jvb.Current()) }
func (s *Sim) p2pState() SessionState { return SessionState(s.p2p.Current()) }

// onSessionInitiate is jicofo's session-initiate for the JVB session.
func (s *Sim) onSessionInitiate(m *wire.Message) {
	if m.Session == wire.P2P {
		s.onIncomingCallP2P(m)
		return
	}
	// One session-initiate at a time: jicofo invites once per session.
	if st := s.jvbState(); !s.inRoom() || (st != SessionNone && st != SessionEnded) {
		return
	}
	s.fireSession(s.jvb, evInitiate)
	s.lib.jvbWasConnected = false
	s.emitEvent(catalog.ServerRegionChanged, catalog.PhaseMedia, P("region", Str(m.Text)))
	s.acceptOffer(m.Offer)
}

// acceptOffer is _acceptJvbIncomingCall: setRemoteDescription, createAnswer,
// setLocalDescription, then the session-accept IQ.
func (s *Sim) acceptOffer(offer string) {
	switch offer {
	case wire.OfferUnusable:
		// An offer without a DTLS fingerprint, as Chromium rejects it
		// (seen in the Chromium tier).
		s.offerAnswerFailed(domException("InvalidAccessError", "Failed to execute 'setRemoteDescription' on 'RTCPeerConnection': "+
			"Failed to set remote offer sdp: Called with SDP without DTLS fingerprint."))
		return
	case wire.OfferNoCommonCodec:
		s.offerAnswerFailed(rtcError("createAnswer failed"))
		return
	}
	s.send(wire.Message{Type: wire.SessionAccept, Session: wire.JVB}, rtt, wire.JVB)
	// The IQ's timeout (JingleSessionPC IQ_TIMEOUT): without an answer the
	// error handler fails the session-accept with reason 'timeout'.
	// The answer (or the session's end) cancels it.
	s.lib.acceptPending = true
	s.lib.acceptGen++
	s.afterSession(iqTimeoutMs, &s.lib.acceptGen, func() {
		s.lib.acceptPending = false
		s.offerAnswerFailed(jingleError("timeout"))
	})
}

// jingleError is the object JingleSessionPC.newJingleErrorHandler passes to
// its failure callback: {code, msg, reason, session}, reason being the IQ
// error's condition or 'timeout'.
// The code is the error element's code attribute: null when the element
// has none (getAttribute), undefined on a timeout (no element), as the
// Chromium tier showed.
func jingleError(reason string) Value {
	code := Nul()
	if reason == "timeout" {
		code = Value{}
	}
	return Obj(P("code", code), P("msg", Value{}), P("reason", Str(reason)), P("session", Value{}))
}

// onIQResult is the answer to one of our Jingle IQs.
func (s *Sim) onIQResult(m *wire.Message) {
	switch m.For {
	case wire.SessionAccept:
		if !s.lib.acceptPending {
			return // the timeout has failed it already
		}
		s.lib.acceptPending = false
		s.lib.acceptGen++
		if m.Condition != "" {
			s.offerAnswerFailed(jingleError(m.Condition))
			return
		}
		s.fireSession(s.jvb, evAccepted)
		// JitsiConference._acceptJvbIncomingCall's success: the session
		// started, and it is the active one unless P2P is.
		s.emitEvent(catalog.MediaSessionStarted, catalog.PhaseMedia, P("isP2P", BoolV(false)))
		if !s.lib.p2pActive {
			s.emitEvent(catalog.MediaSessionActiveChanged, catalog.PhaseMedia, P("isP2P", BoolV(false)))
		}
		s.checkJVBIce()
	case wire.P2PAccept:
		s.onP2PAccepted()
	case wire.Ping:
		if m.Condition == "" {
			s.onPingAnswered()
		}
	case wire.SessionTerminate:
		// IceFailedHandling's session-terminate with restart: jicofo
		// refusing it leaves no way to recover (_stopJvbSession's failure
		// callback). terminate() ends the session at once, and
		// newJingleErrorHandler ignores an item-not-found for an ended
		// session.
		if m.Condition != "" && m.Condition != "item-not-found" {
			s.raiseIn(catalog.PhaseMedia, catalog.IceFailed, evFailInRoom)
		}
	}
}

// offerAnswerFailed is CONFERENCE_FAILED with OFFER_ANSWER_FAILED and the
// failure's error: an Error of the peer connection, or a Jingle IQ error
// object.
func (s *Sim) offerAnswerFailed(err Value) {
	s.raiseIn(catalog.PhaseMedia, catalog.OfferAnswerFailed, evFailInRoom, P("error", err))
}

// rtcError is an Error the peer connection rejects with.
func rtcError(msg string) Value { return RefV("Error", P("message", Str(msg))) }

// domException is what a browser's RTCPeerConnection rejects with.
func domException(name, msg string) Value {
	return RefV("DOMException", P("name", Str(name)), P("message", Str(msg)))
}

// checkJVBIce runs ICE connectivity checks on the JVB session.
func (s *Sim) checkJVBIce() {
	s.send(wire.Message{Type: wire.IceChecks, Session: wire.JVB}, iceCheckMs, wire.JVB)
}

// onIceState is JingleSessionPC's ICE connection state handling.
func (s *Sim) onIceState(m *wire.Message) {
	if m.Session == wire.P2P {
		s.onP2PIceState(m.Text)
		return
	}
	switch st := s.jvbState(); m.Text {
	case wire.PeerConnectionClosed:
		// JingleSessionPC.onsignalingstatechange: closed is
		// SUSPEND_DETECTED; JitsiConference.onSuspendDetected leaves, then
		// emits it.
		if s.inRoom() && st != SessionNone && st != SessionEnded {
			s.leave()
			s.emitEvent(catalog.SuspendDetected, catalog.PhaseTeardown)
		}
	case wire.IceConnected:
		if st == SessionChecking || st == SessionRestarting || st == SessionInterrupted {
			s.jvbIceConnected()
		}
	case wire.IceFailed:
		if st == SessionChecking || st == SessionRestarting || st == SessionInterrupted {
			s.jvbIceFailed()
		}
	case wire.IceDisconnected:
		// JingleSessionPC.oniceconnectionstatechange: disconnected emits
		// CONNECTION_INTERRUPTED once signalling has been stable (wasstable),
		// whether or not ICE ever connected: checks that fail go
		// disconnected first. JitsiConference._onIceConnectionInterrupted
		// passes it on for the active session.
		if !s.inRoom() {
			return
		}
		switch st {
		case SessionConnected:
			s.fireSession(s.jvb, evIceDisconnect)
		case SessionChecking, SessionRestarting:
		default:
			return
		}
		s.lib.jvbInterrupted = true
		if !s.lib.p2pActive {
			s.emitEvent(catalog.ConnectionInterrupted, catalog.PhaseMedia)
		}
	}
}

// jvbIceConnected: a JVB session's ICE is connected.
// JingleSessionPC.oniceconnectionstatechange emits CONNECTION_RESTORED on
// every change to connected while signalling is stable (the first one and
// those after a re-invite included), then, the first time, the session's
// CONNECTION_ESTABLISHED; the bridge channel opens with it. JitsiConference
// passes both on only while the JVB session is the active one
// (_onIceConnectionRestored, _onIceConnectionEstablished:
// session.isP2P === isP2PActive()).
func (s *Sim) jvbIceConnected() {
	s.fireSession(s.jvb, evIceConnected)
	s.lib.jvbInterrupted = false
	if !s.lib.p2pActive {
		s.emitEvent(catalog.ConnectionRestored, catalog.PhaseMedia)
	}
	if !s.lib.jvbWasConnected {
		s.lib.jvbWasConnected = true
		if !s.lib.p2pActive {
			s.emitEvent(catalog.ConnectionEstablished, catalog.PhaseMedia)
		}
		s.emitEvent(catalog.DataChannelOpened, catalog.PhaseMedia)
	}
}

// setP2PStatus is JitsiConference._setP2PStatus: P2P_STATUS(conference,
// isP2P), then CONNECTION_INTERRUPTED or CONNECTION_RESTORED as the now
// active session is (isConnectionInterrupted()).
func (s *Sim) setP2PStatus(active bool) {
	s.lib.p2pActive = active
	s.evaluateJvb121(s.lib.others + 1) // its P2P_STATUS listener runs first
	s.emitEvent(catalog.P2PStatus, catalog.PhaseMedia, P("isP2P", BoolV(active)))
	s.emitEvent(catalog.MediaSessionActiveChanged, catalog.PhaseMedia, P("isP2P", BoolV(active)))
	if !active && s.lib.jvbInterrupted {
		s.emitEvent(catalog.ConnectionInterrupted, catalog.PhaseMedia)
		return
	}
	s.emitEvent(catalog.ConnectionRestored, catalog.PhaseMedia)
}

// jvbIceFailed is JingleSessionPC's CONNECTION_ICE_FAILED on the JVB session,
// handled by JitsiConference._onIceConnectionFailed. Its jittered wait is
// the conference's timer, not the session's: it acts on whatever JVB
// session there is by then (a re-invited one included).
func (s *Sim) jvbIceFailed() {
	s.fireSession(s.jvb, evIceFailed)
	if s.lib.iceRestarts >= iceRestartLimit {
		s.raiseIn(catalog.PhaseMedia, catalog.IceFailed, evFailInRoom)
		return
	}
	s.after(s.jitterDelay(s.lib.iceRestarts, 1000, 2), func() {
		if !s.inRoom() {
			return
		}
		s.lib.iceRestarts++
		if s.cfg.Deployment.EnableIceRestart {
			s.restartJvbIceWithFallback()
			return
		}
		s.iceFailedHandling()
	})
}

// restartJvbIceWithFallback is JitsiConference._restartJvbIceWithFallback:
// an in-place ICE restart of the current JVB session
// (JingleSessionPC.restartIce), and, if ICE is not connected
// JVB_ICE_RESTART_RECOVERY_TIMEOUT (15 s) later, IceFailedHandling after
// all; without a session to restart the request fails and IceFailedHandling
// runs at once.
func (s *Sim) restartJvbIceWithFallback() {
	// restartIce refuses a session that has ended. Not modelled: one
	// whose session-accept is still unanswered is restarted by the
	// library too; here it falls back at once.
	switch s.jvbState() {
	case SessionNone, SessionEnded, SessionNegotiating:
		s.iceFailedHandling()
		return
	}
	s.fireSession(s.jvb, evRestart)
	s.checkJVBIce()
	s.after(iceRestartRecoveryMs, func() {
		if s.inRoom() && s.jvbState() != SessionConnected {
			s.iceFailedHandling()
		}
	})
}

// iceFailedHandling is IceFailedHandling.start: an XMPP ping (65 s timeout);
// when it is answered, 2 s later, if the JVB session is still not
// connected, a session-terminate asking jicofo to re-invite
// (_actOnIceFailed). A ping that fails does nothing at all: the media stays
// down and no error is raised. Its timers are its own, not the session's.
func (s *Sim) iceFailedHandling() {
	s.send(wire.Message{Type: wire.Ping, Session: wire.JVB}, rtt, wire.NoSession)
}

// onPingAnswered is the ping's success in IceFailedHandling.
func (s *Sim) onPingAnswered() {
	s.after(2000, func() {
		// _actOnIceFailed: nothing without a room or a JVB session, or
		// once ICE is connected again.
		if st := s.jvbState(); !s.inRoom() || st == SessionNone || st == SessionEnded || st == SessionConnected {
			return
		}
		s.endSession(s.jvb, &s.lib.jvbGen)
		s.send(wire.Message{Type: wire.SessionTerminate, Session: wire.JVB, Restart: true}, rtt, wire.NoSession)
	})
}

// --- P2P ---------------------------------------------------------------------

// maybeStartP2P is JitsiConference._maybeStartOrStopP2P on our MUC join and
// a member's join (after a member left, with userLeft, it waits
// backToP2PDelay): a P2P session when P2P is enabled and the call has
// exactly two participants, started by the participant whose id is the
// smaller (myId > peersId: the other one starts, and we answer its offer in
// onIncomingCallP2P).
func (s *Sim) maybeStartP2P(userLeft bool) {
	if !s.cfg.Deployment.P2PEnabled() {
		return
	}
	if s.lib.others != 1 {
		s.clearDeferredP2P() // _maybeClearDeferredStartP2P: not two any more
		return
	}
	if st := s.p2pState(); Node > s.cfg.Room.ParticipantID(0) || (st != SessionNone && st != SessionEnded) {
		return
	}
	// _startP2PSession clears a deferred start and creates the session at
	// once; JingleSessionPC.invite sends the offer once it is made
	// (p2pStartMs).
	start := func() {
		s.clearDeferredP2P()
		if st := s.p2pState(); !s.inRoom() || (st != SessionNone && st != SessionEnded) {
			return
		}
		s.fireSession(s.p2p, evInitiate)
		s.afterP2P(p2pStartMs, func() {
			s.send(wire.Message{Type: wire.P2PInvite, Session: wire.P2P}, rtt, wire.P2P)
		})
	}
	if userLeft {
		// deferredStartP2PTask: one at a time, cleared when the call is no
		// longer two-party.
		if s.lib.deferredP2P {
			return
		}
		s.lib.deferredP2P = true
		gen := s.lib.deferredP2PGen
		s.after(backToP2PDelayMs, func() {
			if gen == s.lib.deferredP2PGen {
				start()
			}
		})
		return
	}
	start()
}

// clearDeferredP2P is _maybeClearDeferredStartP2P.
func (s *Sim) clearDeferredP2P() {
	if s.lib.deferredP2P {
		s.lib.deferredP2P = false
		s.lib.deferredP2PGen++
	}
}

// onIncomingCallP2P is JitsiConference._onIncomingCallP2P: the other
// participant's offer. It is refused with a session-terminate when P2P is
// disabled, a P2P session exists already (busy), or the call should not be
// P2P (decline); otherwise _acceptP2PIncomingCall answers it with a
// session-accept (JingleSessionPC.acceptOffer).
func (s *Sim) onIncomingCallP2P(m *wire.Message) {
	if !s.inRoom() {
		return
	}
	if st := s.p2pState(); !s.cfg.Deployment.P2PEnabled() || s.lib.others != 1 || (st != SessionNone && st != SessionEnded) {
		s.send(wire.Message{Type: wire.SessionTerminate, Session: wire.P2P}, 0, wire.NoSession)
		return
	}
	s.fireSession(s.p2p, evInitiate)
	if m.Offer != wire.OfferUsable {
		// acceptOffer's failure: OFFER_ANSWER_FAILED while the session is
		// still p2pJingleSession; an offer without a DTLS fingerprint, as
		// Chromium rejects it.
		s.offerAnswerFailed(domException("InvalidAccessError", "Failed to execute 'setRemoteDescription' on 'RTCPeerConnection': "+
			"Failed to set remote offer sdp: Called with SDP without DTLS fingerprint."))
		return
	}
	s.send(wire.Message{Type: wire.P2PAccept, Session: wire.P2P}, rtt, wire.P2P)
}

// onP2PAccepted is the peer's answer to our session-accept: the success
// callback of acceptOffer emits _MEDIA_SESSION_STARTED; ICE checks follow.
func (s *Sim) onP2PAccepted() {
	if s.p2pState() != SessionNegotiating {
		return
	}
	s.fireSession(s.p2p, evAccepted)
	s.emitEvent(catalog.MediaSessionStarted, catalog.PhaseMedia, P("isP2P", BoolV(true)))
	s.send(wire.Message{Type: wire.IceChecks, Session: wire.P2P}, p2pIceCheckMs, wire.P2P)
}

// onPeerSessionAccept is the other participant's answer to our offer.
func (s *Sim) onPeerSessionAccept(m *wire.Message) {
	if m.Offer != wire.OfferUsable {
		// onCallAccepted: setAnswer rejects while p2pJingleSession is
		// still set.
		// An answer whose m-lines are not the offer's, as Chromium
		// rejects it (seen in the Chromium tier).
		s.offerAnswerFailed(domException("InvalidAccessError", "Failed to execute 'setRemoteDescription' on 'RTCPeerConnection': "+
			"Failed to set remote answer sdp: The order of m-lines in answer doesn't match order in offer. Rejecting answer."))
		return
	}
	s.fireSession(s.p2p, evAccepted)
	s.emitEvent(catalog.MediaSessionStarted, catalog.PhaseMedia, P("isP2P", BoolV(true)))
	s.send(wire.Message{Type: wire.IceChecks, Session: wire.P2P}, p2pIceCheckMs, wire.P2P)
}

func (s *Sim) onP2PIceState(outcome string) {
	switch st := s.p2pState(); {
	case outcome == wire.IceConnected && st == SessionChecking:
		// The P2P session is not active yet: its CONNECTION_RESTORED and
		// CONNECTION_ESTABLISHED are not passed on; _setP2PStatus(true)
		// follows.
		s.fireSession(s.p2p, evIceConnected)
		s.setP2PStatus(true)
	case outcome == wire.IceDisconnected && st == SessionConnected && s.inRoom():
		// _onIceConnectionInterrupted: passed on while P2P is the active
		// session.
		s.fireSession(s.p2p, evIceDisconnect)
		if s.lib.p2pActive {
			s.emitEvent(catalog.ConnectionInterrupted, catalog.PhaseMedia)
		}
	case outcome == wire.IceConnected && st == SessionInterrupted && s.inRoom():
		// _onIceConnectionRestored, likewise.
		s.fireSession(s.p2p, evIceConnected)
		if s.lib.p2pActive {
			s.emitEvent(catalog.ConnectionRestored, catalog.PhaseMedia)
		}
	case outcome == wire.IceFailed && st == SessionChecking:
		s.stopP2P()
	case outcome == wire.IceFailed && (st == SessionConnected || st == SessionInterrupted) && s.inRoom():
		// _onIceConnectionFailed: P2P stops and the call goes back to JVB.
		s.stopP2P()
	}
}

// stopP2P ends the P2P session and goes back to JVB, without an error.
func (s *Sim) stopP2P() {
	if st := s.p2pState(); st == SessionNone || st == SessionEnded {
		return
	}
	s.endSession(s.p2p, &s.lib.p2pGen)
	s.send(wire.Message{Type: wire.SessionTerminate, Session: wire.P2P}, 0, wire.NoSession)
	if s.lib.p2pActive {
		s.setP2PStatus(false)
	}
}

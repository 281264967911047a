package sim

import "github.com/jitsi-sim/confsim/internal/catalog"

// This file models the media sessions: Jingle offer/answer on the JVB and
// P2P sessions, ICE, and JitsiConference's handling of ICE failures (three
// jittered restarts, then ICE_FAILED; a P2P failure falls back to JVB).
// Not modelled: tracks, simulcast, codecs beyond a mismatch, E2EE, the
// in-place restart's 15 s fallback timer (ICE always settles sooner here).

func (s *Sim) jvbState() SessionState { return SessionState(s.jvb.Current()) }
func (s *Sim) p2pState() SessionState { return SessionState(s.p2p.Current()) }

// sessionInitiate is jicofo's session-initiate for the JVB session.
func (s *Sim) sessionInitiate() {
	s.afterJVB(rtt, func() {
		// One session-initiate at a time: jicofo invites once per session.
		if st := s.jvbState(); s.confState() != Joined || (st != SessionNone && st != SessionEnded) {
			return
		}
		s.fireSession(s.jvb, evInitiate)
		s.lib.jvbWasConnected = false
		s.emitEvent(catalog.ServerRegionChanged, catalog.PhaseMedia, P("region", Str("region-1")))
		s.acceptOffer()
	})
}

// acceptOffer is _acceptJvbIncomingCall: setRemoteDescription, createAnswer,
// setLocalDescription, then the session-accept IQ.
func (s *Sim) acceptOffer() {
	switch s.w.offerAnswerFailure {
	case "setRemoteDescription", "createAnswer":
		s.offerAnswerFailed(s.w.offerAnswerFailure + " failed")
		return
	}
	s.afterJVB(rtt, func() {
		if s.w.offerAnswerFailure == "session-accept" {
			s.offerAnswerFailed("session-accept answered with an error")
			return
		}
		s.fireSession(s.jvb, evAccepted)
		s.emitEvent(catalog.MediaSessionStarted, catalog.PhaseMedia, P("isP2P", BoolV(false)))
		s.checkJVBIce()
	})
}

func (s *Sim) offerAnswerFailed(msg string) {
	s.raiseIn(catalog.PhaseMedia, catalog.OfferAnswerFailed, evFailInRoom, P("error", Obj(P("message", Str(msg)))))
}

// checkJVBIce runs ICE connectivity checks on the JVB session.
func (s *Sim) checkJVBIce() {
	s.afterJVB(iceCheckMs, func() {
		fail := s.w.jvbIceFails || s.w.jvbIceFailOnce
		s.w.jvbIceFailOnce = false
		if fail {
			s.jvbIceFailed()
			return
		}
		s.jvbIceConnected()
	})
}

// jvbIceConnected: a JVB session's ICE is connected. A session's first
// connection is CONNECTION_ESTABLISHED and opens its bridge channel; a later
// one (after an interruption or an in-place restart) is CONNECTION_RESTORED.
// JitsiConference passes them on only while the JVB session is the active
// one (session.isP2P === isP2PActive()).
func (s *Sim) jvbIceConnected() {
	s.fireSession(s.jvb, evIceConnected)
	if !s.lib.jvbWasConnected {
		s.lib.jvbWasConnected = true
		if !s.lib.p2pActive {
			s.emitEvent(catalog.ConnectionEstablished, catalog.PhaseMedia)
		}
		s.emitEvent(catalog.DataChannelOpened, catalog.PhaseMedia)
	} else if !s.lib.p2pActive {
		s.emitEvent(catalog.ConnectionRestored, catalog.PhaseMedia)
	}
	s.maybeStartP2P()
}

// jvbIceFailed is JingleSessionPC's CONNECTION_ICE_FAILED on the JVB session,
// handled by JitsiConference._onIceConnectionFailed.
func (s *Sim) jvbIceFailed() {
	s.fireSession(s.jvb, evIceFailed)
	if s.lib.iceRestarts >= iceRestartLimit {
		s.raiseIn(catalog.PhaseMedia, catalog.IceFailed, evFailInRoom)
		return
	}
	s.afterJVB(s.jitterDelay(s.lib.iceRestarts, 1000, 2), func() {
		s.lib.iceRestarts++
		if s.w.deploy.EnableIceRestart {
			s.fireSession(s.jvb, evRestart)
			s.checkJVBIce()
			return
		}
		s.iceFailedHandling()
	})
}

// iceFailedHandling is IceFailedHandling: an XMPP ping, 2 s, then, if the
// JVB session is still not connected, a session-terminate asking jicofo to
// re-invite.
func (s *Sim) iceFailedHandling() {
	s.afterJVB(rtt+2000, func() {
		if s.jvbState() == SessionConnected {
			return
		}
		s.endSession(s.jvb, &s.lib.jvbGen)
		s.after(rtt, func() {
			if s.w.restartTerminateError {
				s.raiseIn(catalog.PhaseMedia, catalog.IceFailed, evFailInRoom)
				return
			}
			s.sessionInitiate()
		})
	})
}

// disruptJVB takes the JVB session's connectivity away: ICE goes
// disconnected (CONNECTION_INTERRUPTED). With recoverAfter > 0 it comes back
// after that long, unless ICE is failing for good by then; otherwise ICE
// fails iceFailAfterMs later.
func (s *Sim) disruptJVB(recoverAfter int64) {
	if s.confState() != Joined {
		return // the library has given the conference up
	}
	switch s.jvbState() {
	case SessionConnected:
		s.fireSession(s.jvb, evIceDisconnect)
		if !s.lib.p2pActive {
			s.emitEvent(catalog.ConnectionInterrupted, catalog.PhaseMedia)
		}
	case SessionInterrupted:
		if recoverAfter > 0 {
			return
		}
	default:
		return
	}
	if recoverAfter > 0 {
		s.afterJVB(recoverAfter, func() {
			switch {
			case s.jvbState() != SessionInterrupted:
			case s.w.jvbIceFails || s.w.jvbIceFailOnce:
				s.w.jvbIceFailOnce = false
				s.jvbIceFailed()
			default:
				s.jvbIceConnected()
			}
		})
		return
	}
	s.afterJVB(iceFailAfterMs, func() {
		if s.jvbState() == SessionInterrupted {
			s.jvbIceFailed()
		}
	})
}

// --- P2P ---------------------------------------------------------------------

// maybeStartP2P starts a P2P session when the call has exactly two
// participants and P2P is enabled.
func (s *Sim) maybeStartP2P() {
	if !s.w.deploy.P2P || s.w.room.Occupants != 2 {
		return
	}
	if st := s.p2pState(); st != SessionNone && st != SessionEnded {
		return
	}
	s.afterP2P(p2pStartMs, func() {
		if st := s.p2pState(); s.confState() != Joined || s.w.room.Occupants != 2 || (st != SessionNone && st != SessionEnded) {
			return
		}
		s.fireSession(s.p2p, evInitiate)
		s.afterP2P(rtt, func() {
			if s.w.p2pOfferAnswerFail {
				// onCallAccepted: setAnswer rejects while p2pJingleSession
				// is still set.
				s.offerAnswerFailed("P2P setAnswer failed")
				return
			}
			s.fireSession(s.p2p, evAccepted)
			s.emitEvent(catalog.MediaSessionStarted, catalog.PhaseMedia, P("isP2P", BoolV(true)))
			s.afterP2P(iceCheckMs, func() {
				if s.w.p2pIceFails {
					s.stopP2P()
					return
				}
				s.fireSession(s.p2p, evIceConnected)
				s.lib.p2pActive = true
				s.emitEvent(catalog.P2PStatus, catalog.PhaseMedia, P("isP2P", BoolV(true)))
			})
		})
	})
}

// stopP2P ends the P2P session and goes back to JVB, without an error.
func (s *Sim) stopP2P() {
	if st := s.p2pState(); st == SessionNone || st == SessionEnded {
		return
	}
	s.endSession(s.p2p, &s.lib.p2pGen)
	if s.lib.p2pActive {
		s.lib.p2pActive = false
		s.emitEvent(catalog.P2PStatus, catalog.PhaseMedia, P("isP2P", BoolV(false)))
	}
}

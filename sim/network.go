package sim

import (
	"github.com/jitsi-sim/confsim/sim/wire"
)

// This file is the in-process virtual network between the two halves of the
// model: the client side (the library's logic, methods of Sim) and the
// server side (server). A request travels for its whole round trip (rtt) on
// the way up and is answered on arrival; what the servers send on their own
// carries its own delay. Deliveries are tied to the conference attempt they
// belong to (and, for a Jingle transport, to its session): when the library
// ends one, what is still in flight for it is dropped, as a closed stream or
// a torn-down transport drops it.

// send carries a client message to the server side after d virtual ms (0:
// now), within scope (see serverHost.schedule).
func (s *Sim) send(m wire.Message, d int64, scope wire.Session) {
	if d == 0 {
		s.up(&m)
		return
	}
	s.scheduleMsg(d, scope, &m, toServer)
}

// Messages in flight wait in slots of Sim.inflight (reused through
// Sim.free) so that a delivery allocates nothing; the timer holds the slot.
const (
	toServer = iota + 1
	toClient
)

func (s *Sim) scheduleMsg(d int64, scope wire.Session, m *wire.Message, dir uint8) {
	var slot int32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
		s.inflight[slot] = *m
	} else {
		slot = int32(len(s.inflight))
		s.inflight = append(s.inflight, *m)
	}
	t := timer{at: s.now + d, gen: s.lib.gen, msg: slot, dir: dir}
	switch scope {
	case wire.JVB:
		t.session, t.sessionGen = &s.lib.jvbGen, s.lib.jvbGen
	case wire.P2P:
		t.session, t.sessionGen = &s.lib.p2pGen, s.lib.p2pGen
	}
	s.seq++
	t.seq = s.seq
	s.q.push(t)
}

// deliverMsg delivers the message of a due timer and frees its slot.
func (s *Sim) deliverMsg(t *timer) {
	m := s.inflight[t.msg]
	s.inflight[t.msg] = wire.Message{}
	s.free = append(s.free, t.msg)
	if t.dir == toServer {
		s.up(&m)
	} else {
		s.receive(&m)
	}
}

// up hands a client message to the server side.
func (s *Sim) up(m *wire.Message) {
	if s.OnServerReceive != nil {
		s.OnServerReceive(s.now, *m)
	}
	s.srv.receive(m)
}

// schedule implements serverHost.
func (s *Sim) schedule(d int64, scope wire.Session, fn func()) {
	switch scope {
	case wire.JVB:
		s.afterJVB(d, fn)
	case wire.P2P:
		s.afterP2P(d, fn)
	default:
		s.after(d, fn)
	}
}

// down sends a server message to the client (the server calls it directly
// in process, by pointer).
func (s *Sim) down(m *wire.Message, d int64) {
	if d == 0 {
		s.receive(m)
		return
	}
	s.scheduleMsg(d, m.Session, m, toClient)
}

// receive is the client side's entry point: the library's handler for each
// kind of stanza (or ICE outcome) it receives.
func (s *Sim) receive(m *wire.Message) {
	if m.Type == wire.Network {
		return // the network's doing, unseen by the client
	}
	if m.Type != wire.IceState && m.Type != wire.ConnectFailed && m.Type != wire.KeepAliveResult {
		// StropheLastSuccess: raw XMPP input while connected; not ICE,
		// not a failed HTTP request, not the keep-alive's HTTP answer.
		defer func() {
			if c := &s.lib.conn; c.connected {
				c.lastSuccess, c.hasLastSuccess = s.now, true
			}
		}()
	}
	switch m.Type {
	case wire.StreamReady:
		s.onConnected(m)
	case wire.StreamError:
		s.onStreamClosed(m.StreamError)
	case wire.StreamResumed:
		s.xmppConnected(m, true)
	case wire.ResumeFailed:
		s.onResumeFailed(m.Condition)
	case wire.ConnectFailed:
		s.onConnectFailed(m.HTTPStatus)
	case wire.SASLFailure:
		s.onSASLFailure()
	case wire.NoSASLMechanism:
		s.onNoSASLMechanism()
	case wire.KeepAliveResult:
		s.onKeepAlive(m.Text)
	case wire.ConferenceResult:
		s.onConferenceAnswer(m.Focus, m.HTTP)
	case wire.JoinError:
		s.onPresenceError(&m.JoinErr)
	case wire.SelfPresence:
		s.onMUCJoined(m)
	case wire.OccupantPresence:
		s.onOccupantJoined(m.Nick)
	case wire.FocusPresence:
		s.onFocusPresence(m.FocusPres)
	case wire.Unavailable:
		if m.Room == wire.LobbyRoom {
			s.onLobbyUnavailable(m.Unavail)
		} else {
			s.onPresenceUnavailable(m.Unavail)
		}
	case wire.ErrorMessage:
		s.onMessageError(m.ErrMessage)
	case wire.LobbyInvite:
		s.onLobbyInvite(m.Password)
	case wire.RoomConfigResult:
		s.onRoomConfigResult(m)
	case wire.SessionInitiate:
		s.onSessionInitiate(m)
	case wire.IQResult:
		s.onIQResult(m)
	case wire.PeerSessionAccept:
		s.onPeerSessionAccept(m)
	case wire.IceState:
		s.onIceState(m)
	}
}

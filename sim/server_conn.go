package sim

import "github.com/jitsi-sim/confsim/sim/wire"

// connServer is the server side of the XMPP connection itself: prosody's
// listener (SASL, XEP-0198) and the HTTP front before it (the proxy that
// names the shard). Faults arm its conditions; what the client makes of
// them is the library's logic (connection.go).
type connServer struct {
	unreachable  bool // nothing answers: sockets do not open, BOSH requests get no answer
	failing      bool // prosody is down behind the HTTP front, which answers 503
	sessionsLost bool // prosody restarted: the sessions it held are gone
	loginRefused bool // SASL refuses the client's credentials
	anonymousOff bool // the domain offers no SASL ANONYMOUS
	shardMoved   bool // the proxy names another shard than the client's
	hibernating  bool // a dropped session prosody keeps for resumption (mod_smacks)
	up           bool // a client connection is established
}

// LoginJid and LoginPassword are the credentials a logged-in client
// (Client.LoggedIn) connects with: connect({id, password}).
const (
	LoginJid      = "alice@" + mainDomain
	LoginPassword = "secret"
)

// movedShard is the shard the proxy names after shard-changed.
const movedShard = "shard-moved"

// socketRefused answers a connection, resumption or BOSH request that
// the network does not let through (xmpp-unreachable: no answer at all;
// xmpp-server-error: a 503), and says whether it did.
func (sv *server) socketRefused() bool {
	switch {
	case sv.conn.unreachable:
		sv.down(wire.Message{Type: wire.ConnectFailed, HTTPStatus: 0})
	case sv.conn.failing:
		sv.down(wire.Message{Type: wire.ConnectFailed, HTTPStatus: 503})
	default:
		return false
	}
	return true
}

// streamOpen answers a connection attempt: the stream, SASL and bind.
func (sv *server) streamOpen(m *wire.Message) {
	c := &sv.conn
	switch {
	case sv.socketRefused():
	case m.Password != "" && c.loginRefused:
		sv.down(wire.Message{Type: wire.SASLFailure, Condition: "not-authorized"})
	case m.Password == "" && c.anonymousOff:
		sv.down(wire.Message{Type: wire.NoSASLMechanism})
	default:
		c.hibernating, c.sessionsLost, c.up = false, false, true
		sv.down(wire.Message{Type: wire.StreamReady, Text: Resource, DisplayNameRequired: sv.lobbyNameFeature,
			StreamManagement: sv.deploy.StreamManagement && !sv.deploy.BOSH})
	}
}

// streamResume answers a resumption (XEP-0198 <resume/> after SASL):
// mod_smacks gives the hibernating session back, or refuses with
// item-not-found when it no longer holds it.
func (sv *server) streamResume() {
	c := &sv.conn
	switch {
	case sv.socketRefused():
	case c.sessionsLost || !c.hibernating:
		sv.down(wire.Message{Type: wire.ResumeFailed, Condition: "item-not-found"})
	default:
		c.hibernating, c.up = false, true
		sv.down(wire.Message{Type: wire.StreamResumed})
	}
}

// boshRequest answers a BOSH request sent again or a fresh poll: only a
// failure is an answer; a working server holds the poll.
func (sv *server) boshRequest() {
	sv.socketRefused()
}

// keepAlive answers the WebSocket keep-alive GET with the shard header.
func (sv *server) keepAlive() {
	sv.down(wire.Message{Type: wire.KeepAliveResult, Text: sv.shard()})
}

// shard is the x-jitsi-shard header the proxy sends.
func (sv *server) shard() string {
	if sv.conn.shardMoved {
		return movedShard
	}
	return sv.deploy.Shard
}

// sessionEnds forgets our presence in the rooms: prosody ends the session.
func (sv *server) sessionEnds() {
	sv.occupant, sv.inLobby, sv.jvbInvited, sv.jvbIce, sv.p2pIce, sv.peerOffer = false, false, false, "", "", false
}

// connSignal applies a signal of the connection layer; it reports whether
// id was one.
func (sv *server) connSignal(id string) bool {
	c := &sv.conn
	ws := !sv.deploy.BOSH
	connected := c.up
	switch id {
	case "connection-dropped", "server-shutdown", "prosody-restart", "xmpp-unreachable", "xmpp-server-error":
		c.up = false
	}
	switch id {
	case "connection-dropped":
		// The socket closes without <close/>. With XEP-0198 prosody keeps
		// the session (and our rooms) for the client to resume.
		if sv.deploy.StreamManagement && ws {
			c.hibernating = true
		} else {
			sv.sessionEnds()
		}
		sv.down(wire.Message{Type: wire.StreamError})
	case "server-shutdown":
		// A stream error <system-shutdown/>, then the socket closes (over
		// BOSH: a body of type terminate with that condition).
		sv.sessionEnds()
		c.hibernating = false
		sv.down(wire.Message{Type: wire.StreamError, StreamError: "system-shutdown"})
	case "prosody-restart":
		sv.sessionEnds()
		c.sessionsLost, c.hibernating = true, false
		sv.down(wire.Message{Type: wire.StreamError})
	case "xmpp-unreachable", "xmpp-server-error":
		if id == "xmpp-unreachable" {
			c.unreachable = true
		} else {
			c.failing = true
			sv.sessionEnds()
			c.sessionsLost, c.hibernating = true, false
		}
		if !connected {
			break
		}
		if ws {
			// The socket goes; a kept session waits for a resumption that
			// cannot reach it.
			c.hibernating = sv.deploy.StreamManagement && !c.sessionsLost
			if !c.hibernating {
				sv.sessionEnds()
			}
			sv.down(wire.Message{Type: wire.StreamError})
		} else {
			// BOSH: the held poll fails.
			st := 0
			if c.failing {
				st = 503
			}
			sv.down(wire.Message{Type: wire.ConnectFailed, HTTPStatus: st})
		}
	case "shard-changed":
		c.shardMoved = true
	case "login-refused":
		c.loginRefused = true
	case "anonymous-login-disabled":
		c.anonymousOff = true
	default:
		return false
	}
	return true
}

// What a host that runs the XMPP stream itself (the XMPP endpoint) needs
// to know of the connection's server side.

// Reachable says whether a new connection gets through, and if not, the
// HTTP status the front answers with (0: no answer at all).
func (s *Server) Reachable() (ok bool, status int) {
	switch c := &s.sv.conn; {
	case c.unreachable:
		return false, 0
	case c.failing:
		return false, 503
	}
	return true, 0
}

// OffersAnonymous says whether the stream features offer SASL ANONYMOUS.
func (s *Server) OffersAnonymous() bool { return !s.sv.conn.anonymousOff }

// AcceptsLogin says whether SASL accepts the client's credentials.
func (s *Server) AcceptsLogin() bool { return !s.sv.conn.loginRefused }

// StreamManagement says whether the features after SASL offer XEP-0198.
func (s *Server) StreamManagement() bool {
	return s.sv.deploy.StreamManagement && !s.sv.deploy.BOSH
}

// Hibernating says whether prosody keeps a dropped session (and its rooms)
// for a resumption.
func (s *Server) Hibernating() bool { return s.sv.conn.hibernating }

// Shard is the x-jitsi-shard header of the front's HTTP answers.
func (s *Server) Shard() string { return s.sv.shard() }

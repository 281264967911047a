package sim

import (
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// This file is the library's connection layer: Strophe's transports
// reporting statuses, XmppConnection (stream resumption, the WebSocket
// keep-alive) and XMPP.connectionHandler turning statuses into
// JitsiConnectionEvents. docs/connection-layer.md has the whole reading.

// connState is what the connection layer keeps.
type connState struct {
	connected bool // XmppConnection.connected: raw input counts as a success
	// StropheLastSuccess: when raw input last arrived while connected.
	lastSuccess    int64
	hasLastSuccess bool
	// XMPP.connectionHandler's flags, cleared on CONNECTED (_resetState).
	lastErrorMsg     string
	connectionFailed bool
	anonymousFailed  bool
	// The stream-management plugin's resume token and ResumeTask.
	resumeToken   bool
	resumeRetries int    // ResumeTask._resumeRetryN
	resumeGen     uint32 // cancels a scheduled resumption (cancelResume)
	everConnected bool   // XmppConnection._oneSuccessfulConnect
	keepAliveGen  uint32 // cancels a scheduled keep-alive (clearTimeout)
	// Strophe's Bosh: the sends of the request in flight, the errors in a
	// row, and strophe.util's lastErrorStatus (-1: none).
	boshSends, boshErrors int
	lastErrorStatus       int
	hasErrorStatus        bool
	// XMPP.sendDeploymentInfo: set by connect, cleared on CONNECTED and
	// once connection.propertiesUpdated went out.
	sendDeploymentInfo bool
}

// The messages Strophe reports.
const (
	msgConnectionDropped = "connection-dropped-error"
	msgServerError       = "server-error"
	msgGivingUp          = "giving-up"
	// Strophe.ErrorCondition.MISSING_JID_NODE.
	msgMissingJidNode = "x-strophe-bad-non-anon-jid"
	// websocket.js _onError.
	msgSocketFailed = "The WebSocket connection could not be established or was disconnected."
	// maxResumeRetries is MAX_CONNECTION_RETRIES.
	maxResumeRetries = 3
	// keepAliveFirstMs is the first keep-alive's delay after the first
	// connection; keepAliveMs the default websocketKeepAlive, to which up
	// to keepAliveJitterMs are added.
	keepAliveFirstMs  = 5000
	keepAliveMs       = 60000
	keepAliveJitterMs = 60000
	// boshIdleMs is Strophe's _onIdle period: a fresh poll goes out on
	// the next tick once the queue is empty.
	boshIdleMs = 100
	// boshMaxRetries is XmppConnection's maxRetries for Strophe.
	boshMaxRetries = 3
)

// startConnection is Strophe.Connection.connect: the stream, SASL, bind
// (over BOSH, the session request's first send).
func (s *Sim) startConnection() {
	s.lib.conn.boshSends = 1
	s.lib.conn.sendDeploymentInfo = true // XMPP._connect
	s.openStream()
}

// openStream sends the connection request. A logged-in client connects
// with its credentials.
func (s *Sim) openStream() {
	m := wire.Message{Type: wire.StreamOpen}
	if s.cfg.Client.LoggedIn {
		m.Password = LoginPassword
	}
	s.send(m, rtt, wire.NoSession)
}

// xmppConnected is CONNECTED: XmppConnection._stropheConnectionCb and
// XMPP.connectionHandler's bookkeeping. A resumed stream is CONNECTED
// again: the resumption count starts over and the application gets
// connection.connectionEstablished once more.
func (s *Sim) xmppConnected(m *wire.Message, resumed bool) {
	c := &s.lib.conn
	c.connected = true
	c.boshSends, c.boshErrors = 1, 0 // the poll the server holds
	c.sendDeploymentInfo = false
	// XMPP.connectionHandler: _resetState.
	c.lastErrorMsg, c.connectionFailed, c.anonymousFailed = "", false, false
	// XmppConnection._stropheConnectionCb: ResumeTask.cancel.
	c.resumeRetries = 0
	c.resumeGen++
	if !resumed && m.StreamManagement {
		// _maybeEnableStreamResume: <enable resume='true'/>, and the
		// <enabled/> answer carries the token.
		c.resumeToken = true
	}
	// _maybeStartWSKeepAlive: 5 s after the first connection, at once
	// after a reconnection.
	if !s.cfg.Deployment.BOSH {
		if c.everConnected {
			s.scheduleKeepAlive(0)
		} else {
			s.scheduleKeepAlive(keepAliveFirstMs)
		}
	}
	c.everConnected = true
	if resumed {
		s.emitEvent(catalog.ConnectionEstablishedConn, s.phase(), P("id", Str(Resource)))
	}
}

// onStreamClosed is the end of the stream: a stream error (WebSocket:
// ERROR with the condition; BOSH: a terminate body, CONNFAIL with it), or
// a socket closed without <close/>; DISCONNECTED follows.
func (s *Sim) onStreamClosed(cond string) {
	c := &s.lib.conn
	if !c.connected {
		return
	}
	if cond != "" {
		if s.cfg.Deployment.BOSH {
			// Strophe.Connection._dataRecv: type terminate.
			s.connFail(cond)
			s.disconnected(cond)
			return
		}
		// websocket.js _checkStreamError: ERROR; the stream-management
		// plugin drops its token on ERROR (statusChanged).
		s.deploymentInfo()
		c.lastErrorMsg, c.resumeToken = cond, false
	}
	s.disconnected("")
}

// disconnected is DISCONNECTED as XmppConnection._stropheConnectionCb sees
// it: with a resume token, _tryResumingConnection schedules a resumption
// and swallows the status for the first MAX_CONNECTION_RETRIES times;
// otherwise XMPP.connectionHandler gets it.
func (s *Sim) disconnected(msg string) {
	c := &s.lib.conn
	c.connected = false
	if c.resumeToken && !s.confState().Terminal() {
		// (Once it has given up the library goes on scheduling
		// resumptions, each ending in the same report, until the
		// application disconnects, as jitsi-meet does at once; the
		// model's conference is over at the first report.)
		// ResumeTask.schedule: the retry count goes up, and a resumption
		// waits getJitterDelay(n, n*1500, 3) (the browser is online).
		c.resumeRetries++
		n := c.resumeRetries
		c.resumeGen++
		gen := c.resumeGen
		s.after(s.jitterDelay(n, int64(n)*1500, 3), func() {
			if gen == c.resumeGen {
				s.resumeStream()
			}
		})
		if n <= maxResumeRetries {
			s.resuming()
			return
		}
		// Giving up: the status goes on to connectionHandler. The
		// resumption scheduled above stays scheduled in the library; the
		// model's conference ends with the failure, and the timer with it.
	}
	s.connectionHandlerDisconnected(msg)
}

// resuming is XMPP's CONN_STATUS_CHANGED listener for RESUMING: with a JWT
// whose exp has passed, the resumption is cancelled and the application is
// told to refresh the token (connection.token_expired).
func (s *Sim) resuming() {
	cl := s.cfg.Client
	if cl.Token == "" || cl.TokenExpiresMs == 0 || s.now < cl.TokenExpiresMs {
		return
	}
	s.lib.conn.resumeGen++ // cancelResume
	s.emitEvent(catalog.ConnectionTokenExpired, s.phase())
}

// resumeStream is ResumeTask.resumeConnection.
func (s *Sim) resumeStream() {
	if !s.lib.conn.resumeToken {
		return
	}
	s.send(wire.Message{Type: wire.StreamResume}, rtt, wire.NoSession)
}

// onResumeFailed is the stream-management plugin's _handleResumeFailed:
// ERROR with the condition (the token goes), then DISCONNECTED.
func (s *Sim) onResumeFailed(cond string) {
	c := &s.lib.conn
	s.deploymentInfo()
	c.lastErrorMsg, c.resumeToken = cond, false
	s.disconnected("")
}

// onConnectFailed: a socket that does not open, or a BOSH request that
// failed.
func (s *Sim) onConnectFailed(status int) {
	c := &s.lib.conn
	if !s.cfg.Deployment.BOSH {
		// websocket.js: _onError reports CONNFAIL and schedules
		// _doDisconnect (setTimeout 0); the close event (1006) that
		// follows finds the socket still set and reports CONNFAIL and
		// DISCONNECTED itself; then the timer's DISCONNECTED comes too.
		// Two disconnections, each counted by _tryResumingConnection.
		for range 2 {
			s.connFail(msgSocketFailed)
		}
		s.disconnected("")
		s.disconnected("")
		return
	}
	// Bosh._onRequestStateChange: the failure is logged ("request errored,
	// status: N", which strophe.util reads as the last error status) and
	// counted (_hitError).
	c.lastErrorStatus, c.hasErrorStatus = status, true
	c.boshErrors++
	if c.boshErrors > 4 {
		// _hitError: _onDisconnectTimeout, CONNTIMEOUT then DISCONNECTED.
		c.connected = false
		s.connectionHandlerDisconnected("")
		return
	}
	if c.boshSends > boshMaxRetries {
		// Too many retries: the request is dropped. While connecting,
		// CONNFAIL giving-up; once connected, a fresh poll on the next
		// idle tick.
		if !c.connected {
			s.connFail(msgGivingUp)
			s.connectionFailed(catalog.OtherError, P("msg", Str(msgGivingUp)))
			return
		}
		c.boshSends = 1
		s.send(wire.Message{Type: wire.BOSHRequest}, boshIdleMs+rtt, wire.NoSession)
		return
	}
	// Bosh._processRequest: the request goes again, at once the first
	// time, then after sends³ s.
	var backoff int64
	if c.boshSends > 1 {
		backoff = int64(c.boshSends*c.boshSends*c.boshSends) * 1000
	}
	c.boshSends++
	if c.connected {
		s.send(wire.Message{Type: wire.BOSHRequest}, backoff+rtt, wire.NoSession)
	} else {
		s.after(backoff, s.openStream)
	}
}

// onSASLFailure is AUTHFAIL: connection.passwordRequired with no message
// (a <failure/> without <not-allowed/><text> gives none) and the
// credentials; then XmppConnection.disconnect(), whose DISCONNECTED
// connectionHandler takes for a dropped connection.
func (s *Sim) onSASLFailure() {
	s.deploymentInfo()
	s.connectionFailed(catalog.ConnectionPasswordRequired, P("msg", Nul()),
		P("credentials", Obj(P("jid", Str(LoginJid)), P("password", Str(LoginPassword)))))
	s.lib.conn.connected = false
	s.connectionHandlerDisconnected("")
}

// onNoSASLMechanism: no mechanism applies and the jid has no node
// (Strophe's _attemptLegacyAuth): CONNFAIL x-strophe-bad-non-anon-jid and a
// disconnect; DISCONNECTED is connection.passwordRequired.
func (s *Sim) onNoSASLMechanism() {
	s.connFail(msgMissingJidNode)
	s.disconnected("")
}

// connFail is CONNFAIL in XMPP.connectionHandler: the flags, and the
// message for a later DISCONNECTED.
func (s *Sim) connFail(msg string) {
	c := &s.lib.conn
	s.deploymentInfo()
	if msg == msgMissingJidNode {
		c.anonymousFailed = true
	} else {
		c.connectionFailed = true
	}
	c.lastErrorMsg = msg
}

// deploymentInfo is XMPP._maybeSendDeploymentInfoStat on a failure
// status: before the first connection, with deploymentInfo's region or
// shard configured, connection.propertiesUpdated({region, shard}) once.
func (s *Sim) deploymentInfo() {
	if s.lib.conn.sendDeploymentInfo {
		s.propertiesUpdated()
	}
}

// propertiesUpdated emits connection.propertiesUpdated when deploymentInfo
// has a region or a shard (the model configures only a shard).
func (s *Sim) propertiesUpdated() {
	s.lib.conn.sendDeploymentInfo = false
	if sh := s.cfg.Deployment.Shard; sh != "" {
		s.emitEvent(catalog.ConnectionPropertiesUpdated, s.phase(), P("properties", Obj(P("region", Value{}), P("shard", Str(sh)))))
	}
}

// connectionHandlerDisconnected is XMPP.connectionHandler for
// DISCONNECTED the application did not ask for.
func (s *Sim) connectionHandlerDisconnected(msg string) {
	c := &s.lib.conn
	s.deploymentInfo()
	errMsg := msg
	if errMsg == "" {
		errMsg = c.lastErrorMsg
	}
	switch {
	case c.anonymousFailed:
		s.connectionFailed(catalog.ConnectionPasswordRequired)
	case c.connectionFailed:
		s.connectionFailed(catalog.OtherError, P("msg", optStr(errMsg)), P("credentials", Value{}), P("details", s.failureDetails()))
	case c.hasErrorStatus && c.lastErrorStatus >= 500 && c.lastErrorStatus < 600:
		s.connectionFailed(catalog.ServerError, P("msg", Str(or(errMsg, msgServerError))), P("credentials", Value{}), P("details", s.failureDetails()))
	default:
		s.connectionFailed(catalog.ConnectionDroppedError, P("msg", Str(or(errMsg, msgConnectionDropped))), P("credentials", Value{}), P("details", s.failureDetails()))
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// failureDetails is XMPP._getConnectionFailedReasonDetails: shard_changed
// only over BOSH with a shard configured (a WebSocket keeps no response
// headers; a failed request's headers name no shard), no suspension, and
// the time since the last success (null before any).
func (s *Sim) failureDetails() Value {
	c := &s.lib.conn
	since := Nul()
	if c.hasLastSuccess {
		since = Num(s.now - c.lastSuccess)
	}
	ps := make([]Param, 0, 3)
	if s.cfg.Deployment.BOSH && s.cfg.Deployment.Shard != "" {
		ps = append(ps, P("shard_changed", BoolV(c.hasErrorStatus)))
	}
	ps = append(ps, P("suspend_time", Num(0)), P("time_since_last_success", since))
	return Obj(ps...)
}

// scheduleKeepAlive is XmppConnection._maybeStartWSKeepAlive. Only a
// configured shard makes the keep-alive's answer matter
// (_keepAliveAndCheckShard skips the header without one), so the model
// runs it only then.
func (s *Sim) scheduleKeepAlive(d int64) {
	if s.cfg.Deployment.Shard == "" {
		return
	}
	c := &s.lib.conn
	c.keepAliveGen++
	gen := c.keepAliveGen
	s.after(d, func() {
		if gen == c.keepAliveGen {
			s.send(wire.Message{Type: wire.KeepAlive}, rtt, wire.NoSession)
		}
	})
}

// onKeepAlive is the end of _keepAliveAndCheckShard: another shard in
// x-jitsi-shard is CONN_SHARD_CHANGED, which XMPP turns into
// connection.otherError with shard_changed (or shardChangedError with
// testing.enableGracefulReconnect); then the next keep-alive, 60 s plus a
// random minute later.
func (s *Sim) onKeepAlive(shard string) {
	if shard != "" && shard != s.cfg.Deployment.Shard {
		if s.cfg.Client.GracefulReconnect {
			s.connectionFailed(catalog.ShardChangedError)
		} else {
			c := &s.lib.conn
			since := Nul()
			if c.hasLastSuccess {
				since = Num(s.now - c.lastSuccess)
			}
			s.connectionFailed(catalog.OtherError, P("msg", Value{}), P("credentials", Value{}),
				P("details", Obj(P("shard_changed", BoolV(true)), P("suspend_time", Num(0)), P("time_since_last_success", since))))
		}
		if s.confState().Terminal() {
			return
		}
	}
	s.scheduleKeepAlive(keepAliveMs + int64(s.jitter.Float64()*keepAliveJitterMs))
}

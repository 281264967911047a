package sim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

var (
	smacks = sim.Config{Room: sim.Room{Occupants: 1}, Deployment: sim.Deployment{StreamManagement: true},
		Client: sim.Client{DisplayName: "Alice"}}
	bosh = sim.Config{Room: sim.Room{Occupants: 1}, Deployment: sim.Deployment{BOSH: true},
		Client: sim.Client{DisplayName: "Alice"}}
)

// connFailures returns the connection.connectionFailed records of a run.
func connFailures(s *sim.Sim) []sim.Record {
	var out []sim.Record
	for _, r := range s.Records() {
		if r.Event == catalog.ConnectionFailed {
			out = append(out, r)
		}
	}
	return out
}

// With XEP-0198 a dropped WebSocket is resumed after a jittered 1.5-3 s:
// no error, a second connection.connectionEstablished, the conference goes
// on. (Before, every drop was connection.droppedError.)
func TestDroppedWebSocketIsResumed(t *testing.T) {
	lo, hi := int64(1<<62), int64(0)
	for seed := range uint64(50) {
		s := drive(t, withSeed(smacks, seed), joined(wait(1000), fault("connection-dropped"))...)
		require.Empty(t, connFailures(s), dump(s))
		est := times(s, isEvent(catalog.ConnectionEstablishedConn))
		require.Len(t, est, 2, dump(s))
		assert.Equal(t, sim.Joined, s.State().Conference)
		lo, hi = min(lo, est[1]), max(hi, est[1])
	}
	// The drop is at the settled time plus 1 s; the resumption is one
	// round trip after a wait of 1500-3000 ms.
	assert.Greater(t, hi-lo, int64(300), "the resumption waits are jittered")
	assert.LessOrEqual(t, hi-lo, int64(1500))
}

// Without stream management the same drop is connection.droppedError.
func TestDroppedWebSocketWithoutResumption(t *testing.T) {
	s := drive(t, twoParty, joined(wait(1000), fault("connection-dropped"))...)
	f := connFailures(s)
	require.Len(t, f, 1)
	assert.Equal(t, catalog.ConnectionDroppedError, f[0].ConnErr)
	assert.Equal(t, sim.Str("connection-dropped-error"), f[0].Params[0].Value)
}

// When every new socket fails, the disconnections are swallowed while
// fewer than four: the drop (n=1), then a socket that does not open, which
// Strophe reports twice (n=2, n=3: the second resumption replaces the
// first). The next failed socket is n=4 and n=5: connection.otherError
// with the CONNFAIL message, twice. So two attempts, after a 1.5-3 s and
// a 4.5-27 s wait. (Before, a drop was always droppedError.)
func TestResumptionGivesUpAfterTwoFailedSockets(t *testing.T) {
	lo, hi := int64(1<<62), int64(0)
	for seed := range uint64(50) {
		s, err := sim.New(withSeed(smacks, seed))
		require.NoError(t, err)
		require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
		require.NoError(t, s.Settle())
		t0 := s.Now()
		require.NoError(t, s.Step(sim.Input{Fault: "xmpp-unreachable"}))
		require.NoError(t, s.Settle())
		f := connFailures(s)
		require.Len(t, f, 2, dump(s))
		for _, r := range f {
			assert.Equal(t, catalog.OtherError, r.ConnErr)
			assert.Equal(t, sim.Str("The WebSocket connection could not be established or was disconnected."), r.Params[0].Value)
			assert.Equal(t, f[0].T, r.T)
		}
		elapsed := f[0].T - t0
		assert.GreaterOrEqual(t, elapsed, int64(1500+4500+2*40), "seed %d", seed)
		assert.LessOrEqual(t, elapsed, int64(3000+27000+2*40), "seed %d", seed)
		lo, hi = min(lo, elapsed), max(hi, elapsed)
		assert.Len(t, times(s, isEvent(catalog.ConnectionEstablishedConn)), 1, "no resumption succeeded")
	}
	assert.Greater(t, hi-lo, int64(5000), "the waits are jittered")
}

// A socket that does not open is reported twice (websocket.js _onError,
// then _onClose with 1006): two connection.otherError.
func TestUnopenedSocketIsReportedTwice(t *testing.T) {
	s := drive(t, twoParty, before("xmpp-unreachable")...)
	f := connFailures(s)
	require.Len(t, f, 2, dump(s))
	assert.Equal(t, f[0].Params, f[1].Params)
	assert.Equal(t, f[0].T, f[1].T)
	assert.Equal(t, catalog.OtherError, f[0].ConnErr)
	assert.Equal(t, sim.Nul(), f[0].Params[2].Value.Fields[1].Value, "no success before")
}

// A server that lost the session refuses the resumption: item-not-found,
// connection.droppedError with that message.
func TestRefusedResumptionIsDroppedError(t *testing.T) {
	s := drive(t, smacks, joined(fault("prosody-restart"))...)
	f := connFailures(s)
	require.Len(t, f, 1, dump(s))
	assert.Equal(t, catalog.ConnectionDroppedError, f[0].ConnErr)
	assert.Equal(t, sim.Str("item-not-found"), f[0].Params[0].Value)
}

// A stream error leaves no token: no resumption, droppedError with the
// condition; over BOSH the terminate body is a CONNFAIL: otherError.
func TestStreamErrorCondition(t *testing.T) {
	s := drive(t, smacks, joined(fault("server-shutdown"))...)
	f := connFailures(s)
	require.Len(t, f, 1, dump(s))
	assert.Equal(t, catalog.ConnectionDroppedError, f[0].ConnErr)
	assert.Equal(t, sim.Str("system-shutdown"), f[0].Params[0].Value)

	s = drive(t, bosh, joined(fault("server-shutdown"))...)
	f = connFailures(s)
	require.Len(t, f, 1, dump(s))
	assert.Equal(t, catalog.OtherError, f[0].ConnErr)
	assert.Equal(t, sim.Str("system-shutdown"), f[0].Params[0].Value)
}

// A resumption that meets an expired JWT is cancelled, and the application
// is told: connection.token_expired, nothing else. A token still valid is
// resumed.
func TestTokenExpiredCancelsResumption(t *testing.T) {
	cfg := smacks
	cfg.Client.Token, cfg.Client.TokenExpiresMs = "jwt", 10000
	s := drive(t, cfg, joined(wait(15000), fault("connection-dropped"))...)
	assert.Len(t, times(s, isEvent(catalog.ConnectionTokenExpired)), 1, dump(s))
	assert.Empty(t, connFailures(s))
	assert.Len(t, times(s, isEvent(catalog.ConnectionEstablishedConn)), 1, "no resumption")

	s = drive(t, cfg, joined(wait(1000), fault("connection-dropped"))...)
	assert.Empty(t, times(s, isEvent(catalog.ConnectionTokenExpired)))
	assert.Len(t, times(s, isEvent(catalog.ConnectionEstablishedConn)), 2, "resumed")
}

// With deploymentInfo.shard, the keep-alive 5 s after connecting sees the
// new shard: otherError with shard_changed (or shardChangedError with
// graceful reconnect). Without a shard configured the library never looks.
func TestShardChanged(t *testing.T) {
	run := func(cfg sim.Config) *sim.Sim {
		s, err := sim.New(cfg)
		require.NoError(t, err)
		require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
		require.NoError(t, s.Advance(500))
		require.NoError(t, s.Step(sim.Input{Fault: "shard-changed"}))
		require.NoError(t, s.Advance(10000))
		return s
	}
	cfg := twoParty
	cfg.Deployment.Shard = "shard-a"
	s := run(cfg)
	f := connFailures(s)
	require.Len(t, f, 1, dump(s))
	assert.Equal(t, catalog.OtherError, f[0].ConnErr)
	assert.Equal(t, int64(40+5000+40), f[0].T, "the first keep-alive, 5 s after the connection")
	details := f[0].Params[2].Value
	require.Equal(t, sim.Object, details.Kind)
	assert.Equal(t, sim.P("shard_changed", sim.BoolV(true)), details.Fields[0])

	cfg.Client.GracefulReconnect = true
	f = connFailures(run(cfg))
	require.Len(t, f, 1)
	assert.Equal(t, catalog.ShardChangedError, f[0].ConnErr)
	assert.Empty(t, f[0].Params)

	assert.Empty(t, connFailures(run(twoParty)), "no shard configured: the header is not read")
}

// BOSH: a server that cannot be reached while connecting is CONNFAIL
// giving-up after the fourth send (at once, at once, 8 s, 27 s); once
// connected, 503s end the session at the fifth error: serverError.
func TestBOSHFailures(t *testing.T) {
	s := drive(t, bosh, before("xmpp-unreachable")...)
	f := connFailures(s)
	require.Len(t, f, 1, dump(s))
	assert.Equal(t, catalog.OtherError, f[0].ConnErr)
	assert.Equal(t, sim.Params{sim.P("msg", sim.Str("giving-up"))}, f[0].Params)
	assert.Equal(t, int64(4*40+8000+27000), f[0].T)

	s, err := sim.New(bosh)
	require.NoError(t, err)
	require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
	require.NoError(t, s.Settle())
	t0 := s.Now()
	require.NoError(t, s.Step(sim.Input{Fault: "xmpp-server-error"}))
	require.NoError(t, s.Settle())
	f = connFailures(s)
	require.Len(t, f, 1, dump(s))
	assert.Equal(t, catalog.ServerError, f[0].ConnErr)
	assert.Equal(t, sim.Str("server-error"), f[0].Params[0].Value)
	assert.Equal(t, t0+40+(8000+40)+(27000+40)+(100+40), f[0].T)

	// Unreachable once connected: status 0 is no 5xx, so droppedError.
	s = drive(t, bosh, joined(fault("xmpp-unreachable"))...)
	f = connFailures(s)
	require.Len(t, f, 1, dump(s))
	assert.Equal(t, catalog.ConnectionDroppedError, f[0].ConnErr)
}

// SASL refuses the credentials: passwordRequired (null, credentials), then
// the unasked DISCONNECTED of the library's own disconnect: droppedError.
// An anonymous login refused is passwordRequired alone, with no arguments.
func TestXMPPLoginFailures(t *testing.T) {
	cfg := twoParty
	cfg.Client.LoggedIn = true
	s := drive(t, cfg, before("login-refused")...)
	f := connFailures(s)
	require.Len(t, f, 2, dump(s))
	assert.Equal(t, catalog.ConnectionPasswordRequired, f[0].ConnErr)
	assert.Equal(t, sim.Params{sim.P("msg", sim.Nul()),
		sim.P("credentials", sim.Obj(sim.P("jid", sim.Str(sim.LoginJid)), sim.P("password", sim.Str(sim.LoginPassword))))}, f[0].Params)
	assert.Equal(t, catalog.ConnectionDroppedError, f[1].ConnErr)
	assert.Equal(t, sim.Obj(sim.P("suspend_time", sim.Num(0)), sim.P("time_since_last_success", sim.Nul())), f[1].Params[2].Value)

	s = drive(t, twoParty, before("anonymous-login-disabled")...)
	f = connFailures(s)
	require.Len(t, f, 1, dump(s))
	assert.Equal(t, catalog.ConnectionPasswordRequired, f[0].ConnErr)
	assert.Empty(t, f[0].Params)

	// The same refusal does not touch a client with credentials.
	s = drive(t, cfg, before("anonymous-login-disabled")...)
	assert.Empty(t, connFailures(s))
}

// Every fault a connection error names exists, and the connection errors
// the model emits are in the catalog.
func TestConnErrorCausesAreFaults(t *testing.T) {
	for _, e := range catalog.ConnErrorEntries() {
		for _, c := range e.Causes {
			_, _, isCause := catalog.CauseByID(c.ID)
			assert.True(t, isCause || sim.IsSignal(c.ID), "%s: cause %s is no fault", e.Name, c.ID)
		}
	}
}

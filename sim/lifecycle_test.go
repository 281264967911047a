package sim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

func withSeed(c sim.Config, seed uint64) sim.Config { c.Seed = seed; return c }

func isErr(id catalog.ID) func(sim.Record) bool {
	return func(r sim.Record) bool { return r.HasErr && r.Err == id }
}

func isEvent(ev catalog.Event) func(sim.Record) bool {
	return func(r sim.Record) bool { return r.Event == ev }
}

func times(s *sim.Sim, pred func(sim.Record) bool) []int64 {
	var out []int64
	for _, r := range s.Records() {
		if pred(r) {
			out = append(out, r.T)
		}
	}
	return out
}

// The JVB session fails ICE on every attempt: the library waits
// getJitterDelay(n, 1000) (1 s, then 1-2 s, then 1-4 s), runs
// IceFailedHandling (ping, 2 s, session-terminate, re-invite) three times,
// and raises ICE_FAILED on the fourth failure.
func TestIceFailedAfterThreeJitteredRestarts(t *testing.T) {
	lo, hi := []int64{1 << 62, 1 << 62, 1 << 62}, []int64{0, 0, 0}
	for seed := range uint64(200) {
		s := drive(t, withSeed(twoParty, seed), before("turn-unavailable")...)
		starts := times(s, isEvent(catalog.MediaSessionStarted))
		require.Len(t, starts, 4, "one session plus three re-invites:\n%s", dump(s))
		failedAt := times(s, isErr(catalog.IceFailed))
		require.Len(t, failedAt, 1)
		// Each attempt: the checks go disconnected (connectionInterrupted),
		// then failed, 15.05 s after the session starts, as Chromium's do;
		// the delay follows; then ping + 2 s, terminate, re-invite, accept.
		require.Equal(t, []int64{starts[0] + 15050, starts[1] + 15050, starts[2] + 15050, starts[3] + 15050},
			times(s, isEvent(catalog.ConnectionInterrupted)), dump(s))
		for i := range 3 {
			iceFailed := starts[i] + 15050
			delay := starts[i+1] - iceFailed - (40 + 2000) - 40 - 40 - 40
			lo[i], hi[i] = min(lo[i], delay), max(hi[i], delay)
		}
		assert.Equal(t, starts[3]+15050, failedAt[0])
	}
	assert.Equal(t, int64(1000), lo[0], "the first delay is exactly 1 s")
	assert.Equal(t, int64(1000), hi[0], "the first delay is exactly 1 s")
	for i := 1; i < 3; i++ {
		assert.GreaterOrEqual(t, lo[i], int64(1000), "delays are at least 1 s")
		assert.Less(t, lo[i], int64(1100), "some delays come close to 1 s")
	}
	assert.LessOrEqual(t, hi[1], int64(2000))
	assert.Greater(t, hi[1], int64(1800), "the second delay spreads over 1-2 s")
	assert.LessOrEqual(t, hi[2], int64(4000))
	assert.Greater(t, hi[2], int64(3500), "the third delay spreads over 1-4 s")
}

// With enableIceRestart the restarts happen in place: no new
// session-initiate, still three restarts before ICE_FAILED.
func TestIceRestartInPlace(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.EnableIceRestart = true
	s := drive(t, cfg, before("turn-unavailable")...)
	// Checks that fail end 15.05 s after they start (Chromium), and each
	// in-place restart's fallback (JVB_ICE_RESTART_RECOVERY_TIMEOUT, 15 s)
	// comes first: IceFailedHandling sends a session-terminate and jicofo
	// re-invites. The jittered wait and the fallback are the conference's
	// timers: the second restart, after the first restart's checks fail,
	// lands on the re-invited session, and its fallback re-invites again
	// (the Chromium tier shows both re-invites, at 33.4 and 49.7 s). The
	// counter reaches three across both kinds, and the failure after it is
	// ICE_FAILED; the library goes on in failed-in-room, where the last
	// fallback re-invites once more.
	regions := times(s, isEvent(catalog.ServerRegionChanged))
	failed := times(s, isErr(catalog.IceFailed))
	require.Len(t, regions, 4, dump(s))
	require.Len(t, failed, 2, dump(s))
	assert.Greater(t, failed[0], regions[2], "two re-invites before ICE_FAILED:\n%s", dump(s))
	assert.Less(t, failed[0], regions[3], dump(s))
	assert.Greater(t, regions[1]-regions[0], int64(15000+15000), "the re-invite comes from the 15 s fallback of a restart made after the first 15 s failure:\n%s", dump(s))
	assert.Less(t, regions[2]-regions[1], int64(15000+5000), "the second restart's fallback re-invites 15 s after it, on the re-invited session:\n%s", dump(s))
	assert.Equal(t, "failed-in-room/jvb:failed", s.State().String())
}

// A restart that is answered with an IQ error ends the conference at once.
func TestRestartTerminateErrorIsIceFailed(t *testing.T) {
	s := drive(t, twoParty, fault("restart-terminate-error"), fault("turn-unavailable"), act(sim.ActionJoin))
	assert.Len(t, times(s, isEvent(catalog.MediaSessionStarted)), 1, dump(s))
	assert.Len(t, times(s, isErr(catalog.IceFailed)), 1, dump(s))
}

// A transient failure recovers through one restart, without an error; the
// restart counter is not reset, so three more failures are fatal at once.
func TestIceTransientFailureRecovers(t *testing.T) {
	s := drive(t, twoParty, act(sim.ActionJoin), settled(), fault("ice-transient-failure"))
	assert.Empty(t, errorsOf(s), dump(s))
	assert.Len(t, times(s, isEvent(catalog.ConnectionInterrupted)), 1)
	// The re-invited session is a new one: its first connection is
	// CONNECTION_ESTABLISHED again, and, as every change to connected
	// (JingleSessionPC.oniceconnectionstatechange), CONNECTION_RESTORED
	// just before it.
	est := times(s, isEvent(catalog.ConnectionEstablished))
	assert.Len(t, est, 2, dump(s))
	assert.Equal(t, est, times(s, isEvent(catalog.ConnectionRestored)), dump(s))
	assert.Equal(t, "joined/jvb:connected", s.State().String())

	for range 2 {
		require.NoError(t, s.Step(sim.Input{Fault: "ice-transient-failure"}))
		require.NoError(t, s.Settle())
	}
	assert.Empty(t, errorsOf(s), dump(s))
	require.NoError(t, s.Step(sim.Input{Fault: "ice-transient-failure"}))
	require.NoError(t, s.Settle())
	assert.Len(t, times(s, isErr(catalog.IceFailed)), 1, "the fourth failure finds the restarts used up:\n%s", dump(s))
}

// The browser notices a cut 6 s after it (Chromium's measure), and ICE
// reconnects 200 ms after connectivity is back, 10 s after the cut.
func TestIceInterruptionRestores(t *testing.T) {
	s := drive(t, twoParty, act(sim.ActionJoin), settled())
	cut := s.Now()
	require.NoError(t, s.Step(sim.Input{Fault: "ice-interruption"}))
	require.NoError(t, s.Settle())
	in := times(s, isEvent(catalog.ConnectionInterrupted))
	out := times(s, isEvent(catalog.ConnectionRestored))
	require.Len(t, in, 1, dump(s))
	require.Len(t, out, 2, dump(s)) // the first connection, then the recovery
	assert.Equal(t, cut+6000, in[0], dump(s))
	assert.Equal(t, cut+10200, out[1], dump(s))
	assert.Empty(t, errorsOf(s))
}

// Two interruptions in a row: the first cut's timers do not act on the
// second, which heals in time like the first.
func TestIceInterruptionsInARow(t *testing.T) {
	s := drive(t, twoParty, act(sim.ActionJoin), settled())
	require.NoError(t, s.Step(sim.Input{Fault: "ice-interruption"}))
	require.NoError(t, s.Advance(12000))
	require.NoError(t, s.Step(sim.Input{Fault: "ice-interruption"}))
	require.NoError(t, s.Settle())
	assert.Len(t, times(s, isEvent(catalog.ConnectionInterrupted)), 2, dump(s))
	for _, r := range s.Records() {
		assert.NotEqual(t, sim.SessionFailed, r.State.JVB, "no ICE failure:\n%s", dump(s))
	}
	assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
}

// A P2P ICE failure stops P2P and falls back to JVB without an error.
func TestP2PIceFailureFallsBackSilently(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.P2P = new(true)
	s := drive(t, cfg, act(sim.ActionJoin), settled(), fault("p2p-ice-failure"))
	var status []bool
	for _, r := range s.Records() {
		if r.Event == catalog.P2PStatus {
			status = append(status, r.Params[0].Value.Bool)
		}
	}
	assert.Equal(t, []bool{true, false}, status, dump(s))
	assert.Empty(t, errorsOf(s))
	assert.Equal(t, "joined/jvb:connected/p2p:ended", s.State().String())

	// A failure before P2P ever connected changes no status.
	s = drive(t, cfg, fault("p2p-ice-failure"), act(sim.ActionJoin))
	assert.Empty(t, times(s, isEvent(catalog.P2PStatus)), dump(s))
	assert.Empty(t, errorsOf(s))
}

// ROOM_CREATION_RESTRICTION: three re-joins after getJitterDelay(n, 500, 1.5)
// before NOT_ALLOWED_ERROR surfaces; none with disableRoomCreationRetry.
func TestRoomCreationRetries(t *testing.T) {
	var lo, hi int64 = 1 << 62, 0
	for seed := range uint64(200) {
		s := drive(t, withSeed(twoParty, seed), before("room-creation-restricted")...)
		at := times(s, isErr(catalog.NotAllowedError))
		require.Len(t, at, 1)
		// connect 40, then four rounds of conference request + join presence
		// (80 ms each), with three jittered waits between them.
		waits := at[0] - 40 - 4*80
		lo, hi = min(lo, waits), max(hi, waits)
	}
	assert.GreaterOrEqual(t, lo, int64(1500), "three waits of at least 500 ms")
	assert.Less(t, hi, int64(1500+2250+3375), "waits below 1.5 s, 2.25 s, 3.375 s")
	assert.Greater(t, hi, int64(4500), "the waits spread")

	cfg := twoParty
	cfg.Client.DisableRoomCreationRetry = true
	s := drive(t, cfg, before("room-creation-restricted")...)
	assert.Equal(t, []int64{40 + 80}, times(s, isErr(catalog.NotAllowedError)))

	// The owner creating the room during the retries lets the join through.
	s = drive(t, twoParty, fault("room-creation-restricted"), act(sim.ActionJoin), wait(200), fault("owner-arrives"))
	assert.Empty(t, errorsOf(s), dump(s))
	assert.Equal(t, sim.Joined, s.State().Conference)
}

// Session-invalid answers are retried after 1, 2, 4, 8, 16 and 32 s; the
// next wait (64 s) is not under 60 s, so the library gives up. (At d630bc32
// it never gives up: TestProfile2021SessionInvalidSilentForever.)
func TestSessionInvalidBackoff(t *testing.T) {
	for _, p := range sim.Profiles {
		if p == sim.ProfileLibJitsiMeet2021 {
			continue
		}
		cfg := twoParty
		cfg.Profile = p
		s := drive(t, cfg, before("focus-connection-lost")...)
		errs := errorsOf(s)
		require.Len(t, errs, 1)
		assert.Equal(t, int64(40+7*40+63000), errs[0].T, "seven requests, 63 s of back-off")
	}
}

// ready=false is retried without an error, 1 s, 2 s, 4 s ...
func TestFocusNotReadyRetriesForever(t *testing.T) {
	s := drive(t, twoParty, fault("focus-not-ready"), fault("focus-not-ready"), fault("focus-not-ready"), act(sim.ActionJoin))
	assert.Empty(t, errorsOf(s))
	assert.Equal(t, []int64{40 + 4*40 + 7000 + 40}, times(s, isEvent(catalog.ConferenceJoined)))
}

func TestVisitors(t *testing.T) {
	s := drive(t, twoParty, fault("visitors-queue"), act(sim.ActionJoin))
	errs := errorsOf(s)
	require.Len(t, errs, 1)
	assert.Equal(t, catalog.NotLiveError, errs[0].ConnErr)
	assert.Equal(t, "join-failed", s.State().String())

	s = drive(t, twoParty, fault("visitors-redirect"), act(sim.ActionJoin))
	assert.Len(t, times(s, isEvent(catalog.ConnectionRedirected)), 1)
	assert.Equal(t, "redirected", s.State().String())
}

// Recoverable errors leave the conference waiting for the user.
func TestRecoveries(t *testing.T) {
	t.Run("password", func(t *testing.T) {
		cfg := twoParty
		cfg.Room.Password = "s3cret"
		s := drive(t, cfg, act(sim.ActionJoin), settled(), joinWith("wrong"), settled(), joinWith("s3cret"))
		assert.Len(t, times(s, isErr(catalog.PasswordRequired)), 2)
		assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
	})
	t.Run("login", func(t *testing.T) {
		// authenticateAndUpgradeRole reports the identity from its own
		// conference request and does not join: the application does.
		s := drive(t, twoParty, fault("auth-users-only"), act(sim.ActionJoin), settled(), act(sim.ActionLogin), settled())
		status := func() []sim.Params {
			var out []sim.Params
			for _, r := range s.Records() {
				if r.Event == catalog.AuthStatusChanged {
					out = append(out, r.Params)
				}
			}
			return out
		}
		loggedIn := sim.Params{sim.P("isAuthEnabled", sim.BoolV(true)), sim.P("authIdentity", sim.Str("user@meet.example"))}
		assert.Equal(t, []sim.Params{loggedIn}, status())
		assert.Equal(t, "auth-required", s.State().String(), dump(s))
		require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
		require.NoError(t, s.Settle())
		assert.Equal(t, []sim.Params{loggedIn, loggedIn}, status())
		assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
	})
	t.Run("wait for owner", func(t *testing.T) {
		s := drive(t, twoParty, fault("token-missing"), act(sim.ActionJoin), settled(), fault("owner-arrives"), act(sim.ActionJoin))
		assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
	})
	t.Run("lobby approval", func(t *testing.T) {
		cfg := lobbyRoom
		cfg.Room.Password = "s3cret"
		s := drive(t, cfg, act(sim.ActionJoin), settled(), act(sim.ActionKnock), settled(), act(sim.ActionApprove))
		assert.Len(t, errorsOf(s), 1)
		assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
	})
	t.Run("lobby disabled", func(t *testing.T) {
		s := drive(t, lobbyRoom, act(sim.ActionJoin), settled(), act(sim.ActionKnock), settled(), fault("lobby-disabled"))
		assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
	})
}

func TestTeardown(t *testing.T) {
	t.Run("leave after a fatal error in the room", func(t *testing.T) {
		s := drive(t, twoParty, act(sim.ActionJoin), settled(), fault("jicofo-left"))
		assert.Equal(t, "failed-in-room/jvb:connected", s.State().String(), "the MUC and media stay until the app leaves")
		assert.Empty(t, times(s, isEvent(catalog.ConferenceLeft)))
		require.NoError(t, s.Step(sim.Input{Action: sim.ActionLeave}))
		require.NoError(t, s.Settle())
		assert.Len(t, times(s, isEvent(catalog.ConferenceLeft)), 1, dump(s))
		assert.Equal(t, "left/jvb:ended", s.State().String())
	})
	t.Run("destroy leaves the MUC: no conference.left", func(t *testing.T) {
		s := drive(t, twoParty, act(sim.ActionJoin), settled(), fault("conference-terminated"))
		assert.Empty(t, times(s, isEvent(catalog.ConferenceLeft)), dump(s))
		assert.Equal(t, "failed/jvb:ended", s.State().String())
	})
	t.Run("leave after join", func(t *testing.T) {
		s := drive(t, twoParty, act(sim.ActionJoin), settled(), act(sim.ActionLeave))
		assert.Len(t, times(s, isEvent(catalog.ConferenceLeft)), 1)
		assert.Equal(t, "left/jvb:ended", s.State().String())
	})
	t.Run("leave before join", func(t *testing.T) {
		s := drive(t, twoParty, fault("no-password-given"), act(sim.ActionJoin), settled(), act(sim.ActionLeave))
		assert.Empty(t, times(s, isEvent(catalog.ConferenceLeft)), "no MUC_LEFT for a room never joined")
		assert.Equal(t, "left", s.State().String())
	})
	t.Run("kick", func(t *testing.T) {
		s := drive(t, twoParty, act(sim.ActionJoin), settled(), op{in: sim.Input{Action: sim.ActionKick, Text: "bye"}})
		k := times(s, isEvent(catalog.Kicked))
		require.Len(t, k, 1)
		assert.Empty(t, times(s, isEvent(catalog.ConferenceLeft)), "no CONFERENCE_LEFT after a kick")
		assert.Equal(t, "kicked/jvb:ended", s.State().String())
		var na *sim.NotAllowedError
		assert.ErrorAs(t, s.Step(sim.Input{Action: sim.ActionLeave}), &na, "terminal states absorb")
		assert.ErrorAs(t, s.Step(sim.Input{Action: sim.ActionJoin}), &na)
	})
}

// Only the first bridgeNotAvailable presence counts.
func TestVideobridgeNotAvailableOnce(t *testing.T) {
	s := drive(t, twoParty, act(sim.ActionJoin), settled(), fault("bridges-down"), fault("bridges-at-capacity"))
	assert.Len(t, times(s, isErr(catalog.VideobridgeNotAvailable)), 1, dump(s))
}

// A lone participant gets no session-initiate: jicofo waits for two.
func TestMediaWaitsForTwoParticipants(t *testing.T) {
	cfg := twoParty
	cfg.Room.Occupants = 0
	s := drive(t, cfg, act(sim.ActionJoin))
	assert.Equal(t, "joined", s.State().String())
	require.NoError(t, s.Step(sim.Input{Fault: "participant-joins"}))
	require.NoError(t, s.Settle())
	assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
}

func TestDeterminism(t *testing.T) {
	run := func(seed uint64) string {
		s := drive(t, withSeed(twoParty, seed), before("turn-unavailable")...)
		return dump(s)
	}
	assert.Equal(t, run(7), run(7), "same seed, same trace")
	assert.NotEqual(t, run(7), run(8), "the seed feeds the jitter")
	for _, e := range []sim.Engine{sim.EngineLooplab, sim.EngineTable} {
		cfg := withSeed(twoParty, 7)
		cfg.Engine = e
		assert.Equal(t, run(7), dump(drive(t, cfg, before("turn-unavailable")...)), "engine %d", e)
	}
}

func TestInputErrors(t *testing.T) {
	s, err := sim.New(twoParty)
	require.NoError(t, err)
	assert.Error(t, s.Step(sim.Input{}))
	assert.Error(t, s.Step(sim.Input{Action: "join", Fault: "turn-unavailable"}))
	assert.ErrorContains(t, s.Step(sim.Input{Fault: "no-such-cause"}), "unknown fault")
	assert.ErrorContains(t, s.Step(sim.Input{Fault: "turn-unavailable", Reason: "general"}), "takes no reason")
	assert.ErrorContains(t, s.Step(sim.Input{Fault: "authorization-failure", Reason: "nope"}), "AUTH_ERROR_TYPES")
	var na *sim.NotAllowedError
	assert.ErrorAs(t, s.Step(sim.Input{Action: sim.ActionKnock}), &na)
	_, err = sim.New(sim.Config{Profile: "bogus"})
	assert.Error(t, err)
}

func TestLimits(t *testing.T) {
	cfg := twoParty
	cfg.Limits.MaxTimeMs = 10000
	s, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Step(sim.Input{Fault: "focus-connection-lost"}))
	require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
	assert.ErrorIs(t, s.Settle(), sim.ErrLimit)
	assert.Contains(t, s.LimitReached(), "10000 ms")
	assert.LessOrEqual(t, s.Now(), int64(10000))
}

// A P2P offer/answer failure is fatal, unlike a P2P ICE failure.
func TestP2PNegotiationFailureIsFatal(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.P2P = new(true)
	s := drive(t, cfg, fault("p2p-negotiation-failure"), act(sim.ActionJoin))
	errs := errorsOf(s)
	require.Len(t, errs, 1, dump(s))
	assert.Equal(t, catalog.OfferAnswerFailed, errs[0].Err)
	assert.Equal(t, "failed-in-room/jvb:connected/p2p:negotiating", s.State().String(), "the JVB session goes on:\n%s", dump(s))
}

// P2P starts as JitsiConference._maybeStartOrStopP2P does: on our MUC join
// when the call has two participants, beside the JVB session (not after it
// connects), and, once a third participant has left, only backToP2PDelay
// (5 s) later.
func TestP2PStartsOnJoinAndBackAfterDelay(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.P2P = new(true)
	s := drive(t, cfg, act(sim.ActionJoin), settled())
	joined := times(s, isEvent(catalog.ConferenceJoined))
	started := times(s, func(r sim.Record) bool {
		return r.Event == catalog.MediaSessionStarted && r.Params[0].Value.Bool
	})
	established := times(s, isEvent(catalog.ConnectionEstablished))
	require.Len(t, joined, 1, dump(s))
	require.Len(t, started, 1, dump(s))
	require.Len(t, established, 1, dump(s))
	assert.Less(t, started[0], established[0], "P2P is offered before the JVB session connects:\n%s", dump(s))
	assert.Equal(t, joined[0]+p2pOfferMs+rttMs, started[0], dump(s))

	require.NoError(t, s.Step(sim.Input{Fault: "participant-joins"}))
	require.NoError(t, s.Settle())
	require.Equal(t, "joined/jvb:connected/p2p:ended", s.State().String(), "three participants: no P2P\n%s", dump(s))
	left := s.Now()
	require.NoError(t, s.Step(sim.Input{Fault: "participant-leaves"}))
	require.NoError(t, s.Settle())
	again := times(s, func(r sim.Record) bool {
		return r.Event == catalog.MediaSessionStarted && r.Params[0].Value.Bool && r.T > left
	})
	require.Len(t, again, 1, dump(s))
	assert.Equal(t, left+5000+p2pOfferMs+rttMs, again[0], "back to P2P after backToP2PDelay:\n%s", dump(s))
}

// A deferred P2P start is cleared when the call grows again before it
// fires (_maybeClearDeferredStartP2P): only the last shrink's counts.
func TestDeferredP2PStartCleared(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.P2P = nil
	cfg.Room.Occupants = 2
	s := drive(t, cfg, act(sim.ActionJoin), settled())
	require.NoError(t, s.Step(sim.Input{Fault: "participant-leaves"})) // deferred start
	require.NoError(t, s.Advance(2000))
	require.NoError(t, s.Step(sim.Input{Fault: "participant-joins"})) // cleared
	require.NoError(t, s.Advance(1000))
	last := s.Now()
	require.NoError(t, s.Step(sim.Input{Fault: "participant-leaves"})) // deferred again
	require.NoError(t, s.Settle())
	started := times(s, func(r sim.Record) bool {
		return r.Event == catalog.MediaSessionStarted && r.Params[0].Value.Bool
	})
	require.Len(t, started, 1, dump(s))
	assert.Equal(t, last+5000+p2pOfferMs+rttMs, started[0], dump(s))
}

// P2P is on unless the deployment turns it off (JitsiConference.isP2PEnabled).
func TestP2POnByDefault(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.P2P = nil
	s := drive(t, cfg, act(sim.ActionJoin), settled())
	assert.Equal(t, "joined/jvb:connected/p2p:connected", s.State().String(), dump(s))
	cfg.Deployment.P2P = new(false)
	s = drive(t, cfg, act(sim.ActionJoin), settled())
	assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
}

// The participant with the smaller id offers P2P; the other answers
// (_maybeStartOrStopP2P, _onIncomingCallP2P): whichever side we are on,
// exactly one offer and one answer cross the network, and the call ends on
// the P2P session.
func TestP2POfferComesFromTheSmallerID(t *testing.T) {
	for _, peerFirst := range []bool{false, true} {
		cfg := twoParty
		cfg.Deployment.P2P = nil
		cfg.Room.PeerIDsFirst = peerFirst
		s, err := sim.New(cfg)
		require.NoError(t, err)
		var sent []wire.Type
		s.OnServerReceive = func(_ int64, m wire.Message) {
			if m.Session == wire.P2P {
				sent = append(sent, m.Type)
			}
		}
		require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
		require.NoError(t, s.Settle())
		want := []wire.Type{wire.P2PInvite, wire.IceChecks}
		if peerFirst {
			want = []wire.Type{wire.P2PAccept, wire.IceChecks}
		}
		assert.Equal(t, want, sent, "peer id first %v:\n%s", peerFirst, dump(s))
		assert.Equal(t, "joined/jvb:connected/p2p:connected", s.State().String(), dump(s))
		started := times(s, func(r sim.Record) bool {
			return r.Event == catalog.MediaSessionStarted && r.Params[0].Value.Bool
		})
		require.Len(t, started, 1, dump(s))
	}
}

// An offer the call should not take is declined with a session-terminate:
// here a second participant has joined by the time it arrives.
func TestP2POfferDeclinedWhenNotTwo(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.P2P = nil
	cfg.Room.PeerIDsFirst = true
	s, err := sim.New(cfg)
	require.NoError(t, err)
	var sent []wire.Type
	s.OnServerReceive = func(_ int64, m wire.Message) {
		if m.Session == wire.P2P || m.Type == wire.SessionTerminate {
			sent = append(sent, m.Type)
		}
	}
	require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
	// Joined at 120 ms; the peer's offer leaves at 200 ms and arrives at
	// 240 ms, after a second participant's presence.
	require.NoError(t, s.Advance(220))
	require.NoError(t, s.Step(sim.Input{Fault: "participant-joins"}))
	require.NoError(t, s.Settle())
	assert.Equal(t, "joined/jvb:connected", s.State().String(), dump(s))
	assert.Equal(t, []wire.Type{wire.SessionTerminate}, sent, dump(s))
}

// Two newcomers at once: jicofo invites us once.
func TestOneInviteAtATime(t *testing.T) {
	cfg := twoParty
	cfg.Room.Occupants = 0
	s := drive(t, cfg, act(sim.ActionJoin), settled(), fault("participant-joins"), fault("participant-joins"))
	assert.Len(t, times(s, isEvent(catalog.ServerRegionChanged)), 1, dump(s))
	assert.Equal(t, "joined/jvb:connected", s.State().String())
}

// A TURN failure during an ICE interruption is not hidden by the
// interruption's end.
func TestFailureDuringInterruption(t *testing.T) {
	s := drive(t, twoParty, act(sim.ActionJoin), settled(), fault("ice-interruption"), fault("turn-unavailable"))
	// Only the first connection's CONNECTION_RESTORED: none after the
	// interruption.
	require.NotEmpty(t, times(s, isEvent(catalog.ConnectionInterrupted)), dump(s))
	assert.Len(t, times(s, isEvent(catalog.ConnectionRestored)), 1, dump(s))
	assert.Len(t, times(s, isErr(catalog.IceFailed)), 1, dump(s))
}

// After the lobby's approval the library sends the conference request again
// (the MEMBERS_ONLY_ERROR reset conferenceRequestSent), so the focus answers
// twice.
func TestApprovalSendsConferenceRequestAgain(t *testing.T) {
	s := drive(t, lobbyRoom, act(sim.ActionJoin), settled(), act(sim.ActionKnock), settled(), act(sim.ActionApprove))
	assert.Len(t, times(s, isEvent(catalog.AuthStatusChanged)), 2, dump(s))
	assert.Equal(t, "joined/jvb:connected", s.State().String())
}

// A ready=true answer resets the ready=false back-off.
func TestNotReadyBackoffResetsOnReady(t *testing.T) {
	s := drive(t, twoParty,
		fault("room-creation-restricted"), fault("focus-not-ready"), fault("focus-not-ready"), act(sim.ActionJoin),
		wait(3200), fault("focus-not-ready"))
	at := times(s, isEvent(catalog.AuthStatusChanged))
	require.GreaterOrEqual(t, len(at), 5, dump(s))
	// The answers: not ready (wait 1 s), not ready (wait 2 s), ready, then
	// after the first room-creation re-join a not-ready answer that waits
	// 1 s again.
	assert.Equal(t, int64(1000+rttMs), at[1]-at[0])
	assert.Equal(t, int64(2000+rttMs), at[2]-at[1])
	assert.Equal(t, int64(1000+rttMs), at[4]-at[3], dump(s))
}

const rttMs = 40

// p2pOfferMs is the model's time to create a P2P offer.
const p2pOfferMs = 100

// Once the library has given the conference up (failed-in-room), nothing
// but the application's leave() produces events.
func TestLiveAfterInRoomFailure(t *testing.T) {
	// After an in-room fatal error the library goes on until the
	// application leaves: the MUC, its listeners and the sessions stay
	// live (CONFERENCE_FAILED does not leave the room).
	cfg := twoParty
	s := drive(t, cfg, act(sim.ActionJoin), settled(), fault("bridges-down"), settled())
	require.Equal(t, sim.FailedInRoom, s.State().Conference, dump(s))
	n := len(s.Records())
	require.NoError(t, s.Step(sim.Input{Fault: "participant-joins"}))
	require.NoError(t, s.Settle())
	require.Greater(t, len(s.Records()), n, dump(s))
	assert.Equal(t, catalog.UserJoined, s.Records()[n].Event, dump(s))
	require.NoError(t, s.Step(sim.Input{Fault: "jicofo-left"}))
	require.NoError(t, s.Settle())
	assert.Len(t, times(s, isErr(catalog.FocusLeft)), 1, "a second in-room failure is emitted too:\n%s", dump(s))
	assert.Equal(t, sim.FailedInRoom, s.State().Conference)
	require.NoError(t, s.Step(sim.Input{Action: sim.ActionKick, Text: "bye"}))
	require.NoError(t, s.Settle())
	assert.Len(t, times(s, isEvent(catalog.Kicked)), 1, dump(s))
	assert.Equal(t, sim.KickedOut, s.State().Conference, dump(s))
}

func TestConfigAndTimeBounds(t *testing.T) {
	for _, cfg := range []sim.Config{
		{Room: sim.Room{Occupants: sim.MaxOccupants + 1}},
		{Room: sim.Room{Occupants: -1}},
		{Deployment: sim.Deployment{Authentication: "ldap"}},
		{Limits: sim.Limits{MaxSteps: -1}},
	} {
		_, err := sim.New(cfg)
		assert.Error(t, err, "%+v", cfg)
	}

	// A huge advance saturates: the run reaches its time limit.
	s := drive(t, twoParty, act(sim.ActionJoin))
	assert.ErrorIs(t, s.Advance(1<<62), sim.ErrLimit)
	assert.Contains(t, s.LimitReached(), "virtual time limit")
	s = drive(t, twoParty, act(sim.ActionJoin))
	assert.ErrorIs(t, s.Advance(1<<63-1), sim.ErrLimit)
	assert.Error(t, s.Advance(-1))

	// Records count against the step limit: a full room's presences cannot
	// run away in one delivery.
	cfg := twoParty
	cfg.Room.Occupants = sim.MaxOccupants
	cfg.Limits.MaxSteps = 100
	s, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
	assert.ErrorIs(t, s.Settle(), sim.ErrLimit)
	assert.Contains(t, s.LimitReached(), "step limit")
	assert.LessOrEqual(t, len(s.Records()), 100)
}

// An in-place restart reconnects the same session: CONNECTION_RESTORED.
func TestInPlaceRestartRestores(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.EnableIceRestart = true
	s := drive(t, cfg, act(sim.ActionJoin), settled(), fault("ice-transient-failure"))
	assert.Len(t, times(s, isEvent(catalog.ConnectionEstablished)), 1, dump(s))
	assert.Len(t, times(s, isEvent(catalog.ConnectionRestored)), 2, "the first connection and the restart:\n%s", dump(s))
	assert.Empty(t, errorsOf(s))
}

// While P2P carries the media, the JVB session's interruptions are not
// passed on (session.isP2P !== isP2PActive()).
func TestJVBEventsSilentWhileP2PActive(t *testing.T) {
	cfg := twoParty
	cfg.Deployment.P2P = new(true)
	s := drive(t, cfg, act(sim.ActionJoin), settled(), fault("ice-interruption"))
	require.Equal(t, "joined/jvb:connected/p2p:connected", s.State().String(), dump(s))
	assert.Empty(t, times(s, isEvent(catalog.ConnectionInterrupted)), dump(s))
	// The JVB session's first connection and _setP2PStatus(true): nothing
	// of the interruption.
	p2p := times(s, isEvent(catalog.P2PStatus))
	require.Len(t, p2p, 1, dump(s))
	assert.Equal(t, []int64{400, p2p[0]}, times(s, isEvent(catalog.ConnectionRestored)), dump(s))
}

// A transient failure during an interruption fails the session when the
// interruption would have ended.
func TestTransientFailureDuringInterruption(t *testing.T) {
	s := drive(t, twoParty, act(sim.ActionJoin), settled(), fault("ice-interruption"), fault("ice-transient-failure"))
	est := times(s, isEvent(catalog.ConnectionEstablished))
	assert.Len(t, est, 2, "recovered by a re-invite:\n%s", dump(s))
	assert.Equal(t, est, times(s, isEvent(catalog.ConnectionRestored)), "restored with each new session's connection only:\n%s", dump(s))
	assert.Empty(t, errorsOf(s))
}

// The lobby component's #displayname_required feature reaches the app as a
// connection event two round trips after connecting (server disco#info, sent
// before CONNECTION_ESTABLISHED, then the lobby's), just before the join's
// two round trips fail it, as the real library shows.
func TestDisplayNameRequiredHint(t *testing.T) {
	s := drive(t, twoParty, before("lobby-requires-display-name")...)
	var order []catalog.Event
	for _, r := range s.Records() {
		order = append(order, r.Event)
	}
	require.Equal(t, []catalog.Event{catalog.ConnectionEstablishedConn, catalog.AuthStatusChanged,
		catalog.ConnectionDisplayNameRequired, catalog.ConferenceFailed}, order, dump(s))
	assert.Equal(t, int64(rttMs+2*rttMs), s.Records()[2].T)
	s = drive(t, twoParty, before("display-name-mandatory")...)
	assert.Empty(t, times(s, isEvent(catalog.ConnectionDisplayNameRequired)), "no lobby, no hint")
}

// NextAt is the time of the delivery a run would make next.
func TestNextAt(t *testing.T) {
	s, err := sim.New(twoParty)
	require.NoError(t, err)
	_, ok := s.NextAt()
	assert.False(t, ok, "nothing scheduled before any input")
	require.NoError(t, s.Step(sim.Input{Action: sim.ActionJoin}))
	at, ok := s.NextAt()
	require.True(t, ok)
	assert.Equal(t, int64(rttMs), at)
	matched, err := s.RunUntil(1000, func(*sim.Record) bool { return true })
	require.NoError(t, err)
	require.True(t, matched)
	assert.Equal(t, at, s.Records()[0].T)
}

// A participant can only leave a room that has one besides us, also in
// failed-in-room, where the room goes on.
func TestParticipantLeavesNeedsAParticipant(t *testing.T) {
	cfg := twoParty
	cfg.Room.Occupants = 0
	s := drive(t, cfg, act(sim.ActionJoin), settled(), fault("jicofo-left"), settled())
	require.Equal(t, sim.FailedInRoom, s.State().Conference, dump(s))
	var na *sim.NotAllowedError
	require.ErrorAs(t, s.Step(sim.Input{Fault: "participant-leaves"}), &na)
	assert.Empty(t, times(s, isEvent(catalog.UserLeft)), dump(s))
}

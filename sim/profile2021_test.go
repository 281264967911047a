package sim_test

import (
	"fmt"
	"testing"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run2021 plays ops in the lib-jitsi-meet-2021 profile for ms of virtual
// time, without settling: a refused conference request never ends there.
func run2021(t *testing.T, cfg sim.Config, ms int64, script ...op) *sim.Sim {
	t.Helper()
	cfg.Profile = sim.ProfileLibJitsiMeet2021
	s, err := sim.New(cfg)
	require.NoError(t, err)
	for _, st := range script {
		if st.wait > 0 {
			require.NoError(t, s.Advance(st.wait))
			continue
		}
		require.NoError(t, s.Step(st.in))
	}
	require.NoError(t, s.Advance(ms))
	return s
}

// A refused request at d630bc32 is FOCUS_DISCONNECTED before every retry,
// the wait doubling with no cap (beyond today's 120 s) and no end.
func TestProfile2021FocusDisconnectedForever(t *testing.T) {
	s := run2021(t, twoParty, 1100000, before("jicofo-unavailable")...)
	var secs []int64
	var at []int64
	for _, r := range errorsOf(s) {
		require.True(t, r.HasErr, r.String())
		require.Equal(t, catalog.FocusDisconnected, r.Err, r.String())
		assert.Equal(t, "focus.meet.example", r.Params[0].Value.Str)
		secs = append(secs, r.Params[1].Value.Num)
		at = append(at, r.T)
		assert.Equal(t, sim.ConferenceRequestRetry, r.State.Conference)
	}
	assert.Equal(t, []int64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}, secs)
	// Each request is answered one round trip after it is sent: the
	// first at 80 ms, then after each wait and 40 ms more.
	want := []int64{80}
	for i := 1; i < len(secs); i++ {
		want = append(want, want[i-1]+secs[i-1]*1000+40)
	}
	assert.Equal(t, want, at)
	assert.Equal(t, sim.ConferenceRequestRetry, s.State().Conference)
}

// When the focus answers again the join goes on: FOCUS_DISCONNECTED was
// not the end.
func TestProfile2021FocusDisconnectedThenJoins(t *testing.T) {
	s := run2021(t, twoParty, 10000, fault("jicofo-unavailable"), act(sim.ActionJoin), wait(2000), fault("focus-recovers"))
	assert.Len(t, errorsOf(s), 2, dump(s))
	assert.Equal(t, []int64{1120 + 2000 + 40 + 40}, times(s, isEvent(catalog.ConferenceJoined)))
}

// <graceful-shutdown/> is GRACEFUL_SHUTDOWN once, with no retry.
func TestProfile2021GracefulShutdownNoRetry(t *testing.T) {
	s := run2021(t, twoParty, 600000, before("server-maintenance")...)
	errs := errorsOf(s)
	require.Len(t, errs, 1, dump(s))
	assert.Equal(t, catalog.GracefulShutdown, errs[0].Err)
	assert.Empty(t, errs[0].Params)
	assert.Equal(t, sim.Failed, s.State().Conference)
}

// Session-invalid (or not-acceptable) is a silent retry for ever.
func TestProfile2021SessionInvalidSilentForever(t *testing.T) {
	s := run2021(t, twoParty, 1500000, before("focus-connection-lost")...)
	assert.Empty(t, errorsOf(s), dump(s))
	assert.Equal(t, sim.ConferenceRequestRetry, s.State().Conference)
}

// The presence errors carry d630bc32's arguments, and the causes of the
// errors it does not have yet end as the errors it has.
func TestProfile2021PresenceErrors(t *testing.T) {
	for _, c := range []struct {
		cause string
		cfg   func(*sim.Config)
		want  catalog.ID
		n     int // arguments after the error value
	}{
		{"room-at-capacity", nil, catalog.ConferenceMaxUsers, 0},
		{"room-creation-restricted", nil, catalog.NotAllowedError, 0},
		{"display-name-mandatory", func(c *sim.Config) { c.Client.DisplayName = "" }, catalog.ConnectionError, 0},
		{"members-only-room", nil, catalog.MembersOnlyError, 1},
	} {
		cfg := twoParty
		if c.cfg != nil {
			c.cfg(&cfg)
		}
		s := run2021(t, cfg, 5000, before(c.cause)...)
		errs := errorsOf(s)
		require.Len(t, errs, 1, "%s\n%s", c.cause, dump(s))
		assert.Equal(t, c.want, errs[0].Err, c.cause)
		assert.Len(t, errs[0].Args, 1+c.n, c.cause)
	}
}

// Jvb121EventGenerator runs before the application's listeners: with two
// others, jvb121Status(true, false) comes before the second userJoined,
// and when one leaves, jvb121Status(false, true) before that userLeft,
// which carries (id, participant) only.
func TestProfile2021Jvb121AndUserLeft(t *testing.T) {
	cfg := twoParty
	cfg.Room.Occupants = 2
	s := run2021(t, cfg, 200, act(sim.ActionJoin), wait(200), fault("participant-leaves"))
	var seq []string
	for _, r := range s.Records() {
		switch r.Event {
		case catalog.UserJoined, catalog.UserLeft, catalog.UserRoleChanged:
			seq = append(seq, string(r.Event)+" "+r.Args[0].Str)
		case catalog.ConferenceJoined:
			seq = append(seq, string(r.Event))
		case catalog.Jvb121Status:
			seq = append(seq, fmt.Sprintf("%s %v %v", r.Event, r.Args[0].Bool, r.Args[1].Bool))
		}
		if r.Event == catalog.UserLeft {
			assert.Len(t, r.Args, 2, r.String())
		}
	}
	assert.Equal(t, []string{
		"conference.userJoined p1",
		"conference.jvb121Status true false",
		"conference.userJoined p2",
		"conference.roleChanged a11ce000",
		"conference.joined",
		"conference.jvb121Status false true",
		"conference.userLeft p2",
	}, seq)
}

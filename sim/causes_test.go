package sim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// op is one scripted input, or a wait of virtual time when in is empty.
type op struct {
	in   sim.Input
	wait int64
}

func act(a sim.Action) op { return op{in: sim.Input{Action: a}} }
func fault(id string) op  { return op{in: sim.Input{Fault: id}} }
func wait(ms int64) op    { return op{wait: ms} }
func joinWith(password string) op {
	return op{in: sim.Input{Action: sim.ActionJoin, Password: password}}
}
func notAllowed(reason string) op {
	return op{in: sim.Input{Fault: "authorization-failure", Reason: reason}}
}
func settled() op { return op{wait: -1} }

// drive runs a script and then lets the model settle.
func drive(t *testing.T, cfg sim.Config, script ...op) *sim.Sim {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	for _, st := range script {
		switch {
		case st.wait < 0:
			require.NoError(t, s.Settle())
		case st.wait > 0:
			require.NoError(t, s.Advance(st.wait))
		default:
			require.NoError(t, s.Step(st.in), "step %s in state %s", st.in, s.State())
		}
	}
	require.NoError(t, s.Settle())
	return s
}

// errorsOf returns the error-carrying records of a run.
func errorsOf(s *sim.Sim) []sim.Record {
	var out []sim.Record
	for _, r := range s.Records() {
		if r.HasErr || r.ConnErr != "" {
			out = append(out, r)
		}
	}
	return out
}

func dump(s *sim.Sim) string {
	var b strings.Builder
	for _, r := range s.Records() {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}

// recipe drives a realistic path through one documented cause.
type recipe struct {
	cfg    sim.Config
	script []op
	params sim.Params // the expected params of the error
	state  string     // the state after the error
}

// The recipes' rooms have P2P off, so that the JVB session alone carries
// the media; P2P has tests of its own.
var (
	noP2P     = sim.Deployment{P2P: new(false)}
	twoParty  = sim.Config{Room: sim.Room{Occupants: 1}, Deployment: noP2P, Client: sim.Client{DisplayName: "Alice"}}
	lobbyRoom = sim.Config{Room: sim.Room{Occupants: 1, Lobby: true}, Deployment: noP2P, Client: sim.Client{DisplayName: "Alice"}}
)

func joined(extra ...op) []op {
	return append([]op{act(sim.ActionJoin), settled()}, extra...)
}

func before(id string) []op { return []op{fault(id), act(sim.ActionJoin)} }

func knocked(id string) []op {
	return []op{act(sim.ActionJoin), settled(), fault(id), act(sim.ActionKnock)}
}

var undef = sim.Value{}

func notAllowedParams(typ, txt string) sim.Params {
	return sim.Params{sim.P("type", sim.Str(typ)), sim.P("txt", sim.Str(txt))}
}

// recipes has one entry per documented cause.
var recipes = map[string]recipe{
	"auth-users-only": {twoParty, before("auth-users-only"), nil, "auth-required"},
	"token-missing":   {twoParty, before("token-missing"), nil, "auth-required"},
	"jwt-required":    {twoParty, before("jwt-required"), nil, "auth-required"},

	"chat-send-failed":     {twoParty, joined(fault("chat-send-failed"), act(sim.ActionSendChat)), sim.Params{sim.P("errorMsg", sim.Str(""))}, "joined/jvb:connected"},
	"muc-chat-error":       {twoParty, joined(fault("muc-chat-error"), act(sim.ActionSendChat)), sim.Params{sim.P("errorMsg", sim.Str("You are not allowed to send messages in this room"))}, "joined/jvb:connected"},
	"chat-message-invalid": {twoParty, joined(fault("chat-message-invalid"), act(sim.ActionSendChat)), sim.Params{sim.P("errorMsg", sim.Str("Message is too long"))}, "joined/jvb:connected"},

	"lobby-moderator-rejects": {lobbyRoom, knocked("lobby-moderator-rejects"), nil, "failed"},
	"lobby-access-denied":     {lobbyRoom, knocked("lobby-access-denied"), nil, "failed"},
	"lobby-access-rules":      {lobbyRoom, knocked("lobby-access-rules"), nil, "failed"},

	"all-participants-left":       {lobbyRoom, knocked("all-participants-left"), sim.Params{sim.P("reason", sim.Str("The meeting has ended"))}, "failed"},
	"conference-terminated":       {twoParty, joined(fault("conference-terminated")), sim.Params{sim.P("reason", sim.Str("The meeting has been terminated")), sim.P("alternateJid", sim.Nul())}, "failed/jvb:ended"},
	"server-destroyed-conference": {twoParty, joined(fault("server-destroyed-conference")), sim.Params{sim.P("reason", sim.Str("Reservation expired")), sim.P("alternateJid", sim.Nul())}, "failed/jvb:ended"},

	"room-at-capacity":  {twoParty, before("room-at-capacity"), sim.Params{sim.P("visitorsSupported", sim.Obj(sim.P("visitorsSupported", undef)))}, "join-failed"},
	"server-user-limit": {twoParty, before("server-user-limit"), sim.Params{sim.P("visitorsSupported", sim.Obj(sim.P("visitorsSupported", undef)))}, "join-failed"},

	"network-connectivity":    {twoParty, before("network-connectivity"), nil, "join-failed"},
	"xmpp-connection-problem": {twoParty, before("xmpp-connection-problem"), nil, "join-failed"},
	"transport-failure":       {twoParty, before("transport-failure"), nil, "join-failed"},

	"lobby-requires-display-name": {twoParty, before("lobby-requires-display-name"), sim.Params{sim.P("lobby", sim.Str("true"))}, "join-failed"},
	"display-name-mandatory":      {twoParty, before("display-name-mandatory"), sim.Params{sim.P("lobby", sim.Nul())}, "join-failed"},

	"jicofo-unavailable":    {twoParty, before("jicofo-unavailable"), sim.Params{sim.P("focus", sim.Str("focus.meet.example")), sim.P("retrySec", sim.Num(1))}, "failed"},
	"focus-connection-lost": {twoParty, before("focus-connection-lost"), sim.Params{sim.P("focus", sim.Str("focus.meet.example")), sim.P("retrySec", sim.Num(64))}, "failed"},
	"orchestration-failure": {twoParty, before("orchestration-failure"), sim.Params{sim.P("focus", sim.Str("focus.meet.example")), sim.P("retrySec", sim.Num(1))}, "failed"},

	"jicofo-left":              {twoParty, joined(fault("jicofo-left")), nil, "failed-in-room/jvb:connected"},
	"conference-shutting-down": {twoParty, joined(fault("conference-shutting-down")), nil, "failed-in-room/jvb:connected"},

	"server-maintenance":     {twoParty, before("server-maintenance"), nil, "failed"},
	"infrastructure-upgrade": {twoParty, before("infrastructure-upgrade"), nil, "failed"},
	"conference-migration":   {twoParty, before("conference-migration"), nil, "failed"},

	"peer-connection-failure": {twoParty, joined(fault("peer-connection-failure")), nil, "failed-in-room/jvb:failed"},
	"firewall-blocks-media":   {twoParty, before("firewall-blocks-media"), nil, "failed-in-room/jvb:failed"},
	"turn-unavailable":        {twoParty, before("turn-unavailable"), nil, "failed-in-room/jvb:failed"},
	"nat-traversal-failure":   {twoParty, before("nat-traversal-failure"), nil, "failed-in-room/jvb:failed"},

	"client-version-mismatch":       {twoParty, before("client-version-mismatch"), nil, "failed-in-room/jvb:connected"},
	"server-components-out-of-sync": {twoParty, joined(fault("server-components-out-of-sync")), nil, "failed-in-room/jvb:connected"},
	"major-version-mismatch":        {twoParty, before("major-version-mismatch"), nil, "failed-in-room/jvb:connected"},

	"members-only-room": {twoParty, before("members-only-room"), sim.Params{sim.P("lobbyRoomJid", sim.Str("lobby.room@lobby.meet.example")), sim.P("waitingForHost", sim.BoolV(false))}, "members-only"},
	"not-a-member":      {twoParty, before("not-a-member"), sim.Params{sim.P("lobbyRoomJid", undef), sim.P("waitingForHost", sim.BoolV(false))}, "members-only"},

	"authorization-failure":     {twoParty, before("authorization-failure"), notAllowedParams("general", ""), "join-failed"},
	"room-creation-restricted":  {twoParty, before("room-creation-restricted"), notAllowedParams("room-creation-restriction", "Room creation is restricted"), "join-failed"},
	"auth-requirements-not-met": {twoParty, before("auth-requirements-not-met"), notAllowedParams("authentication-required", ""), "join-failed"},
	"visitor-lobby-restricted":  {twoParty, before("visitor-lobby-restricted"), notAllowedParams("no-visitors-lobby", ""), "join-failed"},

	"sdp-negotiation-failure":   {twoParty, before("sdp-negotiation-failure"), sim.Params{sim.P("error", sim.RefV("DOMException", sim.P("name", sim.Str("InvalidAccessError")), sim.P("message", sim.Str("Failed to execute 'setRemoteDescription' on 'RTCPeerConnection': Failed to set remote offer sdp: Called with SDP without DTLS fingerprint."))))}, "failed-in-room/jvb:negotiating"},
	"codec-mismatch":            {twoParty, before("codec-mismatch"), sim.Params{sim.P("error", sim.RefV("Error", sim.P("message", sim.Str("createAnswer failed"))))}, "failed-in-room/jvb:negotiating"},
	"media-capability-mismatch": {twoParty, before("media-capability-mismatch"), sim.Params{sim.P("error", sim.Obj(sim.P("code", sim.Nul()), sim.P("msg", sim.Value{}), sim.P("reason", sim.Str("bad-request")), sim.P("session", sim.Value{})))}, "failed-in-room/jvb:negotiating"},

	"server-no-password-support": {twoParty, joined(fault("server-no-password-support"), op{in: sim.Input{Action: sim.ActionLock, Password: "pw"}}), nil, "joined/jvb:connected"},
	"password-config-prevented":  {twoParty, joined(fault("password-config-prevented"), op{in: sim.Input{Action: sim.ActionLock, Password: "pw"}}), nil, "joined/jvb:connected"},

	"room-password-protected": {twoParty, []op{fault("room-password-protected"), joinWith("s3cret")}, nil, "password-required"},
	"no-password-given":       {twoParty, before("no-password-given"), nil, "password-required"},

	"reservation-failed":         {twoParty, before("reservation-failed"), sim.Params{sim.P("errorCode", sim.Str("403")), sim.P("errorMsg", sim.Str("Reservation denied"))}, "join-failed"},
	"booking-system-unavailable": {twoParty, before("booking-system-unavailable"), sim.Params{sim.P("errorCode", sim.Str("500")), sim.P("errorMsg", sim.Str("Reservation API timed out"))}, "join-failed"},
	"reservation-conflict":       {twoParty, before("reservation-conflict"), sim.Params{sim.P("errorCode", sim.Str("409")), sim.P("errorMsg", sim.Str("Conflicting reservation"))}, "join-failed"},

	"invalid-settings":            {twoParty, joined(fault("invalid-settings")), sim.Params{sim.P("settingsErrorMsg", sim.Str("Invalid conference settings"))}, "joined/jvb:connected"},
	"settings-validation-failure": {twoParty, before("settings-validation-failure"), sim.Params{sim.P("settingsErrorMsg", sim.Str("Room configuration failed validation"))}, "joined/jvb:connected"},

	"bridges-at-capacity":  {twoParty, before("bridges-at-capacity"), nil, "failed-in-room"},
	"bridges-down":         {twoParty, joined(fault("bridges-down")), nil, "failed-in-room/jvb:connected"},
	"bridge-scaling-issue": {twoParty, before("bridge-scaling-issue"), nil, "failed-in-room"},
}

// TestEveryCauseReachesItsError drives every documented cause, in the
// documented profile, and checks that exactly its error surfaces, on the
// catalog's carrier, with the documented params, in one of its phases.
func TestEveryCauseReachesItsError(t *testing.T) {
	for _, e := range catalog.Errors() {
		for _, c := range e.Causes {
			t.Run(e.Name+"/"+c.ID, func(t *testing.T) {
				r, ok := recipes[c.ID]
				require.True(t, ok, "no recipe for cause %s", c.ID)
				s := drive(t, r.cfg, r.script...)
				errs := errorsOf(s)
				require.NotEmpty(t, errs, "trace:\n%s", dump(s))
				// Only recoverable errors (MEMBERS_ONLY_ERROR before a knock)
				// may come before the cause's error.
				for _, prior := range errs[:len(errs)-1] {
					require.True(t, prior.HasErr && catalog.Get(prior.Err).Recoverable, "trace:\n%s", dump(s))
				}
				got := errs[len(errs)-1]
				require.True(t, got.HasErr, "trace:\n%s", dump(s))
				assert.Equal(t, e.ID, got.Err)
				assert.Equal(t, e.Event, got.Event)
				assert.True(t, e.HasPhase(got.Phase), "phase %s not in %v", got.Phase, e.Phases)
				assert.Equal(t, r.params, got.Params)
				var names []string
				for _, p := range got.Params {
					names = append(names, p.Name)
				}
				var want []string
				for _, p := range e.Params {
					want = append(want, p.Name)
				}
				if len(want) > 0 || len(names) > 0 {
					if e.ID != catalog.ConferenceDestroyed || len(names) != 1 { // the lobby relays the reason only
						assert.Equal(t, want, names, "param names")
					}
				}
				assert.Equal(t, r.state, s.State().String(), "trace:\n%s", dump(s))
			})
		}
	}
}

// TestRecipesAreCauses keeps the recipe table and the catalog in step.
func TestRecipesAreCauses(t *testing.T) {
	for id := range recipes {
		_, _, ok := catalog.CauseByID(id)
		assert.True(t, ok, "recipe for unknown cause %s", id)
	}
}

// TestEveryAuthErrorTypeReachable reaches NOT_ALLOWED_ERROR with each of the
// six AUTH_ERROR_TYPES.
func TestEveryAuthErrorTypeReachable(t *testing.T) {
	for _, at := range catalog.AuthTypes() {
		t.Run(at.Name, func(t *testing.T) {
			var s *sim.Sim
			switch at.Type {
			case catalog.AuthRoomCreationRestriction:
				s = drive(t, twoParty, before("room-creation-restricted")...)
			default:
				s = drive(t, twoParty, notAllowed(at.Value), act(sim.ActionJoin))
			}
			errs := errorsOf(s)
			require.Len(t, errs, 1, dump(s))
			assert.Equal(t, catalog.NotAllowedError, errs[0].Err)
			assert.Equal(t, sim.Str(at.Value), errs[0].Params[0].Value)
		})
	}
}

// deadCauses are the causes of the three errors the pinned library never
// emits, with what the library does instead.
func TestPinnedProfileNeverEmitsDeadErrors(t *testing.T) {
	pinned := func(c sim.Config) sim.Config { c.Profile = sim.ProfileLibJitsiMeet; return c }
	for _, id := range []catalog.ID{catalog.FocusDisconnected, catalog.GracefulShutdown, catalog.IncompatibleServerVersions} {
		e := catalog.Get(id)
		require.False(t, e.EmittedByLib)
		for _, c := range e.Causes {
			t.Run(e.Name+"/"+c.ID, func(t *testing.T) {
				r := recipes[c.ID]
				s := drive(t, pinned(r.cfg), r.script...)
				for _, rec := range s.Records() {
					assert.False(t, rec.HasErr, "unexpected %s:\n%s", rec.ErrorValue(), dump(s))
				}
				switch id {
				case catalog.IncompatibleServerVersions:
					// Nothing checks the versions: the call goes on.
					assert.Equal(t, "joined/jvb:connected", s.State().String())
				default:
					errs := errorsOf(s)
					require.Len(t, errs, 1, dump(s))
					assert.Equal(t, catalog.ConnectionFailed, errs[0].Event)
					assert.Equal(t, catalog.ConferenceRequestFailed, errs[0].ConnErr)
					assert.Equal(t, "join-failed", s.State().String())
				}
			})
		}
	}
}

// TestPinnedProfileKeepsLiveErrors: every other cause ends the same way in
// both profiles.
func TestPinnedProfileKeepsLiveErrors(t *testing.T) {
	for _, e := range catalog.Errors() {
		if !e.EmittedByLib {
			continue
		}
		for _, c := range e.Causes {
			r := recipes[c.ID]
			doc := drive(t, r.cfg, r.script...)
			cfg := r.cfg
			cfg.Profile = sim.ProfileLibJitsiMeet
			lib := drive(t, cfg, r.script...)
			assert.Equal(t, dump(doc), dump(lib), c.ID)
		}
	}
}

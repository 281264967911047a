package sim_test

import (
	"path/filepath"
	"testing"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
	"github.com/stretchr/testify/require"
)

// TestRecordArgsFollowTheCatalog runs every bundled scenario and checks each
// record's positional arguments against the catalog's list for its event:
// every emitted event has a list, the count matches (the error value and
// the error's params for the events that carry an error), and the library's
// objects are placeholders of the documented class.
func TestRecordArgsFollowTheCatalog(t *testing.T) {
	files, err := scenario.Expand([]string{filepath.Join("..", "scenarios")})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	seen := map[catalog.Event]bool{}
	for _, f := range files {
		sc, err := scenario.Load(f)
		require.NoError(t, err, f)
		res := scenario.Run(sc, scenario.Options{})
		for _, r := range res.Records {
			seen[r.Event] = true
			spec, ok := catalog.ArgsIn(r.Event, string(sc.Config.Profile))
			require.True(t, ok, "%s: %s has no argument list in the catalog", f, r.Event)
			want := spec.Args
			if spec.ErrorFirst {
				want = append([]catalog.Arg{{Name: "error", Type: "string"}}, paramsOf(r, sc.Config.Profile)...)
			}
			require.Len(t, r.Args, len(want), "%s: %s", f, r.String())
			for _, a := range want {
				require.NotContains(t, a.Name, "not in the catalog", "%s: %s", f, r.String())
			}
			for i, a := range want {
				checkArg(t, f, &r, a, r.Args[i])
			}
		}
	}
	require.True(t, seen[catalog.P2PStatus] && seen[catalog.Kicked] && seen[catalog.MediaSessionStarted], "the bundled scenarios cover the events with objects")
}

func paramsOf(r sim.Record, profile sim.Profile) []catalog.Arg {
	var out []catalog.Arg
	if r.HasErr {
		// The error's params, or a prefix of them: the library passes
		// fewer on some paths (the lobby relays MUC_DESTROYED with the
		// reason only, Lobby.js).
		ps := catalog.Get(r.Err).Params
		if profile == sim.ProfileLibJitsiMeet2021 {
			ps = catalog.ParamsAt2021(r.Err)
		}
		for i, p := range r.Params {
			if i < len(ps) && ps[i].Name == p.Name {
				out = append(out, catalog.Arg{Name: ps[i].Name, Type: ps[i].Type})
			} else {
				out = append(out, catalog.Arg{Name: "not in the catalog: " + p.Name})
			}
		}
		return out
	}
	for _, p := range r.Params {
		out = append(out, catalog.Arg{Name: p.Name})
	}
	return out
}

func checkArg(t *testing.T, file string, r *sim.Record, a catalog.Arg, v sim.Value) {
	t.Helper()
	switch a.Type {
	case "JitsiParticipant", "JitsiConference", "JingleSessionPC", "Error":
		require.Equal(t, sim.Ref, v.Kind, "%s: %s argument %s", file, r.String(), a.Name)
		require.Equal(t, a.Type, v.Str, "%s: %s argument %s", file, r.String(), a.Name)
	case "JitsiParticipant|undefined":
		if v.Kind != sim.Undefined {
			require.Equal(t, "JitsiParticipant", v.Str, "%s: %s argument %s", file, r.String(), a.Name)
		}
	case "object":
		require.Contains(t, []sim.Kind{sim.Object, sim.Ref}, v.Kind, "%s: %s argument %s", file, r.String(), a.Name)
	case "boolean":
		require.Equal(t, sim.Bool, v.Kind, "%s: %s argument %s", file, r.String(), a.Name)
	case "number":
		require.Equal(t, sim.Number, v.Kind, "%s: %s argument %s", file, r.String(), a.Name)
	}
}

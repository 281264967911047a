package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadKnown(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "known.txt")
	require.NoError(t, os.WriteFile(good, []byte("# why these differ\n\nroom-creation-restricted: the jitter is random in both\nlobby [race]: two round trips\nresume [random]: jitter\n"), 0o644))
	k, err := readKnown(good)
	require.NoError(t, err)
	assert.Equal(t, map[string]knownDifference{
		"room-creation-restricted": {"the jitter is random in both", ""},
		"lobby":                    {"two round trips", "race"},
		"resume":                   {"jitter", "random"},
	}, k)

	for name, text := range map[string]string{
		"no-reason": "a:\n",
		"no-colon":  "just a name\n",
		"twice":     "a: x\na: y\n",
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		_, err := readKnown(p)
		assert.Error(t, err, name)
		assert.Contains(t, err.Error(), p+":", name)
	}
	_, err = readKnown(filepath.Join(dir, "missing.txt"))
	assert.Error(t, err, "a --known file that does not exist is an error")
}

func TestWriteTableKeepsFirstLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.md")
	scs := []*scenario.Scenario{{Name: "a", File: "scenarios/a.yaml"}, {Name: "b", File: "scenarios/b.yaml"}}
	require.NoError(t, writeTable(p, sim.ProfileLibJitsiMeet, scs, []verdict{{verdictAgrees, "agrees"}, {verdictDiffers, "differs: x | y\n    model: ..."}}))
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Contains(t, string(data), "| a | `scenarios/a.yaml` | agrees |\n")
	assert.Contains(t, string(data), "| b | `scenarios/b.yaml` | differs: x \\| y |\n")
	assert.NotContains(t, string(data), "model:")
}

// The committed table covers every bundled scenario, once, in order, and
// every known difference names a bundled scenario: the table is
// regenerated whenever a scenario is added (the CI's conformance step
// compares it with a fresh one).
func TestConformanceTableCoversTheScenarios(t *testing.T) {
	files, err := scenario.Expand([]string{filepath.Join("..", "..", "scenarios")})
	require.NoError(t, err)
	var want []string
	names := map[string]bool{}
	for _, f := range files {
		sc, err := scenario.Load(f)
		require.NoError(t, err)
		rel, err := filepath.Rel(filepath.Join("..", ".."), f)
		require.NoError(t, err)
		want = append(want, sc.Name+" | `"+filepath.ToSlash(rel)+"`")
		names[sc.Name] = true
	}
	for _, tk := range [][2]string{{"conformance.md", "known-differences.txt"}, {"conformance-2021.md", "known-differences-2021.txt"}} {
		data, err := os.ReadFile(filepath.Join("..", "..", "docs", tk[0]))
		require.NoError(t, err, "docs/%s: generate it with simulate conformance --table", tk[0])
		var got []string
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| scenario ") && !strings.HasPrefix(line, "| ---") {
				cells := strings.SplitN(strings.TrimPrefix(line, "| "), " | ", 3)
				require.Len(t, cells, 3, line)
				got = append(got, cells[0]+" | "+cells[1])
			}
		}
		assert.Equal(t, want, got, "docs/%s is stale: regenerate it", tk[0])

		known, err := readKnown(filepath.Join("..", "..", "conformance", tk[1]))
		require.NoError(t, err)
		for name := range known {
			assert.True(t, names[name], "conformance/%s names %q, which is not a bundled scenario", tk[1], name)
		}
	}
}

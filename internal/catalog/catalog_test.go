package catalog_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jitsi-sim/confsim/internal/catalog"
)

// seedError is one entry of the documented error list (testdata/seed.txt).
type seedError struct {
	name, value string
	bullets     int
}

func readSeed(t *testing.T) []seedError {
	data, err := os.ReadFile("testdata/seed.txt")
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	var out []seedError
	inBullets := false
	for i, l := range lines {
		if strings.HasPrefix(l, "Value:") {
			out = append(out, seedError{name: strings.TrimSpace(lines[i-1]), value: strings.TrimPrefix(l, "Value:")})
			inBullets = false
			continue
		}
		if l == "When it occurs:" {
			inBullets = true
			continue
		}
		if inBullets && strings.HasPrefix(l, "- ") && len(out) > 0 {
			out[len(out)-1].bullets++
		} else {
			inBullets = false
		}
	}
	return out
}

// TestCatalogMatchesSeed: the 20 errors of the documented list, in its
// order, with its values, and one cause per "When it occurs" bullet.
func TestCatalogMatchesSeed(t *testing.T) {
	seed := readSeed(t)
	require.Len(t, seed, 20)
	errs := catalog.Errors()
	require.Len(t, errs, catalog.NumErrors)
	for i, s := range seed {
		e := errs[i]
		assert.Equal(t, s.name, e.Name)
		assert.Equal(t, s.value, e.Value)
		assert.Equal(t, catalog.ID(i), e.ID)
		assert.Len(t, e.Causes, s.bullets, "causes of %s", e.Name)
	}
}

// refRow is one row of the reference's error table.
type refRow struct {
	value, carrier, classification string
}

func readReference(t *testing.T) (map[string]refRow, map[string]string) {
	data, err := os.ReadFile("testdata/jitsi-errors.md")
	require.NoError(t, err)
	rows := map[string]refRow{}
	auth := map[string]string{}
	name := regexp.MustCompile("^[A-Z_]+$")
	section := ""
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "## ") {
			section = l
		}
		cells := strings.Split(l, "|")
		if len(cells) < 4 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !name.MatchString(cells[1]) {
			continue
		}
		value := strings.Trim(cells[2], "`")
		if len(cells) >= 10 { // the error table
			rows[cells[1]] = refRow{value: value, carrier: cells[3], classification: cells[7]}
		} else if strings.HasPrefix(section, "## AUTH_ERROR_TYPES") {
			auth[cells[1]] = strings.Trim(strings.Fields(value)[0], "`")
		}
	}
	return rows, auth
}

// TestCatalogMatchesReference checks every error against the reference's
// table: value, carrier, the fatal set, what is recoverable, and what the
// pinned library still emits.
func TestCatalogMatchesReference(t *testing.T) {
	rows, auth := readReference(t)
	require.Len(t, rows, 20)
	for _, e := range catalog.Errors() {
		r, ok := rows[e.Name]
		require.True(t, ok, e.Name)
		assert.Equal(t, r.value, e.Value, e.Name)
		switch {
		case strings.Contains(r.carrier, "no event"):
			assert.Equal(t, catalog.LockRejected, e.Event, e.Name)
		case strings.Contains(r.carrier, "conference.error"):
			assert.Equal(t, catalog.ConferenceError, e.Event, e.Name)
		default:
			assert.Equal(t, catalog.ConferenceFailed, e.Event, e.Name)
		}
		assert.Equal(t, strings.Contains(r.carrier, "never emitted"), !e.EmittedByLib, e.Name)
		assert.Equal(t, strings.Contains(r.classification, "**fatal**"), e.Fatal, e.Name)
		assert.Equal(t, strings.Contains(r.classification, "recoverable=true"), e.Recoverable, e.Name)
	}
	require.Len(t, auth, catalog.NumAuthErrorTypes)
	for _, a := range catalog.AuthTypes() {
		assert.Equal(t, auth[a.Name], a.Value, a.Name)
	}
}

// The fatal set is exactly isFatalJitsiConferenceError's.
func TestFatalSet(t *testing.T) {
	var fatal []string
	for _, e := range catalog.Errors() {
		if e.Fatal {
			fatal = append(fatal, e.Name)
		}
	}
	assert.Equal(t, []string{"FOCUS_DISCONNECTED", "FOCUS_LEFT", "ICE_FAILED", "OFFER_ANSWER_FAILED", "VIDEOBRIDGE_NOT_AVAILABLE"}, fatal)
}

func TestCauseIDsAreUniqueAndStable(t *testing.T) {
	seen := map[string]bool{}
	id := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, e := range catalog.Errors() {
		require.NotEmpty(t, e.Phases, e.Name)
		for _, c := range e.Causes {
			assert.False(t, seen[c.ID], "duplicate cause %s", c.ID)
			seen[c.ID] = true
			assert.Regexp(t, id, c.ID)
			assert.NotEmpty(t, c.Text)
			assert.NotEmpty(t, c.Signal)
			got, cause, ok := catalog.CauseByID(c.ID)
			require.True(t, ok)
			assert.Equal(t, e.ID, got.ID)
			assert.Equal(t, c.ID, cause.ID)
		}
	}
}

func TestLookups(t *testing.T) {
	e, ok := catalog.ByValue("conference.passwordRequired")
	require.True(t, ok)
	assert.Equal(t, catalog.PasswordRequired, e.ID)
	e, ok = catalog.ByName("ICE_FAILED")
	require.True(t, ok)
	assert.Equal(t, "conference.iceFailed", e.ID.String())
	_, ok = catalog.ByValue("conference.nope")
	assert.False(t, ok)
	at, ok := catalog.AuthTypeByValue("authentication-required")
	require.True(t, ok)
	assert.Equal(t, "ROOM_UNAUTHENTICATED_ACCESS_DISABLED", at.Name)
	assert.False(t, catalog.ID(200).Valid())
	assert.Contains(t, catalog.ID(200).String(), "200")
}

// Every JitsiConnectionErrors value has a catalog entry, in the enum's
// order, with causes, and the carrier event.
func TestConnErrorEntriesCoverEveryValue(t *testing.T) {
	entries := catalog.ConnErrorEntries()
	if len(entries) != len(catalog.ConnErrors()) {
		t.Fatalf("%d entries for %d connection errors", len(entries), len(catalog.ConnErrors()))
	}
	seen := map[catalog.ConnError]bool{}
	for i, e := range entries {
		seen[e.Value] = true
		if i > 0 && entries[i-1].Name >= e.Name {
			t.Errorf("%s after %s: want the enum's (alphabetical) order", e.Name, entries[i-1].Name)
		}
		if e.Event != catalog.ConnectionFailed {
			t.Errorf("%s: carried by %s, want %s", e.Name, e.Event, catalog.ConnectionFailed)
		}
		if len(e.Causes) == 0 || e.Description == "" || e.AppReaction == "" {
			t.Errorf("%s: want causes, a description and the app's reaction", e.Name)
		}
		if got, ok := catalog.ConnErrorByValue(string(e.Value)); !ok || got.Name != e.Name {
			t.Errorf("catalog.ConnErrorByValue(%s) = %v, %v", e.Value, got, ok)
		}
		if got, ok := catalog.ConnErrorByName(e.Name); !ok || got.Value != e.Value {
			t.Errorf("catalog.ConnErrorByName(%s) = %v, %v", e.Name, got, ok)
		}
		for _, c := range e.Causes {
			found := false
			for _, x := range catalog.ConnErrorsOfCause(c.ID) {
				found = found || x.Value == e.Value
			}
			if !found {
				t.Errorf("%s: cause %s does not lead back to it", e.Name, c.ID)
			}
		}
	}
	for _, c := range catalog.ConnErrors() {
		if !seen[c] {
			t.Errorf("%s has no entry", c)
		}
	}
}

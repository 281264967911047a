//go:build !js

package xmpp

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A conference request over HTTP (conferenceRequestUrl) is answered as
// Moderator._handleSuccess and _handleError read it: JSON on success, 403
// when jicofo wants authentication, 400 "invalid-session" for a session it
// no longer knows.
func TestConferenceRequestOverHTTP(t *testing.T) {
	post := func(cfg sim.Config, faults ...string) (int, string) {
		e, err := New(Options{Config: cfg})
		require.NoError(t, err)
		defer e.Close()
		for _, f := range faults {
			_, err := e.Control(ControlRequest{Op: "fault", Fault: f})
			require.NoError(t, err)
		}
		resp, err := http.Post(e.ConferenceRequestURL(), "application/json",
			strings.NewReader(`{"room":"room@conference.meet.example","properties":{}}`))
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	code, body := post(sim.Config{Deployment: sim.Deployment{ConferenceRequestHTTP: true}})
	require.Equal(t, http.StatusOK, code, body)
	var ok struct {
		Ready      bool              `json:"ready"`
		FocusJid   string            `json:"focusJid"`
		Properties map[string]string `json:"properties"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ok))
	assert.True(t, ok.Ready)
	assert.Equal(t, sim.FocusJid, ok.FocusJid)
	assert.Equal(t, "false", ok.Properties["authentication"])
	assert.NotContains(t, body, "identity", "no identity without a login: the JSON leaves it out")

	code, _ = post(sim.Config{}, "jwt-required")
	assert.Equal(t, http.StatusForbidden, code)

	code, body = post(sim.Config{Deployment: sim.Deployment{ConferenceRequestHTTP: true}}, "focus-connection-lost")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Greater(t, strings.Index(body, "400 invalid-session"), 0, "Moderator wants it after the start: %q", body)

	e, err := New(Options{})
	require.NoError(t, err)
	defer e.Close()
	resp, err := http.Post(e.ConferenceRequestURL(), "application/json", strings.NewReader(`not json`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

package catalog

// ConnErrorEntry is one member of JitsiConnectionErrors: what it means, the
// arguments that follow it on connection.connectionFailed, what brings it
// about, and what jitsi-meet does with it. The library's reading is in
// docs/connection-layer.md.
type ConnErrorEntry struct {
	Name  string    `json:"name"`
	Value ConnError `json:"value"`
	// Event is the event that carries it: always connection.connectionFailed.
	Event Event `json:"event"`
	// Params follow the error value, in order; an emitter may pass fewer
	// (ParamsNote says when).
	Params     []Param `json:"params"`
	ParamsNote string  `json:"params_note,omitempty"`
	// EmittedByLib says whether lib-jitsi-meet 01daa07c3f8c emits it.
	EmittedByLib bool   `json:"emitted_by_lib"`
	Description  string `json:"description"`
	AppReaction  string `json:"app_reaction"`
	// Causes are the faults (signals or documented causes) that reach it;
	// Text says under which configuration.
	Causes []Cause `json:"causes"`
}

// The arguments XMPP.connectionHandler passes after the error value.
var connHandlerParams = []Param{
	{Name: "msg", Type: "string|undefined", Doc: "Strophe's condition for the status, or the last CONNFAIL or ERROR message (XMPP._lastErrorMsg)"},
	{Name: "credentials", Type: "undefined", Doc: "always undefined here"},
	{Name: "details", Type: "object", Doc: "_getConnectionFailedReasonDetails: shard_changed (BOSH with deploymentInfo.shard only), suspend_time, time_since_last_success (ms since the last stanza while connected, null before any)"},
}

// connErrors lists JitsiConnectionErrors in the order of the enum.
var connErrors = []ConnErrorEntry{
	{
		Name: "CONFERENCE_REQUEST_FAILED", Value: ConferenceRequestFailed, Event: ConnectionFailed, Params: noParams,
		EmittedByLib: true,
		Description:  "Moderator gave up on the conference request: the focus refused it with an error it does not retry, or kept answering session-invalid. The XMPP connection stays up; no conference.failed follows.",
		AppReaction:  "A sticky connectionFailed notification with a \"Rejoin now\" button (reloadNow).",
		Causes: []Cause{
			{ID: "jicofo-unavailable", Text: "Profile lib-jitsi-meet (the documented profile raises FOCUS_DISCONNECTED instead).", Signal: "focus IQ error <service-unavailable/>"},
			{ID: "orchestration-failure", Text: "Profile lib-jitsi-meet.", Signal: "focus IQ error <internal-server-error/>"},
			{ID: "focus-connection-lost", Text: "Profile lib-jitsi-meet: after the session-invalid retries (1, 2, 4 ... 32 s).", Signal: "focus IQ error <not-acceptable/><session-invalid/>"},
			{ID: "server-maintenance", Text: "Profile lib-jitsi-meet (the documented profile raises GRACEFUL_SHUTDOWN instead).", Signal: "focus IQ error with <graceful-shutdown/>"},
		},
	},
	{
		Name: "CONNECTION_DROPPED_ERROR", Value: ConnectionDroppedError, Event: ConnectionFailed, Params: connHandlerParams,
		EmittedByLib: true,
		Description:  "The XMPP connection ended without the application asking, with no CONNFAIL and no 5xx before it: a WebSocket closed without <close/> (msg connection-dropped-error), a stream error (msg: its condition), a refused resumption (item-not-found), or the disconnect that follows a SASL failure.",
		AppReaction:  "Fatal: the reload overlay with a \"Rejoin now\" button. jitsi-meet stops listening after the first connection failure, so a second one (after passwordRequired) goes unseen.",
		Causes: []Cause{
			{ID: "connection-dropped", Text: "Without deployment.stream_management (with it the stream is resumed and nothing is reported).", Signal: "the WebSocket closes without <close/>"},
			{ID: "server-shutdown", Text: "Over a WebSocket, with or without stream management (a stream error leaves no token).", Signal: "stream error <system-shutdown/>, then the socket closes"},
			{ID: "prosody-restart", Text: "With stream management: the resumption is refused, msg item-not-found; without it, as connection-dropped.", Signal: "the socket closes without <close/>; <resume/> is answered <failed><item-not-found/></failed>"},
			{ID: "login-refused", Text: "Right after connection.passwordRequired: XmppConnection.disconnect() is not an intentional XMPP.disconnect().", Signal: "SASL <failure><not-authorized/></failure>"},
			{ID: "xmpp-unreachable", Text: "Once connected, over a WebSocket without stream management (the socket just goes), or over BOSH (requests with no answer, status 0, until Strophe ends the session).", Signal: "the socket closes without <close/>; BOSH requests fail with status 0"},
			{ID: "xmpp-server-error", Text: "Once connected, over a WebSocket without stream management.", Signal: "the socket closes without <close/>"},
		},
	},
	{
		Name: "NOT_LIVE_ERROR", Value: NotLiveError, Event: ConnectionFailed, Params: noParams,
		EmittedByLib: true,
		Description:  "The conference answer says live=false: visitors wait until the meeting starts.",
		AppReaction:  "The visitors queue (web) or visitorsQueue screen (native).",
		Causes: []Cause{
			{ID: "visitors-queue", Text: "Any profile.", Signal: "conference IQ result with live=false"},
		},
	},
	{
		Name: "OTHER_ERROR", Value: OtherError, Event: ConnectionFailed, Params: connHandlerParams,
		ParamsNote:   "CONNFAIL giving-up passes only msg ('giving-up'); the shard-change listener passes msg and credentials undefined and its own details {shard_changed: true, suspend_time, time_since_last_success}.",
		EmittedByLib: true,
		Description:  "A connection failure after a CONNFAIL (a socket that cannot open, BOSH giving up, a BOSH terminate body), or a shard change seen by the WebSocket keep-alive.",
		AppReaction:  "Fatal: the reload overlay with a \"Rejoin now\" button; for shard_changed, a reload that reaches the new shard.",
		Causes: []Cause{
			{ID: "xmpp-unreachable", Text: "Over a WebSocket: at once when connecting, and once connected with stream management after two silent resumptions (a socket that does not open counts two disconnections), reported twice; without it the drop is connection.droppedError. Over BOSH while connecting: giving-up after 8 s and 27 s back-offs.", Signal: "the WebSocket does not open (CONNFAIL); BOSH requests get no answer"},
			{ID: "xmpp-server-error", Text: "Over a WebSocket when connecting, or once connected with stream management (the resumptions' sockets fail); over BOSH while connecting (giving-up).", Signal: "HTTP 503 from the front"},
			{ID: "shard-changed", Text: "With deployment.shard, at the next WebSocket keep-alive (5 s after connecting, then every 60-120 s).", Signal: "keep-alive answer with another x-jitsi-shard"},
			{ID: "server-shutdown", Text: "Over BOSH: the terminate body is a CONNFAIL with its condition.", Signal: "BOSH body type='terminate' condition='system-shutdown'"},
		},
	},
	{
		Name: "PASSWORD_REQUIRED", Value: ConnectionPasswordRequired, Event: ConnectionFailed,
		Params: []Param{
			{Name: "msg", Type: "string|null", Doc: "the <text> of a SASL <failure><not-allowed/><text>, else null"},
			{Name: "credentials", Type: "object", Doc: "{jid, password} as given to connect()"},
		},
		ParamsNote:   "An anonymous connection refused (x-strophe-bad-non-anon-jid) passes no arguments after the value.",
		EmittedByLib: true,
		Description:  "The XMPP login failed: the credentials were refused (AUTHFAIL), or the domain offers no anonymous login to a client without credentials.",
		AppReaction:  "The login dialog, or a redirect to the token URL.",
		Causes: []Cause{
			{ID: "login-refused", Text: "With client.logged_in (connect with id and password); connection.droppedError follows.", Signal: "SASL <failure><not-authorized/></failure>"},
			{ID: "anonymous-login-disabled", Text: "A client without credentials.", Signal: "stream features without SASL ANONYMOUS"},
		},
	},
	{
		Name: "SERVER_ERROR", Value: ServerError, Event: ConnectionFailed, Params: connHandlerParams,
		EmittedByLib: true,
		Description:  "The connection ended unasked after a BOSH request failed with a 5xx status (Strophe.getLastErrorStatus, which only BOSH's log sets): msg server-error. Over a WebSocket it cannot happen.",
		AppReaction:  "Fatal: the reload overlay with a \"Rejoin now\" button.",
		Causes: []Cause{
			{ID: "xmpp-server-error", Text: "Over BOSH once connected: after the fifth failed request in a row (the held poll, its retries at once, after 8 s and 27 s, a fresh poll).", Signal: "HTTP 503 to every BOSH request"},
		},
	},
	{
		Name: "SHARD_CHANGED_ERROR", Value: ShardChangedError, Event: ConnectionFailed, Params: noParams,
		EmittedByLib: true,
		Description:  "The WebSocket keep-alive saw another shard and the application asked for a graceful reconnect (testing.enableGracefulReconnect).",
		AppReaction:  "A graceful reconnect where the app supports it.",
		Causes: []Cause{
			{ID: "shard-changed", Text: "With deployment.shard and client.graceful_reconnect.", Signal: "keep-alive answer with another x-jitsi-shard"},
		},
	},
}

// ConnErrorEntries returns the connection errors in the enum's order. The
// slice is shared: do not modify it.
func ConnErrorEntries() []ConnErrorEntry { return connErrors }

// ConnErrorByValue finds a connection error by its value.
func ConnErrorByValue(v string) (*ConnErrorEntry, bool) {
	for i := range connErrors {
		if string(connErrors[i].Value) == v {
			return &connErrors[i], true
		}
	}
	return nil, false
}

// ConnErrorByName finds a connection error by its constant name.
func ConnErrorByName(name string) (*ConnErrorEntry, bool) {
	for i := range connErrors {
		if connErrors[i].Name == name {
			return &connErrors[i], true
		}
	}
	return nil, false
}

// ConnErrorsOfCause lists the connection errors a fault may end in.
func ConnErrorsOfCause(id string) []*ConnErrorEntry {
	var out []*ConnErrorEntry
	for i := range connErrors {
		for _, c := range connErrors[i].Causes {
			if c.ID == id {
				out = append(out, &connErrors[i])
				break
			}
		}
	}
	return out
}

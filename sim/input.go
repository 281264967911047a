package sim

// Action is something the application (or another participant) does.
type Action string

// The actions. The first group is what the local application calls on
// lib-jitsi-meet; the second is what a moderator in the room does.
const (
	ActionJoin     Action = "join"      // conference.join(password); connects first when needed
	ActionLeave    Action = "leave"     // conference.leave()
	ActionKnock    Action = "knock"     // conference.joinLobby(displayName)
	ActionLogin    Action = "login"     // authenticateAndUpgradeRole, then a new conference request
	ActionLock     Action = "lock"      // conference.lock(password)
	ActionUnlock   Action = "unlock"    // conference.lock('')
	ActionSendChat Action = "send-chat" // conference.sendMessage(text)
	// ActionSetDisplayName is conference.setDisplayName(text): the next
	// join presence carries it as our nick.
	ActionSetDisplayName Action = "set-display-name"

	ActionApprove Action = "approve" // a moderator lets us in from the lobby
	ActionDeny    Action = "deny"    // a moderator rejects us in the lobby
	ActionKick    Action = "kick"    // a moderator kicks us
	ActionDestroy Action = "destroy" // a moderator ends the meeting for everyone
)

// Moderator says whether a is a moderator's action, which the server side
// performs, rather than the application's.
func (a Action) Moderator() bool {
	switch a {
	case ActionApprove, ActionDeny, ActionKick, ActionDestroy:
		return true
	}
	return false
}

// Actions lists every action in a stable order.
var Actions = []Action{ActionJoin, ActionLeave, ActionKnock, ActionLogin, ActionLock, ActionUnlock,
	ActionSendChat, ActionSetDisplayName, ActionApprove, ActionDeny, ActionKick, ActionDestroy}

// Input is one thing that happens to the model at the current virtual time:
// exactly one of Action or Fault is set.
type Input struct {
	Action Action `json:"action,omitempty"`
	// Fault is a documented cause id (see the catalog) or a signal id (see
	// Signals).
	Fault string `json:"fault,omitempty"`
	// Password is the password of join or lock.
	Password string `json:"password,omitempty"`
	// Text is the chat text of send-chat, or the reason of kick and destroy.
	Text string `json:"text,omitempty"`
	// Reason is the AUTH_ERROR_TYPES value for the authorization-failure
	// cause (general when empty).
	Reason string `json:"reason,omitempty"`
}

func (in Input) String() string {
	if in.Fault != "" {
		if in.Reason != "" {
			return "fault " + in.Fault + " (" + in.Reason + ")"
		}
		return "fault " + in.Fault
	}
	return string(in.Action)
}

// Signal is a wire-level fault that is not a documented cause of an error:
// the things a test needs to exercise recoveries and non-error paths.
type Signal struct {
	ID   string
	Text string
}

// Signals lists the wire-level faults, sorted by id.
var Signals = []Signal{
	{"anonymous-login-disabled", "The XMPP domain stops offering SASL ANONYMOUS: a client without credentials cannot log in (connection.passwordRequired)."},
	{"bridge-no-candidates", "The bridge's next offers carry no ICE candidate (a bridge that cannot tell its address): the browser has no pair to check, so ICE never starts. Nothing follows: no conference.connectionEstablished, no interruption, no ICE_FAILED; the media stays silent and the library waits."},
	{"connection-dropped", "The XMPP WebSocket closes without <close/> (connection.droppedError; with deployment.stream_management the library resumes the stream instead, silently)."},
	{"device-suspend", "The machine sleeps and the browser closes the JVB peer connection: JingleSessionPC sees its signalling state closed, and the library leaves by itself and emits conference.suspendDetected."},
	{"focus-recovers", "Jicofo answers conference requests again: the refusal armed by jicofo-unavailable, orchestration-failure, focus-connection-lost or a graceful shutdown is lifted, and the next request succeeds."},
	{"focus-not-ready", "Jicofo answers the next conference request with ready=false; the library retries with its back-off."},
	{"focus-silent", "Jicofo never answers the conference request. Moderator sends it without a timeout, so the library waits for ever: no event, no error."},
	{"ice-interruption", "The network drops the JVB session's packets for 10 s: the browser notices 6 s into the cut (ICE disconnected, conference.connectionInterrupted) and ICE reconnects within 0.2 s of the packets flowing again."},
	{"ice-transient-failure", "The JVB ICE connection fails once; the library's restart recovers it."},
	{"lobby-disabled", "A moderator turns the lobby off while we wait in it: the lobby is destroyed with the main room as alternate jid."},
	{"login-refused", "The XMPP server refuses the client's credentials (client.logged_in): SASL <failure><not-authorized/> (connection.passwordRequired, then connection.droppedError)."},
	{"owner-arrives", "An authenticated owner creates the room (it now exists) and joins it."},
	{"p2p-ice-failure", "The P2P ICE connection fails; the library falls back to JVB without an error."},
	{"p2p-negotiation-failure", "The P2P offer/answer fails (setAnswer rejects); unlike a P2P ICE failure this is fatal."},
	{"participant-joins", "Another participant joins the room."},
	{"participant-leaves", "Another participant leaves the room."},
	{"prosody-restart", "Prosody crashes and comes back: the socket closes without <close/> and the sessions it held are gone, so a stream resumption is refused with item-not-found (connection.droppedError)."},
	{"server-shutdown", "Prosody shuts down: stream error <system-shutdown/> (over BOSH a terminate body), which leaves no stream to resume (connection.droppedError, over BOSH connection.otherError)."},
	{"session-accept-unanswered", "Jicofo never answers our session-accept; the library's 10 s IQ timeout fails the offer/answer (OFFER_ANSWER_FAILED, reason timeout)."},
	{"restart-terminate-error", "Jicofo answers the ICE-restart session-terminate with an IQ error, resource-constraint as when it rate-limits restart requests (IceFailedHandling only: with enableIceRestart the restart is in place and sends no session-terminate)."},
	{"shard-changed", "The proxy now sends the client's traffic to another shard: with deployment.shard, the next WebSocket keep-alive sees another x-jitsi-shard (connection.otherError with details.shard_changed)."},
	{"visitors-queue", "Jicofo answers the conference request with live=false (visitors wait for the meeting to start)."},
	{"visitors-redirect", "Jicofo answers the conference request with a visitor node (vnode) to move to."},
	{"xmpp-ping-unanswered", "The server stops answering XMPP pings. IceFailedHandling pings before it restarts a failed JVB session; when the ping fails nothing follows: no restart, no ICE_FAILED, the media just stays down."},
	{"xmpp-server-error", "Prosody goes down behind the HTTP front, which answers 503: the WebSocket drops and cannot reopen (connection.otherError); over BOSH the requests fail with 503 until Strophe gives up (connection.serverError, or connection.otherError giving-up while connecting)."},
	{"xmpp-unreachable", "The XMPP server cannot be reached any more: the WebSocket drops and no new one opens (connection.otherError, twice: Strophe reports a socket that does not open from its error and its close event; with stream management after two silent resumptions); over BOSH the requests get no answer (connection.droppedError, or connection.otherError giving-up while connecting)."},
}

// IsSignal reports whether id names a wire-level signal.
func IsSignal(id string) bool {
	for _, s := range Signals {
		if s.ID == id {
			return true
		}
	}
	return false
}

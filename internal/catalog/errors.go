package catalog

var noParams = []Param{}

// errors holds the 20 conference errors, indexed by ID.
var errors = [numErrors]Error{
	AuthenticationRequired: {
		Name: "AUTHENTICATION_REQUIRED", Value: "conference.authenticationRequired",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseFocusRequest}, Fatal: false, Recoverable: true, EmittedByLib: true,
		Description: "The focus refused to create the conference for a client without an authenticated identity.",
		UserAction:  "Log in (or follow the token URL), or wait for the owner to start the meeting.",
		AppReaction: "Opens the wait-for-owner dialog and re-joins every 5 s until joined or cancelled; login opens the login dialog or redirects to tokenAuthUrl.",
		Causes: []Cause{
			{ID: "auth-users-only", Text: "The deployment only lets authenticated users create conferences.", Signal: "focus IQ error <not-authorized/> for a room that does not exist yet"},
			{ID: "token-missing", Text: "Token authentication is on and the client brought no token.", Signal: "focus IQ error <not-authorized/>"},
			{ID: "jwt-required", Text: "A JWT is required and the conference request over HTTP carries none.", Signal: "HTTP 403 to the conference request"},
		},
	},
	ChatError: {
		Name: "CHAT_ERROR", Value: "conference.chatError",
		Event:  ConferenceError,
		Params: []Param{{Name: "errorMsg", Type: "string", Doc: "text of the error's <text>, '' when absent"}},
		Phases: []Phase{PhaseJoined}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The room bounced a chat message with an error.",
		UserAction:  "None required; the message may be re-sent.",
		AppReaction: "Adds an error entry to the chat panel and logs it; the conference goes on.",
		Causes: []Cause{
			{ID: "chat-send-failed", Text: "A chat message could not be delivered.", Signal: "message type=error with <service-unavailable/> from the room"},
			{ID: "muc-chat-error", Text: "The MUC refuses the message (for example, the sender may not speak).", Signal: "message type=error with <forbidden/> and a <text> from the room"},
			{ID: "chat-message-invalid", Text: "The server rejects the message as invalid (too long, malformed).", Signal: "message type=error with <bad-request/> and a <text> from the room"},
		},
	},
	ConferenceAccessDenied: {
		Name: "CONFERENCE_ACCESS_DENIED", Value: "conference.connectionError.accessDenied",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseLobby}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "A client waiting in the lobby was refused entry.",
		UserAction:  "None; the client was refused.",
		AppReaction: "Hides the lobby screen and shows lobby.joinRejectedTitle / lobby.joinRejectedMessage; the conference is left.",
		Causes: []Cause{
			{ID: "lobby-moderator-rejects", Text: "A moderator rejects the knocking participant.", Signal: "lobby MUC kicks our occupant (moderator lobbyDenyAccess)"},
			{ID: "lobby-access-denied", Text: "The participant is explicitly denied access to the room.", Signal: "lobby MUC kicks our occupant, actor is the room owner"},
			{ID: "lobby-access-rules", Text: "An access-control rule of the deployment refuses the participant in the lobby.", Signal: "lobby MUC kicks our occupant, actor is the server component"},
		},
	},
	ConferenceDestroyed: {
		Name: "CONFERENCE_DESTROYED", Value: "conference.destroyed",
		Event: ConferenceFailed,
		Params: []Param{
			{Name: "reason", Type: "string|undefined", Doc: "the <reason> of the <destroy> element"},
			{Name: "alternateJid", Type: "string|null", Doc: "the jid attribute of <destroy>; absent when relayed from the lobby"},
		},
		Phases: []Phase{PhaseJoined, PhaseLobby}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The room (or the lobby we wait in) was destroyed.",
		UserAction:  "None; the meeting is over.",
		AppReaction: "Web: hang up and show the (translated) reason. Native: a conference-failed dialog, then the welcome page.",
		Causes: []Cause{
			{ID: "all-participants-left", Text: "Everyone left the main room while we waited in its lobby, so the lobby goes away.", Signal: "lobby MUC unavailable presence with <destroy> without jid"},
			{ID: "conference-terminated", Text: "A moderator ended the meeting for everyone.", Signal: "main MUC unavailable presence with <destroy> and a reason"},
			{ID: "server-destroyed-conference", Text: "The server destroyed the room (for example, its reservation expired).", Signal: "main MUC unavailable presence with <destroy> from prosody"},
		},
	},
	ConferenceMaxUsers: {
		Name: "CONFERENCE_MAX_USERS", Value: "conference.max_users",
		Event:  ConferenceFailed,
		Params: []Param{{Name: "visitorsSupported", Type: "object", Doc: "one object {visitorsSupported}: moderator.visitorsSupported, 'true' only after an HTTP conference request that advertised it"}},
		Phases: []Phase{PhaseMUCJoin}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The room is full.",
		UserAction:  "Try later, or join as a visitor where the deployment supports it.",
		AppReaction: "Retries once as a visitor when visitorsSupported === 'true'; otherwise notifies dialog.maxUsersLimitReached.",
		Causes: []Cause{
			{ID: "room-at-capacity", Text: "The room already holds as many participants as its own limit allows.", Signal: "join presence error <service-unavailable/> (mod_muc_max_occupants, per-room max_occupants)"},
			{ID: "server-user-limit", Text: "The server-wide occupant limit is enforced.", Signal: "join presence error <service-unavailable/> (mod_muc_max_occupants, muc_max_occupants)"},
		},
	},
	ConnectionError: {
		Name: "CONNECTION_ERROR", Value: "conference.connectionError",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseMUCJoin}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The room refused or bounced the join presence for a reason the library has no specific error for.",
		UserAction:  "Check the network and try again.",
		AppReaction: "Dispatches connectionDisconnected and notifies connection.CONNFAIL / dialog.connectError.",
		Causes: []Cause{
			{ID: "network-connectivity", Text: "The MUC service cannot be reached over the network.", Signal: "join presence error <remote-server-not-found/>"},
			{ID: "xmpp-connection-problem", Text: "The XMPP session is refused: a guest on the anonymous domain may not enter.", Signal: "join presence error cancel/<not-allowed/> addressed to the anonymous domain"},
			{ID: "transport-failure", Text: "The WebSocket/BOSH transport fails while the join is in flight and the server bounces it.", Signal: "join presence error <remote-server-timeout/>"},
		},
	},
	DisplayNameRequired: {
		Name: "DISPLAY_NAME_REQUIRED", Value: "conference.display_name_required",
		Event:  ConferenceFailed,
		Params: []Param{{Name: "lobby", Type: "string|null", Doc: "the lobby attribute of <displayname-required> (prosody sends 'true'), or null"}},
		Phases: []Phase{PhaseMUCJoin}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The room will not admit a participant without a display name.",
		UserAction:  "Enter a display name and join again.",
		AppReaction: "Sets the lobby's display-name flag and opens the lobby screen when the param is truthy.",
		Causes: []Cause{
			{ID: "lobby-requires-display-name", Text: "The lobby is on and needs a name to knock with.", Signal: "join presence error modify/<not-acceptable/> with <displayname-required lobby='true'/>"},
			{ID: "display-name-mandatory", Text: "The room's settings require every participant to have a name.", Signal: "join presence error modify/<not-acceptable/> with <displayname-required/>"},
		},
	},
	FocusDisconnected: {
		Name: "FOCUS_DISCONNECTED", Value: "conference.focusDisconnected",
		Event: ConferenceFailed,
		Params: []Param{
			{Name: "focus", Type: "string", Doc: "the focus component"},
			{Name: "retrySec", Type: "number", Doc: "the back-off before the next retry, in seconds; the historic library retried after it, the model stops at the failure"},
		},
		Phases: []Phase{PhaseFocusRequest}, Fatal: true, Recoverable: false, EmittedByLib: false,
		Description: "The focus (jicofo) could not be reached. Wired but never emitted at lib-jitsi-meet 01daa07c3f8c; the failure surfaces as connection.conferenceRequestFailed.",
		UserAction:  "Wait for the reload.",
		AppReaction: "Web shows a short notification; as a fatal error it makes the page reload overlay count down 10-30 s and reload.",
		Causes: []Cause{
			{ID: "jicofo-unavailable", Text: "The jicofo service is down.", Signal: "focus IQ error <service-unavailable/>"},
			{ID: "focus-connection-lost", Text: "The focus keeps losing our session while the request is retried.", Signal: "focus IQ error <not-acceptable/><session-invalid/> on every request"},
			{ID: "orchestration-failure", Text: "Jicofo fails to orchestrate the conference.", Signal: "focus IQ error <internal-server-error/>"},
		},
	},
	FocusLeft: {
		Name: "FOCUS_LEFT", Value: "conference.focusLeft",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseJoined}, Fatal: true, Recoverable: false, EmittedByLib: true,
		Description: "The focus member left the room.",
		UserAction:  "Wait for the reload.",
		AppReaction: "Leaves, disconnects, and reloads after 10 + randomInt(0,20) s (overlay on web, dialog on native).",
		Causes: []Cause{
			{ID: "jicofo-left", Text: "Jicofo left the conference on purpose, crashed or restarted.", Signal: "unavailable presence from the focus occupant"},
			{ID: "conference-shutting-down", Text: "The conference is being shut down gracefully and the focus leaves first.", Signal: "unavailable presence from the focus occupant"},
		},
	},
	GracefulShutdown: {
		Name: "GRACEFUL_SHUTDOWN", Value: "conference.gracefulShutdown",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseFocusRequest}, Fatal: false, Recoverable: false, EmittedByLib: false,
		Description: "The focus refused a new conference because it is shutting down. Never emitted at lib-jitsi-meet 01daa07c3f8c.",
		UserAction:  "Try later.",
		AppReaction: "Web notifies dialog.serviceUnavailable / dialog.gracefulShutdown.",
		Causes: []Cause{
			{ID: "server-maintenance", Text: "Maintenance is scheduled and the focus drains.", Signal: "focus IQ error with <graceful-shutdown/>"},
			{ID: "infrastructure-upgrade", Text: "The infrastructure is being upgraded.", Signal: "focus IQ error with <graceful-shutdown/>"},
			{ID: "conference-migration", Text: "Conferences are being moved off this focus.", Signal: "focus IQ error with <graceful-shutdown/>"},
		},
	},
	IceFailed: {
		Name: "ICE_FAILED", Value: "conference.iceFailed",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseMedia}, Fatal: true, Recoverable: false, EmittedByLib: true,
		Description: "The JVB media connection failed and the library's three restarts did not save it.",
		UserAction:  "Check the network (UDP, TURN); wait for the reload.",
		AppReaction: "Leaves, disconnects, and reloads (overlay on web, dialog on native).",
		Causes: []Cause{
			{ID: "peer-connection-failure", Text: "The WebRTC peer connection cannot be established.", Signal: "connectionState failed with iceConnectionState disconnected, on every attempt"},
			{ID: "firewall-blocks-media", Text: "A firewall blocks the UDP and TCP media ports.", Signal: "iceConnectionState failed on every attempt, P2P included"},
			{ID: "turn-unavailable", Text: "The TURN server is down or misconfigured.", Signal: "iceConnectionState failed on every attempt"},
			{ID: "nat-traversal-failure", Text: "Network address translation defeats connectivity checks.", Signal: "iceConnectionState failed on every attempt, P2P included"},
		},
	},
	IncompatibleServerVersions: {
		Name: "INCOMPATIBLE_SERVER_VERSIONS", Value: "conference.incompatible_server_versions",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseJoined}, Fatal: false, Recoverable: false, EmittedByLib: false,
		Description: "The server's components are not compatible with the client. Never emitted: the only caller was removed in 2016.",
		UserAction:  "Reload.",
		AppReaction: "Web calls reloadWithStoredParams().",
		Causes: []Cause{
			{ID: "client-version-mismatch", Text: "The client library is older or newer than the server expects.", Signal: "focus presence <versions> the client does not accept"},
			{ID: "server-components-out-of-sync", Text: "Jicofo and the bridge run versions that do not match.", Signal: "focus presence <versions> with mismatched components"},
			{ID: "major-version-mismatch", Text: "A component is a major version away.", Signal: "focus presence <versions> with a different major version"},
		},
	},
	MembersOnlyError: {
		Name: "MEMBERS_ONLY_ERROR", Value: "conference.connectionError.membersOnly",
		Event: ConferenceFailed,
		Params: []Param{
			{Name: "lobbyRoomJid", Type: "string|undefined", Doc: "text of <lobbyroom>"},
			{Name: "waitingForHost", Type: "boolean", Doc: "whether <waiting-for-host> is present"},
		},
		Phases: []Phase{PhaseMUCJoin}, Fatal: false, Recoverable: true, EmittedByLib: true,
		Description: "The room admits members only; a non-member must knock on its lobby.",
		UserAction:  "Knock (join the lobby) and wait for a moderator, or wait for the host.",
		AppReaction: "Shows the lobby (knocking) screen and may knock automatically; with waitingForHost also opens the wait-for-owner dialog.",
		Causes: []Cause{
			{ID: "members-only-room", Text: "The room is restricted to its members and has a lobby.", Signal: "join presence error auth/<registration-required/> with <lobbyroom>"},
			{ID: "not-a-member", Text: "The participant is not on the room's list of approved members.", Signal: "join presence error auth/<registration-required/>"},
		},
	},
	NotAllowedError: {
		Name: "NOT_ALLOWED_ERROR", Value: "conference.connectionError.notAllowed",
		Event: ConferenceFailed,
		Params: []Param{
			{Name: "type", Type: "string", Doc: "an AUTH_ERROR_TYPES value"},
			{Name: "txt", Type: "string", Doc: "text of the error's <text>, '' when absent"},
		},
		Phases: []Phase{PhaseMUCJoin}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The room refused the join; the type says why.",
		UserAction:  "Depends on the type: log in, wait for a moderator or main participants, or give up.",
		AppReaction: "An error notification chosen by type (dialog.tokenAuthFailed, visitors.notification.*, dialog.errorRoomCreationRestriction, dialog.unauthenticatedAccessDisabled with a Login button).",
		Causes: []Cause{
			{ID: "authorization-failure", Text: "An authorization check refuses the participant (the type tells which; general by default).", Signal: "join presence error cancel/<not-allowed/>, with the type's child element if any"},
			{ID: "room-creation-restricted", Text: "Only some users may create rooms and this room does not exist yet.", Signal: "join presence error cancel/<not-allowed/> 'Room creation is restricted', after the library's three re-joins"},
			{ID: "auth-requirements-not-met", Text: "Unauthenticated access to the room is disabled.", Signal: "join presence error cancel/<not-allowed/> with <authentication-required xmlns='http://jitsi.org/jitmeet'/>"},
			{ID: "visitor-lobby-restricted", Text: "Visitors may not use the lobby of this room.", Signal: "join presence error cancel/<not-allowed/> with <no-visitors-lobby xmlns='jitsi:visitors'/>"},
		},
	},
	OfferAnswerFailed: {
		Name: "OFFER_ANSWER_FAILED", Value: "conference.offerAnswerFailed",
		Event:  ConferenceFailed,
		Params: []Param{{Name: "error", Type: "object", Doc: "the failure object of the offer/answer step"}},
		Phases: []Phase{PhaseMedia}, Fatal: true, Recoverable: false, EmittedByLib: true,
		Description: "The Jingle offer/answer exchange failed, on the JVB or the P2P session.",
		UserAction:  "Wait for the reload.",
		AppReaction: "Analytics, then leave, disconnect and reload.",
		Causes: []Cause{
			{ID: "sdp-negotiation-failure", Text: "The remote description cannot be applied.", Signal: "setRemoteDescription rejects on the session-initiate's offer"},
			{ID: "codec-mismatch", Text: "The peers share no codec.", Signal: "createAnswer rejects for want of a common codec"},
			{ID: "media-capability-mismatch", Text: "The peers' media capabilities do not fit together.", Signal: "the session-accept IQ is answered with an error"},
		},
	},
	PasswordNotSupported: {
		Name: "PASSWORD_NOT_SUPPORTED", Value: "conference.passwordNotSupported",
		Event: LockRejected, Params: noParams,
		Phases: []Phase{PhaseJoined}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The room cannot be locked with a password. Not an event: the lock()/unlock() promise rejects with this value.",
		UserAction:  "None; the room stays unlocked.",
		AppReaction: "Dispatches SET_PASSWORD_FAILED; on web notifies dialog.passwordNotSupportedTitle / dialog.passwordNotSupported.",
		Causes: []Cause{
			{ID: "server-no-password-support", Text: "The server does not support password-protected rooms.", Signal: "muc#owner config form without muc#roomconfig_roomsecret"},
			{ID: "password-config-prevented", Text: "The deployment's configuration keeps rooms from having passwords.", Signal: "muc#owner config form without muc#roomconfig_roomsecret"},
		},
	},
	PasswordRequired: {
		Name: "PASSWORD_REQUIRED", Value: "conference.passwordRequired",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseMUCJoin}, Fatal: false, Recoverable: true, EmittedByLib: true,
		Description: "The room is locked and the join carried no password or a wrong one.",
		UserAction:  "Enter the password and join again.",
		AppReaction: "Opens the password prompt; submitting calls conference.join(password).",
		Causes: []Cause{
			{ID: "room-password-protected", Text: "The room is locked and the password given is wrong.", Signal: "join presence error auth/<not-authorized/>"},
			{ID: "no-password-given", Text: "The room is locked and the client joins without a password.", Signal: "join presence error auth/<not-authorized/>"},
		},
	},
	ReservationError: {
		Name: "RESERVATION_ERROR", Value: "conference.reservationError",
		Event: ConferenceFailed,
		Params: []Param{
			{Name: "errorCode", Type: "string", Doc: "the error-code attribute of <reservation-error>"},
			{Name: "errorMsg", Type: "string|undefined", Doc: "the error's <text>"},
		},
		Phases: []Phase{PhaseFocusRequest}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The reservation system (prosody mod_reservations) refused the conference.",
		UserAction:  "Check the booking; try later.",
		AppReaction: "Web notifies dialog.reservationError / dialog.reservationErrorMsg {code,msg}.",
		Causes: []Cause{
			{ID: "reservation-failed", Text: "The reservation API refuses to create the conference.", Signal: "focus IQ error <reservation-error error-code='403'/>"},
			{ID: "booking-system-unavailable", Text: "The booking system does not answer in time.", Signal: "focus IQ error <reservation-error error-code='500'/>"},
			{ID: "reservation-conflict", Text: "The reservation conflicts with another one or fails validation.", Signal: "focus IQ error <reservation-error error-code='409'/>"},
		},
	},
	SettingsError: {
		Name: "SETTINGS_ERROR", Value: "conference.settingsError",
		Event:  ConferenceError,
		Params: []Param{{Name: "settingsErrorMsg", Type: "string", Doc: "text of <settings-error><text>"}},
		Phases: []Phase{PhaseJoined}, Fatal: false, Recoverable: false, EmittedByLib: true,
		Description: "The room reported an error about conference settings.",
		UserAction:  "None required.",
		AppReaction: "Logged only.",
		Causes: []Cause{
			{ID: "invalid-settings", Text: "A settings change is invalid.", Signal: "message type=error with <settings-error><text>"},
			{ID: "settings-validation-failure", Text: "The room's configuration fails validation.", Signal: "message type=error with <settings-error><text>"},
		},
	},
	VideobridgeNotAvailable: {
		Name: "VIDEOBRIDGE_NOT_AVAILABLE", Value: "conference.videobridgeNotAvailable",
		Event: ConferenceFailed, Params: noParams,
		Phases: []Phase{PhaseJoined}, Fatal: true, Recoverable: false, EmittedByLib: true,
		Description: "Jicofo found no bridge for the conference.",
		UserAction:  "Wait for the reload.",
		AppReaction: "Leaves, disconnects, and reloads (overlay on web, dialog on native).",
		Causes: []Cause{
			{ID: "bridges-at-capacity", Text: "Every videobridge is full.", Signal: "focus presence with <bridgeNotAvailable/>"},
			{ID: "bridges-down", Text: "The videobridge services are down.", Signal: "focus presence with <bridgeNotAvailable/>"},
			{ID: "bridge-scaling-issue", Text: "The bridge pool does not scale up in time.", Signal: "focus presence with <bridgeNotAvailable/>"},
		},
	},
}

func init() {
	for i := range errors {
		errors[i].ID = ID(i)
	}
}

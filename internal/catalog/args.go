package catalog

// Arg is one positional argument lib-jitsi-meet passes to an event's
// listeners, after the event name. Type is the JavaScript type, or the name
// of the library's class for an object it passes (JitsiParticipant,
// JitsiConference, JingleSessionPC, Error); "A|undefined" marks an argument
// that may be undefined.
type Arg struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// EventArgs is the argument list of one event the model emits.
type EventArgs struct {
	Event Event `json:"event"`
	// Args are the arguments in the order the library passes them. For
	// the events that carry an error (ErrorFirst), the error value comes
	// first and the error's own Params (Error.Params, or a connection
	// error's) follow.
	Args       []Arg `json:"args"`
	ErrorFirst bool  `json:"error_first,omitempty"`
	// Source names the lib-jitsi-meet 01daa07c3f8c function that emits it.
	Source string `json:"source"`
}

// eventArgs lists the model's events in declaration order. Read from the
// library's source: the emit calls in JitsiConference.ts, the forwards in
// JitsiConferenceEventManager.ts (a forward passes its fixed arguments, then
// the XMPP event's own), xmpp.ts and moderator.js.
var eventArgs = []EventArgs{
	{Event: ConferenceFailed, Args: []Arg{{"error", "string"}}, ErrorFirst: true,
		Source: "JitsiConferenceEventManager.setupChatRoomListeners (forward of the XMPPEvents), JitsiConference"},
	{Event: ConferenceError, Args: []Arg{{"error", "string"}}, ErrorFirst: true,
		Source: "JitsiConferenceEventManager.setupChatRoomListeners (CHAT_ERROR_RECEIVED, SETTINGS_ERROR_RECEIVED)"},
	{Event: ConferenceJoinInProgress, Args: []Arg{}, Source: "JitsiConferenceEventManager: forward of MUC_JOIN_IN_PROGRESS"},
	{Event: ConferenceJoined, Args: []Arg{}, Source: "JitsiConferenceEventManager: forward of MUC_JOINED"},
	{Event: ConferenceLeft, Args: []Arg{}, Source: "JitsiConferenceEventManager: forward of MUC_LEFT"},
	{Event: ConferenceUniqueIDSet, Args: []Arg{{"meetingId", "string"}}, Source: "ChatRoom.discoRoomInfo (muc#roominfo_meetingId): MEETING_ID_SET, forwarded"},
	{Event: MembersOnlyChanged, Args: []Arg{{"enabled", "boolean"}}, Source: "ChatRoom.discoRoomInfo (muc_membersonly): MUC_MEMBERS_ONLY_CHANGED, forwarded"},
	{Event: VisitorsSupportedChanged, Args: []Arg{{"supported", "boolean"}}, Source: "ChatRoom.discoRoomInfo (muc#roominfo_visitorsEnabled): MUC_VISITORS_SUPPORTED_CHANGED, forwarded"},
	{Event: UserRoleChanged, Args: []Arg{{"id", "string"}, {"role", "string"}}, Source: "JitsiConference.onLocalRoleChanged (LOCAL_ROLE_CHANGED from our self-presence)"},
	{Event: PropertiesChanged, Args: []Arg{{"properties", "object"}}, Source: "JitsiConference._updateProperties (jicofo's <conference-properties>)"},
	{Event: AudioUnmutePermissionsChanged, Args: []Arg{{"audioLimitReached", "boolean"}}, Source: "JitsiConference._updateProperties"},
	{Event: VideoUnmutePermissionsChanged, Args: []Arg{{"videoLimitReached", "boolean"}}, Source: "JitsiConference._updateProperties"},
	{Event: LockStateChanged, Args: []Arg{{"locked", "boolean"}}, Source: "ChatRoom: MUC_LOCK_CHANGED, forwarded"},
	{Event: AuthStatusChanged, Args: []Arg{{"isAuthEnabled", "boolean"}, {"authIdentity", "string|null"}},
		Source: "JitsiConferenceEventManager: IDENTITY_UPDATED (Moderator._parseConferenceIq)"},
	{Event: UserJoined, Args: []Arg{{"id", "string"}, {"participant", "JitsiParticipant"}}, Source: "JitsiConference.onMemberJoined"},
	{Event: UserLeft, Args: []Arg{{"id", "string"}, {"participant", "JitsiParticipant"}, {"reason", "string|undefined"}},
		Source: "JitsiConference.onMemberLeft"},
	{Event: Kicked, Args: []Arg{{"actorParticipant", "JitsiParticipant|undefined"}, {"reason", "string|undefined"}, {"isReplaceParticipant", "boolean"}},
		Source: "JitsiConference.onMemberKicked"},
	{Event: ServerRegionChanged, Args: []Arg{{"region", "string"}}, Source: "JitsiConference._setBridgeChannel... onIncomingCall (bridge-session region)"},
	{Event: MediaSessionStarted, Args: []Arg{{"session", "JingleSessionPC"}}, Source: "JitsiConference._acceptJvbIncomingCall, _acceptP2PIncomingCall / setAnswer"},
	{Event: MediaSessionActiveChanged, Args: []Arg{{"session", "JingleSessionPC"}},
		Source: "JitsiConference._acceptJvbIncomingCall (when P2P is not active), _setP2PStatus (getActiveMediaSession())"},
	{Event: ConnectionEstablished, Args: []Arg{}, Source: "JitsiConference._onIceConnectionEstablished"},
	{Event: ConnectionInterrupted, Args: []Arg{}, Source: "JitsiConference._onIceConnectionInterrupted, _setP2PStatus"},
	{Event: ConnectionRestored, Args: []Arg{}, Source: "JitsiConference._onIceConnectionRestored, _setP2PStatus"},
	{Event: DataChannelOpened, Args: []Arg{}, Source: "JitsiConferenceEventManager: the bridge channel's DATA_CHANNEL_OPEN"},
	{Event: P2PStatus, Args: []Arg{{"conference", "JitsiConference"}, {"isP2P", "boolean"}}, Source: "JitsiConference._setP2PStatus"},
	{Event: SuspendDetected, Args: []Arg{}, Source: "JitsiConference.onSuspendDetected (after its leave())"},
	{Event: BeforeStatisticsDisposed, Args: []Arg{}, Source: "JitsiConference.leave: statistics.dispose() (the first leave only: dispose removes the listeners)"},
	{Event: ConnectionEstablishedConn, Args: []Arg{{"id", "string"}}, Source: "XMPP._connectionHandler (the resource of our jid)"},
	{Event: ConnectionDisconnected, Args: []Arg{{"msg", "string|undefined"}}, Source: "XMPP._connectionHandler (DISCONNECTED after an intentional disconnect)"},
	{Event: ConnectionFailed, Args: []Arg{{"error", "string"}}, ErrorFirst: true, Source: "XMPP.connectionHandler, XMPP's CONN_SHARD_CHANGED listener, Moderator"},
	{Event: ConnectionRedirected, Args: []Arg{{"vnode", "string"}, {"focusJid", "string"}}, Source: "Moderator._handleSuccess"},
	{Event: ConnectionTokenExpired, Args: []Arg{}, Source: "XMPP's CONN_STATUS_CHANGED listener (RESUMING with an expired JWT: the resumption is cancelled)"},
	{Event: ConnectionPropertiesUpdated, Args: []Arg{{"properties", "object"}}, Source: "XMPP._maybeSendDeploymentInfoStat ({region, shard} of deploymentInfo, when either is set)"},
	{Event: ConnectionDisplayNameRequired, Args: []Arg{}, Source: "XMPP._onDiscoInfo... lobby component #displayname_required"},
	{Event: LockRejected, Args: []Arg{{"error", "string"}}, ErrorFirst: true, Source: "JitsiConference.lock (the promise's rejection value)"},
}

// ArgsOf returns the argument list of an event the model emits.
func ArgsOf(ev Event) (EventArgs, bool) {
	for _, a := range eventArgs {
		if a.Event == ev {
			return a, true
		}
	}
	return EventArgs{}, false
}

// AllEventArgs returns the argument lists of every event the model emits,
// in declaration order.
func AllEventArgs() []EventArgs { return append([]EventArgs(nil), eventArgs...) }

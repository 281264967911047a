package catalog

// Event is the name of an event as lib-jitsi-meet hands it to an application:
// a JitsiConferenceEvents or JitsiConnectionEvents value, or LockRejected for
// the rejection of the lock()/unlock() promise.
type Event string

// Conference events (JitsiConferenceEvents) the catalog names; the simulator
// emits a subset of them.
const (
	ConferenceFailed              Event = "conference.failed"
	ConferenceError               Event = "conference.error"
	ConferenceJoinInProgress      Event = "conference.join_in_progress"
	ConferenceJoined              Event = "conference.joined"
	ConferenceLeft                Event = "conference.left"
	ConferenceUniqueIDSet         Event = "conference.unique_id_set"
	MembersOnlyChanged            Event = "conference.membersOnlyChanged"
	VisitorsSupportedChanged      Event = "conference.visitorsSupported"
	LockStateChanged              Event = "conference.lock_state_changed"
	AuthStatusChanged             Event = "conference.auth_status_changed"
	UserJoined                    Event = "conference.userJoined"
	UserLeft                      Event = "conference.userLeft"
	Kicked                        Event = "conference.kicked"
	ParticipantKicked             Event = "conference.participant_kicked"
	LobbyUserJoined               Event = "conference.lobby.userJoined"
	LobbyUserLeft                 Event = "conference.lobby.userLeft"
	ServerRegionChanged           Event = "conference.server_region_changed"
	MediaSessionStarted           Event = "conference.media_session.started"
	MediaSessionActiveChanged     Event = "conference.media_session.active_changed"
	ConnectionEstablished         Event = "conference.connectionEstablished"
	ConnectionInterrupted         Event = "conference.connectionInterrupted"
	ConnectionRestored            Event = "conference.connectionRestored"
	DataChannelOpened             Event = "conference.dataChannelOpened"
	P2PStatus                     Event = "conference.p2pStatus"
	SuspendDetected               Event = "conference.suspendDetected"
	MessageReceived               Event = "conference.messageReceived"
	ConferenceCreatedTimestamp    Event = "conference.createdTimestamp"
	BeforeStatisticsDisposed      Event = "conference.beforeStatisticsDisposed"
	UserRoleChanged               Event = "conference.roleChanged"
	PropertiesChanged             Event = "conference.propertiesChanged"
	AudioUnmutePermissionsChanged Event = "conference.audio_unmute_permissions_changed"
	VideoUnmutePermissionsChanged Event = "conference.video_unmute_permissions_changed"
	// Jvb121Status is emitted by lib-jitsi-meet until 2022
	// (Jvb121EventGenerator); the lib-jitsi-meet-2021 profile emits it.
	Jvb121Status Event = "conference.jvb121Status"
)

// Connection events (JitsiConnectionEvents).
const (
	ConnectionEstablishedConn     Event = "connection.connectionEstablished"
	ConnectionFailed              Event = "connection.connectionFailed"
	ConnectionDisconnected        Event = "connection.connectionDisconnected"
	ConnectionRedirected          Event = "connection.redirected"
	ConnectionDisplayNameRequired Event = "connection.display_name_required"
	ConnectionTokenExpired        Event = "connection.token_expired"
	ConnectionPropertiesUpdated   Event = "connection.propertiesUpdated"
)

// LockRejected is not an event of lib-jitsi-meet: it stands for the rejection
// of the promise returned by JitsiConference.lock() or unlock(), the only way
// PASSWORD_NOT_SUPPORTED reaches an application.
const LockRejected Event = "lock.rejected"

// ConnError is a JitsiConnectionErrors value that matters to the
// conference lifecycle. It is carried by connection.connectionFailed.
type ConnError string

// Connection errors (JitsiConnectionErrors).
const (
	ConferenceRequestFailed    ConnError = "connection.conferenceRequestFailed"
	NotLiveError               ConnError = "connection.notLiveError"
	ConnectionDroppedError     ConnError = "connection.droppedError"
	ServerError                ConnError = "connection.serverError"
	OtherError                 ConnError = "connection.otherError"
	ConnectionPasswordRequired ConnError = "connection.passwordRequired"
	ShardChangedError          ConnError = "connection.shardChangedError"
)

// Events lists every Event constant, conference events first, in the order
// they are declared. A test keeps it complete.
func Events() []Event {
	return []Event{
		ConferenceFailed, ConferenceError, ConferenceJoinInProgress, ConferenceJoined, ConferenceLeft,
		ConferenceUniqueIDSet, MembersOnlyChanged, VisitorsSupportedChanged, LockStateChanged,
		AuthStatusChanged, UserJoined, UserLeft, Kicked, ParticipantKicked, LobbyUserJoined,
		LobbyUserLeft, ServerRegionChanged, MediaSessionStarted, MediaSessionActiveChanged, ConnectionEstablished,
		ConnectionInterrupted, ConnectionRestored, DataChannelOpened, P2PStatus, SuspendDetected,
		MessageReceived, ConferenceCreatedTimestamp, BeforeStatisticsDisposed, UserRoleChanged,
		PropertiesChanged, AudioUnmutePermissionsChanged, VideoUnmutePermissionsChanged, Jvb121Status,
		ConnectionEstablishedConn, ConnectionFailed, ConnectionDisconnected, ConnectionRedirected,
		ConnectionDisplayNameRequired, ConnectionTokenExpired, ConnectionPropertiesUpdated,
		LockRejected,
	}
}

// ConnErrors lists every ConnError constant in the order they are declared.
// A test keeps it complete.
func ConnErrors() []ConnError {
	return []ConnError{
		ConferenceRequestFailed, NotLiveError, ConnectionDroppedError, ServerError, OtherError,
		ConnectionPasswordRequired, ShardChangedError,
	}
}

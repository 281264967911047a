package catalog

// This file holds what lib-jitsi-meet at upstream d630bc32 (2021-12-10),
// the library of the model's lib-jitsi-meet-2021 profile, passes
// differently from 01daa07c3f8c: which errors it has, their arguments and
// the argument lists of its events (docs/profile-2021.md).

// Profile2021 is the name of the profile these lists are for (sim's
// ProfileLibJitsiMeet2021; the catalog does not import sim).
const Profile2021 = "lib-jitsi-meet-2021"

// RaisedAt2021 is the error lib-jitsi-meet d630bc32 raises for a cause of
// the error id, and false when nothing reaches the application:
// JitsiConferenceErrors.js has no DISPLAY_NAME_REQUIRED nor SETTINGS_ERROR
// (ChatRoom.onPresenceError's last branch makes <displayname-required/> a
// CONNECTION_ERROR; ChatRoom.onMessage makes every error message a
// CHAT_ERROR), and nothing calls _fireIncompatibleVersionsEvent.
func RaisedAt2021(id ID) (ID, bool) {
	switch id {
	case DisplayNameRequired:
		return ConnectionError, true
	case SettingsError:
		return ChatError, true
	case IncompatibleServerVersions:
		return 0, false
	}
	return id, true
}

// EmittedAt2021 says whether lib-jitsi-meet d630bc32 emits the error.
func EmittedAt2021(id ID) bool {
	r, ok := RaisedAt2021(id)
	return ok && r == id
}

// ParamsAt2021 are the arguments lib-jitsi-meet d630bc32 passes after the
// error value (ChatRoom.onPresenceError, ChatRoom.onPresenceUnavailable,
// Moderator._allocateConferenceFocusError, forwarded by
// JitsiConferenceEventManager.setupChatRoomListeners).
func ParamsAt2021(id ID) []Param {
	switch id {
	case ConferenceMaxUsers, NotAllowedError:
		// onPresenceError: CONFERENCE_MAX_USERS and NOT_ALLOWED_ERROR
		// with nothing after them.
		return noParams
	case MembersOnlyError:
		// onPresenceError: the lobby room's jid only, from a <lobbyroom>
		// that is a direct child of the presence.
		return []Param{{Name: "lobbyRoomJid", Type: "string|undefined", Doc: "text of the presence's own <lobbyroom>"}}
	case ConferenceDestroyed:
		// onPresenceUnavailable reads both with jQuery: undefined when absent.
		return []Param{
			{Name: "reason", Type: "string|undefined", Doc: "text of <destroy><reason>"},
			{Name: "alternateJid", Type: "string|undefined", Doc: "the jid attribute of <destroy>, undefined when absent"},
		}
	case ReservationError:
		return []Param{
			{Name: "errorCode", Type: "string|undefined", Doc: "the error-code attribute of <reservation-error>"},
			{Name: "errorMsg", Type: "string", Doc: "text of the error's <text>, '' when absent (jQuery's text())"},
		}
	}
	return Get(id).Params
}

// eventArgs2021 are the argument lists that differ at d630bc32.
var eventArgs2021 = []EventArgs{
	{Event: UserLeft, Args: []Arg{{"id", "string"}, {"participant", "JitsiParticipant"}},
		Source: "JitsiConference.onMemberLeft (d630bc32: no reason)"},
	{Event: Kicked, Args: []Arg{{"actorParticipant", "JitsiParticipant|undefined"}, {"reason", "string|undefined"}, {"isReplaceParticipant", "number"}},
		Source: "JitsiConference.onMemberKicked (d630bc32: isReplaceParticipant is ChatRoom.onPresenceUnavailable's count of <flip_device>)"},
	{Event: AuthStatusChanged, Args: []Arg{{"isAuthEnabled", "boolean"}, {"authIdentity", "string|undefined"}},
		Source: "JitsiConferenceEventManager: IDENTITY_UPDATED (d630bc32 Moderator.parseConfigOptions, jQuery attr: undefined when absent)"},
	{Event: Jvb121Status, Args: []Arg{{"oldStatus", "boolean"}, {"newStatus", "boolean"}},
		Source: "Jvb121EventGenerator.evaluateStatus (d630bc32; removed since)"},
}

// ArgsIn returns the argument list of an event in a profile: the d630bc32
// list for Profile2021 where it differs, else ArgsOf. VisitorsSupportedChanged
// does not exist at d630bc32.
func ArgsIn(ev Event, profile string) (EventArgs, bool) {
	if profile == Profile2021 {
		if ev == VisitorsSupportedChanged {
			return EventArgs{}, false
		}
		for _, a := range eventArgs2021 {
			if a.Event == ev {
				return a, true
			}
		}
	} else if ev == Jvb121Status {
		return EventArgs{}, false
	}
	return ArgsOf(ev)
}

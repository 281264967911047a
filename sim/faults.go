package sim

import (
	"fmt"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// applyFault arms a documented cause or delivers a signal. A cause changes
// the server side (a condition of jicofo, prosody, the network or a
// moderator) and, where the situation it describes is happening now, puts its
// wire signal in flight; what the client makes of that signal is the
// library's logic, never decided here.
func (s *Sim) applyFault(in Input) error {
	id := in.Fault
	if in.Reason != "" && id != "authorization-failure" {
		return fmt.Errorf("fault %q takes no reason", id)
	}
	if IsSignal(id) {
		return s.applySignal(in)
	}
	if _, _, ok := catalog.CauseByID(id); !ok {
		return fmt.Errorf("unknown fault %q: not a documented cause or a signal", id)
	}
	return s.srv.applyCause(in)
}

// applyCause arms a documented cause on the server side.
func (w *server) applyCause(in Input) error {
	switch id := in.Fault; id {
	// AUTHENTICATION_REQUIRED: jicofo's auth authority and a room that does
	// not exist yet.
	case "auth-users-only":
		w.deploy.Authentication, w.room.Exists, w.client.LoggedIn = AuthXMPP, false, false
	case "token-missing":
		w.deploy.Authentication, w.room.Exists, w.client.Token = AuthJWT, false, ""
		w.deploy.ConferenceRequestHTTP = false
	case "jwt-required":
		w.deploy.Authentication, w.room.Exists, w.client.Token = AuthJWT, false, ""
		w.deploy.ConferenceRequestHTTP = true

	// CHAT_ERROR: the next message bounces.
	case "chat-send-failed":
		w.chatBounce = &wire.ErrorMessageInfo{Condition: "service-unavailable"}
	case "muc-chat-error":
		w.chatBounce = &wire.ErrorMessageInfo{Condition: "forbidden", Text: "You are not allowed to send messages in this room"}
	case "chat-message-invalid":
		w.chatBounce = &wire.ErrorMessageInfo{Condition: "bad-request", Text: "Message is too long"}

	// CONFERENCE_ACCESS_DENIED: someone refuses us while we knock.
	case "lobby-moderator-rejects", "lobby-access-denied", "lobby-access-rules":
		w.lobbyDeny = true
		w.lobbyJoined()

	// CONFERENCE_DESTROYED.
	case "all-participants-left":
		w.lobbyEmptied = true
		w.lobbyJoined()
	case "conference-terminated":
		w.destroyPending, w.destroyReason = true, "The meeting has been terminated"
		w.roomEvents()
	case "server-destroyed-conference":
		w.destroyPending, w.destroyReason = true, "Reservation expired"
		w.roomEvents()

	// CONFERENCE_MAX_USERS: the room is full.
	case "room-at-capacity":
		w.room.Occupants = max(w.room.Occupants, 1)
		w.room.MaxOccupants = w.room.Occupants
	case "server-user-limit":
		w.room.Occupants = max(w.room.Occupants, 1)
		w.deploy.MaxOccupants = w.room.Occupants

	// CONNECTION_ERROR: the join presence is bounced.
	case "network-connectivity":
		w.joinBounce = "remote-server-not-found"
	case "xmpp-connection-problem":
		w.client.Guest, w.guestsRefused = true, true
	case "transport-failure":
		w.joinBounce = "remote-server-timeout"

	// DISPLAY_NAME_REQUIRED.
	case "lobby-requires-display-name":
		w.room.Lobby, w.client.DisplayName, w.lobbyNameFeature = true, "", true
	case "display-name-mandatory":
		w.room.RequireDisplayName, w.client.DisplayName = true, ""

	// FOCUS_DISCONNECTED: the conference request fails.
	case "jicofo-unavailable":
		w.focusCondition = "service-unavailable"
	case "focus-connection-lost":
		w.focusSessionInvalid = true
	case "orchestration-failure":
		w.focusCondition = "internal-server-error"

	// FOCUS_LEFT.
	case "jicofo-left", "conference-shutting-down":
		w.focusLeaves = true
		w.roomEvents()

	// GRACEFUL_SHUTDOWN.
	case "server-maintenance", "infrastructure-upgrade", "conference-migration":
		w.focusCondition, w.focusGracefulShutdown = "service-unavailable", true

	// ICE_FAILED: connectivity is gone for good.
	// Both ways of failing (iceConnectionState failed, or connectionState
	// failed with ICE disconnected) are CONNECTION_ICE_FAILED to the library.
	case "peer-connection-failure", "turn-unavailable":
		w.jvbIceFails = true
		w.disruptJVB(0)
	case "firewall-blocks-media", "nat-traversal-failure":
		w.jvbIceFails, w.p2pIceFails = true, true
		w.disruptP2P()
		w.disruptJVB(0)

	// INCOMPATIBLE_SERVER_VERSIONS.
	// INCOMPATIBLE_SERVER_VERSIONS: jicofo's presence carries versions.
	case "client-version-mismatch":
		w.jicofoMajor = expectedJicofoMajor + 1
		w.versionsChanged()
	case "server-components-out-of-sync":
		w.jvbMajor = expectedJVBMajor - 1
		w.versionsChanged()
	case "major-version-mismatch":
		w.jicofoMajor, w.jvbMajor = expectedJicofoMajor+2, expectedJVBMajor+2
		w.versionsChanged()

	// MEMBERS_ONLY_ERROR.
	case "members-only-room":
		w.room.Lobby, w.members = true, false
		if w.client.DisplayName == "" {
			w.client.DisplayName = "Guest"
		}
	case "not-a-member":
		w.room.MembersOnly, w.members = true, false

	// NOT_ALLOWED_ERROR.
	case "authorization-failure":
		t := catalog.AuthGeneral
		if in.Reason != "" {
			at, ok := catalog.AuthTypeByValue(in.Reason)
			if !ok {
				return fmt.Errorf("unknown AUTH_ERROR_TYPES value %q", in.Reason)
			}
			t = at.Type
		}
		w.notAllowed, w.notAllowedType = true, t
	case "room-creation-restricted":
		w.roomCreationRestricted, w.room.Exists = true, false
	case "auth-requirements-not-met":
		w.notAllowed, w.notAllowedType = true, catalog.AuthRoomUnauthenticatedAccessDisabled
	case "visitor-lobby-restricted":
		w.notAllowed, w.notAllowedType = true, catalog.AuthNoVisitorsLobby

	// OFFER_ANSWER_FAILED.
	case "sdp-negotiation-failure":
		w.offerAnswerFailure = "setRemoteDescription"
	case "codec-mismatch":
		w.offerAnswerFailure = "createAnswer"
	case "media-capability-mismatch":
		w.offerAnswerFailure = "session-accept"

	// PASSWORD_NOT_SUPPORTED.
	case "server-no-password-support", "password-config-prevented":
		w.deploy.NoPasswordSupport = true

	// PASSWORD_REQUIRED: the room is locked.
	case "room-password-protected":
		if w.room.Password == "" {
			w.room.Password = "s3cret"
		}
		w.room.Password += "-changed" // whatever the client knew is now wrong
	case "no-password-given":
		// The room is locked; the application joins without credentials.
		if w.room.Password == "" {
			w.room.Password = "s3cret"
		}

	// RESERVATION_ERROR: mod_reservations refuses the conference.
	case "reservation-failed":
		w.deploy.Reservations, w.room.Exists = true, false
		w.reservationCode, w.reservationText = "403", "Reservation denied"
	case "booking-system-unavailable":
		w.deploy.Reservations, w.room.Exists = true, false
		w.reservationCode, w.reservationText = "500", "Reservation API timed out"
	case "reservation-conflict":
		w.deploy.Reservations, w.room.Exists = true, false
		w.reservationCode, w.reservationText = "409", "Conflicting reservation"

	// SETTINGS_ERROR.
	case "invalid-settings":
		w.settingsError = "Invalid conference settings"
		w.roomEvents()
	case "settings-validation-failure":
		w.settingsError = "Room configuration failed validation"
		w.roomEvents()

	// VIDEOBRIDGE_NOT_AVAILABLE: jicofo's next bridge selection fails (ours,
	// or a newcomer's).
	case "bridges-at-capacity", "bridge-scaling-issue":
		w.bridgeUnavailable = true
	case "bridges-down":
		// The bridge in use goes down too: jicofo re-allocates at once.
		w.bridgeUnavailable = true
		if w.occupant && w.jvbInvited {
			w.allocate(false)
		}
	default:
		return fmt.Errorf("sim: documented cause %q has no model", id)
	}
	return nil
}

// applySignal delivers a wire-level signal. Signals that describe something
// happening now need the state they happen in.
func (s *Sim) applySignal(in Input) error {
	w := &s.srv
	st := s.confState()
	notNow := func(why string) error { return &NotAllowedError{Input: in, State: s.State(), Why: why} }
	switch in.Fault {
	case "connection-dropped", "server-shutdown", "prosody-restart":
		if st.Terminal() || !s.lib.conn.connected {
			return notNow("there is no connection to drop")
		}
		if in.Fault == "connection-dropped" && s.cfg.Deployment.BOSH {
			return notNow("a BOSH session has no socket to drop (xmpp-unreachable and xmpp-server-error fail its requests)")
		}
	case "xmpp-unreachable", "xmpp-server-error", "shard-changed", "login-refused", "anonymous-login-disabled":
		if st.Terminal() {
			return notNow("the conference is over")
		}
	case "participant-leaves":
		if w.others() == 0 {
			return notNow("no other participant is in the room")
		}
	case "ice-interruption":
		if st != Joined || s.jvbState() != SessionConnected {
			return notNow("the JVB media connection is not up")
		}
	case "lobby-disabled":
		if st != Lobby {
			return notNow("we are not waiting in a lobby")
		}
	case "device-suspend":
		if !s.inRoom() || s.jvbState() == SessionNone || s.jvbState() == SessionEnded {
			return notNow("there is no JVB peer connection to close")
		}
	}
	w.applySignal(in.Fault)
	return nil
}

// applySignal delivers a wire-level signal on the server side or the
// network.
func (w *server) applySignal(id string) {
	if w.connSignal(id) {
		return
	}
	switch id {
	case "focus-not-ready":
		w.focusNotReady++
	case "focus-recovers":
		w.focusCondition, w.focusGracefulShutdown, w.focusSessionInvalid = "", false, false
	case "focus-silent":
		w.focusSilent = true
	case "session-accept-unanswered":
		w.sessionAcceptSilent = true
	case "bridge-no-candidates":
		w.bridgeNoCandidates = true
	case "xmpp-ping-unanswered":
		w.pingSilent = true
	case "device-suspend":
		if w.jvbInvited {
			w.down(wire.Message{Type: wire.IceState, Session: wire.JVB, Text: wire.PeerConnectionClosed})
		}
	case "visitors-queue":
		w.deploy.Visitors, w.visitorsQueue = true, true
	case "visitors-redirect":
		w.deploy.Visitors, w.visitorsRedirect = true, true
	case "owner-arrives":
		w.room.Exists, w.roomCreationRestricted = true, false
		w.participantJoins()
	case "participant-joins":
		w.participantJoins()
	case "participant-leaves":
		w.participantLeaves()
	case "ice-interruption":
		w.disruptJVB(interruptionMs)
	case "ice-transient-failure":
		// The next ICE check fails; a running transport loses connectivity.
		if w.jvbIce == wire.IceConnected {
			w.disruptJVB(0)
		} else {
			w.jvbIceFailOnce = true
		}
	case "p2p-negotiation-failure":
		w.p2pOfferAnswerFail = true
	case "p2p-ice-failure":
		w.p2pIceFails = true
		w.disruptP2P()
	case "lobby-disabled":
		w.lobbyDisabled()
	case "restart-terminate-error":
		w.restartTerminateError = true
	}
}

package sim

import (
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// world is the server side the client talks to: prosody (the MUC, its lobby,
// max-occupants and reservation modules) and jicofo (the focus). It holds the
// room and deployment configuration and the conditions faults arm, and it
// answers the client's requests with wire-level signals. It knows nothing of
// the client library's errors.
type world struct {
	room   Room
	deploy Deployment
	client Client

	// jicofo
	xmppOnly              bool   // the client's library sends conference requests over XMPP only
	focusCondition        string // IQ error condition of every conference request ("" = none)
	focusSessionInvalid   bool   // not-acceptable + <session-invalid/> on every request
	focusGracefulShutdown bool   // <graceful-shutdown/> in the IQ error
	focusNotReady         int    // answers left with ready=false
	focusSilent           bool   // conference requests get no answer
	sessionAcceptSilent   bool   // session-accepts get no answer
	bridgeNoCandidates    bool   // the bridge's offers carry no ICE candidate
	pingSilent            bool   // XMPP pings get no answer
	visitorsQueue         bool   // live=false
	visitorsRedirect      bool   // vnode
	reservationCode       string // mod_reservations rejects with this error-code
	reservationText       string
	focusLeaves           bool // the focus occupant leaves once we are in
	bridgeUnavailable     bool // bridge selection fails
	bridgeNotAvailableExt bool // jicofo's presence carries <bridgeNotAvailable/>
	jicofoMajor, jvbMajor int  // the versions in jicofo's presence
	restartTerminateError bool // jicofo answers a restart session-terminate with an error

	// prosody MUC
	joinBounce             string // presence error condition bouncing the join ("" = none)
	guestsRefused          bool   // joins from the anonymous domain are refused
	notAllowed             bool   // cancel/not-allowed with notAllowedChild
	notAllowedType         catalog.AuthErrorType
	roomCreationRestricted bool // the room may not be created by this client
	members                bool // the client is a member (admitted from the lobby)
	lobbyNameFeature       bool // the lobby component advertises #displayname_required
	lobbyDeny              bool
	lobbyEmptied           bool // the main room empties while we wait in the lobby
	destroyReason          string
	destroyPending         bool
	chatBounce             *wire.ErrorMessageInfo // the next chat message bounces with this error
	settingsError          string                 // the room sends this <settings-error>

	// media
	offerAnswerFailure string // "setRemoteDescription", "createAnswer" or "session-accept"
	jvbIceFails        bool   // every JVB ICE attempt fails (CONNECTION_ICE_FAILED)
	jvbIceFailOnce     bool
	p2pIceFails        bool
	p2pOfferAnswerFail bool
}

func newWorld(cfg *Config) world {
	return world{room: cfg.Room, deploy: cfg.Deployment, client: cfg.Client,
		jicofoMajor: expectedJicofoMajor, jvbMajor: expectedJVBMajor,
		xmppOnly: cfg.Profile == ProfileLibJitsiMeet2021}
}

// requestsOverHTTP says whether conference requests come over HTTP: the
// deployment has a conferenceRequestUrl and the client's library uses it
// (lib-jitsi-meet d630bc32 has no conferenceRequestUrl: its Moderator
// always sends the IQ).
func (w *world) requestsOverHTTP() bool {
	return w.deploy.ConferenceRequestHTTP && !w.xmppOnly
}

// The server's names.
const (
	mainDomain      = "meet.example"
	anonymousDomain = "guest.meet.example"
	focusComponent  = "focus." + mainDomain
	focusJid        = "focus@auth." + mainDomain
)

// hasIdentity says whether jicofo sees an authenticated requester.
func (w *world) hasIdentity() bool {
	switch w.deploy.Authentication {
	case AuthXMPP:
		return w.client.LoggedIn
	case AuthJWT:
		return w.client.Token != ""
	}
	return false
}

// answerConferenceRequest is jicofo's (and mod_reservations') answer.
func (w *world) answerConferenceRequest() wire.FocusAnswer {
	http := w.requestsOverHTTP()
	if w.deploy.Reservations && w.reservationCode != "" && !http && !w.room.Exists {
		return wire.FocusAnswer{Condition: "service-unavailable", ReservationCode: w.reservationCode, Text: w.reservationText}
	}
	if w.focusCondition != "" {
		return wire.FocusAnswer{Condition: w.focusCondition, GracefulShutdown: w.focusGracefulShutdown}
	}
	if w.focusSessionInvalid {
		return wire.FocusAnswer{Condition: "not-acceptable", SessionInvalid: true}
	}
	if w.deploy.Authentication != AuthNone && !w.room.Exists && !w.hasIdentity() {
		if http {
			return wire.FocusAnswer{HTTPStatus: 403}
		}
		return wire.FocusAnswer{Condition: "not-authorized"}
	}
	ok := wire.FocusAnswer{OK: true, Ready: true, Live: true, FocusJid: focusJid,
		AuthEnabled: w.deploy.Authentication != AuthNone, VisitorsSupported: w.deploy.Visitors}
	if w.hasIdentity() {
		ok.Identity = "user@" + mainDomain
	}
	if w.focusNotReady > 0 {
		w.focusNotReady--
		ok.Ready = false
		return ok
	}
	if w.deploy.Visitors && w.visitorsQueue {
		ok.Live = false
		return ok
	}
	if w.deploy.Visitors && w.visitorsRedirect {
		ok.Vnode = "v1"
		return ok
	}
	// The focus has created the conference and joined its MUC, unless the
	// room may not be created on this client's behalf.
	if !w.roomCreationRestricted {
		w.room.Exists = true
	}
	return ok
}

func (w *world) checkJoin(password string) *wire.PresenceError {
	to := mainDomain
	if w.client.Guest {
		to = anonymousDomain
	}
	switch {
	case w.joinBounce != "":
		t := "cancel"
		if w.joinBounce == "remote-server-timeout" {
			t = "wait"
		}
		return &wire.PresenceError{Type: t, Condition: w.joinBounce, ToDomain: to}
	case w.guestsRefused && w.client.Guest:
		return &wire.PresenceError{Type: "cancel", Condition: "not-allowed", ToDomain: anonymousDomain}
	case w.notAllowed:
		return &wire.PresenceError{Type: "cancel", Condition: "not-allowed", Child: authChild(w.notAllowedType), ToDomain: to}
	case w.roomCreationRestricted && !w.room.Exists:
		return &wire.PresenceError{Type: "cancel", Condition: "not-allowed", Text: "Room creation is restricted", ToDomain: to}
	}
	full := func(limit int) bool { return limit > 0 && w.room.Occupants >= limit }
	if full(w.room.MaxOccupants) || full(w.deploy.MaxOccupants) {
		return &wire.PresenceError{Type: "cancel", Condition: "service-unavailable", ToDomain: to}
	}
	if (w.room.Lobby || w.room.MembersOnly) && !w.members {
		if w.room.Lobby && w.client.DisplayName == "" {
			return &wire.PresenceError{Type: "modify", Condition: "not-acceptable", Child: "displayname-required", LobbyAttr: "true", ToDomain: to}
		}
		pe := &wire.PresenceError{Type: "auth", Condition: "registration-required", Waiting: w.room.WaitingForHost, ToDomain: to}
		if w.room.Lobby {
			pe.LobbyRoom = "lobby." + w.room.Name + "@lobby." + mainDomain
		}
		return pe
	}
	if w.room.RequireDisplayName && w.client.DisplayName == "" {
		return &wire.PresenceError{Type: "modify", Condition: "not-acceptable", Child: "displayname-required", ToDomain: to}
	}
	if w.room.Password != "" && password != w.room.Password {
		return &wire.PresenceError{Type: "auth", Condition: "not-authorized", ToDomain: to}
	}
	return nil
}

func (w *world) focusPresence() wire.FocusPresenceInfo {
	return wire.FocusPresenceInfo{BridgeNotAvailable: w.bridgeNotAvailableExt, JicofoMajor: w.jicofoMajor, JVBMajor: w.jvbMajor,
		SupportTerminateRestart: true}
}

// configFormHasRoomSecret says whether the room's muc#owner form has a
// muc#roomconfig_roomsecret field.
func (w *world) configFormHasRoomSecret() bool { return !w.deploy.NoPasswordSupport }

// authChild is the child element prosody adds to not-allowed for a type.
func authChild(t catalog.AuthErrorType) string {
	switch t {
	case catalog.AuthNoMainParticipants:
		return "no-main-participants"
	case catalog.AuthNoVisitorsLobby:
		return "no-visitors-lobby"
	case catalog.AuthPromotionNotAllowed:
		return "promotion-not-allowed"
	case catalog.AuthRoomCreationRestriction:
		return "room-does-not-exist"
	case catalog.AuthRoomUnauthenticatedAccessDisabled:
		return "authentication-required"
	}
	return ""
}

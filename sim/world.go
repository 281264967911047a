package sim

import "github.com/jitsi-sim/confsim/internal/catalog"

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
	focusCondition        string // IQ error condition of every conference request ("" = none)
	focusSessionInvalid   bool   // not-acceptable + <session-invalid/> on every request
	focusGracefulShutdown bool   // <graceful-shutdown/> in the IQ error
	focusNotReady         int    // answers left with ready=false
	visitorsQueue         bool   // live=false
	visitorsRedirect      bool   // vnode
	reservationCode       string // mod_reservations rejects with this error-code
	reservationText       string
	focusLeaves           bool // the focus occupant leaves once we are in
	bridgeUnavailable     bool // bridge selection fails
	versionsIncompatible  bool // the focus presence carries versions the client refuses
	restartTerminateError bool // jicofo answers a restart session-terminate with an error

	// prosody MUC
	joinBounce             string // presence error condition bouncing the join ("" = none)
	guestsRefused          bool   // joins from the anonymous domain are refused
	notAllowed             bool   // cancel/not-allowed with notAllowedChild
	notAllowedType         catalog.AuthErrorType
	roomCreationRestricted bool // the room may not be created by this client
	members                bool // the client is a member (admitted from the lobby)
	lobbyDenyActor         string
	lobbyDeny              bool
	lobbyEmptied           bool // the main room empties while we wait in the lobby
	destroyReason          string
	destroyPending         bool
	chatCondition          string // the next chat message bounces with this condition
	chatText               string
	settingsError          string

	// media
	offerAnswerFailure string // "setRemoteDescription", "createAnswer" or "session-accept"
	jvbIce             iceCondition
	jvbIceFailOnce     bool
	p2pIceFails        bool
	p2pOfferAnswerFail bool
}

type iceCondition uint8

const (
	iceOK iceCondition = iota
	iceFails
	icePeerConnectionFails
)

func newWorld(cfg *Config) world {
	return world{room: cfg.Room, deploy: cfg.Deployment, client: cfg.Client}
}

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

// focusAnswer is the answer to a conference request (IQ or HTTP).
type focusAnswer struct {
	ok               bool
	ready            bool
	live             bool
	vnode            string
	httpStatus       int    // HTTP mode only
	condition        string // IQ error condition
	sessionInvalid   bool
	gracefulShutdown bool
	reservationCode  string
	text             string
}

// answerConferenceRequest is jicofo's (and mod_reservations') answer.
func (w *world) answerConferenceRequest() focusAnswer {
	http := w.deploy.ConferenceRequestHTTP
	if w.reservationCode != "" && !http && !w.room.Exists {
		return focusAnswer{condition: "service-unavailable", reservationCode: w.reservationCode, text: w.reservationText}
	}
	if w.focusCondition != "" {
		return focusAnswer{condition: w.focusCondition, gracefulShutdown: w.focusGracefulShutdown}
	}
	if w.focusSessionInvalid {
		return focusAnswer{condition: "not-acceptable", sessionInvalid: true}
	}
	if w.deploy.Authentication != AuthNone && !w.room.Exists && !w.hasIdentity() {
		if http {
			return focusAnswer{httpStatus: 403}
		}
		return focusAnswer{condition: "not-authorized"}
	}
	if w.focusNotReady > 0 {
		w.focusNotReady--
		return focusAnswer{ok: true, ready: false, live: true}
	}
	if w.visitorsQueue {
		return focusAnswer{ok: true, ready: true, live: false}
	}
	if w.visitorsRedirect {
		return focusAnswer{ok: true, ready: true, live: true, vnode: "v1"}
	}
	// The focus has created the conference and joined its MUC, unless the
	// room may not be created on this client's behalf.
	if !w.roomCreationRestricted {
		w.room.Exists = true
	}
	return focusAnswer{ok: true, ready: true, live: true}
}

// presenceError is an error answer to a MUC join presence.
type presenceError struct {
	errType   string // auth, cancel, modify, wait
	condition string
	child     string // application-specific child element
	lobbyAttr string // lobby attribute of <displayname-required>
	lobbyRoom string // <lobbyroom> text
	waiting   bool   // <waiting-for-host/>
	toDomain  string
	text      string
}

const (
	mainDomain      = "meet.example"
	anonymousDomain = "guest.meet.example"
)

// answerJoin is prosody's answer to our join presence; nil means our own
// self-presence comes back: we are in.
func (w *world) answerJoin(password string) *presenceError {
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
		return &presenceError{errType: t, condition: w.joinBounce, toDomain: to}
	case w.guestsRefused && w.client.Guest:
		return &presenceError{errType: "cancel", condition: "not-allowed", toDomain: anonymousDomain}
	case w.notAllowed:
		return &presenceError{errType: "cancel", condition: "not-allowed", child: authChild(w.notAllowedType), toDomain: to}
	case w.roomCreationRestricted && !w.room.Exists:
		return &presenceError{errType: "cancel", condition: "not-allowed", text: "Room creation is restricted", toDomain: to}
	}
	full := func(limit int) bool { return limit > 0 && w.room.Occupants >= limit }
	if full(w.room.MaxOccupants) || full(w.deploy.MaxOccupants) {
		return &presenceError{errType: "cancel", condition: "service-unavailable", toDomain: to}
	}
	if (w.room.Lobby || w.room.MembersOnly) && !w.members {
		if w.room.Lobby && w.client.DisplayName == "" {
			return &presenceError{errType: "modify", condition: "not-acceptable", child: "displayname-required", lobbyAttr: "true", toDomain: to}
		}
		pe := &presenceError{errType: "auth", condition: "registration-required", waiting: w.room.WaitingForHost, toDomain: to}
		if w.room.Lobby {
			pe.lobbyRoom = "lobby." + w.room.Name + "@lobby." + mainDomain
		}
		return pe
	}
	if w.room.RequireDisplayName && w.client.DisplayName == "" {
		return &presenceError{errType: "modify", condition: "not-acceptable", child: "displayname-required", toDomain: to}
	}
	if w.room.Password != "" && password != w.room.Password {
		return &presenceError{errType: "auth", condition: "not-authorized", toDomain: to}
	}
	w.room.Exists = true
	return nil
}

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

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
	chatBounce             *errorMessage // the next chat message bounces with this error
	settingsError          string        // the room sends this <settings-error>

	// media
	offerAnswerFailure string // "setRemoteDescription", "createAnswer" or "session-accept"
	jvbIceFails        bool   // every JVB ICE attempt fails (CONNECTION_ICE_FAILED)
	jvbIceFailOnce     bool
	p2pIceFails        bool
	p2pOfferAnswerFail bool
}

func newWorld(cfg *Config) world {
	return world{room: cfg.Room, deploy: cfg.Deployment, client: cfg.Client,
		jicofoMajor: expectedJicofoMajor, jvbMajor: expectedJVBMajor}
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

// focusAnswer is the answer to a conference request (IQ or HTTP).
type focusAnswer struct {
	ok          bool
	ready       bool
	live        bool
	vnode       string
	focusJid    string
	authEnabled bool
	identity    string
	// visitorsSupported is the answer's visitors-supported property.
	visitorsSupported bool
	httpStatus        int    // HTTP mode only
	condition         string // IQ error condition
	sessionInvalid    bool
	gracefulShutdown  bool
	reservationCode   string
	text              string
}

// answerConferenceRequest is jicofo's (and mod_reservations') answer.
func (w *world) answerConferenceRequest() focusAnswer {
	http := w.deploy.ConferenceRequestHTTP
	if w.deploy.Reservations && w.reservationCode != "" && !http && !w.room.Exists {
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
	ok := focusAnswer{ok: true, ready: true, live: true, focusJid: focusJid,
		authEnabled: w.deploy.Authentication != AuthNone, visitorsSupported: w.deploy.Visitors}
	if w.hasIdentity() {
		ok.identity = "user@" + mainDomain
	}
	if w.focusNotReady > 0 {
		w.focusNotReady--
		ok.ready = false
		return ok
	}
	if w.deploy.Visitors && w.visitorsQueue {
		ok.live = false
		return ok
	}
	if w.deploy.Visitors && w.visitorsRedirect {
		ok.vnode = "v1"
		return ok
	}
	// The focus has created the conference and joined its MUC, unless the
	// room may not be created on this client's behalf.
	if !w.roomCreationRestricted {
		w.room.Exists = true
	}
	return ok
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

// roomInfo is what the client learns on entering the room: the occupants'
// presences and the room's disco#info.
type roomInfo struct {
	occupants   int
	membersOnly bool
}

// answerJoin is prosody's answer to our join presence: an error, or (nil)
// the occupants' presences and our own self-presence: we are in.
func (w *world) answerJoin(password string) (*presenceError, roomInfo) {
	pe := w.checkJoin(password)
	if pe != nil {
		return pe, roomInfo{}
	}
	w.room.Exists = true
	return nil, roomInfo{occupants: w.room.Occupants, membersOnly: w.room.Lobby || w.room.MembersOnly}
}

func (w *world) checkJoin(password string) *presenceError {
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
	return nil
}

// unavailablePresence is an unavailable presence in a room.
type unavailablePresence struct {
	nick    string
	realJid string // the occupant's real jid, when the room shows it
	self    bool   // status 110
	kicked  bool   // status 307
	actor   string
	reason  string
	destroy bool   // a muc#user <destroy> element
	altJid  string // its jid attribute
}

// focusPresence is a presence of the focus occupant.
type focusPresence struct {
	bridgeNotAvailable    bool
	jicofoMajor, jvbMajor int
}

func (w *world) focusPresence() focusPresence {
	return focusPresence{bridgeNotAvailable: w.bridgeNotAvailableExt, jicofoMajor: w.jicofoMajor, jvbMajor: w.jvbMajor}
}

// errorMessage is a message of type error from the room.
type errorMessage struct {
	condition     string
	text          string
	settingsError string // the text of a <settings-error> child
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

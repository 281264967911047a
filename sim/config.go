package sim

import (
	"errors"
	"fmt"
)

// Profile selects which library the model follows.
type Profile string

// The profiles.
const (
	// ProfileDocumented follows the documented error list: every documented
	// error has a cause that reaches it, including the three the current
	// library no longer emits.
	ProfileDocumented Profile = "documented"
	// ProfileLibJitsiMeet follows lib-jitsi-meet at commit 01daa07c3f8c
	// (2026-08-20): FOCUS_DISCONNECTED, GRACEFUL_SHUTDOWN and
	// INCOMPATIBLE_SERVER_VERSIONS are never emitted; their causes end as the
	// library ends them today.
	ProfileLibJitsiMeet Profile = "lib-jitsi-meet"
	// ProfileLibJitsiMeet2021 follows lib-jitsi-meet at upstream commit
	// d630bc32 (2021-12-10), before the conference request's errors moved
	// to the connection: a refused request is FOCUS_DISCONNECTED on every
	// retry (never giving up), GRACEFUL_SHUTDOWN stops it, and presence
	// errors, roles, kicks and leaves carry the arguments of that time
	// (docs/profile-2021.md).
	ProfileLibJitsiMeet2021 Profile = "lib-jitsi-meet-2021"
)

// Profiles lists the profiles in a stable order.
var Profiles = []Profile{ProfileDocumented, ProfileLibJitsiMeet, ProfileLibJitsiMeet2021}

// Config is everything a simulation starts from. The zero value of each field
// is a sensible default.
type Config struct {
	Profile    Profile    `json:"profile,omitempty"`
	Seed       uint64     `json:"seed,omitempty"`
	Room       Room       `json:"room"`
	Deployment Deployment `json:"deployment"`
	Client     Client     `json:"client"`
	// Limits bound every run; reaching one is reported, never a hang.
	Limits Limits `json:"limits"`
	// Engine selects the state machine implementation.
	Engine Engine `json:"-"`
}

// Room is the configuration of the MUC room being joined.
type Room struct {
	Name string `json:"name,omitempty"`
	// Exists says the conference is already running (jicofo has created it).
	Exists bool `json:"exists,omitempty"`
	// Occupants is the number of participants already in the room, not
	// counting the focus.
	Occupants int `json:"occupants,omitempty"`
	// MaxOccupants is the room's own limit (mod_muc_max_occupants); 0 is none.
	MaxOccupants int `json:"max_occupants,omitempty"`
	// Password locks the room (muc#roomconfig_roomsecret).
	Password string `json:"password,omitempty"`
	// Lobby turns on the lobby: the room is members-only and non-members
	// knock on the lobby room.
	Lobby bool `json:"lobby,omitempty"`
	// MembersOnly without Lobby restricts the room to its members, with no
	// lobby to knock on.
	MembersOnly bool `json:"members_only,omitempty"`
	// WaitingForHost makes the lobby answer carry <waiting-for-host/>.
	WaitingForHost bool `json:"waiting_for_host,omitempty"`
	// RequireDisplayName refuses nick-less joins.
	RequireDisplayName bool `json:"require_display_name,omitempty"`
	// PeerIDsFirst gives the other participants ids that sort before ours
	// (0p1, 0p2, ... instead of p1, p2, ...; ours is Node). In
	// _maybeStartOrStopP2P the participant with the smaller id starts P2P,
	// so with it the other participant offers and we answer.
	PeerIDsFirst bool `json:"peer_ids_first,omitempty"`
}

// ParticipantID is the id (MUC nick) of the room's i-th other
// participant, from 0.
func (r Room) ParticipantID(i int) string {
	if r.PeerIDsFirst {
		return fmt.Sprintf("0p%d", i+1)
	}
	return fmt.Sprintf("p%d", i+1)
}

// P2PEnabled is JitsiConference.isP2PEnabled.
func (d Deployment) P2PEnabled() bool { return d.P2P == nil || *d.P2P }

// Authentication is the deployment's authentication mode.
type Authentication string

// The authentication modes.
const (
	AuthNone Authentication = "none"
	AuthXMPP Authentication = "xmpp" // secure domain: XMPP login
	AuthJWT  Authentication = "jwt"  // token authentication
)

// Deployment is the server side: prosody, jicofo, bridges.
type Deployment struct {
	Authentication Authentication `json:"authentication,omitempty"`
	// ConferenceRequestHTTP sends the conference request over HTTP
	// (conferenceRequestUrl) instead of an XMPP IQ.
	ConferenceRequestHTTP bool `json:"conference_request_http,omitempty"`
	// Reservations turns on prosody's mod_reservations.
	Reservations bool `json:"reservations,omitempty"`
	// Visitors turns on the visitors feature.
	Visitors bool `json:"visitors,omitempty"`
	// MaxOccupants is the server-wide muc_max_occupants; 0 is none.
	MaxOccupants int `json:"max_occupants,omitempty"`
	// P2P is config.p2p.enabled: two-participant calls use a peer-to-peer
	// session beside the JVB one. Unset, it is on, as in the library
	// (JitsiConference.isP2PEnabled: true when config.p2p is undefined)
	// and jitsi-meet's config.js.
	P2P *bool `json:"p2p,omitempty"`
	// EnableIceRestart is config.enableIceRestart: restart ICE in place
	// before falling back to a session-terminate and re-invite.
	EnableIceRestart bool `json:"enable_ice_restart,omitempty"`
	// NoPasswordSupport removes muc#roomconfig_roomsecret from the room
	// configuration form.
	NoPasswordSupport bool `json:"no_password_support,omitempty"`
	// StreamManagement turns on prosody's mod_smacks: the stream features
	// offer XEP-0198, and the library (enableWebsocketResume, its default)
	// asks for resumption, so that a dropped WebSocket is resumed.
	StreamManagement bool `json:"stream_management,omitempty"`
	// BOSH connects over BOSH (http-bind) instead of a WebSocket: no
	// resumption, no keep-alive, and HTTP errors count (Strophe's Bosh).
	BOSH bool `json:"bosh,omitempty"`
	// Shard is deploymentInfo.shard in the client's configuration, the
	// shard the client was sent to; the proxy names the shard that serves
	// it in the x-jitsi-shard header. With it, the library's WebSocket
	// keep-alive checks the header (and never stops: end such scenarios
	// with expect or advance, not settle).
	Shard string `json:"shard,omitempty"`
}

// Client is the joining participant.
type Client struct {
	DisplayName string `json:"display_name,omitempty"`
	Token       string `json:"token,omitempty"`
	// LoggedIn says the XMPP connection is authenticated (secure domain).
	LoggedIn bool `json:"logged_in,omitempty"`
	// Guest says the client connects on the anonymous (guest) domain.
	Guest bool `json:"guest,omitempty"`
	// DisableRoomCreationRetry is config.disableRoomCreationRetry.
	DisableRoomCreationRetry bool `json:"disable_room_creation_retry,omitempty"`
	// ConnectWithName is connect({name}): with conferenceRequestUrl the
	// conference request goes over HTTP before the XMPP connection
	// (JitsiConnection.connect).
	ConnectWithName bool `json:"connect_with_name,omitempty"`
	// TokenExpiresMs is the exp claim of the client's JWT (Token), as the
	// virtual time in ms at which it expires; 0 is a token without exp.
	TokenExpiresMs int64 `json:"token_expires_ms,omitempty"`
	// GracefulReconnect is testing.enableGracefulReconnect: a shard change
	// is connection.shardChangedError instead of connection.otherError.
	GracefulReconnect bool `json:"graceful_reconnect,omitempty"`
}

// Limits bound a run.
type Limits struct {
	// MaxTimeMs is the virtual time limit (default 30 minutes).
	MaxTimeMs int64 `json:"max_time_ms,omitempty"`
	// MaxSteps bounds the number of deliveries and records (default 100000).
	MaxSteps int `json:"max_steps,omitempty"`
}

func (c *Config) normalize() {
	if c.Profile == "" {
		c.Profile = ProfileDocumented
	}
	if c.Room.Name == "" {
		c.Room.Name = "room"
	}
	if c.Deployment.Authentication == "" {
		c.Deployment.Authentication = AuthNone
	}
	if c.Limits.MaxTimeMs == 0 {
		c.Limits.MaxTimeMs = 30 * 60 * 1000
	}
	if c.Limits.MaxSteps == 0 {
		c.Limits.MaxSteps = 100000
	}
}

// MaxOccupants bounds Room.Occupants: the model emits a record per occupant.
const MaxOccupants = 1000

func (c *Config) validate() error {
	switch {
	case c.Profile != ProfileDocumented && c.Profile != ProfileLibJitsiMeet && c.Profile != ProfileLibJitsiMeet2021:
		return fmt.Errorf("unknown profile %q (want %q, %q or %q)", c.Profile, ProfileDocumented, ProfileLibJitsiMeet, ProfileLibJitsiMeet2021)
	case c.Deployment.Authentication != AuthNone && c.Deployment.Authentication != AuthXMPP && c.Deployment.Authentication != AuthJWT:
		return fmt.Errorf("unknown authentication %q (want none, xmpp or jwt)", c.Deployment.Authentication)
	case c.Room.Occupants < 0 || c.Room.Occupants > MaxOccupants:
		return fmt.Errorf("room occupants %d: want 0 to %d", c.Room.Occupants, MaxOccupants)
	case c.Room.MaxOccupants < 0 || c.Deployment.MaxOccupants < 0:
		return errors.New("max occupants cannot be negative")
	case c.Limits.MaxTimeMs < 0 || c.Limits.MaxSteps < 0:
		return errors.New("limits cannot be negative")
	case c.Client.TokenExpiresMs < 0:
		return errors.New("token expiry cannot be negative")
	}
	return nil
}

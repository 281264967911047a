// Package wire holds the messages the two halves of the model exchange: the
// client side (lib-jitsi-meet's logic) and the server side (prosody with its
// MUC modules, jicofo, the bridge, the network under ICE). A message is what
// a stanza means, not its XML: an IQ and its result or error with its
// condition, a presence with its children and status codes, a message, a
// Jingle action, an ICE outcome. The model's virtual network carries them in
// process; the XMPP endpoint (internal/xmpp) renders them as the stanzas
// prosody and jicofo send and parses the real library's stanzas into them.
//
// Message is one flat value, as raft's Message is: no interface, no
// allocation per message, cheap to copy in campaigns.
package wire

import (
	"fmt"
	"strings"
)

// Type says what a message is.
type Type uint8

// Client to server.
const (
	_ Type = iota
	// StreamOpen opens the XMPP connection: stream, SASL, bind.
	StreamOpen
	// ConferenceIQ is the conference request to the focus
	// (<conference xmlns='http://jitsi.org/protocol/focus'>), over XMPP or,
	// with HTTP set, to conferenceRequestUrl.
	ConferenceIQ
	// JoinPresence is the MUC join presence, with Password when there is one.
	JoinPresence
	// LobbyJoinPresence joins the lobby room (Lobby.join).
	LobbyJoinPresence
	// LeavePresence is the unavailable presence of leave().
	LeavePresence
	// RoomConfigSubmit is lock(): the muc#owner form submitted with
	// Password as muc#roomconfig_roomsecret.
	RoomConfigSubmit
	// GroupChat is a groupchat message to the room.
	GroupChat
	// SessionAccept is the Jingle session-accept of Session.
	SessionAccept
	// SessionTerminate ends Session; Restart asks jicofo for a new one
	// (<bridge-session restart='true'/>, IceFailedHandling).
	SessionTerminate
	// IceChecks starts ICE connectivity checks on Session's transport; the
	// network answers with IceState.
	IceChecks
	// P2PInvite is our session-initiate to the other participant.
	P2PInvite
	// P2PAccept is our session-accept of the other participant's P2P
	// offer (a SessionInitiate of the P2P session); the peer answers it
	// with an IQResult.
	P2PAccept
	// Login is authenticateAndUpgradeRole: an authenticated connection
	// that gives the next conference request an identity.
	Login
	// Ping is an XMPP ping (urn:xmpp:ping) to the server; the answer is an
	// IQResult.
	Ping
	// StreamResume is a stream resumption (XEP-0198): a new connection
	// with the old stream's id (previd), SASL again, then <resume/>.
	StreamResume
	// BOSHRequest is a BOSH HTTP request sent again after a failure, or a
	// fresh poll; the server side answers only when it fails
	// (ConnectFailed).
	BOSHRequest
	// KeepAlive is XmppConnection's WebSocket keep-alive: an HTTP GET of
	// the service URL, answered by KeepAliveResult.
	KeepAlive
	numClientTypes
)

// Server to client.
const (
	// StreamReady: the connection is established (connection.connectionEstablished).
	StreamReady Type = iota + numClientTypes
	// StreamError ends the connection: a stream error with the condition
	// in StreamError, then the socket closes; with no condition, the
	// socket closes without <close/>.
	StreamError
	// StreamResumed answers StreamResume: <resumed/>.
	StreamResumed
	// ResumeFailed answers StreamResume: <failed/> with Condition (the
	// server no longer holds the session).
	ResumeFailed
	// ConnectFailed: a connection attempt or a BOSH request failed at the
	// HTTP level: the WebSocket could not be opened, or the BOSH request
	// got HTTPStatus (0: no answer at all).
	ConnectFailed
	// SASLFailure answers StreamOpen: SASL <failure/> with Condition (the
	// credentials are refused).
	SASLFailure
	// NoSASLMechanism answers StreamOpen: the stream features offer no
	// SASL mechanism the client can use (no ANONYMOUS for a client without
	// credentials).
	NoSASLMechanism
	// KeepAliveResult answers KeepAlive; Text is the x-jitsi-shard header.
	KeepAliveResult
	// ConferenceResult answers ConferenceIQ: an IQ result (Focus set) or
	// an IQ error (Focus.Condition set).
	ConferenceResult
	// JoinError is a presence error answering JoinPresence.
	JoinError
	// OccupantPresence is another occupant's available presence.
	OccupantPresence
	// SelfPresence is our own presence (status 110): we are in the room,
	// with Occupants others in it before us.
	SelfPresence
	// FocusPresence is a presence of the focus occupant.
	FocusPresence
	// Unavailable is an unavailable presence in Room.
	Unavailable
	// ErrorMessage is a message of type error from the room.
	ErrorMessage
	// LobbyInvite is the moderator's invite to the main room, with Password.
	LobbyInvite
	// SessionInitiate is a Jingle session-initiate for Session, from
	// jicofo (JVB) or the other participant (P2P).
	SessionInitiate
	// IQResult answers SessionAccept, SessionTerminate, P2PInvite or
	// P2PAccept;
	// Condition is set for an IQ error.
	IQResult
	// IceState is the outcome of ICE on Session: connected or failed, or
	// disconnected for a connected transport that loses connectivity.
	IceState
	// RoomConfigResult answers RoomConfigSubmit; Condition is set when
	// the form has no muc#roomconfig_roomsecret field.
	RoomConfigResult
	// PeerSessionAccept is the other participant's session-accept,
	// answering P2PInvite.
	PeerSessionAccept
	// Network is what the network does to Session's transport, under ICE
	// and unseen by the client: Text is NetworkCut (its packets are
	// dropped from now on) or NetworkHeal. The browser notices a cut later,
	// by itself (IceState).
	Network
	numTypes
)

var typeNames = [numTypes]string{
	StreamOpen: "stream-open", ConferenceIQ: "conference-iq", JoinPresence: "join-presence",
	LobbyJoinPresence: "lobby-join-presence", LeavePresence: "leave-presence",
	RoomConfigSubmit: "room-config-submit", GroupChat: "groupchat", SessionAccept: "session-accept",
	SessionTerminate: "session-terminate", IceChecks: "ice-checks", P2PInvite: "p2p-invite", P2PAccept: "p2p-accept", Login: "login",
	Ping: "ping", StreamResume: "stream-resume", BOSHRequest: "bosh-request", KeepAlive: "keep-alive",
	StreamReady: "stream-ready", StreamError: "stream-error", StreamResumed: "stream-resumed",
	ResumeFailed: "resume-failed", ConnectFailed: "connect-failed", SASLFailure: "sasl-failure",
	NoSASLMechanism: "no-sasl-mechanism", KeepAliveResult: "keep-alive-result",
	ConferenceResult: "conference-result", JoinError: "join-error", OccupantPresence: "occupant-presence",
	SelfPresence: "self-presence", FocusPresence: "focus-presence", Unavailable: "unavailable",
	ErrorMessage: "error-message", LobbyInvite: "lobby-invite", SessionInitiate: "session-initiate",
	IQResult: "iq-result", IceState: "ice-state", RoomConfigResult: "room-config-result",
	PeerSessionAccept: "peer-session-accept", Network: "network",
}

func (t Type) String() string {
	if t < numTypes && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("wire.Type(%d)", uint8(t))
}

// FromClient reports whether the client sends messages of this type.
func (t Type) FromClient() bool { return t > 0 && t < numClientTypes }

// Room says which room a presence or message belongs to.
type Room uint8

// The rooms.
const (
	MainRoom Room = iota
	LobbyRoom
)

// Session names a Jingle session.
type Session uint8

// The sessions.
const (
	NoSession Session = iota
	JVB
	P2P
)

func (s Session) String() string {
	switch s {
	case JVB:
		return "jvb"
	case P2P:
		return "p2p"
	}
	return ""
}

// Ice outcomes.
const (
	IceConnected    = "connected"
	IceFailed       = "failed"
	IceDisconnected = "disconnected"
	// PeerConnectionClosed: the browser closed the peer connection under
	// us (the machine was suspended): its signalling state is closed.
	PeerConnectionClosed = "closed"
)

// What the network does to a transport (Network).
const (
	NetworkCut  = "cut"
	NetworkHeal = "heal"
)

// What an SDP offer or answer lets the receiver do with it.
const (
	OfferUsable        = ""
	OfferUnusable      = "unusable"        // setRemoteDescription rejects it
	OfferNoCommonCodec = "no-common-codec" // createAnswer fails on it
)

// Message is one wire message. Type says which fields matter.
type Message struct {
	Type    Type
	Room    Room
	Session Session

	// Password of JoinPresence, RoomConfigSubmit and LobbyInvite.
	Password string
	// Text of GroupChat, the reason of a Login-less message, the ICE
	// outcome of IceState, the region of SessionInitiate.
	Text string
	// Condition of an IQ error (IQResult, RoomConfigResult).
	Condition string
	// For is the request an IQResult answers.
	For Type
	// Offer says whether the SDP of SessionInitiate or PeerSessionAccept
	// can be used (an Offer* value).
	Offer string
	// NoCandidates, with SessionInitiate: the offer carries no ICE
	// candidate.
	NoCandidates bool
	// StreamManagement, with StreamReady: the features after SASL offer
	// XEP-0198 (urn:xmpp:sm:3) with resumption.
	StreamManagement bool
	// HTTPStatus of ConnectFailed.
	HTTPStatus int
	// DisplayNameRequired, with StreamReady: the lobby component's
	// disco#info has the #displayname_required feature.
	DisplayNameRequired bool
	// Restart marks a SessionTerminate that asks for a new session.
	Restart bool
	// HTTP marks a ConferenceIQ sent to conferenceRequestUrl.
	HTTP bool
	// Nick of OccupantPresence, and the display name (<nick>) a
	// JoinPresence carries when the application set one.
	Nick string
	// Occupants already in the room, with SelfPresence.
	Occupants int
	// MembersOnly is the room's disco#info muc_membersonly, with
	// SelfPresence.
	MembersOnly bool
	// Role is our MUC role, with SelfPresence.
	Role string
	// MeetingID is the room's disco#info muc#roominfo_meetingId, and
	// VisitorsEnabled its muc#roominfo_visitorsEnabled, with SelfPresence.
	MeetingID       string
	VisitorsEnabled bool

	Focus       FocusAnswer
	JoinErr     PresenceError
	Unavail     UnavailablePresence
	FocusPres   FocusPresenceInfo
	ErrMessage  ErrorMessageInfo
	StreamError string // the stream error condition of StreamError; "" for a socket closed without <close/>
}

// FocusAnswer is jicofo's (or mod_reservations') answer to a conference
// request.
type FocusAnswer struct {
	OK                bool
	Ready             bool
	Live              bool
	Vnode             string
	FocusJid          string
	AuthEnabled       bool
	Identity          string
	VisitorsSupported bool
	HTTPStatus        int    // HTTP mode only
	Condition         string // IQ error condition
	SessionInvalid    bool   // <session-invalid/>
	GracefulShutdown  bool   // <graceful-shutdown/>
	ReservationCode   string // <reservation-error error-code=...>
	Text              string
}

// PresenceError is an error answer to a MUC join presence.
type PresenceError struct {
	Type      string // auth, cancel, modify, wait
	Condition string
	Child     string // application-specific child element
	LobbyAttr string // lobby attribute of <displayname-required>
	LobbyRoom string // <lobbyroom> text
	Waiting   bool   // <waiting-for-host/>
	ToDomain  string // the domain the join went to
	Text      string
}

// UnavailablePresence is an unavailable presence in a room.
type UnavailablePresence struct {
	Nick    string
	RealJid string // the occupant's real jid, when the room shows it
	Self    bool   // status 110
	Kicked  bool   // status 307
	Actor   string
	Reason  string
	Destroy bool   // a muc#user <destroy> element
	AltJid  string // its jid attribute
}

// FocusPresenceInfo is what a presence of the focus occupant carries.
type FocusPresenceInfo struct {
	BridgeNotAvailable    bool
	JicofoMajor, JVBMajor int
	// SupportTerminateRestart is the one conference property jicofo's
	// presence carries (<conference-properties>): support-terminate-restart.
	SupportTerminateRestart bool
}

// ErrorMessageInfo is a message of type error from the room.
type ErrorMessageInfo struct {
	Condition     string
	Text          string
	SettingsError string // the text of a <settings-error> child
}

// String renders the message for transcripts, e.g.
// "join-error auth/not-authorized".
func (m Message) String() string {
	var b strings.Builder
	b.WriteString(m.Type.String())
	if m.Session != NoSession {
		b.WriteString(" " + m.Session.String())
	}
	if m.Room == LobbyRoom {
		b.WriteString(" lobby")
	}
	switch m.Type {
	case ConferenceResult:
		f := m.Focus
		switch {
		case f.OK:
			fmt.Fprintf(&b, " ready=%t live=%t", f.Ready, f.Live)
			if f.Vnode != "" {
				b.WriteString(" vnode=" + f.Vnode)
			}
		case f.HTTPStatus != 0:
			fmt.Fprintf(&b, " http=%d", f.HTTPStatus)
		default:
			b.WriteString(" error=" + f.Condition)
			if f.ReservationCode != "" {
				b.WriteString(" reservation-error=" + f.ReservationCode)
			}
			if f.SessionInvalid {
				b.WriteString(" session-invalid")
			}
			if f.GracefulShutdown {
				b.WriteString(" graceful-shutdown")
			}
		}
	case JoinError:
		b.WriteString(" " + m.JoinErr.Type + "/" + m.JoinErr.Condition)
		if m.JoinErr.Child != "" {
			b.WriteString(" <" + m.JoinErr.Child + ">")
		}
	case Unavailable:
		u := m.Unavail
		if u.Nick != "" {
			b.WriteString(" " + u.Nick)
		}
		if u.Self {
			b.WriteString(" 110")
		}
		if u.Kicked {
			b.WriteString(" 307")
		}
		if u.Destroy {
			b.WriteString(" destroy")
		}
	case IQResult, RoomConfigResult:
		if m.Condition != "" {
			b.WriteString(" error=" + m.Condition)
		}
	case IceState:
		b.WriteString(" " + m.Text)
	case StreamError:
		if m.StreamError != "" {
			b.WriteString(" " + m.StreamError)
		}
	case ResumeFailed, SASLFailure:
		b.WriteString(" " + m.Condition)
	case ConnectFailed:
		fmt.Fprintf(&b, " http=%d", m.HTTPStatus)
	case KeepAliveResult:
		if m.Text != "" {
			b.WriteString(" x-jitsi-shard=" + m.Text)
		}
	case OccupantPresence:
		b.WriteString(" " + m.Nick)
	case SelfPresence:
		fmt.Fprintf(&b, " occupants=%d", m.Occupants)
	}
	return b.String()
}

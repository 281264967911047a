package xmpp

import (
	"fmt"

	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// This file renders the server side's wire messages as the stanzas prosody
// and jicofo send.

// focusNick is jicofo's nick in the room.
const focusNick = "focus"

// deliver renders one message from the server side to the client.
func (st *state) deliver(m wire.Message) {
	switch m.Type {
	case wire.StreamReady:
		r := m
		st.ready = &r // bind answers it (session.bind)
	case wire.StreamError:
		st.streamError(m)
	case wire.StreamResumed, wire.ResumeFailed:
		r := m
		st.resumeAnswer = &r // session.resume renders it
	case wire.ConnectFailed, wire.SASLFailure, wire.NoSASLMechanism, wire.KeepAliveResult:
		// The endpoint refuses sockets, SASL and answers the keep-alive
		// itself, asking the server side (serveWebSocket, open, auth).
	case wire.ConferenceResult:
		if st.httpWaiting {
			// Answering a POST to conferenceRequestUrl (serveConferenceRequest).
			f := m.Focus
			st.httpAnswer, st.httpWaiting = &f, false
			if f.OK && f.Ready && f.Vnode == "" {
				st.focusIn = true
			}
			return
		}
		st.conferenceResult(m.Focus)
	case wire.JoinError:
		st.joinError(m.JoinErr)
	case wire.SelfPresence:
		st.joined(m)
	case wire.OccupantPresence:
		if st.occupant {
			st.send(st.occupantPresence(m.Nick))
		}
	case wire.FocusPresence:
		switch {
		case st.occupant:
			st.focusIn = true
			st.send(st.focusPresence(m.FocusPres))
		case st.joinPending:
			// The focus's presence among the occupants' before ours:
			// joined renders it first.
			f := m.FocusPres
			st.focusFirst = &f
		}
	case wire.Unavailable:
		if m.Room == wire.LobbyRoom {
			st.lobbyUnavailable(m.Unavail)
		} else {
			st.unavailable(m.Unavail)
		}
	case wire.ErrorMessage:
		if st.occupant {
			st.errorMessage(m.ErrMessage)
		}
	case wire.LobbyInvite:
		st.lobbyInvite(m.Password)
	case wire.SessionInitiate:
		if st.occupant {
			st.sessionInitiate(m)
		}
	case wire.IQResult:
		st.iqAnswer(m.For, m.Condition)
	case wire.RoomConfigResult:
		if m.Condition == "" {
			st.locked = m.Password != ""
		}
		st.iqAnswer(wire.RoomConfigSubmit, m.Condition)
		if m.Condition == "" && st.occupant {
			// Status 104: the configuration changed; ChatRoom.onMessage
			// asks the room's disco#info again (MUC_LOCK_CHANGED).
			st.send(el("message", "xmlns", nsClient, "type", "groupchat", "from", st.room, "to", st.jid()).
				add(el("x", "xmlns", nsMUCUser).add(el("status", "code", "104"))))
		}
	case wire.PeerSessionAccept:
		if st.occupant && st.p2pPeer != "" {
			st.renderPeerAccept(m)
		}
	case wire.Network:
		st.network(m)
	case wire.IceState:
		// ICE is between the client's and the bridge's transports, not a
		// stanza: with a real bridge, its network (bridge.go).
		st.iceState(m)
	}
}

// streamError ends the connection: with no condition, a WebSocket closed
// without <close/> (Strophe: "Websocket closed unexpectedly"); otherwise a
// stream error with the condition, then <close/>.
func (st *state) streamError(m wire.Message) {
	c := st.cur
	if m.StreamError == "" && st.srv.Hibernating() {
		// mod_smacks keeps the session and its rooms for a resumption.
		if c != nil {
			c.closeNow()
		}
		return
	}
	st.sm = smState{}
	st.occupant, st.joinPending, st.inLobby, st.focusIn = false, false, false, false
	clear(st.sids)
	st.endBridges()
	st.dropScope(wire.JVB)
	st.dropScope(wire.P2P)
	if c == nil {
		return
	}
	if m.StreamError == "" {
		c.closeNow()
		return
	}
	c.streamError(m.StreamError)
}

// conferenceResult is jicofo's answer to the conference IQ (or
// mod_reservations' refusal of it).
func (st *state) conferenceResult(f wire.FocusAnswer) {
	id, from := st.pending[wire.ConferenceIQ], st.pendingFrom[wire.ConferenceIQ]
	if from == "" {
		from = sim.FocusComponent
	}
	if !f.OK {
		// An HTTP answer has no stanza; the harness does not use
		// conferenceRequestUrl.
		cond := f.Condition
		if cond == "" {
			cond = "internal-server-error"
		}
		e := el("error", "type", errorType(cond)).add(el(cond, "xmlns", nsStanzas))
		if f.SessionInvalid {
			e.add(el("session-invalid", "xmlns", nsFocus))
		}
		if f.GracefulShutdown {
			e.add(el("graceful-shutdown", "xmlns", nsFocus))
		}
		if f.ReservationCode != "" {
			// mod_reservations: <reservation-error error-code=...>, with
			// the API's message as <text> (Moderator._handleIqError).
			e.add(el("reservation-error", "xmlns", nsFocus, "error-code", f.ReservationCode))
		}
		if f.Text != "" {
			e.add(el("text", "xmlns", nsStanzas).txt(f.Text))
		}
		st.send(el("iq", "xmlns", nsClient, "type", "error", "id", id, "from", from, "to", st.jid()).add(e))
		return
	}
	focusJid := f.FocusJid
	if focusJid == "" {
		focusJid = sim.FocusJid
	}
	c := el("conference", "xmlns", nsFocus, "ready", boolWord(f.Ready), "room", st.room, "focusjid", focusJid,
		"identity", f.Identity, "vnode", f.Vnode)
	prop := func(name, value string) { c.add(el("property", "name", name, "value", value)) }
	prop("authentication", boolWord(f.AuthEnabled))
	prop("sipGatewayEnabled", "false")
	if f.VisitorsSupported {
		prop("visitors-supported", "true")
	}
	if !f.Live {
		// Moderator._parseConferenceIq: only an explicit false matters.
		prop("live", "false")
	}
	if f.Ready && f.Vnode == "" {
		st.focusIn = true // jicofo has joined the room
	}
	st.send(el("iq", "xmlns", nsClient, "type", "result", "id", id, "from", from, "to", st.jid()).add(c))
}

func boolWord(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// joinError is prosody's refusal of the join presence:
// ChatRoom.onPresenceError classifies its condition and children.
func (st *state) joinError(pe wire.PresenceError) {
	if !st.joinPending {
		return
	}
	st.joinPending = false
	to := st.jid()
	if pe.ToDomain != "" && to != "" {
		// the domain the join went from (the guest domain, for
		// ROOM_JOIN_ERROR's anonymousdomain check).
		to = localpart(to) + "@" + pe.ToDomain + "/" + resource(to)
	}
	typ := pe.Type
	if typ == "" {
		typ = errorType(pe.Condition)
	}
	e := el("error", "type", typ).add(el(pe.Condition, "xmlns", nsStanzas))
	switch pe.Child {
	case "":
	case "displayname-required":
		e.add(el("displayname-required", "xmlns", nsJitMeet, "lobby", pe.LobbyAttr))
	case "room-does-not-exist", "authentication-required":
		e.add(el(pe.Child, "xmlns", nsJitMeet))
	case "no-main-participants", "promotion-not-allowed", "no-visitors-lobby":
		e.add(el(pe.Child, "xmlns", nsVisitors))
	default:
		e.add(el(pe.Child, "xmlns", nsJitMeet))
	}
	if pe.LobbyRoom != "" {
		e.add(el("lobbyroom", "xmlns", nsJitMeet).txt(pe.LobbyRoom))
	}
	if pe.Waiting {
		e.add(el("waiting-for-host", "xmlns", nsJitMeet))
	}
	if pe.Text != "" {
		e.add(el("text", "xmlns", nsStanzas).txt(pe.Text))
	}
	p := el("presence", "xmlns", nsClient, "type", "error", "from", st.room+"/"+st.nick, "to", to).
		add(el("x", "xmlns", nsMUC), e)
	if pe.LobbyRoom != "" {
		// mod_muc_lobby_rooms also puts the lobby room's jid, without a
		// namespace, beside the error ("TODO: Drop this tag ... when all
		// mobile clients and jigasi are updated"): where lib-jitsi-meet of
		// 2021 (ChatRoom.onPresenceError, '>lobbyroom') reads it. The
		// current library reads the one inside <error>.
		p.add(el("lobbyroom").txt(pe.LobbyRoom))
	}
	st.send(p)
}

// joined answers a successful join as prosody does: the occupants' presences
// first (jicofo's, then the others'), our own last, with status 110 (and 201
// when we created the room).
func (st *state) joined(m wire.Message) {
	if !st.joinPending {
		return
	}
	st.joinPending = false
	created := !st.focusIn && m.Occupants == 0
	st.occupant = true
	st.membersOnly = m.MembersOnly
	st.role, st.meetingID, st.visitorsEnabled = m.Role, m.MeetingID, m.VisitorsEnabled
	switch {
	case st.focusFirst != nil:
		st.send(st.focusPresence(*st.focusFirst))
		st.focusFirst, st.focusIn = nil, true
	case st.focusIn:
		st.send(st.focusPresence(wire.FocusPresenceInfo{SupportTerminateRestart: true}))
	}
	for i := range m.Occupants {
		st.send(st.occupantPresence(st.cfg.Room.ParticipantID(i)))
	}
	st.send(st.selfPresence(created))
}

// selfItem: we are the room's owner. Jicofo's auto-owner grants it to the
// first participant; the model has no roles, so every participant is one
// here, which lets lock() reach the room configuration form.
func (st *state) selfPresence(created bool) *node {
	p := el("presence", "xmlns", nsClient, "from", st.room+"/"+st.nick, "to", st.jid())
	for _, c := range st.joinExtras {
		p.add(fromElement(c, nsClient))
	}
	role := st.role
	if role == "" {
		role = "moderator"
	}
	x := el("x", "xmlns", nsMUCUser).add(el("item", "affiliation", "owner", "role", role, "jid", st.jid()),
		el("status", "code", "110"))
	if created {
		x.add(el("status", "code", "201"))
	}
	return p.add(x)
}

// occupantPresence is another participant's presence; its nick is the
// library's participant id.
func (st *state) occupantPresence(nick string) *node {
	return el("presence", "xmlns", nsClient, "from", st.room+"/"+nick, "to", st.jid()).add(
		el("nick", "xmlns", "http://jabber.org/protocol/nick").txt(nick),
		el("x", "xmlns", nsMUCUser).add(el("item", "affiliation", "none", "role", "participant",
			"jid", nick+"@"+sim.Domain+"/"+nick)))
}

// focusPresence is jicofo's presence: ChatRoom.onPresence recognises the
// focus by its real jid starting with the focusjid of the conference
// answer.
func (st *state) focusPresence(f wire.FocusPresenceInfo) *node {
	p := el("presence", "xmlns", nsClient, "from", st.room+"/"+focusNick, "to", st.jid()).add(
		el("x", "xmlns", nsMUCUser).add(el("item", "affiliation", "owner", "role", "moderator", "jid", sim.FocusJid+"/"+focusNick)),
		el("conference-properties", "xmlns", nsFocus).add(el("property", "key", "support-terminate-restart", "value", "true")))
	if f.BridgeNotAvailable {
		p.add(el("bridgeNotAvailable", "xmlns", nsFocus))
	}
	if f.JicofoMajor != 0 || f.JVBMajor != 0 {
		p.add(el("versions", "xmlns", nsJitMeet).add(
			el("component", "name", "focus").txt(fmt.Sprintf("%d.0.0", f.JicofoMajor)),
			el("component", "name", "videobridge").txt(fmt.Sprintf("%d.0.0", f.JVBMajor))))
	}
	return p
}

// unavailable is an unavailable presence in the main room: another
// participant or jicofo leaving, or us leaving, kicked, or the room
// destroyed.
func (st *state) unavailable(u wire.UnavailablePresence) {
	if !st.occupant {
		return
	}
	nick := u.Nick
	self := u.Self || u.Destroy || nick == "me"
	if self {
		nick = st.nick
	}
	x := el("x", "xmlns", nsMUCUser)
	var item *node
	switch {
	case u.RealJid != "" && !self:
		item = el("item", "affiliation", "owner", "role", "none", "jid", u.RealJid+"/"+nick)
	case !self:
		item = el("item", "affiliation", "none", "role", "none", "jid", nick+"@"+sim.Domain+"/"+nick)
	default:
		item = el("item", "affiliation", "owner", "role", "none", "jid", st.jid())
	}
	if u.Kicked {
		if u.Actor != "" {
			item.add(el("actor", "nick", u.Actor))
		}
		if u.Reason != "" {
			item.add(el("reason").txt(u.Reason))
		}
	}
	x.add(item)
	if u.Destroy {
		d := el("destroy", "jid", u.AltJid)
		if u.Reason != "" {
			d.add(el("reason").txt(u.Reason))
		}
		x.add(d)
	}
	if self {
		x.add(el("status", "code", "110"))
	}
	if u.Kicked {
		x.add(el("status", "code", "307"))
	}
	st.send(el("presence", "xmlns", nsClient, "type", "unavailable", "from", st.room+"/"+nick, "to", st.jid()).add(x))
	if self {
		st.occupant, st.focusIn = false, false
		clear(st.sids)
		st.endBridges()
		st.dropScope(wire.JVB)
		st.dropScope(wire.P2P)
	} else if nick == focusNick {
		st.focusIn = false
	}
}

// lobbyUnavailable ends our stay in the lobby room: a kick (denied) or its
// destruction, with the main room as alternate jid when the lobby was
// turned off.
func (st *state) lobbyUnavailable(u wire.UnavailablePresence) {
	if !st.inLobby {
		return
	}
	st.inLobby = false
	x := el("x", "xmlns", nsMUCUser).add(el("item", "affiliation", "none", "role", "none", "jid", st.jid()))
	if u.Destroy {
		d := el("destroy", "jid", u.AltJid)
		if u.Reason != "" {
			d.add(el("reason").txt(u.Reason))
		}
		x.add(d)
	}
	x.add(el("status", "code", "110"))
	if u.Kicked {
		x.add(el("status", "code", "307"))
	}
	st.send(el("presence", "xmlns", nsClient, "type", "unavailable", "from", st.lobbyJid+"/"+st.lobbyNick, "to", st.jid()).add(x))
}

// errorMessage is a message of type error from the room (a bounced chat
// message, or jicofo's settings error).
func (st *state) errorMessage(e wire.ErrorMessageInfo) {
	cond := e.Condition
	if cond == "" {
		cond = "undefined-condition"
	}
	er := el("error", "type", errorType(cond)).add(el(cond, "xmlns", nsStanzas))
	if e.Text != "" {
		er.add(el("text", "xmlns", nsStanzas).txt(e.Text))
	}
	m := el("message", "xmlns", nsClient, "type", "error", "from", st.room, "to", st.jid()).add(er)
	if e.SettingsError != "" {
		m.add(el("settings-error", "xmlns", nsJitMeet).add(el("text").txt(e.SettingsError)))
	}
	st.send(m)
}

// lobbyInvite is the lobby's invite to the main room after a moderator's
// approval (mod_muc_lobby_rooms): ChatRoom.onMessage emits
// INVITE_MESSAGE_RECEIVED and Lobby joins the main room with the password.
func (st *state) lobbyInvite(password string) {
	if st.room == "" {
		return
	}
	x := el("x", "xmlns", nsMUCUser).add(el("invite", "from", st.room+"/p1"))
	if password != "" {
		x.add(el("password").txt(password))
	}
	st.send(el("message", "xmlns", nsClient, "from", st.room, "to", st.jid()).add(x))
}

// sessionInitiate is jicofo's Jingle offer for the JVB session (or the
// other participant's for P2P). It is minimal: one audio content with
// opus and rtcp-mux (which a browser requires), ICE credentials, a DTLS
// fingerprint and a TEST-NET candidate
// (192.0.2.1, unreachable: see real-library-notes §4), and jicofo's
// <bridge-session> with the region.
func (st *state) sessionInitiate(m wire.Message) {
	st.sidNext++
	sid := fmt.Sprintf("confsim-sid-%d", st.sidNext)
	st.sids[m.Session] = sid
	from := st.room + "/" + focusNick
	content := "audio"
	if m.Session == wire.P2P {
		// The other participant's offer. Its contents are named as a
		// unified-plan client names them ('0', '1'): _onIncomingCallP2P
		// declines any other.
		st.p2pPeer = st.room + "/" + st.cfg.Room.ParticipantID(0)
		from, content = st.p2pPeer, "0"
	}
	if m.Offer == wire.OfferUsable && st.newBridge != nil {
		switch {
		case m.Session == wire.JVB && st.bridgeInitiate(m, sid, from):
			return
		case m.Session == wire.P2P && st.peerInitiate(sid):
			return
		}
	}
	codec := el("payload-type", "id", "111", "name", "opus", "clockrate", "48000", "channels", "2")
	if m.Offer == wire.OfferNoCommonCodec {
		codec = el("payload-type", "id", "98", "name", "x-confsim-none", "clockrate", "90000")
	}
	transport := el("transport", "xmlns", nsICEUDP, "ufrag", "confsim", "pwd", "confsimconfsimconfsim01")
	if m.Offer != wire.OfferUnusable {
		transport.add(el("fingerprint", "xmlns", nsDTLS, "hash", "sha-256", "setup", "actpass").
			txt("00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"))
	}
	if !m.NoCandidates {
		transport.add(el("candidate", "component", "1", "foundation", "1", "generation", "0", "id", "c1",
			"ip", "192.0.2.1", "network", "0", "port", "10000", "priority", "2130706431", "protocol", "udp", "type", "host"))
	}
	c := el("content", "creator", "initiator", "name", content, "senders", "both").add(
		el("description", "xmlns", nsRTP, "media", "audio").add(codec, el("rtcp-mux")), transport)
	// A browser's max-bundle policy wants a BUNDLE group.
	extra := []*node{el("group", "xmlns", "urn:xmpp:jingle:apps:grouping:0", "semantics", "BUNDLE").add(el("content", "name", content))}
	if m.Session == wire.JVB {
		extra = append(extra, el("bridge-session", "xmlns", nsFocus, "id", "confsim-bridge-session-"+fmt.Sprint(st.sidNext), "region", m.Text))
	}
	st.sendJingle(from, "session-initiate", sid, append([]*node{c}, extra...))
}

// renderPeerAccept is the other participant's session-accept of our P2P
// offer: a real peer's answer when there is one to make, else (and when
// the server side says the answer is unusable) one without contents,
// which the browser rejects (its m-lines are not the offer's).
func (st *state) renderPeerAccept(m wire.Message) {
	if m.Offer == wire.OfferUsable && st.newBridge != nil && st.peerAccept() {
		return
	}
	st.endBridge(wire.P2P)
	st.sendJingle(st.p2pPeer, "session-accept", st.sids[wire.P2P], nil)
}

// sendJingle sends a Jingle request to the client.
func (st *state) sendJingle(from, action, sid string, kids []*node) {
	initiator := sim.FocusJid + "/" + focusNick
	if from != st.room+"/"+focusNick {
		initiator = from
	}
	j := el("jingle", "xmlns", nsJingle, "action", action, "initiator", initiator, "sid", sid).add(kids...)
	st.send(el("iq", "xmlns", nsClient, "type", "set", "id", st.newID("jingle"), "from", from, "to", st.jid()).add(j))
}

// iqAnswer answers the pending request of type t: a result, or an IQ
// error with cond.
func (st *state) iqAnswer(t wire.Type, cond string) {
	id, ok := st.pending[t]
	if !ok {
		return
	}
	delete(st.pending, t)
	from := st.pendingFrom[t]
	typ := "result"
	if cond != "" {
		typ = "error"
	}
	iq := el("iq", "xmlns", nsClient, "type", typ, "id", id, "from", from, "to", st.jid())
	if cond != "" {
		iq.add(el("error", "type", errorType(cond)).add(el(cond, "xmlns", nsStanzas)))
	}
	st.send(iq)
}

package xmpp

import (
	"cmp"
	"strings"

	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// This file reads what the client sends once bound: it answers what prosody
// answers on its own and hands the rest to the server side as wire
// messages.

// MeetingID is the room's muc#roominfo_meetingId until the server side
// names one (sim.MeetingID).
const MeetingID = sim.MeetingID

// lobbyDomain is prosody's lobby MUC component (mod_muc_lobby_rooms).
var lobbyDomain = "lobby." + sim.Domain

func bare(jid string) string {
	if i := strings.IndexByte(jid, '/'); i >= 0 {
		return jid[:i]
	}
	return jid
}

func resource(jid string) string {
	if i := strings.IndexByte(jid, '/'); i >= 0 {
		return jid[i+1:]
	}
	return ""
}

func domain(jid string) string {
	j := bare(jid)
	if i := strings.IndexByte(j, '@'); i >= 0 {
		return j[i+1:]
	}
	return j
}

func localpart(jid string) string {
	j := bare(jid)
	if i := strings.IndexByte(j, '@'); i >= 0 {
		return j[:i]
	}
	return ""
}

// isLobbyRoom says whether a room jid is on the lobby component.
func isLobbyRoom(jid string) bool { return strings.HasPrefix(domain(jid), "lobby.") }

// reply starts an answer to a client IQ.
func (st *state) reply(iq *Element, typ string) *node {
	from := iq.Attr("to")
	return el("iq", "xmlns", nsClient, "type", typ, "id", iq.Attr("id"), "from", from, "to", st.jid())
}

// iqError answers a client IQ with a stanza error (RFC 6120 §8.3).
func (st *state) iqError(iq *Element, typ, cond string, extra ...*node) {
	e := el("error", "type", typ).add(el(cond, "xmlns", nsStanzas)).add(extra...)
	st.send(st.reply(iq, "error").add(e))
}

func errorType(cond string) string {
	switch cond {
	case "not-authorized", "forbidden", "registration-required":
		return "auth"
	case "bad-request", "not-acceptable", "jid-malformed":
		return "modify"
	case "remote-server-timeout", "resource-constraint":
		return "wait"
	}
	return "cancel"
}

// iq handles a client IQ.
func (st *state) iq(s *session, iq *Element) {
	typ := iq.Attr("type")
	switch typ {
	case "result", "error":
		return // answers to the endpoint's own requests (a session-initiate's ack)
	case "get", "set":
	default:
		st.iqError(iq, "modify", "bad-request")
		return
	}
	if len(iq.Children) != 1 {
		// RFC 6120 §8.2.3: a get or set has exactly one payload.
		st.iqError(iq, "modify", "bad-request")
		return
	}
	p := iq.Children[0]
	to := iq.Attr("to")
	switch {
	case p.Space == nsPing && p.Name == "ping":
		st.send(st.reply(iq, "result"))
	case p.Space == nsSession && p.Name == "session":
		st.send(st.reply(iq, "result"))
	case (p.Space == nsExtdisco || p.Space == "urn:xmpp:extdisco:1") && p.Name == "services" && typ == "get":
		// No STUN or TURN services: an empty list, as prosody's
		// mod_external_services without any configured.
		st.send(st.reply(iq, "result").add(el("services", "xmlns", p.Space)))
	case p.Space == nsDiscoInf && p.Name == "query" && typ == "get":
		st.disco(s, iq, to, p)
	case p.Space == nsFocus && p.Name == "conference" && typ == "set":
		st.conferenceRequest(iq, p)
	case p.Space == nsMUCOwner && p.Name == "query" && st.room != "" && bare(to) == st.room:
		st.owner(iq, p)
	case p.Space == nsJingle && p.Name == "jingle" && typ == "set":
		st.jingle(iq, p)
	default:
		// Prosody answers a request nobody handles with service-unavailable.
		st.iqError(iq, "cancel", "service-unavailable")
	}
}

// disco answers disco#info for the server, the lobby component, the room
// and the focus component.
func (st *state) disco(s *session, iq *Element, to string, q *Element) {
	res := st.reply(iq, "result")
	query := el("query", "xmlns", nsDiscoInf, "node", q.Attr("node"))
	feature := func(v string) { query.add(el("feature", "var", v)) }
	switch {
	case to == "" || to == s.domain || to == sim.Domain:
		query.add(el("identity", "category", "server", "type", "im", "name", "Prosody"),
			// mod_muc_lobby_rooms announces its component; xmpp.ts then
			// asks the component for #displayname_required.
			el("identity", "category", "component", "type", "lobbyrooms", "name", lobbyDomain))
		for _, f := range []string{nsDiscoInf, "http://jabber.org/protocol/disco#items", nsPing, nsExtdisco, "jabber:iq:version"} {
			feature(f)
		}
	case to == lobbyDomain:
		query.add(el("identity", "category", "conference", "type", "text", "name", "Lobby"))
		feature(nsDiscoInf)
		feature(nsMUC)
		if st.ready != nil && st.ready.DisplayNameRequired {
			feature(nsLobby + "#displayname_required")
		}
	case to == sim.FocusComponent:
		query.add(el("identity", "category", "component", "type", "focus", "name", "Jitsi Meet Focus"))
		feature(nsDiscoInf)
	case st.room != "" && bare(to) == st.room && st.occupant:
		st.roomInfo(query)
	default:
		if st.room != "" && bare(to) == st.room {
			st.iqError(iq, "cancel", "item-not-found")
			return
		}
		st.iqError(iq, "cancel", "service-unavailable")
		return
	}
	st.send(res.add(query))
}

// roomInfo is the room's disco#info: ChatRoom.discoRoomInfo reads
// muc_passwordprotected, muc_membersonly and the muc#roominfo form.
func (st *state) roomInfo(query *node) {
	query.add(el("identity", "category", "conference", "type", "text", "name", localpart(st.room)))
	for _, f := range []string{nsDiscoInf, nsMUC, "muc_public", "muc_persistent_false", "muc_open"} {
		if f == "muc_open" && st.membersOnly {
			f = "muc_membersonly"
		}
		query.add(el("feature", "var", f))
	}
	if st.locked {
		query.add(el("feature", "var", "muc_passwordprotected"))
	} else {
		query.add(el("feature", "var", "muc_unsecured"))
	}
	form := el("x", "xmlns", nsData, "type", "result").add(
		el("field", "var", "FORM_TYPE", "type", "hidden").add(el("value").txt("http://jabber.org/protocol/muc#roominfo")),
		el("field", "var", "muc#roominfo_meetingId", "type", "text-single", "label", "The meeting unique id.").add(el("value").txt(cmp.Or(st.meetingID, MeetingID))),
	)
	if st.visitorsEnabled {
		// ChatRoom.discoRoomInfo: visitorsSupported when the value is '1'.
		form.add(el("field", "var", "muc#roominfo_visitorsEnabled", "type", "boolean").add(el("value").txt("1")))
	}
	if st.lobbyJid != "" {
		form.add(el("field", "var", "muc#roominfo_lobbyroom", "type", "text-single").add(el("value").txt(st.lobbyJid)))
	}
	query.add(form)
}

// conferenceRequest is the conference IQ to the focus.
func (st *state) conferenceRequest(iq, c *Element) {
	room := c.Attr("room")
	if room == "" || strings.ContainsAny(room, "/") || !strings.Contains(room, "@") {
		st.iqError(iq, "modify", "bad-request")
		return
	}
	if !st.occupant {
		st.room = room
	}
	st.pending[wire.ConferenceIQ] = iq.Attr("id")
	st.pendingFrom[wire.ConferenceIQ] = iq.Attr("to")
	st.receive(wire.Message{Type: wire.ConferenceIQ})
}

// owner is the muc#owner room configuration: prosody answers the form to
// owners (we are one: see selfItem) and applies a submitted one.
func (st *state) owner(iq, q *Element) {
	if !st.occupant {
		st.iqError(iq, "auth", "forbidden")
		return
	}
	if iq.Attr("type") == "get" {
		form := el("x", "xmlns", nsData, "type", "form").add(
			el("title").txt("Configuration for "+st.room),
			el("field", "var", "FORM_TYPE", "type", "hidden").add(el("value").txt("http://jabber.org/protocol/muc#roomconfig")),
			el("field", "var", "muc#roomconfig_roomname", "type", "text-single", "label", "Title"),
			el("field", "var", "muc#roomconfig_persistentroom", "type", "boolean", "label", "Persistent (what prosody calls it)").add(el("value").txt("0")),
			el("field", "var", "muc#roomconfig_membersonly", "type", "boolean", "label", "Only allow members to join").add(el("value").txt(boolText(st.membersOnly))),
			el("field", "var", "muc#roomconfig_whois", "type", "list-single", "label", "Addresses (JIDs) of room occupants may be viewed by").add(el("value").txt("anyone")),
		)
		// A deployment without password support has no roomsecret field
		// (ChatRoom.lockRoom then calls onNotSupported).
		if !st.noSecret {
			form.add(el("field", "var", "muc#roomconfig_roomsecret", "type", "text-private", "label", "Password"))
		}
		st.send(st.reply(iq, "result").add(el("query", "xmlns", nsMUCOwner).add(form)))
		return
	}
	x := q.Child(nsData, "x")
	if x == nil || x.Attr("type") == "cancel" {
		st.send(st.reply(iq, "result"))
		return
	}
	for _, f := range x.Children {
		if f.Name == "field" && f.Attr("var") == "muc#roomconfig_roomsecret" {
			pw := ""
			if v := f.Child("", "value"); v != nil {
				pw = v.Text
			}
			st.pending[wire.RoomConfigSubmit] = iq.Attr("id")
			st.pendingFrom[wire.RoomConfigSubmit] = iq.Attr("to")
			st.receive(wire.Message{Type: wire.RoomConfigSubmit, Password: pw})
			return
		}
	}
	st.send(st.reply(iq, "result")) // e.g. createNonAnonymousRoom's whois
}

func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// jingle handles the client's Jingle requests.
func (st *state) jingle(iq, j *Element) {
	action, sid := j.Attr("action"), j.Attr("sid")
	session := wire.NoSession
	for s, id := range st.sids {
		if id == sid && sid != "" {
			session = s
		}
	}
	if action == "session-initiate" && strings.HasPrefix(iq.Attr("to"), st.room+"/") && st.occupant {
		// Our P2P offer to another participant (JingleSessionPC.invite).
		// A real other participant answers it when the server side says
		// it can (renderPeerAccept).
		st.endBridge(wire.P2P)
		st.sids[wire.P2P] = sid
		st.p2pPeer = iq.Attr("to")
		if st.newBridge != nil {
			st.p2pOffer = fromElement(j, nsClient).String()
		}
		st.send(st.reply(iq, "result"))
		st.receive(wire.Message{Type: wire.P2PInvite, Session: wire.P2P})
		return
	}
	if session == wire.NoSession {
		// XEP-0166 §7.3: an unknown session.
		st.iqError(iq, "cancel", "item-not-found", el("unknown-session", "xmlns", "urn:xmpp:jingle:errors:1"))
		return
	}
	switch {
	case action == "session-accept" && session == wire.P2P:
		// Our answer to the other participant's P2P offer; its peer, if
		// real, takes it once the other participant acknowledges it.
		st.pending[wire.P2PAccept] = iq.Attr("id")
		st.pendingFrom[wire.P2PAccept] = iq.Attr("to")
		got := st.receive(wire.Message{Type: wire.P2PAccept, Session: wire.P2P})
		st.bridgeAccept(session, wire.P2PAccept, j, got)
	case action == "session-accept":
		st.pending[wire.SessionAccept] = iq.Attr("id")
		st.pendingFrom[wire.SessionAccept] = iq.Attr("to")
		got := st.receive(wire.Message{Type: wire.SessionAccept, Session: session})
		// The bridge gets the answer only when jicofo takes it: one it
		// refuses, or never answers, configures no bridge.
		st.bridgeAccept(session, wire.SessionAccept, j, got)
	case action == "session-info" && session == wire.JVB && iceRestartRequest(j):
		st.iceRestart(iq, session)
	case action == "session-terminate":
		restart := false
		if b := j.Child(nsFocus, "bridge-session"); b != nil && b.Attr("restart") == "true" {
			restart = true
		}
		st.dropScope(session)
		st.endBridge(session)
		delete(st.sids, session)
		if session == wire.P2P {
			st.send(st.reply(iq, "result"))
			st.receive(wire.Message{Type: wire.SessionTerminate, Session: session})
			return
		}
		st.pending[wire.SessionTerminate] = iq.Attr("id")
		st.pendingFrom[wire.SessionTerminate] = iq.Attr("to")
		st.receive(wire.Message{Type: wire.SessionTerminate, Session: session, Restart: restart})
	default:
		// transport-info, source-add, other session-infos, content-modify,
		// ...: jicofo or the other participant acks them; a transport-info's
		// candidates (or, tagged with an ice-generation, the client's
		// credentials after an in-place restart:
		// _sendIceRestartTransportInfo) reach the bridge or the peer.
		if b := st.bridges[session]; b != nil && action == "transport-info" {
			_ = b.Accept(fromElement(j, nsClient).String()) // a bad one is the bridge's to ignore, as the JVB does
		}
		st.send(st.reply(iq, "result"))
	}
}

// iceRestartRequest says whether a session-info is the library's in-place
// ICE restart request (JingleSessionPC.restartIce: <bridge-session
// ice-restart='true'/>, the attribute written by Strophe's builder).
func iceRestartRequest(j *Element) bool {
	b := j.Child(nsFocus, "bridge-session")
	return b != nil && b.Attr("ice-restart") == "true"
}

// presence handles the client's presences.
func (st *state) presence(s *session, p *Element) {
	to := p.Attr("to")
	if to == "" {
		return // presence to the server: no roster here
	}
	room, nick := bare(to), resource(to)
	switch p.Attr("type") {
	case "":
		if nick == "" {
			st.presenceError(p, "modify", "jid-malformed")
			return
		}
		if isLobbyRoom(room) {
			st.lobbyJoin(p, room, nick)
			return
		}
		if st.occupant && room == st.room {
			// A presence update: prosody broadcasts it, to us too.
			st.joinExtras = extras(p)
			st.send(st.selfPresence(false))
			return
		}
		st.room, st.nick, st.joinPending = room, nick, true
		st.joinExtras = extras(p)
		pw := ""
		if x := p.Child(nsMUC, "x"); x != nil {
			if pe := x.Child("", "password"); pe != nil {
				pw = pe.Text
			}
		}
		// The display name (conference.setDisplayName) rides as <nick>.
		name := ""
		if n := p.Child("http://jabber.org/protocol/nick", "nick"); n != nil {
			name = n.Text
		}
		st.receive(wire.Message{Type: wire.JoinPresence, Password: pw, Nick: name})
	case "unavailable":
		switch {
		case isLobbyRoom(room) && st.inLobby && room == st.lobbyJid:
			st.inLobby = false
			st.send(el("presence", "xmlns", nsClient, "type", "unavailable", "from", st.lobbyJid+"/"+st.lobbyNick, "to", st.jid()).
				add(el("x", "xmlns", nsMUCUser).add(el("item", "affiliation", "none", "role", "none"), el("status", "code", "110"))))
		case room == st.room && st.occupant:
			st.dropScope(wire.JVB)
			st.dropScope(wire.P2P)
			clear(st.sids)
			st.endBridges()
			st.receive(wire.Message{Type: wire.LeavePresence})
		}
	}
}

// presenceError bounces a presence.
func (st *state) presenceError(p *Element, typ, cond string) {
	st.send(el("presence", "xmlns", nsClient, "type", "error", "from", p.Attr("to"), "to", st.jid()).
		add(el("error", "type", typ).add(el(cond, "xmlns", nsStanzas))))
}

// extras are the children of our presence that prosody broadcasts: all
// but the MUC join element.
func extras(p *Element) []*Element {
	var out []*Element
	for _, c := range p.Children {
		if c.Space == nsMUC && c.Name == "x" {
			continue
		}
		out = append(out, c)
	}
	return out
}

// lobbyJoin joins the lobby room: prosody answers with our self-presence
// there, then the server side decides what the lobby's moderators do.
func (st *state) lobbyJoin(p *Element, room, nick string) {
	if st.inLobby && room == st.lobbyJid {
		return
	}
	st.lobbyJid, st.lobbyNick, st.inLobby = room, nick, true
	pres := el("presence", "xmlns", nsClient, "from", room+"/"+nick, "to", st.jid())
	for _, c := range extras(p) {
		pres.add(fromElement(c, nsClient))
	}
	pres.add(el("x", "xmlns", nsMUCUser).add(el("item", "affiliation", "none", "role", "participant", "jid", st.jid()), el("status", "code", "110")))
	st.send(pres)
	st.receive(wire.Message{Type: wire.LobbyJoinPresence, Room: wire.LobbyRoom})
}

// message handles the client's messages: groupchat goes to the server side
// and, unless it bounces, back to us as prosody reflects it.
func (st *state) message(s *session, m *Element) {
	if m.Attr("type") != "groupchat" {
		return // private and endpoint messages: no one else to route them to
	}
	if !st.occupant || bare(m.Attr("to")) != st.room {
		st.send(el("message", "xmlns", nsClient, "type", "error", "from", m.Attr("to"), "to", st.jid(), "id", m.Attr("id")).
			add(el("error", "type", "cancel").add(el("not-acceptable", "xmlns", nsStanzas))))
		return
	}
	body := ""
	if b := m.Child("", "body"); b != nil {
		body = b.Text
	}
	got := st.receive(wire.Message{Type: wire.GroupChat, Text: body})
	for _, g := range got {
		if g.Type == wire.ErrorMessage {
			return
		}
	}
	out := el("message", "xmlns", nsClient, "type", "groupchat", "from", st.room+"/"+st.nick, "to", st.jid(), "id", m.Attr("id"))
	for _, c := range m.Children {
		out.add(fromElement(c, nsClient))
	}
	st.send(out)
}

// fromElement turns a parsed element back into one to write, declaring its
// namespace where it differs from its parent's. Namespaced attributes
// other than xml:lang are dropped.
func fromElement(e *Element, parentSpace string) *node {
	n := el(e.Name)
	if e.Space != parentSpace && e.Space != "" {
		n.attrs = append(n.attrs, "xmlns", e.Space)
	}
	for _, a := range e.Attrs {
		switch a.Name.Space {
		case "":
			n.attrs = append(n.attrs, a.Name.Local, a.Value)
		case "xml", "http://www.w3.org/XML/1998/namespace":
			n.attrs = append(n.attrs, "xml:"+a.Name.Local, a.Value)
		}
	}
	n.text = e.Text
	for _, c := range e.Children {
		n.add(fromElement(c, e.Space))
	}
	return n
}

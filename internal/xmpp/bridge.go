package xmpp

import (
	"fmt"
	"slices"

	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// Bridge is a real WebRTC peer on the far side of one of the client's
// Jingle sessions (internal/media's Peer): the bridge of a JVB session or,
// with BridgeOptions.P2P, the other participant of the P2P session. With
// a bridge, jicofo's session-initiate carries the bridge's own offer, the
// client's session-accept and transport-info reach it, and ICE, DTLS and
// the bridge channel happen for real between the client's browser and the
// bridge; the P2P session's offer or answer is the other participant's
// own, and its ICE and DTLS happen for real too. Without one (jsdom, the
// JavaScript kit) the session-initiate is a minimal offer with an
// unreachable candidate, and the other participant's session-accept has no
// contents.
type Bridge interface {
	// Offer is the <jingle action='session-initiate'> element ("" for a
	// P2P responder).
	Offer() string
	// Answer takes the client's P2P session-initiate and returns the
	// <jingle action='session-accept'> element (a P2P responder only).
	Answer(jingle string) (string, error)
	// Accept takes the client's session-accept or transport-info.
	Accept(jingle string) error
	// Cut drops every packet both ways; Heal lets them through again.
	Cut()
	Heal()
	// RestartInPlace restarts the bridge's ICE agent with new credentials
	// (jicofo's answer to the library's in-place ICE restart request), its
	// network letting packets through when recover, and returns the
	// <jingle action='transport-info'> jicofo relays: the new transport,
	// tagged with its ice-generation.
	RestartInPlace(recover bool) (string, error)
	Close() error
}

// BridgeOptions are what a session's peer is made with.
type BridgeOptions struct {
	SID, Initiator, BridgeSessionID, Region string
	// Unreachable: the network under ICE fails the session's checks (the
	// server side's faults say so): the peer's offer or answer has only a
	// candidate the client cannot reach.
	Unreachable bool
	// NoCandidates: the offer carries no candidate (the server side's
	// bridge-no-candidates), so the client's ICE never starts.
	NoCandidates bool
	// P2P: the peer is the other participant of the P2P session, whose
	// MUC jid is Peer. It offers (SID and Initiator, Initiator being
	// Peer), or with Responder it answers the client's offer (Answer).
	P2P, Responder bool
	Peer           string
}

// NewBridgeFunc makes a session's peer.
type NewBridgeFunc func(BridgeOptions) (Bridge, error)

// SetBridges makes every JVB session's bridge, and the other participant
// of every P2P session, with f from now on (nil: the minimal offers and
// answers).
func (sv *Server) SetBridges(f NewBridgeFunc) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	sv.st.newBridge = f
}

// CloseBridges ends every bridge and peer.
func (sv *Server) CloseBridges() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	sv.st.endBridges()
}

// endBridge closes a session's bridge or peer, if any.
func (st *state) endBridge(s wire.Session) {
	if b := st.bridges[s]; b != nil {
		b.Close()
		delete(st.bridges, s)
	}
	if s == wire.P2P {
		st.p2pOffer = ""
	}
}

// endBridges closes every session's bridge or peer: the client has left
// the room or lost its connection (jicofo expires its endpoint; the other
// participant's session ends with it).
func (st *state) endBridges() {
	for s := range st.bridges {
		st.endBridge(s)
	}
	st.p2pOffer = ""
}

// addBridge keeps a session's new bridge or peer, its packets held until
// the server side's network says the browser's checks connected (iceState):
// the network's pace is the model's, so that a real browser's sessions
// connect when, and in the order, the model's do.
func (st *state) addBridge(s wire.Session, b Bridge) {
	if st.bridges == nil {
		st.bridges = map[wire.Session]Bridge{}
	}
	st.bridges[s] = b
	b.Cut()
}

// checksStarted tells the server side's network that the browser's checks
// against b began (wire.IceChecks) as the model's client tells it:
// sim.IceCheckMs (sim.P2PIceCheckMs) later, when the network answers with
// their outcome.
func (st *state) checksStarted(session wire.Session, b Bridge) {
	d := int64(sim.IceCheckMs)
	if session == wire.P2P {
		d = sim.P2PIceCheckMs
	}
	st.Schedule(d, session, func() {
		if st.bridges[session] == b {
			st.receive(wire.Message{Type: wire.IceChecks, Session: session})
		}
	})
}

// network renders what the network does to a session's transport on the
// bridge's or peer's packets: a cut drops them, a heal lets them through.
// The browser notices by itself, as a real one does.
func (st *state) network(m wire.Message) {
	b := st.bridges[m.Session]
	if b == nil {
		return
	}
	switch m.Text {
	case wire.NetworkCut:
		b.Cut()
	case wire.NetworkHeal:
		b.Heal()
	}
}

// iceState renders the network's ICE outcome for a session as the network
// of its bridge or peer: disconnected or failed cut its packets, connected
// lets them through again. Without one ICE is not rendered (package doc).
func (st *state) iceState(m wire.Message) {
	b := st.bridges[m.Session]
	if b == nil {
		return
	}
	switch m.Text {
	case wire.IceDisconnected, wire.IceFailed:
		b.Cut()
	case wire.IceConnected:
		b.Heal()
	}
}

// bridgeInitiate sends jicofo's session-initiate with a real bridge's
// offer. It reports false, after logging why, when no bridge could be made:
// the minimal offer goes instead.
func (st *state) bridgeInitiate(m wire.Message, sid, from string) bool {
	st.endBridge(m.Session)
	bsid := fmt.Sprintf("confsim-bridge-session-%d", st.sidNext)
	b, err := st.newBridge(BridgeOptions{SID: sid, Initiator: sim.FocusJid + "/" + focusNick, BridgeSessionID: bsid,
		Region: m.Text, Unreachable: st.srv.JVBChecksFail(), NoCandidates: m.NoCandidates})
	if err != nil {
		st.record("bridge: " + err.Error())
		return false
	}
	st.addBridge(m.Session, b)
	st.send(el("iq", "xmlns", nsClient, "type", "set", "id", st.newID("jingle"), "from", from, "to", st.jid()).
		add(&node{raw: b.Offer()}))
	return true
}

// iceRestart is jicofo's handling of the library's in-place ICE restart
// request (JingleSessionPC.restartIce, from
// JitsiConference._restartJvbIceWithFallback: a session-info with
// <bridge-session ice-restart='true'/>). Jicofo acks it, which resolves the
// library's promise and starts its 15 s wait for ICE to recover, then has
// the bridge restart its ICE agent and relays the bridge's new transport as
// a transport-info tagged with an ice-generation (strophe.jingle.js hands it
// to JingleSessionPC.onBridgeIceRestartTransport). The server side's network
// learns that the restart's checks started (wire.IceChecks, as the model's
// client sends) and decides their outcome: the new agent is reachable when
// it answers connected at once, and stays cut otherwise.
func (st *state) iceRestart(iq *Element, session wire.Session) {
	st.send(st.reply(iq, "result"))
	got := st.receive(wire.Message{Type: wire.IceChecks, Session: session})
	b := st.bridges[session]
	if b == nil {
		return // without a bridge, ICE is not rendered (package doc)
	}
	recover := slices.ContainsFunc(got, func(m wire.Message) bool {
		return m.Type == wire.IceState && m.Session == session && m.Text == wire.IceConnected
	})
	ti, err := b.RestartInPlace(recover)
	if err != nil {
		st.record("bridge: " + err.Error())
		return
	}
	st.send(el("iq", "xmlns", nsClient, "type", "set", "id", st.newID("jingle"), "from", st.room+"/"+focusNick, "to", st.jid()).
		add(&node{raw: ti}))
}

// peerInitiate sends the other participant's P2P session-initiate with a
// real peer's offer (its JingleSessionPC.invite: audio and video, contents
// named by mid, no data channel). It reports false, after logging why,
// when no peer could be made: the minimal offer goes instead.
func (st *state) peerInitiate(sid string) bool {
	st.endBridge(wire.P2P)
	b, err := st.newBridge(BridgeOptions{SID: sid, Initiator: st.p2pPeer, P2P: true, Peer: st.p2pPeer,
		Unreachable: st.srv.P2PChecksFail()})
	if err != nil {
		st.record("p2p peer: " + err.Error())
		return false
	}
	st.addBridge(wire.P2P, b)
	st.send(el("iq", "xmlns", nsClient, "type", "set", "id", st.newID("jingle"), "from", st.p2pPeer, "to", st.jid()).
		add(&node{raw: b.Offer()}))
	return true
}

// peerAccept answers the client's P2P offer with a real peer's
// session-accept (the other participant's _acceptP2PIncomingCall). It
// reports false, after logging why, when there is no offer to answer or
// no peer could answer it: the minimal session-accept goes instead.
func (st *state) peerAccept() bool {
	offer := st.p2pOffer
	st.endBridge(wire.P2P)
	if offer == "" {
		return false
	}
	b, err := st.newBridge(BridgeOptions{P2P: true, Responder: true, Peer: st.p2pPeer, Unreachable: st.srv.P2PChecksFail()})
	if err != nil {
		st.record("p2p peer: " + err.Error())
		return false
	}
	accept, err := b.Answer(offer)
	if err != nil {
		b.Close()
		st.record("p2p peer: " + err.Error())
		return false
	}
	st.addBridge(wire.P2P, b)
	st.send(el("iq", "xmlns", nsClient, "type", "set", "id", st.newID("jingle"), "from", st.p2pPeer, "to", st.jid()).
		add(&node{raw: accept}))
	// The peer has its answer: the browser's checks run against it, and
	// the server side's network learns they started, so that its faults
	// find the transport it thinks they act on.
	st.checksStarted(wire.P2P, b)
	return true
}

// bridgeAccept passes the client's session-accept to the session's bridge
// or peer once the server side has taken it (got holds the server side's
// answers, an IQ result for t): one it refuses, or never answers,
// configures nothing. Then the server side's network learns the browser's
// checks started, against the bridge or peer itself, so that its faults
// find the transport it thinks they act on.
func (st *state) bridgeAccept(session wire.Session, t wire.Type, j *Element, got []wire.Message) {
	b := st.bridges[session]
	if b == nil {
		return
	}
	taken := slices.ContainsFunc(got, func(m wire.Message) bool {
		return m.Type == wire.IQResult && m.For == t && m.Condition == ""
	})
	if !taken {
		st.endBridge(session)
		return
	}
	if err := b.Accept(fromElement(j, nsClient).String()); err != nil {
		st.record("bridge: " + err.Error())
		st.endBridge(session)
		return
	}
	st.checksStarted(session, b)
}

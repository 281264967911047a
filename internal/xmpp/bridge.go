package xmpp

import (
	"fmt"
	"slices"

	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// Bridge is a real WebRTC peer on the bridge's side of a JVB session
// (internal/media's Bridge): with one, jicofo's session-initiate carries
// the bridge's own offer, the client's session-accept and transport-info
// reach it, and ICE, DTLS and the bridge channel happen for real between
// the client's browser and the bridge. Without one (jsdom, the JavaScript
// kit) the session-initiate is a minimal offer with an unreachable
// candidate.
type Bridge interface {
	// Offer is the <jingle action='session-initiate'> element.
	Offer() string
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

// BridgeOptions are what a JVB session's bridge is made with.
type BridgeOptions struct {
	SID, Initiator, BridgeSessionID, Region string
	// Unreachable: the network under ICE fails the session's checks (the
	// server side's faults say so): the offer's only candidate is one the
	// client cannot reach.
	Unreachable bool
}

// NewBridgeFunc makes a bridge for a JVB session.
type NewBridgeFunc func(BridgeOptions) (Bridge, error)

// SetBridges makes every JVB session's bridge with f from now on (nil:
// the minimal offer).
func (sv *Server) SetBridges(f NewBridgeFunc) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	sv.st.newBridge = f
}

// CloseBridges ends every bridge.
func (sv *Server) CloseBridges() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for s, b := range sv.st.bridges {
		b.Close()
		delete(sv.st.bridges, s)
	}
}

// endBridge closes a session's bridge, if any.
func (st *state) endBridge(s wire.Session) {
	if b := st.bridges[s]; b != nil {
		b.Close()
		delete(st.bridges, s)
	}
}

// iceState renders the network's ICE outcome for a session as the bridge's
// network: disconnected or failed cut its packets, connected lets them
// through again. Without a bridge ICE is not rendered (package doc).
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
		Region: m.Text, Unreachable: st.srv.JVBChecksFail()})
	if err != nil {
		st.record("bridge: " + err.Error())
		return false
	}
	if st.bridges == nil {
		st.bridges = map[wire.Session]Bridge{}
	}
	st.bridges[m.Session] = b
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

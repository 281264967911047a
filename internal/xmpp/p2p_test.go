//go:build !js

package xmpp

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/jitsi-sim/confsim/internal/media"
	"github.com/jitsi-sim/confsim/sim"
)

// The P2P session with a real other participant: the endpoint's peers are
// internal/media's, and a pion peer connection stands in for the
// library's P2P JingleSessionPC in the browser (no local tracks, so it
// offers to receive audio and video, as the mediaConstraints of
// strophe.jingle.js ask).

const (
	roomJid = "room@conference.meet.example"
	ourNick = roomJid + "/6a11aae1" // joinPresence's nick
)

// peers makes the endpoint's bridges and peers as `simulate serve` does
// (cmd/simulate's realBridge) and notes what it made and closed.
type peers struct {
	mu     sync.Mutex
	made   []BridgeOptions
	closed map[int]bool
}

type countedPeer struct {
	*media.Peer
	ps *peers
	i  int
}

func (c *countedPeer) Close() error {
	c.ps.mu.Lock()
	c.ps.closed[c.i] = true
	c.ps.mu.Unlock()
	return c.Peer.Close()
}

func (ps *peers) make(o BridgeOptions) (Bridge, error) {
	b, err := MediaPeer(o)
	if err != nil {
		return nil, err
	}
	p := b.(*media.Peer)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.made = append(ps.made, o)
	return &countedPeer{Peer: p, ps: ps, i: len(ps.made) - 1}, nil
}

// p2p returns the P2P peers made, and whether each is closed.
func (ps *peers) p2p() (made []BridgeOptions, closed []bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, o := range ps.made {
		if o.P2P {
			made = append(made, o)
			closed = append(closed, ps.closed[i])
		}
	}
	return made, closed
}

func withPeers(t *testing.T, cfg sim.Config) (*Endpoint, *peers) {
	t.Helper()
	ep := start(t, cfg)
	ps := &peers{closed: map[int]bool{}}
	ep.SetBridges(ps.make)
	return ep, ps
}

// until reads frames until one has every part, and returns it.
func (c *client) until(parts ...string) string {
	c.t.Helper()
	var seen []string
	for range 50 {
		got := c.recv()
		if got == "" {
			break
		}
		all := true
		for _, p := range parts {
			if !strings.Contains(got, p) {
				all = false
			}
		}
		if all {
			return got
		}
		seen = append(seen, got)
	}
	c.t.Fatalf("no frame with %q; read:\n%s", parts, strings.Join(seen, "\n"))
	return ""
}

// browser is the library's P2P peer connection.
type browser struct {
	t   *testing.T
	pc  *webrtc.PeerConnection
	mu  sync.Mutex
	ice []webrtc.ICEConnectionState
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	// Short timeouts, so that a cut shows within a second or two.
	se.SetICETimeouts(time.Second, 3*time.Second, 200*time.Millisecond)
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me))
	pc, err := api.NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle, RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	b := &browser{t: t, pc: pc}
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		b.mu.Lock()
		b.ice = append(b.ice, s)
		b.mu.Unlock()
	})
	return b
}

// wait waits for an ICE state after the first skip ones and returns its
// index.
func (b *browser) wait(want webrtc.ICEConnectionState, skip int, d time.Duration) int {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		for i := skip; i < len(b.ice); i++ {
			if b.ice[i] == want {
				b.mu.Unlock()
				return i
			}
		}
		b.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t.Fatalf("the browser's ICE never went %s after %d: %v", want, skip, b.ice)
	return 0
}

func (b *browser) gather(d webrtc.SessionDescription) string {
	b.t.Helper()
	done := webrtc.GatheringCompletePromise(b.pc)
	if err := b.pc.SetLocalDescription(d); err != nil {
		b.t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		b.t.Fatal("gathering did not complete")
	}
	return b.pc.LocalDescription().SDP
}

var candidateElement = regexp.MustCompile(`<candidate [^>]*/>`)

// invite is JingleSessionPC.invite: the offer as _sendSessionInitiate
// renders it, without candidates (they follow in a transport-info, as
// _sendIceCandidate trickles them, returned second).
func (b *browser) invite(sid, to string) (initiate, transportInfo string) {
	b.t.Helper()
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := b.pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			b.t.Fatal(err)
		}
	}
	offer, err := b.pc.CreateOffer(nil)
	if err != nil {
		b.t.Fatal(err)
	}
	local := b.gather(offer)
	j, err := media.SDPToJingle(local, media.JingleOptions{Action: "session-initiate", Creator: "initiator", SID: sid, Initiator: ourNick, P2P: true})
	if err != nil {
		b.t.Fatal(err)
	}
	ti, err := media.TransportInfoToJingle(local, 0, false, media.JingleOptions{Creator: "initiator", SID: sid, Initiator: ourNick})
	if err != nil {
		b.t.Fatal(err)
	}
	return iq(to, "inv", candidateElement.ReplaceAllString(j, "")), iq(to, "ti", ti)
}

// accept is _acceptP2PIncomingCall: the other participant's offer
// through SDP.fromJingle with isP2P, the answer, the session-accept.
func (b *browser) accept(offerIQ string) string {
	b.t.Helper()
	j, err := media.ParseJingle(offerIQ)
	if err != nil {
		b.t.Fatal(err)
	}
	offer, err := media.P2PJingleToSDP(offerIQ, 1)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		b.t.Fatalf("%v\n%s", err, offer)
	}
	answer, err := b.pc.CreateAnswer(nil)
	if err != nil {
		b.t.Fatal(err)
	}
	accept, err := media.AnswerToJingle(b.gather(answer), media.JingleOptions{SID: j.SID(), Initiator: j.Initiator(), Responder: ourNick, P2P: true})
	if err != nil {
		b.t.Fatal(err)
	}
	return iq(j.Initiator(), "acc", accept)
}

// setAnswer is JingleSessionPC.setAnswer on the other participant's
// session-accept.
func (b *browser) setAnswer(acceptIQ string) {
	b.t.Helper()
	answer, err := media.P2PJingleToSDP(acceptIQ, 1)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		b.t.Fatalf("%v\n%s", err, answer)
	}
}

func iq(to, id, jingle string) string {
	return fmt.Sprintf(`<iq to="%s" type="set" id="%s" xmlns="jabber:client">%s</iq>`, to, id, jingle)
}

func joined(t *testing.T, ep *Endpoint) *client {
	t.Helper()
	c := handshake(t, ep)
	c.send(conferenceIQ)
	c.until(`id='c1'`, `type='result'`)
	c.send(joinPresence(""))
	c.until(`from='`+ourNick+`'`, `<status code='110'/>`)
	return c
}

func terminate(to, sid string) string {
	return iq(to, "term", `<jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="`+sid+`"><reason><success/></reason></jingle>`)
}

// We offer (our nick sorts first): the other participant answers with a
// real answer, the candidates we trickle reach it, ICE connects; the
// server side's P2P failure cuts its packets; our session-terminate
// closes it.
func TestP2PWeOfferRealPeer(t *testing.T) {
	ep, ps := withPeers(t, sim.Config{Room: sim.Room{Occupants: 1}, Client: sim.Client{DisplayName: "Alice"}})
	c := joined(t, ep)
	b := newBrowser(t)
	peer := roomJid + "/p1"
	initiate, trickle := b.invite("p2psid", peer)
	c.send(initiate)
	c.until(`id='inv'`, `type='result'`)
	accept := c.until(`action='session-accept'`, `from='`+peer+`'`)
	for _, want := range []string{`sid='p2psid'`, `initiator='` + ourNick + `'`, `responder='` + peer + `'`,
		`<content creator='responder' name='0'`, `<content creator='responder' name='1'`, `setup='active'`, `ip='127.0.0.1'`} {
		if !strings.Contains(accept, want) {
			t.Errorf("the session-accept lacks %s:\n%s", want, accept)
		}
	}
	made, closed := ps.p2p()
	if len(made) != 1 || !made[0].Responder || made[0].Peer != peer || made[0].Unreachable || closed[0] {
		t.Fatalf("P2P peers %+v, closed %v", made, closed)
	}
	b.setAnswer(accept)
	c.send(trickle)
	c.until(`id='ti'`, `type='result'`)
	// The peer holds its packets until the network's checks connect, at
	// the model's pace.
	ctl(t, ep, `{"op":"advance","to":2000}`)
	i := b.wait(webrtc.ICEConnectionStateConnected, 0, 10*time.Second)

	// The server side learnt the checks started (its network says
	// connected): its P2P failure reaches the peer's packets.
	ctl(t, ep, `{"op":"fault","fault":"p2p-ice-failure"}`)
	b.wait(webrtc.ICEConnectionStateDisconnected, i, 5*time.Second)

	c.send(terminate(peer, "p2psid"))
	c.until(`id='term'`, `type='result'`)
	if _, closed := ps.p2p(); !closed[0] {
		t.Fatal("the session-terminate left the peer open")
	}
}

// The P2P negotiation is failing: the other participant's answer stays
// the one without contents, which the browser rejects; no peer is made.
func TestP2PWeOfferUnusableAnswer(t *testing.T) {
	ep, ps := withPeers(t, sim.Config{Room: sim.Room{Occupants: 1}, Client: sim.Client{DisplayName: "Alice"}})
	c := joined(t, ep)
	ctl(t, ep, `{"op":"fault","fault":"p2p-negotiation-failure"}`)
	b := newBrowser(t)
	initiate, _ := b.invite("p2psid", roomJid+"/p1")
	c.send(initiate)
	accept := c.until(`action='session-accept'`)
	if strings.Contains(accept, "<content") {
		t.Fatalf("an unusable answer with contents:\n%s", accept)
	}
	if made, _ := ps.p2p(); len(made) != 0 {
		t.Fatalf("P2P peers made: %+v", made)
	}
}

// The P2P checks are failing from the start: the peer answers with an
// unreachable candidate and the browser's ICE never connects.
func TestP2PWeOfferUnreachable(t *testing.T) {
	ep, ps := withPeers(t, sim.Config{Room: sim.Room{Occupants: 1}, Client: sim.Client{DisplayName: "Alice"}})
	c := joined(t, ep)
	ctl(t, ep, `{"op":"fault","fault":"p2p-ice-failure"}`)
	b := newBrowser(t)
	initiate, _ := b.invite("p2psid", roomJid+"/p1")
	c.send(initiate)
	accept := c.until(`action='session-accept'`)
	if !strings.Contains(accept, `ip='192.0.2.1'`) || strings.Contains(accept, "127.0.0.1") {
		t.Fatalf("the answer of an unreachable peer:\n%s", accept)
	}
	if made, _ := ps.p2p(); len(made) != 1 || !made[0].Unreachable {
		t.Fatalf("P2P peers made: %+v", made)
	}
	b.setAnswer(accept)
	b.wait(webrtc.ICEConnectionStateFailed, 0, 10*time.Second)
}

// The other participant offers (its id sorts first): its offer is a real
// one, our session-accept reaches it once acknowledged, ICE connects, and
// our leaving closes it.
func TestP2PPeerOffersRealPeer(t *testing.T) {
	ep, ps := withPeers(t, sim.Config{Room: sim.Room{Occupants: 1, PeerIDsFirst: true}, Client: sim.Client{DisplayName: "Alice"}})
	c := joined(t, ep)
	ctl(t, ep, `{"op":"advance","to":3000}`)
	peer := roomJid + "/0p1"
	offer := c.until(`action='session-initiate'`, `from='`+peer+`'`)
	for _, want := range []string{`initiator='` + peer + `'`, `<content creator='initiator' name='0'`, `<content creator='initiator' name='1'`,
		`semantics='BUNDLE'><content name='0'/><content name='1'/></group>`, `setup='actpass'`, `ip='127.0.0.1'`} {
		if !strings.Contains(offer, want) {
			t.Errorf("the offer lacks %s:\n%s", want, offer)
		}
	}
	for _, unwanted := range []string{"sctpmap", "bridge-session", "name='data'"} {
		if strings.Contains(offer, unwanted) {
			t.Errorf("the P2P offer has %s:\n%s", unwanted, offer)
		}
	}
	made, _ := ps.p2p()
	if len(made) != 1 || made[0].Responder || made[0].Initiator != peer {
		t.Fatalf("P2P peers %+v", made)
	}
	br := newBrowser(t)
	c.send(br.accept(offer))
	c.until(`id='acc'`, `type='result'`)
	ctl(t, ep, `{"op":"advance","to":4500}`)
	i := br.wait(webrtc.ICEConnectionStateConnected, 0, 10*time.Second)
	ctl(t, ep, `{"op":"fault","fault":"p2p-ice-failure"}`)
	br.wait(webrtc.ICEConnectionStateDisconnected, i, 5*time.Second)

	c.send(`<presence to="` + ourNick + `" type="unavailable" xmlns="jabber:client"/>`)
	c.until(`type='unavailable'`, `<status code='110'/>`)
	if _, closed := ps.p2p(); !closed[0] {
		t.Fatal("leaving left the peer open")
	}
}

// An unusable offer stays the one without a DTLS fingerprint.
func TestP2PPeerOffersUnusable(t *testing.T) {
	ep, ps := withPeers(t, sim.Config{Room: sim.Room{Occupants: 1, PeerIDsFirst: true}, Client: sim.Client{DisplayName: "Alice"}})
	c := joined(t, ep)
	ctl(t, ep, `{"op":"fault","fault":"p2p-negotiation-failure"}`)
	ctl(t, ep, `{"op":"advance","to":3000}`)
	offer := c.until(`action='session-initiate'`, `from='`+roomJid+`/0p1'`)
	if strings.Contains(offer, "fingerprint") || !strings.Contains(offer, "name='0'") {
		t.Fatalf("an unusable offer:\n%s", offer)
	}
	if made, _ := ps.p2p(); len(made) != 0 {
		t.Fatalf("P2P peers made: %+v", made)
	}
}

package media

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// The P2P session between the library and the other participant, played
// pion to pion: p2pLibrary stands for the library's P2P JingleSessionPC
// (no local tracks: offerToReceiveAudio and offerToReceiveVideo, as the
// mediaConstraints of strophe.jingle.js ask), the Peer for the other
// participant.

const (
	ourJid  = "room@conference.meet.test/a11ce000"
	peerJid = "room@conference.meet.test/p1"
)

func newTestP2PPeer(t testing.TB, role Role, f Fault) *Peer {
	t.Helper()
	o := clientTimeouts
	o.Role, o.Fault = role, f
	switch role {
	case RoleP2PInitiator:
		o.SID, o.Initiator = "p2p-sid-1", peerJid
	case RoleP2PResponder:
		o.Responder = peerJid
	}
	p, err := NewPeer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// invite is the library's JingleSessionPC.invite: its offer, rendered as
// _sendSessionInitiate does (SDP.toJingle with isP2P and 'initiator').
// Without candidates, they are left for transport-info as the library
// trickles them (_sendIceCandidate).
func (c *client) invite(withCandidates bool) string {
	c.t.Helper()
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := c.pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			c.t.Fatal(err)
		}
	}
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	local := gather(c.t, c.pc, offer)
	init, err := SDPToJingle(local, JingleOptions{Action: "session-initiate", Creator: "initiator", SID: "p2p-sid-lib", Initiator: ourJid, P2P: true})
	if err != nil {
		c.t.Fatal(err)
	}
	if !withCandidates {
		init = regexp.MustCompile(`<candidate [^>]*/>`).ReplaceAllString(init, "")
	}
	return init
}

// setAnswer is the library's JingleSessionPC.setAnswer: the other
// participant's session-accept through SDP.fromJingle with isP2P.
func (c *client) setAnswer(acceptXML string) {
	c.t.Helper()
	answer, err := P2PJingleToSDP(acceptXML, 1)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		c.t.Fatalf("the library's setAnswer: %v\n%s", err, answer)
	}
}

// acceptP2P is the library's _acceptP2PIncomingCall: the other
// participant's offer through SDP.fromJingle with isP2P, the answer, and
// the session-accept (_sendSessionAccept: SDP.toJingle with 'responder').
func (c *client) acceptP2P(offerXML string) string {
	c.t.Helper()
	offer, err := P2PJingleToSDP(offerXML, 1)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		c.t.Fatalf("the library's setRemoteDescription: %v\n%s", err, offer)
	}
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	local := gather(c.t, c.pc, answer)
	j, err := ParseJingle(offerXML)
	if err != nil {
		c.t.Fatal(err)
	}
	accept, err := AnswerToJingle(local, JingleOptions{SID: j.SID(), Initiator: j.Initiator(), Responder: ourJid, P2P: true})
	if err != nil {
		c.t.Fatal(err)
	}
	return accept
}

// connected waits for ICE connected on both sides, and for the peer
// connection (DTLS) on the peer's.
func p2pConnected(t *testing.T, p *Peer, c *client) {
	t.Helper()
	ctx := ctxFor(t, 10*time.Second)
	if _, err := p.Wait(ctx, iceIs(webrtc.ICEConnectionStateConnected)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.wait(ctx, "ice connected", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(ctx, func(e Event) bool { return e.Kind == EventPeer && e.Peer == webrtc.PeerConnectionStateConnected }); err != nil {
		t.Fatal(err)
	}
}

// noDataChannel: a P2P session has no application section (the library
// opens the bridge channel on the JVB session only).
func noDataChannel(t *testing.T, what, sdp string) {
	t.Helper()
	if strings.Contains(sdp, "m=application") || strings.Contains(sdp, "sctp") {
		t.Fatalf("%s has a data section:\n%s", what, sdp)
	}
}

// We offer: the library's session-initiate to the other participant, its
// answer back as the session-accept, the library's candidates trickled in
// a transport-info, and ICE and DTLS connect.
func TestP2PResponderAnswers(t *testing.T) {
	t.Parallel()
	p := newTestP2PPeer(t, RoleP2PResponder, FaultNone)
	if p.Offer() != "" {
		t.Fatalf("a responder offered:\n%s", p.Offer())
	}
	c := newClient(t, clientTimeouts)
	accept, err := p.Answer(c.invite(false))
	if err != nil {
		t.Fatal(err)
	}
	j, err := ParseJingle(accept)
	if err != nil {
		t.Fatal(err)
	}
	// Contents named by the offer's mids; the BUNDLE group names them.
	if got := strings.Join(j.ContentNames(), " "); got != "0 1" {
		t.Fatalf("contents %q:\n%s", got, accept)
	}
	for _, want := range []string{"action='session-accept'", "sid='p2p-sid-lib'", "initiator='" + ourJid + "'", "responder='" + peerJid + "'",
		"creator='responder'", "<group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content name='0'/><content name='1'/></group>",
		"ip='127.0.0.1'", "setup='active'", "name='opus'", "name='VP8'",
		// The other participant has no tracks: it answers inactive, as a
		// browser without local tracks does (withoutSending).
		"name='0' senders='none'", "name='1' senders='none'"} {
		if !strings.Contains(accept, want) {
			t.Errorf("the session-accept has no %s:\n%s", want, accept)
		}
	}
	noDataChannel(t, "the answer", p.OfferSDP())
	c.setAnswer(accept)
	trickle, err := TransportInfoToJingle(c.pc.LocalDescription().SDP, 0, false, JingleOptions{Creator: "initiator", SID: "p2p-sid-lib", Initiator: ourJid})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Accept(trickle); err != nil {
		t.Fatalf("the trickled candidates: %v\n%s", err, trickle)
	}
	p2pConnected(t, p, c)
	if err := p.Send("x"); err == nil {
		t.Fatal("a P2P peer has a bridge channel")
	}
	if _, err := p.RestartInPlace(true); err == nil {
		t.Fatal("a P2P peer restarted ICE in place")
	}
}

// The other participant offers: its session-initiate, the library's
// session-accept back, and ICE and DTLS connect.
func TestP2PInitiatorOffers(t *testing.T) {
	t.Parallel()
	p := newTestP2PPeer(t, RoleP2PInitiator, FaultNone)
	j, err := ParseJingle(p.Offer())
	if err != nil {
		t.Fatal(err)
	}
	// _onIncomingCallP2P declines an offer whose contents are not named
	// as a unified-plan client names them.
	if got := strings.Join(j.ContentNames(), " "); got != "0 1" {
		t.Fatalf("contents %q:\n%s", got, p.Offer())
	}
	for _, want := range []string{"action='session-initiate'", "sid='p2p-sid-1'", "initiator='" + peerJid + "'", "creator='initiator'",
		"semantics='BUNDLE'><content name='0'/><content name='1'/>", "senders='responder'", "setup='actpass'", "ip='127.0.0.1'"} {
		if !strings.Contains(p.Offer(), want) {
			t.Errorf("the offer has no %s:\n%s", want, p.Offer())
		}
	}
	for _, unwanted := range []string{"bridge-session", "mixedmslabel", "sctpmap", "'data'"} {
		if strings.Contains(p.Offer(), unwanted) {
			t.Errorf("the offer has %s:\n%s", unwanted, p.Offer())
		}
	}
	noDataChannel(t, "the offer", p.OfferSDP())
	if _, err := p.Answer(p.Offer()); err == nil {
		t.Fatal("an initiator answered")
	}
	c := newClient(t, clientTimeouts)
	if err := p.Accept(c.acceptP2P(p.Offer())); err != nil {
		t.Fatal(err)
	}
	p2pConnected(t, p, c)
}

// An unreachable peer (the network fails the P2P session's checks): the
// answer's only candidate is TEST-NET-1 and nothing passes, so the
// library's side fails.
func TestP2PResponderUnreachable(t *testing.T) {
	t.Parallel()
	p := newTestP2PPeer(t, RoleP2PResponder, FaultUnreachable)
	c := newClient(t, clientTimeouts)
	accept, err := p.Answer(c.invite(true))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(accept, "ip='192.0.2.1'") || strings.Contains(accept, "127.0.0.1") {
		t.Fatalf("unreachable answer:\n%s", accept)
	}
	c.setAnswer(accept)
	ctx := ctxFor(t, 15*time.Second)
	if _, err := c.wait(ctx, "ice failed", 0); err != nil {
		t.Fatal(err)
	}
	for _, e := range c.events() {
		if e == "ice connected" {
			t.Fatalf("connected: %v", c.events())
		}
	}
	if p.Dropped() == 0 {
		t.Fatal("the library's checks never reached the peer's socket")
	}
}

// Cut after connecting (the network fails the running P2P session): both
// sides lose consent; Heal before they fail lets them connect again.
func TestP2PCutAndHeal(t *testing.T) {
	t.Parallel()
	p := newTestP2PPeer(t, RoleP2PInitiator, FaultNone)
	o := clientTimeouts
	o.FailedTimeout = 10 * time.Second
	c := newClient(t, o)
	if err := p.Accept(c.acceptP2P(p.Offer())); err != nil {
		t.Fatal(err)
	}
	p2pConnected(t, p, c)
	n := len(c.events())
	p.Cut()
	ctx := ctxFor(t, 15*time.Second)
	i, err := c.wait(ctx, "ice disconnected", n)
	if err != nil {
		t.Fatal(err)
	}
	p.Heal()
	if _, err := c.wait(ctx, "ice connected", i); err != nil {
		t.Fatal(err)
	}
}

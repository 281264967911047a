package media

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// client is a Go stand-in for what lib-jitsi-meet does with the JVB
// session, on a second pion peer: it turns jicofo's session-initiate into
// an offer (JingleToOfferSDP = SDP.fromJingle), opens the bridge channel
// as BridgeChannel's constructor does, answers, and renders its answer as
// the session-accept (SDP.toJingle with 'responder'). For an in-place ICE
// restart it does what JingleSessionPC.onBridgeIceRestartTransport does.
type client struct {
	t     testing.TB
	pc    *webrtc.PeerConnection
	dc    *webrtc.DataChannel
	start time.Time

	mu      sync.Mutex
	history []string
	changed chan struct{}
	gen     int
}

// clientTimeouts are pion's ICE timeouts for the tests: short, so that a
// fault shows within seconds instead of pion's default 5 s + 25 s.
var clientTimeouts = Options{DisconnectedTimeout: time.Second, FailedTimeout: 3 * time.Second, KeepAliveInterval: 200 * time.Millisecond}

func newClient(t testing.TB, o Options) *client {
	t.Helper()
	api, err := newAPI(nil, o)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{BundlePolicy: webrtc.BundlePolicyMaxBundle, RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, pc: pc, start: time.Now(), changed: make(chan struct{})}
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) { c.record("ice " + s.String()) })
	t.Cleanup(func() { _ = pc.Close() })
	return c
}

func (c *client) record(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.history = append(c.history, s)
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *client) events() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.history...)
}

// wait waits for an event equal to want, appearing after the first skip
// events, and returns its index.
func (c *client) wait(ctx context.Context, want string, skip int) (int, error) {
	for {
		c.mu.Lock()
		for i := skip; i < len(c.history); i++ {
			if c.history[i] == want {
				c.mu.Unlock()
				return i, nil
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, fmt.Errorf("client: no %q after %v: %v", want, time.Since(c.start).Round(time.Millisecond), c.events())
		}
	}
}

func gather(t testing.TB, pc *webrtc.PeerConnection, d webrtc.SessionDescription) string {
	t.Helper()
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("client: gathering did not complete")
	}
	return pc.LocalDescription().SDP
}

// accept answers jicofo's session-initiate and returns the session-accept.
func (c *client) accept(offerXML string) string {
	c.t.Helper()
	offer, err := JingleToOfferSDP(offerXML, 1)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		c.t.Fatalf("client: the offer the library would make: %v\n%s", err, offer)
	}
	protocol := "http://jitsi.org/protocols/colibri"
	dc, err := c.pc.CreateDataChannel("JVB data channel", &webrtc.DataChannelInit{Protocol: &protocol})
	if err != nil {
		c.t.Fatal(err)
	}
	c.dc = dc
	dc.OnOpen(func() { c.record("datachannel open") })
	dc.OnMessage(func(m webrtc.DataChannelMessage) { c.record("message " + string(m.Data)) })
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	local := gather(c.t, c.pc, answer)
	j, err := ParseJingle(offerXML)
	if err != nil {
		c.t.Fatal(err)
	}
	accept, err := AnswerToJingle(local, JingleOptions{SID: j.SID(), Initiator: j.Initiator()})
	if err != nil {
		c.t.Fatal(err)
	}
	return accept
}

// restart applies the bridge's restart transport-info the way
// JingleSessionPC.onBridgeIceRestartTransport does (new credentials into
// the current remote description, candidates stripped, answered, then the
// bridge's candidates added) and returns the client's transport-info with
// its new credentials (_sendIceRestartTransportInfo).
func (c *client) restart(transportInfo string) string {
	c.t.Helper()
	ts, err := TransportInfo(transportInfo)
	if err != nil {
		c.t.Fatal(err)
	}
	tr := ts[0]
	if tr.Generation <= c.gen {
		c.t.Fatalf("client: stale generation %d", tr.Generation)
	}
	c.gen = tr.Generation
	patched := ReplaceIceCredentialsAndStripCandidates(c.pc.RemoteDescription().SDP, tr.Ufrag, tr.Pwd)
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: patched}); err != nil {
		c.t.Fatal(err)
	}
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	local := gather(c.t, c.pc, answer)
	for _, cand := range tr.Candidates {
		if err := c.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: cand}); err != nil {
			c.t.Fatal(err)
		}
	}
	out, err := TransportInfoToJingle(local, tr.Generation, true, JingleOptions{Creator: "responder"})
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

package media

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func newTestBridge(t testing.TB, f Fault) *Peer {
	t.Helper()
	o := clientTimeouts
	o.SID, o.Initiator, o.Fault = "sid-1", "focus@auth.meet.test/focus", f
	o.BridgeSessionID, o.Region = "bridge-session-1", "local"
	b, err := NewBridge(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func iceIs(s webrtc.ICEConnectionState) func(Event) bool {
	return func(e Event) bool { return e.Kind == EventICE && e.ICE == s }
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// connect plays the whole exchange: the bridge's offer as jicofo's
// session-initiate, the client's session-accept back to the bridge, and
// waits for ICE to connect on both sides and the bridge channel to open.
func connect(t testing.TB, b *Peer, c *client) time.Duration {
	t.Helper()
	t0 := time.Now()
	if err := b.Accept(c.accept(b.Offer())); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 10*time.Second)
	if _, err := b.Wait(ctx, iceIs(webrtc.ICEConnectionStateConnected)); err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	if _, err := c.wait(ctx, "ice connected", 0); err != nil {
		t.Fatal(err)
	}
	open, err := b.Wait(ctx, func(e Event) bool { return e.Kind == EventDataChannelOpen })
	if err != nil {
		t.Fatal(err)
	}
	// BridgeChannel's constructor: createDataChannel('JVB data channel',
	// {protocol: 'http://jitsi.org/protocols/colibri'}).
	if open.Label != "JVB data channel" || open.Protocol != "http://jitsi.org/protocols/colibri" {
		t.Fatalf("bridge channel %q protocol %q", open.Label, open.Protocol)
	}
	if _, err := c.wait(ctx, "message "+ServerHello, 0); err != nil {
		t.Fatal(err)
	}
	return took
}

func TestBridgeConnectsThroughJingle(t *testing.T) {
	t.Parallel()
	b := newTestBridge(t, FaultNone)
	c := newClient(t, clientTimeouts)
	took := connect(t, b, c)
	t.Logf("ICE connected %v after the session-accept", took)
	// A frame from the client reaches the bridge.
	if err := c.dc.SendText(`{"colibriClass":"EndpointStats"}`); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 5*time.Second)
	if _, err := b.Wait(ctx, func(e Event) bool {
		return e.Kind == EventDataChannelMessage && e.Data == `{"colibriClass":"EndpointStats"}`
	}); err != nil {
		t.Fatal(err)
	}
	if b.State() != webrtc.ICEConnectionStateConnected {
		t.Fatalf("state %s", b.State())
	}
	if b.Dropped() != 0 {
		t.Fatalf("%d packets dropped on a healthy network", b.Dropped())
	}
}

// The offer is on loopback, with the three contents and the BUNDLE group
// jicofo sends.
func TestBridgeOfferShape(t *testing.T) {
	t.Parallel()
	b := newTestBridge(t, FaultNone)
	j, err := ParseJingle(b.Offer())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(j.ContentNames(), " "); got != "audio video data" {
		t.Fatalf("contents %q", got)
	}
	for _, want := range []string{"ip='127.0.0.1'", "name='opus'", "name='VP8'", "<sctpmap", "semantics='BUNDLE'",
		"<bridge-session xmlns='http://jitsi.org/protocol/focus' id='bridge-session-1' region='local'/>", "value='mixedmslabel mixedlabelaudio0'"} {
		if !strings.Contains(b.Offer(), want) {
			t.Errorf("the offer has no %s:\n%s", want, b.Offer())
		}
	}
	u := newTestBridge(t, FaultUnreachable)
	if !strings.Contains(u.Offer(), "ip='192.0.2.1'") || strings.Contains(u.Offer(), "127.0.0.1") {
		t.Fatalf("unreachable offer:\n%s", u.Offer())
	}
}

// FaultUnreachable: only a TEST-NET candidate, nothing passes; the client's
// checks never succeed and its ICE fails (pion: failed after the
// disconnected and failed timeouts, shortened here).
func TestFaultUnreachable(t *testing.T) {
	t.Parallel()
	b := newTestBridge(t, FaultUnreachable)
	c := newClient(t, clientTimeouts)
	if err := b.Accept(c.accept(b.Offer())); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 15*time.Second)
	i, err := c.wait(ctx, "ice checking", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.wait(ctx, "ice failed", i); err != nil {
		t.Fatal(err)
	}
	for _, e := range c.events() {
		if e == "ice connected" || e == "datachannel open" {
			t.Fatalf("the client got %q: %v", e, c.events())
		}
	}
	if b.State() == webrtc.ICEConnectionStateConnected {
		t.Fatal("the bridge connected")
	}
}

// FaultSilent: the bridge ignores the session-accept and answers nothing.
func TestFaultSilent(t *testing.T) {
	t.Parallel()
	b := newTestBridge(t, FaultSilent)
	c := newClient(t, clientTimeouts)
	if err := b.Accept(c.accept(b.Offer())); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 15*time.Second)
	if _, err := c.wait(ctx, "ice failed", 0); err != nil {
		t.Fatal(err)
	}
	if b.Dropped() == 0 {
		t.Fatal("the client's checks never reached the bridge's socket")
	}
	if st := b.State(); st != webrtc.ICEConnectionStateNew {
		t.Fatalf("the silent bridge's ICE is %s", st)
	}
}

// Cut after connecting: consent freshness fails on both sides,
// disconnected and then failed.
func TestFaultCut(t *testing.T) {
	t.Parallel()
	b := newTestBridge(t, FaultNone)
	c := newClient(t, clientTimeouts)
	connect(t, b, c)
	n := len(c.events())
	cut := time.Now()
	b.Cut()
	ctx := ctxFor(t, 15*time.Second)
	i, err := c.wait(ctx, "ice disconnected", n)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("client disconnected %v after the cut", time.Since(cut).Round(time.Millisecond))
	if _, err := c.wait(ctx, "ice failed", i); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Wait(ctx, iceIs(webrtc.ICEConnectionStateFailed)); err != nil {
		t.Fatal(err)
	}
}

// An in-place ICE restart after a cut: the bridge's new transport goes to
// the client, the client's new credentials come back, and ICE connects
// again when the network recovers, or fails when it does not.
func TestRestartInPlace(t *testing.T) {
	for _, recover := range []bool{true, false} {
		name := "recovers"
		if !recover {
			name = "does-not-recover"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := clientTimeouts
			if recover {
				o.FailedTimeout = 10 * time.Second // time to restart before failing
			}
			b := newTestBridge(t, FaultNone)
			c := newClient(t, o)
			connect(t, b, c)
			b.Cut()
			ctx := ctxFor(t, 20*time.Second)
			i, err := c.wait(ctx, "ice disconnected", 0)
			if err != nil {
				t.Fatal(err)
			}
			ti, err := b.RestartInPlace(recover)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(ti, "ice-generation='1'") || !strings.Contains(ti, "action='transport-info'") {
				t.Fatalf("restart transport-info:\n%s", ti)
			}
			old, _ := ParseJingle(b.Offer())
			newT, _ := TransportInfo(ti)
			if oldUfrag := old.root.first("", "content").first(nsICEUDP, "transport").get("ufrag"); newT[0].Ufrag == oldUfrag {
				t.Fatalf("the restart kept the ufrag %s", oldUfrag)
			}
			back := c.restart(ti)
			if err := b.Accept(back); err != nil {
				t.Fatal(err)
			}
			if recover {
				// The client's agent restarts (checking) and connects with
				// the new credentials.
				k, err := c.wait(ctx, "ice checking", i)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.wait(ctx, "ice connected", k); err != nil {
					t.Fatal(err)
				}
				if err := c.dc.SendText("after restart"); err != nil {
					t.Fatal(err)
				}
				if _, err := b.Wait(ctx, func(e Event) bool { return e.Kind == EventDataChannelMessage && e.Data == "after restart" }); err != nil {
					t.Fatal(err)
				}
				return
			}
			if _, err := c.wait(ctx, "ice failed", i); err != nil {
				t.Fatal(err)
			}
			for _, e := range c.events()[i:] {
				if e == "ice connected" {
					t.Fatalf("reconnected without a network: %v", c.events())
				}
			}
		})
	}
}

// An in-place restart that recovers a session whose checks never passed
// (FaultUnreachable: the library restarts after its first ICE failure) gives
// the client the bridge's own candidates, not the unreachable one again, and
// the client connects with them.
func TestRestartInPlaceAfterUnreachable(t *testing.T) {
	t.Parallel()
	b := newTestBridge(t, FaultUnreachable)
	o := clientTimeouts
	o.FailedTimeout = 2 * time.Second
	c := newClient(t, o)
	if err := b.Accept(c.accept(b.Offer())); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 20*time.Second)
	i, err := c.wait(ctx, "ice failed", 0)
	if err != nil {
		t.Fatal(err)
	}
	ti, err := b.RestartInPlace(true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ti, "192.0.2.1") || !strings.Contains(ti, "ip='127.0.0.1'") {
		t.Fatalf("the recovering restart's transport-info has not the bridge's own candidates:\n%s", ti)
	}
	if err := b.Accept(c.restart(ti)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.wait(ctx, "ice connected", i); err != nil {
		t.Fatal(err)
	}
	// Without recovery the unreachable candidate stays.
	ti, err = b.RestartInPlace(false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ti, "ip='192.0.2.1'") || strings.Contains(ti, "127.0.0.1") || !strings.Contains(ti, "ice-generation='2'") {
		t.Fatalf("the second restart, cut:\n%s", ti)
	}
}

// Candidates the library trickles in transport-info after a session-accept
// without any (JingleSessionPC._sendIceCandidates) reach the bridge's agent.
func TestBridgeTrickledCandidates(t *testing.T) {
	t.Parallel()
	b := newTestBridge(t, FaultNone)
	c := newClient(t, clientTimeouts)
	accept := regexp.MustCompile(`<candidate [^>]*/>`).ReplaceAllString(c.accept(b.Offer()), "")
	if strings.Contains(accept, "<candidate") {
		t.Fatal("candidates left in the accept")
	}
	if err := b.Accept(accept); err != nil {
		t.Fatal(err)
	}
	trickle, err := TransportInfoToJingle(c.pc.LocalDescription().SDP, 0, true, JingleOptions{Creator: "responder", SID: "sid-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(trickle, "<candidate ") || strings.Contains(trickle, "ice-generation") {
		t.Fatalf("trickle:\n%s", trickle)
	}
	if err := b.Accept(trickle); err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 10*time.Second)
	if _, err := b.Wait(ctx, iceIs(webrtc.ICEConnectionStateConnected)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Wait(ctx, func(e Event) bool { return e.Kind == EventDataChannelOpen }); err != nil {
		t.Fatal(err)
	}
	// The client's checks alone would give the bridge peer-reflexive
	// candidates; the trickled ones are host candidates.
	var ports []int32
	for _, l := range strings.Split(c.pc.LocalDescription().SDP, "\r\n") {
		if cand, ok := parseCandidateLine(l); ok && cand.component == "1" {
			ports = append(ports, int32(atoiOr(cand.port, 0)))
		}
	}
	host := false
	for _, st := range b.pc.GetStats() {
		if cs, ok := st.(webrtc.ICECandidateStats); ok && cs.Type == webrtc.StatsTypeRemoteCandidate &&
			cs.CandidateType == webrtc.ICECandidateTypeHost && slices.Contains(ports, cs.Port) {
			host = true
		}
	}
	if !host {
		t.Fatalf("no trickled host candidate (ports %v) among the bridge's remote candidates", ports)
	}
}

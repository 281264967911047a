package media

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// Chromium through a Cut of the bridge's network, healed or not, with every
// state change on both sides timed from the cut.

// stateAt is a state change, timed from the cut.
type stateAt struct {
	S string
	T time.Duration
}

func (s stateAt) String() string { return fmt.Sprintf("%s@%.2fs", s.S, s.T.Seconds()) }

// cutTrace is one cut session: Chromium's changes (ice, pc, dtls, sctp)
// on the page's clock and the bridge's (ice, peer, datachannel-close) on
// the test's, each from the cut; heal is when the network let packets
// through again (zero: never).
type cutTrace struct {
	page, bridge []stateAt
	heal         time.Duration
	// stats sums up Chromium's candidate pairs at the end; delivered is
	// how long a frame the bridge sent on the bridge channel at the end
	// took to reach the page (-1: not within 5 s).
	stats     string
	delivered time.Duration
}

// cutProbe is the frame sent on the bridge channel at the end of a cut
// session.
const cutProbe = `{"colibriClass":"EndpointMessage","msgPayload":"after the cut"}`

// first is the first change to s at or after from.
func first(l []stateAt, s string, from time.Duration) (time.Duration, bool) {
	for _, e := range l {
		if e.S == s && e.T >= from {
			return e.T, true
		}
	}
	return 0, false
}

// pageStates records the page's state changes from now on, on the page's
// clock (performance.now(), ms).
const pageStates = `(() => {
  const pc = self.__pc;
  const l = self.__states = [];
  const at = s => l.push({s, t: performance.now()});
  pc.addEventListener('iceconnectionstatechange', () => at('ice ' + pc.iceConnectionState));
  pc.addEventListener('connectionstatechange', () => at('pc ' + pc.connectionState));
  const sctp = pc.sctp;
  if (sctp) {
    sctp.addEventListener('statechange', () => at('sctp ' + sctp.state));
    sctp.transport.addEventListener('statechange', () => at('dtls ' + sctp.transport.state));
  }
  return pc.iceConnectionState + ' ' + pc.connectionState;
})()`

// pagePairs sums up the page's candidate pairs (getStats).
const pagePairs = `(async () => {
  const out = [];
  (await self.__pc.getStats()).forEach(r => {
    if (r.type === 'candidate-pair') {
      out.push(r.state + (r.nominated ? ' nominated' : '') + ' requests ' + r.requestsSent + ' responses ' + r.responsesReceived +
        ' consent ' + r.consentRequestsSent);
    }
  });
  return out.join('; ');
})()`

// pageNow is the page's clock at the moment f ran: f, then the page's
// performance.now(), less half the round trip.
func pageNow(ctx context.Context, t *testing.T, p *cdp, f func()) (float64, time.Time) {
	t.Helper()
	f()
	at := time.Now()
	v, err := p.eval(ctx, "performance.now()")
	if err != nil {
		t.Fatal(err)
	}
	var ms float64
	if err := json.Unmarshal(v, &ms); err != nil {
		t.Fatal(err)
	}
	return ms - float64(time.Since(at).Microseconds())/2000, at
}

// cutCase is one cut session: the bridge's options (its ICE timeouts),
// how long the connected session runs before the cut (settle; Chromium's
// consent checks on the selected pair are 2.5 s apart once it is stable,
// so settle sets where in that cycle the cut falls), when the network heals
// (zero: never), and how long to watch from the cut. done, when set, ends
// the watch early (checked ten times a second once healed; the watch goes
// on 3 s more, which takes in a tick of pion's timer at its defaults).
type cutCase struct {
	o                   Options
	settle, heal, watch time.Duration
	done                func(cutTrace) bool
}

// cutSession runs c with a Chromium of its own and returns what both
// sides did.
func cutSession(t *testing.T, c cutCase) cutTrace {
	t.Helper()
	p := startChromium(t)
	loadLibrary(t, p)
	o := c.o
	o.SID, o.Initiator = "sid-1", "focus@auth.meet.test/focus"
	o.BridgeSessionID, o.Region = "bridge-session-1", "local"
	b, err := NewBridge(o)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), c.settle+c.watch+60*time.Second)
	defer cancel()
	chromiumSession(ctx, t, p, b)
	waitPage(ctx, t, p, "ice connected", "datachannel open")
	if _, err := b.Wait(ctx, iceIs(webrtc.ICEConnectionStateConnected)); err != nil {
		t.Fatal(err)
	}
	v, err := p.eval(ctx, pageStates)
	if err != nil {
		t.Fatal(err)
	}
	if string(v) != `"connected connected"` {
		t.Fatalf("page before the cut: %s", v)
	}
	time.Sleep(c.settle)
	pageCut, cutAt := pageNow(ctx, t, p, b.Cut)
	var tr cutTrace
	collect := func() {
		v, err := p.eval(ctx, "self.__states")
		if err != nil {
			t.Fatal(err)
		}
		var l []struct {
			S string
			T float64
		}
		if err := json.Unmarshal(v, &l); err != nil {
			t.Fatal(err)
		}
		tr.page = tr.page[:0]
		for _, e := range l {
			tr.page = append(tr.page, stateAt{e.S, time.Duration((e.T - pageCut) * float64(time.Millisecond))})
		}
		tr.bridge = tr.bridge[:0]
		since := cutAt.Sub(b.start)
		for _, e := range b.History() {
			if e.At < since {
				continue
			}
			switch e.Kind {
			case EventICE:
				tr.bridge = append(tr.bridge, stateAt{"ice " + e.ICE.String(), e.At - since})
			case EventPeer:
				tr.bridge = append(tr.bridge, stateAt{"peer " + e.Peer.String(), e.At - since})
			case EventDataChannelClose:
				tr.bridge = append(tr.bridge, stateAt{"datachannel close", e.At - since})
			}
		}
	}
	end := cutAt.Add(c.watch)
	for healed := c.heal == 0; time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if !healed && time.Since(cutAt) >= c.heal {
			pageHeal, _ := pageNow(ctx, t, p, b.Heal)
			tr.heal = time.Duration((pageHeal - pageCut) * float64(time.Millisecond))
			healed = true
		}
		collect()
		if healed && c.done != nil && c.done(tr) {
			if e := time.Now().Add(3 * time.Second); e.Before(end) {
				end = e
			}
			c.done = nil
		}
	}
	collect()
	if v, err := p.eval(ctx, pagePairs); err == nil {
		_ = json.Unmarshal(v, &tr.stats)
	}
	// Does the bridge channel still carry a frame (up to 5 s)?
	tr.delivered = -1
	if b.Send(cutProbe) == nil {
		sent := time.Now()
		for time.Since(sent) < 5*time.Second {
			v, err := p.eval(ctx, "self.__log")
			if err != nil {
				t.Fatal(err)
			}
			var l pageLog
			_ = json.Unmarshal(v, &l)
			if _, ok := l.find("message " + cutProbe); ok {
				tr.delivered = time.Since(sent)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	_, _ = p.eval(ctx, "self.__pc.close(), 1")
	return tr
}

// timeouts are the bridge's ICE timeouts under test: the tests' short
// ones (clientTimeouts: disconnected after 1 s without a packet, failed
// 3 s later, a keepalive every 200 ms), and pion's defaults (5 s, 25 s
// later, 2 s), as cmd/simulate's bridge runs.
var timeouts = []struct {
	name string
	o    Options
}{
	{"test-timeouts", clientTimeouts},
	{"pion-defaults", Options{}},
}

// eachRun runs f CONFSIM_CHROMIUM_RUNS times (default once), each in a
// subtest of its own with its own Chromium.
func eachRun(t *testing.T, f func(t *testing.T)) {
	n := 1
	if s := os.Getenv("CONFSIM_CHROMIUM_RUNS"); s != "" {
		if _, err := fmt.Sscan(s, &n); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		t.Run(fmt.Sprintf("run-%d", i), f)
	}
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// within says whether d is in [lo, hi].
func within(d, lo, hi time.Duration) bool { return d >= lo && d <= hi }

// checkChromiumCut checks what Chromium does when nothing comes back: its
// consent checks on the selected pair (2.5 s apart) go unanswered, and
// about 5 s after the first unanswered one it reports ICE and
// connectionState disconnected together, 4-9 s after the cut (measured
// 5.3-7.5 s, by where in the cycle the cut falls; 7.5 s for a cut 2 s after
// connecting); connectionState failed comes 10 s later (the pair's write
// timeout, 15 s after that check, when Chromium drops the pair), while
// iceConnectionState stays disconnected (no failed in Chromium's legacy
// state once it had connected); then nothing more, for as long as the
// watch lasts (200 s measured).
func checkChromiumCut(t *testing.T, tr cutTrace) {
	t.Helper()
	d, ok := first(tr.page, "ice disconnected", 0)
	if !ok || !within(d, 4*time.Second, 9*time.Second) {
		t.Errorf("Chromium: ICE disconnected %s after the cut, want 4-9 s: %v", seconds(d), tr.page)
		return
	}
	if pd, ok := first(tr.page, "pc disconnected", 0); !ok || !within(pd-d, -100*time.Millisecond, 100*time.Millisecond) {
		t.Errorf("Chromium: connectionState not disconnected with ICE: %v", tr.page)
	}
	f, ok := first(tr.page, "pc failed", 0)
	if !ok || !within(f-d, 8*time.Second, 12*time.Second) {
		t.Errorf("Chromium: connectionState failed %s after disconnected, want about 10 s: %v", seconds(f-d), tr.page)
	}
	if tr.heal == 0 {
		if want := []string{"ice disconnected", "pc disconnected", "pc failed"}; len(tr.page) != 3 || tr.page[0].S != want[0] || tr.page[1].S != want[1] || tr.page[2].S != want[2] {
			t.Errorf("Chromium: %v, want only %v", tr.page, want)
		}
	}
}

// The cut at several points of Chromium's consent cycle (0-4 s after the
// session connected), never healed, watched until Chromium's
// connectionState fails.
func TestChromiumCutDisconnects(t *testing.T) {
	slowChromium(t)
	for _, settle := range []time.Duration{0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond,
		2 * time.Second, 2500 * time.Millisecond, 3 * time.Second, 4 * time.Second} {
		t.Run(fmt.Sprintf("settle-%v", settle), func(t *testing.T) {
			eachRun(t, func(t *testing.T) {
				tr := cutSession(t, cutCase{o: clientTimeouts, settle: settle, watch: 30 * time.Second, done: func(tr cutTrace) bool {
					_, ok := first(tr.page, "pc failed", 0)
					return ok
				}})
				t.Logf("page %v", tr.page)
				t.Logf("bridge %v", tr.bridge)
				checkChromiumCut(t, tr)
			})
		})
	}
}

// checkBridgeCut checks the bridge's ICE after a cut: disconnected once
// no packet came for its disconnected timeout, failed once none came for
// that and the failed timeout, each seen on the agent's next tick (the
// smallest of the timeouts and the keepalive interval: 200 ms with the
// tests' timeouts, 2 s with pion's defaults), the peer connection's state
// with it.
func checkBridgeCut(t *testing.T, o Options, tr cutTrace) {
	t.Helper()
	disc, failed, tick := 5*time.Second, 30*time.Second, 2*time.Second
	if o.DisconnectedTimeout > 0 {
		disc, failed, tick = o.DisconnectedTimeout, o.DisconnectedTimeout+o.FailedTimeout, o.KeepAliveInterval
	}
	// The last packet before the cut came up to a consent interval
	// earlier (Chromium checks every 2.5 s, pion's keepalive goes out on
	// its own tick): a little slack below the timeouts.
	d, ok := first(tr.bridge, "ice disconnected", 0)
	if !ok || !within(d, disc-time.Second, disc+tick+500*time.Millisecond) {
		t.Errorf("bridge: ICE disconnected %s after the cut, want %v-%v: %v", seconds(d), disc-time.Second, disc+tick, tr.bridge)
	}
	f, ok := first(tr.bridge, "ice failed", 0)
	if !ok || !within(f-d, failed-disc-tick, failed-disc+tick) {
		t.Errorf("bridge: ICE failed %s after disconnected, want about %v: %v", seconds(f-d), failed-disc, tr.bridge)
	}
	if pd, ok := first(tr.bridge, "peer disconnected", 0); !ok || !within(pd-d, 0, 100*time.Millisecond) {
		t.Errorf("bridge: the peer connection not disconnected with ICE: %v", tr.bridge)
	}
	if pf, ok := first(tr.bridge, "peer failed", 0); !ok || !within(pf-f, 0, 100*time.Millisecond) {
		t.Errorf("bridge: the peer connection not failed with ICE: %v", tr.bridge)
	}
}

// A cut that is never healed, with the bridge at the tests' timeouts and
// at pion's, watched for CONFSIM_CHROMIUM_CUT_WATCH (default 60 s; the
// figures in checkChromiumCut are from 200 s).
func TestChromiumCutNeverHealed(t *testing.T) {
	slowChromium(t)
	watch := 60 * time.Second
	if s := os.Getenv("CONFSIM_CHROMIUM_CUT_WATCH"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		watch = d
	}
	for _, to := range timeouts {
		t.Run(to.name, func(t *testing.T) {
			eachRun(t, func(t *testing.T) {
				tr := cutSession(t, cutCase{o: to.o, settle: 2 * time.Second, watch: watch})
				t.Logf("page %v", tr.page)
				t.Logf("bridge %v", tr.bridge)
				t.Logf("Chromium's pairs at the end: %q", tr.stats)
				checkChromiumCut(t, tr)
				if tr.delivered >= 0 {
					t.Errorf("a frame on the bridge channel came through the cut network: %v", tr.delivered)
				}
				checkBridgeCut(t, to.o, tr)
				if tr.stats != "" {
					t.Errorf("Chromium keeps candidate pairs after the failure: %s", tr.stats)
				}
			})
		})
	}
}

// A cut healed after 2, 5, 8 and 20 s (2 s after the session connected,
// so Chromium would report disconnected 7.5 s after the cut). Chromium
// reports nothing for a cut healed before its disconnected, and is
// connected again within a second of a heal that comes after it, even
// after its connectionState failed (17.5 s) - as long as the bridge's ICE
// has not failed: a pion agent that failed has let go of its candidates
// and its port in the mux, answers no more checks, and Chromium stays
// disconnected on the healed network (with the tests' timeouts the bridge
// fails 4 s after the cut).
func TestChromiumCutHealed(t *testing.T) {
	slowChromium(t)
	for _, to := range timeouts {
		for _, heal := range []time.Duration{2 * time.Second, 5 * time.Second, 8 * time.Second, 20 * time.Second} {
			t.Run(fmt.Sprintf("%s/heal-%v", to.name, heal), func(t *testing.T) {
				eachRun(t, func(t *testing.T) {
					tr := cutSession(t, cutCase{o: to.o, settle: 2 * time.Second, heal: heal, watch: heal + 20*time.Second,
						done: func(tr cutTrace) bool {
							_, ok := first(tr.page, "ice connected", tr.heal)
							return ok
						}})
					t.Logf("heal at %s; page %v", seconds(tr.heal), tr.page)
					t.Logf("bridge %v", tr.bridge)
					t.Logf("Chromium's pairs at the end: %q; a frame on the bridge channel at the end: %v", tr.stats, tr.delivered)
					bridgeFailed, failed := first(tr.bridge, "ice failed", 0)
					if failed != (tr.delivered < 0) {
						t.Errorf("bridge ICE failed %v, a frame on the bridge channel took %v (-1: none within 5 s)", failed, tr.delivered)
					}
					switch {
					case failed && bridgeFailed < tr.heal:
						// Nothing answers Chromium any more.
						checkChromiumCut(t, tr)
						if c, ok := first(tr.page, "ice connected", 0); ok {
							t.Errorf("Chromium: connected %s after the heal to a bridge whose ICE failed: %v", seconds(c-tr.heal), tr.page)
						}
					case heal < 4*time.Second:
						if len(tr.page) != 0 {
							t.Errorf("Chromium: %v for a cut of %s", tr.page, seconds(tr.heal))
						}
					default:
						d, ok := first(tr.page, "ice disconnected", 0)
						if !ok {
							if len(tr.page) != 0 {
								t.Errorf("Chromium: %v", tr.page)
							}
							break
						}
						if d > tr.heal {
							t.Errorf("Chromium: disconnected %s after the heal: %v", seconds(d-tr.heal), tr.page)
						}
						c, ok := first(tr.page, "ice connected", tr.heal)
						if pc, pok := first(tr.page, "pc connected", tr.heal); !ok || !pok || c-tr.heal > time.Second || pc-tr.heal > time.Second {
							t.Errorf("Chromium: not connected again within 1 s of the heal: %v", tr.page)
						}
					}
					if failed && bridgeFailed > tr.heal {
						t.Errorf("bridge: ICE failed after the heal: %v", tr.bridge)
					}
					// The bridge's own state comes back on its next tick.
					if d, ok := first(tr.bridge, "ice disconnected", 0); ok && !failed {
						if c, ok := first(tr.bridge, "ice connected", d); !ok || c-tr.heal > 2500*time.Millisecond {
							t.Errorf("bridge: not connected again within 2.5 s of the heal: %v", tr.bridge)
						}
					}
				})
			})
		}
	}
}

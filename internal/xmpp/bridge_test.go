//go:build !js

package xmpp

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jitsi-sim/confsim/sim"
)

// fakeBridge records what the endpoint asks of a JVB session's bridge.
type fakeBridge struct {
	opts BridgeOptions
	mu   sync.Mutex
	log  []string
	gen  int
}

func (b *fakeBridge) note(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.log = append(b.log, s)
}

func (b *fakeBridge) calls() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.log, " ")
}

func (b *fakeBridge) Offer() string {
	return fmt.Sprintf(`<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' initiator='%s' sid='%s'>`+
		`<bridge-session xmlns='http://jitsi.org/protocol/focus' id='%s' region='%s'/></jingle>`,
		b.opts.Initiator, b.opts.SID, b.opts.BridgeSessionID, b.opts.Region)
}

func (b *fakeBridge) Accept(jingle string) error {
	j, err := ParseFrame([]byte(jingle))
	if err != nil {
		return err
	}
	b.note("accept:" + j.Attr("action"))
	return nil
}

func (b *fakeBridge) Answer(string) (string, error) {
	return "", errors.New("the fake bridge answers no P2P offer")
}

func (b *fakeBridge) Cut()  { b.note("cut") }
func (b *fakeBridge) Heal() { b.note("heal") }

func (b *fakeBridge) RestartInPlace(recover bool) (string, error) {
	b.gen++
	b.note(fmt.Sprintf("restart:%v", recover))
	return fmt.Sprintf(`<jingle xmlns='urn:xmpp:jingle:1' action='transport-info' initiator='%s' sid='%s'>`+
		`<content creator='initiator' name='audio'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='new%d' pwd='newpwd' ice-generation='%d'/></content></jingle>`,
		b.opts.Initiator, b.opts.SID, b.gen, b.gen), nil
}

func (b *fakeBridge) Close() error { b.note("close"); return nil }

// restartRequest is the session-info JingleSessionPC.restartIce sends.
const restartRequest = `<iq to="room@conference.meet.example/focus" type="set" id="r9" xmlns="jabber:client">` +
	`<jingle action="session-info" initiator="focus@auth.meet.example/focus" sid="confsim-sid-1" xmlns="urn:xmpp:jingle:1">` +
	`<bridge-session ice-restart="true" id="confsim-bridge-session-1" xmlns="http://jitsi.org/protocol/focus"/></jingle></iq>`

// An in-place ICE restart against a JVB session whose first checks failed:
// jicofo acks the library's request, the server side's network learns the
// restart's checks started and decides whether they pass, the bridge
// restarts its agent accordingly, and its new transport reaches the client
// tagged with its ice-generation; the client's new credentials go back to
// the bridge.
func TestIceRestartInPlace(t *testing.T) {
	for _, tc := range []struct {
		fault   string
		recover bool
	}{{"ice-transient-failure", true}, {"peer-connection-failure", false}} {
		t.Run(tc.fault, func(t *testing.T) {
			off := false
			ep := start(t, sim.Config{Room: sim.Room{Occupants: 1}, Client: sim.Client{DisplayName: "Alice"},
				Deployment: sim.Deployment{P2P: &off, EnableIceRestart: true}})
			var b *fakeBridge
			ep.SetBridges(func(o BridgeOptions) (Bridge, error) {
				b = &fakeBridge{opts: o}
				return b, nil
			})
			ctl(t, ep, `{"op":"fault","fault":"`+tc.fault+`"}`)
			c := handshake(t, ep)
			c.send(conferenceIQ)
			c.expect(`ready='true'`)
			c.send(joinPresence(""))
			c.expect(`/focus'`)
			c.expect(`/p1'`)
			c.expect(`<status code='110'/>`)
			ctl(t, ep, `{"op":"advance","to":40}`)
			c.expect(`/focus'`)
			c.expect(`action='session-initiate'`, `id='confsim-bridge-session-1'`)
			if b == nil || !b.opts.Unreachable {
				t.Fatalf("bridge %+v: want one made unreachable, the first checks failing", b)
			}
			c.send(`<iq to="room@conference.meet.example/focus" type="set" id="a1" xmlns="jabber:client">` +
				`<jingle action="session-accept" initiator="focus@auth.meet.example/focus" sid="confsim-sid-1" xmlns="urn:xmpp:jingle:1"/></iq>`)
			c.expect(`type='result'`, `id='a1'`)
			// The first checks fail about 15 s after they start: the bridge
			// stays cut, never healed.
			ctl(t, ep, `{"op":"advance","to":16000}`)
			if got := b.calls(); got != "cut accept:session-accept cut cut" {
				t.Fatalf("bridge calls after the first checks: %q", got)
			}

			c.send(restartRequest)
			c.expect(`type='result'`, `id='r9'`)
			ti := c.expect(`type='set'`, `from='room@conference.meet.example/focus'`, `action='transport-info'`, `sid='confsim-sid-1'`,
				`ice-generation='1'`, `ufrag='new1'`)
			if !strings.Contains(b.calls(), fmt.Sprintf("restart:%v", tc.recover)) {
				t.Fatalf("bridge calls %q: want restart:%v (%s)", b.calls(), tc.recover, ti)
			}
			c.send(`<iq to="room@conference.meet.example/focus" type="set" id="t1" xmlns="jabber:client">` +
				`<jingle action="transport-info" initiator="focus@auth.meet.example/focus" sid="confsim-sid-1" xmlns="urn:xmpp:jingle:1">` +
				`<content creator="responder" name="audio"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="cl" pwd="clientpwd" ice-generation="1"/></content></jingle></iq>`)
			c.expect(`type='result'`, `id='t1'`)
			if !strings.HasSuffix(b.calls(), "accept:transport-info") {
				t.Fatalf("bridge calls %q: the client's new credentials did not reach it", b.calls())
			}
			// A restart that does not recover fails again 15 s later; one
			// that does stays up.
			ctl(t, ep, `{"op":"advance","to":32000}`)
			want := "heal restart:true accept:transport-info"
			if !tc.recover {
				want = "restart:false accept:transport-info cut cut"
			}
			if got := b.calls(); !strings.HasSuffix(got, want) {
				t.Fatalf("bridge calls %q, want them to end with %q", got, want)
			}
		})
	}
}

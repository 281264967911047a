package deploy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/internal/xmpp"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// The frames lib-jitsi-meet 01daa07c sends to connect, to ask the focus
// for the conference and to join the room.
const (
	openFrame = `<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`
	authFrame = `<auth mechanism="ANONYMOUS" xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`
	bindFrame = `<iq id="_bind_auth_2" type="set" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`
	confFrame = `<iq to="focus.meet.example" type="set" id="c%d" xmlns="jabber:client"><conference machine-uid="f4e2" room="room@conference.meet.example" xmlns="http://jitsi.org/protocol/focus"/></iq>`
	joinFrame = `<presence to="room@conference.meet.example/a11ce000" xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc">%s</x></presence>`
	knockLike = `<presence to="room@lobby.meet.example/a11ce000" xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc"/></presence>`
)

// client is a connection carried in memory: what the server writes is
// kept in out.
type client struct {
	c   *xmpp.Conn
	out []string
}

func (cl *client) Write(f string) error { cl.out = append(cl.out, f); return nil }
func (cl *client) Close(bool)           {}

func (cl *client) send(t *testing.T, frames ...string) {
	t.Helper()
	for _, f := range frames {
		if cl.c.Frame([]byte(f)) {
			t.Fatalf("the server closed the connection at %s; it wrote:\n%s", f, strings.Join(cl.out, "\n"))
		}
	}
}

func (cl *client) wrote(s string) bool { return strings.Contains(strings.Join(cl.out, "\n"), s) }

func load(t *testing.T, yaml string, opts Options) *Deployment {
	t.Helper()
	sc, err := scenario.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func connect(t *testing.T, d *Deployment) *client {
	t.Helper()
	cl := &client{}
	cl.c = d.Server().Open(cl)
	cl.send(t, openFrame, authFrame, openFrame, bindFrame)
	return cl
}

const passwordScenario = `
description: a locked room, then the right password
room: {occupants: 1, password: s3cret}
steps:
  - fault: no-password-given
  - action: join
  - expect: {event: conference.failed, error: conference.passwordRequired}
  - action: join
    password: s3cret
  - expect: {event: conference.joined}
`

// The fault before the join is applied at once; the verdict waits for the
// re-join the scenario says the application makes, and passes on it.
func TestPasswordThenRejoin(t *testing.T) {
	d := load(t, passwordScenario, Options{})
	if err := d.Tick(0); err != nil {
		t.Fatal(err)
	}
	if v := d.Verdict(); len(v.Played) != 1 || !strings.Contains(v.Played[0], "no-password-given") {
		t.Fatalf("played %q, want the fault at once", v.Played)
	}
	cl := connect(t, d)
	cl.send(t, fmt.Sprintf(confFrame, 1))
	d.Tick(100)
	cl.send(t, fmt.Sprintf(joinFrame, ""))
	d.Tick(200)
	if !cl.wrote("not-authorized") {
		t.Fatalf("the join was not refused for its password:\n%s", strings.Join(cl.out, "\n"))
	}
	v := d.Verdict()
	if v.Pass || v.Done || !strings.Contains(v.Reason, "a conference request") {
		t.Fatalf("before the re-join: %+v, want it waiting for a conference request", v)
	}
	cl.send(t, fmt.Sprintf(confFrame, 2))
	d.Tick(300)
	cl.send(t, fmt.Sprintf(joinFrame, "<password>s3cret</password>"))
	d.Tick(400)
	if v := d.Verdict(); !v.Pass || !v.Done || v.Seen != v.Expected {
		t.Fatalf("after the re-join: %+v", v)
	}
}

const kickScenario = `
description: a kick two seconds after the join
room: {occupants: 1}
steps:
  - action: join
  - expect: {event: conference.joined}
  - advance: 2000
  - action: kick
    text: bye
  - expect: {event: conference.kicked}
`

// A kick waits for the client's join, however late, then for the time the
// model has between the join and the kick.
func TestKickWaitsForTheJoin(t *testing.T) {
	d := load(t, kickScenario, Options{})
	d.Tick(60000) // a minute with nobody connected
	if v := d.Verdict(); len(v.Played) != 0 {
		t.Fatalf("played %q before the client joined", v.Played)
	}
	cl := connect(t, d)
	cl.send(t, fmt.Sprintf(confFrame, 1))
	d.Tick(60100)
	cl.send(t, fmt.Sprintf(joinFrame, ""))
	d.Tick(60200)
	if v := d.Verdict(); len(v.Played) != 0 {
		t.Fatalf("kicked at once (%q), want about 2 s after the join", v.Played)
	}
	d.Tick(63000)
	v := d.Verdict()
	if len(v.Played) != 1 || !strings.Contains(v.Played[0], "kick") {
		t.Fatalf("played %q, want the kick", v.Played)
	}
	if !cl.wrote(`code='307'`) {
		t.Fatalf("no kick presence:\n%s", strings.Join(cl.out, "\n"))
	}
	if !v.Pass {
		t.Fatalf("verdict %+v", v)
	}
}

// A client that does something else than the scenario's fails the
// verdict, naming the message.
func TestVerdictNamesTheFirstMismatch(t *testing.T) {
	d := load(t, kickScenario, Options{})
	cl := connect(t, d)
	cl.send(t, fmt.Sprintf(confFrame, 1), knockLike)
	d.Tick(1000)
	v := d.Verdict()
	if v.Pass || !strings.Contains(v.Reason, "message 3 was a lobby join presence") || !strings.Contains(v.Reason, "a MUC join presence") {
		t.Fatalf("verdict %+v", v)
	}
}

// Manual: nothing is played but the cues sent; advance skips the clock.
func TestManualCues(t *testing.T) {
	d := load(t, passwordScenario, Options{Manual: true})
	d.Tick(10)
	if v := d.Verdict(); len(v.Played) != 0 {
		t.Fatalf("manual deployment played %q", v.Played)
	}
	if _, err := d.Control(xmpp.ControlRequest{Op: "inject", Fault: "no-password-given"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Control(xmpp.ControlRequest{Op: "inject", Fault: "no-such-fault"}); err == nil {
		t.Fatal("an unknown fault was accepted")
	}
	if _, err := d.Control(xmpp.ControlRequest{Op: "advance", Ms: 5000}); err != nil {
		t.Fatal(err)
	}
	if now := d.Server().Now(); now != 5010 {
		t.Fatalf("clock %d after advance, want 5010", now)
	}
	if _, err := d.Control(xmpp.ControlRequest{Op: "advance", Ms: -1}); err == nil {
		t.Fatal("a negative advance was accepted")
	}
}

// The endpoint tells the server side of a login, then of the
// authenticated connection's bind; the model's login is one message. A
// client that logs in as the scenario says passes.
func TestLoginsConnectionIsNotAMismatch(t *testing.T) {
	sc, err := scenario.Load("../../scenarios/authentication-required/auth-users-only.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range d.expect {
		d.observe(e.t, wire.Message{Type: e.typ})
		if e.typ == wire.Login {
			d.observe(e.t, wire.Message{Type: wire.StreamOpen})
		}
		if v := d.Verdict(); v.Failed {
			t.Fatalf("after message %d (%s): %s", i+1, words(e.typ), v.Reason)
		}
	}
	if !slices.ContainsFunc(d.expect, func(e expected) bool { return e.typ == wire.Login }) {
		t.Fatal("the scenario has no login: the test shows nothing")
	}
	if v := d.Verdict(); v.Seen != v.Expected {
		t.Fatalf("verdict %+v", v)
	}
}

// The ticker and a control advance play at once: the clock only goes
// forward and no advance is refused as being in the past.
func TestTickAndAdvanceConcurrently(t *testing.T) {
	d := load(t, kickScenario, Options{})
	done := make(chan error, 1)
	go func() {
		for i := range 2000 {
			if err := d.Tick(int64(i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 2000 {
		if _, err := d.Control(xmpp.ControlRequest{Op: "advance", Ms: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// bridge is a stand-in for a real bridge: an offer the endpoint sends, and
// a record of the network's cuts and heals.
type bridge struct{ calls []string }

func (b *bridge) Offer() string {
	return `<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' initiator='focus@auth.meet.example/focus' sid='confsim-sid-1'/>`
}
func (b *bridge) Answer(string) (string, error)       { return "", fmt.Errorf("no P2P here") }
func (b *bridge) Accept(string) error                 { b.calls = append(b.calls, "accept"); return nil }
func (b *bridge) Cut()                                { b.calls = append(b.calls, "cut") }
func (b *bridge) Heal()                               { b.calls = append(b.calls, "heal") }
func (b *bridge) RestartInPlace(bool) (string, error) { return "", fmt.Errorf("no restart here") }
func (b *bridge) Close() error                        { return nil }

const cutScenario = `
description: a connected JVB session cut and healed
room: {occupants: 1}
deployment: {p2p: false}
steps:
  - action: join
  - expect: {event: conference.connectionEstablished}
  - fault: ice-interruption
  - expect: {event: conference.connectionInterrupted}
`

// With real media a cut of the connected session waits for the session's
// checks, however late the client answers the offer, and leaves the
// browser a moment to connect once its packets flow.
func TestCutWaitsForTheChecks(t *testing.T) {
	d := load(t, cutScenario, Options{})
	b := &bridge{}
	d.SetBridges(func(xmpp.BridgeOptions) (xmpp.Bridge, error) { return b, nil })
	cl := connect(t, d)
	cl.send(t, fmt.Sprintf(confFrame, 1))
	d.Tick(100)
	cl.send(t, fmt.Sprintf(joinFrame, ""))
	d.Tick(5000) // the offer is out; the client has not answered it
	if v := d.Verdict(); len(v.Played) != 0 {
		t.Fatalf("played %q before the session's checks", v.Played)
	}
	if !cl.wrote(`confsim-sid-1`) {
		t.Fatalf("no session-initiate:\n%s", strings.Join(cl.out, "\n"))
	}
	cl.send(t, `<iq to="room@conference.meet.example/focus" type="set" id="a1" xmlns="jabber:client">`+
		`<jingle action="session-accept" initiator="focus@auth.meet.example/focus" sid="confsim-sid-1" xmlns="urn:xmpp:jingle:1"/></iq>`)
	d.Tick(5100) // the checks start 200 ms after the answer
	d.Tick(5300) // connected at 5200
	d.Tick(5600) // the cut waits until 5700
	if v := d.Verdict(); len(v.Played) != 0 {
		t.Fatalf("played %q, want the cut 500 ms after the checks connected", v.Played)
	}
	d.Tick(5700)
	v := d.Verdict()
	if len(v.Played) != 1 || !strings.Contains(v.Played[0], "ice-interruption") {
		t.Fatalf("played %q, want the interruption", v.Played)
	}
	if got, want := strings.Join(b.calls, " "), "cut accept heal cut"; got != want {
		t.Fatalf("bridge calls %q, want %q: held, answered, connected at the model's pace, cut", got, want)
	}
}

//go:build !js

package xmpp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/jitsi-sim/confsim/sim"
)

// client is a Go WebSocket client speaking as Strophe does.
type client struct {
	t  *testing.T
	c  *websocket.Conn
	ep *Endpoint
}

func start(t *testing.T, cfg sim.Config) *Endpoint {
	t.Helper()
	ep, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep
}

func dial(t *testing.T, ep *Endpoint) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, ep.WebSocketURL(), &websocket.DialOptions{Subprotocols: []string{"xmpp"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &client{t: t, c: c, ep: ep}
}

func (c *client) send(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads the next frame, or "" when the connection closed.
func (c *client) recv() string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.c.Read(ctx)
	if err != nil {
		return ""
	}
	return string(b)
}

// expect reads a frame and checks that it contains every part.
func (c *client) expect(parts ...string) string {
	c.t.Helper()
	got := c.recv()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			c.t.Fatalf("frame %q\nlacks %q", got, p)
		}
	}
	return got
}

// handshake opens the stream, authenticates anonymously and binds, as
// Strophe's WebSocket connection does.
func handshake(t *testing.T, ep *Endpoint) *client {
	t.Helper()
	c := dial(t, ep)
	c.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	c.expect(`<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='meet.example'`)
	c.expect(`<mechanism>ANONYMOUS</mechanism>`)
	c.send(`<auth mechanism="ANONYMOUS" xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`)
	c.expect(`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`)
	c.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	c.expect(`<open `)
	c.expect(`<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>`)
	c.send(`<iq type="set" id="_bind_auth_2" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`)
	c.expect(`type='result'`, `id='_bind_auth_2'`, `<jid>a11ce000@meet.example/res1</jid>`)
	return c
}

func joinPresence(password string) string {
	pw := ""
	if password != "" {
		pw = "<password>" + password + "</password>"
	}
	return `<presence to="room@conference.meet.example/6a11aae1" xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc">` + pw +
		`</x><stats-id>Ayden-dix</stats-id><nick xmlns="http://jabber.org/protocol/nick">Alice</nick></presence>`
}

func ctl(t *testing.T, ep *Endpoint, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(ep.ControlURL(), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("control %s: %d %v", body, resp.StatusCode, out)
	}
	return out
}

func TestJoin(t *testing.T) {
	ep := start(t, sim.Config{Room: sim.Room{Occupants: 1}, Client: sim.Client{DisplayName: "Alice"}})
	c := handshake(t, ep)
	c.send(`<iq to="meet.example" type="get" id="d1" xmlns="jabber:client"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`)
	c.expect(`id='d1'`, `<feature var='urn:xmpp:ping'/>`, `type='lobbyrooms'`)
	c.send(`<iq to="meet.example" type="get" id="e1" xmlns="jabber:client"><services xmlns="urn:xmpp:extdisco:2"/></iq>`)
	c.expect(`type='result'`, `id='e1'`, `<services xmlns='urn:xmpp:extdisco:2'/>`)

	c.send(conferenceIQ)
	c.expect(`type='result'`, `id='c1'`, `from='focus.meet.example'`, `ready='true'`, `focusjid='focus@auth.meet.example'`,
		`<property name='authentication' value='false'/>`)
	c.send(joinPresence(""))
	c.expect(`from='room@conference.meet.example/focus'`, `jid='focus@auth.meet.example/focus'`)
	c.expect(`from='room@conference.meet.example/p1'`, `jid='p1@meet.example/p1'`)
	self := c.expect(`from='room@conference.meet.example/6a11aae1'`, `<status code='110'/>`, `<nick xmlns='http://jabber.org/protocol/nick'>Alice</nick>`)
	if strings.Contains(self, `code='201'`) {
		t.Errorf("the focus created the room, yet the self-presence says 201: %s", self)
	}
	c.send(`<iq to="room@conference.meet.example" type="get" id="r1" xmlns="jabber:client"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`)
	c.expect(`id='r1'`, `muc#roominfo_meetingId`, MeetingID, `<feature var='muc_open'/>`)

	// jicofo's presence and its session-initiate wait on the virtual clock.
	if got := ctl(t, ep, `{"op":"next"}`)["next"]; got != float64(40) {
		t.Fatalf("next = %v, want 40", got)
	}
	ctl(t, ep, `{"op":"advance","to":40}`)
	c.expect(`from='room@conference.meet.example/focus'`)
	c.expect(`action='session-initiate'`, `region='region-1'`, `<bridge-session xmlns='http://jitsi.org/protocol/focus'`)
	if got := ctl(t, ep, `{"op":"next"}`)["next"]; got != nil {
		t.Fatalf("next = %v, want null", got)
	}

	// Kicked by a moderator.
	ctl(t, ep, `{"op":"act","action":"kick","text":"bye"}`)
	ctl(t, ep, `{"op":"advance","to":1000}`)
	c.expect(`type='unavailable'`, `<actor nick='p1'/>`, `<reason>bye</reason>`, `<status code='110'/>`, `<status code='307'/>`)

	tr := ctl(t, ep, `{"op":"transcript"}`)["transcript"].([]any)
	if len(tr) < 10 || !strings.HasPrefix(tr[0].(string), "C>S <open") || !strings.HasPrefix(tr[1].(string), "S>C <open") {
		t.Fatalf("transcript: %v", tr)
	}
}

func TestPasswordRequired(t *testing.T) {
	ep := start(t, sim.Config{Room: sim.Room{Password: "s3cret"}, Client: sim.Client{DisplayName: "Alice"}})
	c := handshake(t, ep)
	c.send(conferenceIQ)
	c.expect(`ready='true'`)
	c.send(joinPresence(""))
	c.expect(`type='error'`, `<x xmlns='http://jabber.org/protocol/muc'/>`, `<error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`)
	c.send(conferenceIQ)
	c.expect(`ready='true'`)
	c.send(joinPresence("s3cret"))
	c.expect(`/focus'`)
	c.expect(`<status code='110'/>`)
	c.send(`<iq to="room@conference.meet.example" type="get" id="r1" xmlns="jabber:client"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`)
	c.expect(`<feature var='muc_passwordprotected'/>`)
	// leave(): our unavailable self-presence comes back.
	c.send(`<presence to="room@conference.meet.example/6a11aae1" type="unavailable" xmlns="jabber:client"/>`)
	c.expect(`type='unavailable'`, `<status code='110'/>`)
	c.send(`<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	c.expect(closeFrame)
}

func TestMembersOnlyWithLobby(t *testing.T) {
	ep := start(t, sim.Config{Room: sim.Room{Lobby: true, WaitingForHost: true}, Client: sim.Client{DisplayName: "Alice"}})
	c := handshake(t, ep)
	c.send(conferenceIQ)
	c.expect(`ready='true'`)
	c.send(joinPresence(""))
	c.expect(`type='error'`, `<error type='auth'><registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>`,
		`<lobbyroom xmlns='http://jitsi.org/jitmeet'>lobby.room@lobby.meet.example</lobbyroom>`, `<waiting-for-host xmlns='http://jitsi.org/jitmeet'/>`,
		// and beside the error, for the libraries of 2021 (as prosody does)
		`</error><lobbyroom>lobby.room@lobby.meet.example</lobbyroom></presence>`)
	// Knock: the lobby room answers with our self-presence; a moderator
	// approves and the lobby invites us with the room's password.
	c.send(`<presence to="lobby.room@lobby.meet.example/6a11aae1" xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc"/><nick xmlns="http://jabber.org/protocol/nick">Alice</nick></presence>`)
	c.expect(`from='lobby.room@lobby.meet.example/6a11aae1'`, `<status code='110'/>`)
	ctl(t, ep, `{"op":"act","action":"approve"}`)
	ctl(t, ep, `{"op":"advance","to":100}`)
	c.expect(`from='room@conference.meet.example'`, `<invite from='room@conference.meet.example/p1'/>`)
}

func TestConferenceErrors(t *testing.T) {
	ep := start(t, sim.Config{Client: sim.Client{DisplayName: "Alice"}})
	c := handshake(t, ep)
	ctl(t, ep, `{"op":"fault","fault":"focus-not-ready"}`)
	c.send(conferenceIQ)
	c.expect(`ready='false'`)
	if out, err := ep.Control(ControlRequest{Op: "fault", Fault: "no-such-fault"}); err == nil {
		t.Fatalf("an unknown fault was accepted: %v", out)
	}
	if _, err := ep.Control(ControlRequest{Op: "act", Action: "join"}); err == nil {
		t.Fatal("join was accepted as a moderator's action")
	}
	if _, err := ep.Control(ControlRequest{Op: "advance"}); err == nil {
		t.Fatal("advance without to was accepted")
	}
}

func TestRefusesMalformedInput(t *testing.T) {
	ep := start(t, sim.Config{})
	cases := []struct{ name, frame, cond string }{
		{"not XML", `<iq type="get"`, "not-well-formed"},
		{"two elements", `<presence/><presence/>`, "not-well-formed"},
		{"DTD", `<!DOCTYPE x [<!ENTITY a "b">]><iq/>`, "not-well-formed"},
		{"before auth", `<iq type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>`, "not-authorized"},
		{"unknown element", `<foo xmlns="jabber:client"/>`, "unsupported-stanza-type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, ep)
			c.send(tc.frame)
			c.expect(`<stream:error xmlns:stream='http://etherx.jabber.org/streams'><` + tc.cond)
			c.expect(closeFrame)
			if got := c.recv(); got != "" {
				t.Fatalf("the connection stays open: %q", got)
			}
		})
	}
	// A bound client's unknown IQ gets a stanza error, not a stream error.
	c := handshake(t, ep)
	c.send(`<iq to="meet.example" type="get" id="u1" xmlns="jabber:client"><query xmlns="jabber:iq:roster"/></iq>`)
	c.expect(`type='error'`, `id='u1'`, `<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>`)
	c.send(`<iq to="meet.example" type="get" id="u2" xmlns="jabber:client"/>`)
	c.expect(`id='u2'`, `<bad-request `)
}

func TestPlainGetAndSubprotocol(t *testing.T) {
	ep := start(t, sim.Config{})
	resp, err := http.Get("http://" + ep.Addr() + "/xmpp-websocket")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("keep-alive GET: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, ep.WebSocketURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("without the xmpp subprotocol: %v, want a policy violation close", err)
	}
	resp, err = http.Post(ep.ControlURL(), "application/json", bytes.NewReader([]byte(`{"op":"warp"}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown op: %d", resp.StatusCode)
	}
}

func TestConnectionDropped(t *testing.T) {
	ep := start(t, sim.Config{})
	c := handshake(t, ep)
	ctl(t, ep, `{"op":"fault","fault":"connection-dropped"}`)
	if got := c.recv(); got != "" {
		t.Fatalf("after connection-dropped: %q, want the connection closed", got)
	}
}

// TestRoomConfigForm: the muc#owner form has the roomsecret field unless
// the deployment, or a fault, takes password support away
// (ChatRoom.lockRoom then calls onNotSupported).
func TestRoomConfigForm(t *testing.T) {
	for _, c := range []struct {
		name   string
		cfg    sim.Config
		fault  string
		secret bool
	}{
		{"default", sim.Config{}, "", true},
		{"deployment", sim.Config{Deployment: sim.Deployment{NoPasswordSupport: true}}, "", false},
		{"fault", sim.Config{}, "server-no-password-support", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ep := start(t, c.cfg)
			cl := handshake(t, ep)
			if c.fault != "" {
				ctl(t, ep, `{"op":"fault","fault":"`+c.fault+`"}`)
			}
			cl.send(conferenceIQ)
			cl.expect(`ready='true'`)
			cl.send(joinPresence(""))
			cl.expect(`/focus'`)
			cl.expect(`<status code='110'/>`)
			cl.send(`<iq to="room@conference.meet.example" type="get" id="o1" xmlns="jabber:client"><query xmlns="http://jabber.org/protocol/muc#owner"/></iq>`)
			form := cl.expect(`id='o1'`, `muc#roomconfig_whois`)
			if got := strings.Contains(form, "muc#roomconfig_roomsecret"); got != c.secret {
				t.Fatalf("roomsecret field: %t, want %t\n%s", got, c.secret, form)
			}
		})
	}
}

// A client that stops reading fills its queue: Write then fails at once
// instead of blocking (it runs under the Server's lock), and the frames
// queued before still go out in order to a client that reads again.
func TestSlowClientNeverBlocksWrite(t *testing.T) {
	accepted := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		accepted <- c
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	client.SetReadLimit(1 << 20)
	tr := newWSTransport(<-accepted)
	defer tr.stop()
	frame := strings.Repeat("x", 1024)
	full := -1
	for i := range 100000 {
		if err := tr.Write(frame); err != nil {
			if !errors.Is(err, errSlowClient) {
				t.Fatalf("write %d: %v", i, err)
			}
			full = i
			break
		}
	}
	if full < wsQueue {
		t.Fatalf("the queue refused frame %d, before %d were queued", full, wsQueue)
	}
	for i := range 10 {
		_, b, err := client.Read(ctx)
		if err != nil || string(b) != frame {
			t.Fatalf("frame %d: %q, %v", i, b, err)
		}
	}
}

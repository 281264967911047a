//go:build !js

package xmpp

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/jitsi-sim/confsim/sim"
)

// With mod_smacks on, the features after SASL offer XEP-0198; <enable/> is
// answered with a resumption id, <r/> with the count of stanzas, and after
// a drop a new connection resumes the session with <resume/>.
func TestStreamResumption(t *testing.T) {
	ep := start(t, sim.Config{Deployment: sim.Deployment{StreamManagement: true}})
	c := dial(t, ep)
	c.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	c.expect(`<open `)
	c.expect(`<mechanism>ANONYMOUS</mechanism>`)
	c.send(`<auth mechanism="ANONYMOUS" xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`)
	c.expect(`<success `)
	c.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	c.expect(`<open `)
	c.expect(`<bind `, `<sm xmlns='urn:xmpp:sm:3'/>`)
	c.send(`<iq type="set" id="b1" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`)
	c.expect(`<jid>`)
	c.send(`<enable xmlns="urn:xmpp:sm:3" resume="true"/>`)
	id := smID(c.expect(`<enabled xmlns='urn:xmpp:sm:3' id='sm-`, `resume='true'`))
	c.send(`<iq type="get" id="p1" to="meet.example" xmlns="jabber:client"><ping xmlns="urn:xmpp:ping"/></iq>`)
	c.expect(`id='p1'`)
	c.send(`<r xmlns="urn:xmpp:sm:3"/>`)
	c.expect(`<a xmlns='urn:xmpp:sm:3' h='1'/>`)

	ctl(t, ep, `{"op":"fault","fault":"connection-dropped"}`)
	if got := c.recv(); got != "" {
		t.Fatalf("after connection-dropped: %q, want the connection closed", got)
	}
	r := dial(t, ep)
	r.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	r.expect(`<open `)
	r.expect(`<mechanism>`)
	r.send(`<auth mechanism="ANONYMOUS" xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`)
	r.expect(`<success `)
	r.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	r.expect(`<open `)
	r.expect(`<sm `)
	r.send(`<resume xmlns="urn:xmpp:sm:3" h="2" previd="sm-wrong"/>`)
	r.expect(`<failed xmlns='urn:xmpp:sm:3'><item-not-found `)
	r.send(`<resume xmlns="urn:xmpp:sm:3" h="2" previd="` + id + `"/>`)
	r.expect(`<resumed xmlns='urn:xmpp:sm:3' previd='` + id + `' h='1'/>`)
}

// prosody-restart loses the session: the resumption is refused.
func TestResumptionAfterRestartIsRefused(t *testing.T) {
	ep := start(t, sim.Config{Deployment: sim.Deployment{StreamManagement: true}})
	c := handshake(t, ep)
	c.send(`<enable xmlns="urn:xmpp:sm:3" resume="true"/>`)
	id := smID(c.expect(`<enabled `))
	ctl(t, ep, `{"op":"fault","fault":"prosody-restart"}`)
	c.recv()
	r := dial(t, ep)
	r.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	r.expect(`<open `)
	r.expect(`<mechanism>`)
	r.send(`<auth mechanism="ANONYMOUS" xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`)
	r.expect(`<success `)
	r.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	r.expect(`<open `)
	r.expect(`<sm `)
	r.send(`<resume xmlns="urn:xmpp:sm:3" h="0" previd="` + id + `"/>`)
	r.expect(`<failed xmlns='urn:xmpp:sm:3'><item-not-found `)
}

// login-refused fails SASL PLAIN; anonymous-login-disabled takes ANONYMOUS
// out of the mechanisms.
func TestSASLRefusals(t *testing.T) {
	ep := start(t, sim.Config{})
	ctl(t, ep, `{"op":"fault","fault":"login-refused"}`)
	ctl(t, ep, `{"op":"fault","fault":"anonymous-login-disabled"}`)
	c := dial(t, ep)
	c.send(`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	c.expect(`<open `)
	f := c.expect(`<mechanism>PLAIN</mechanism>`)
	if strings.Contains(f, "ANONYMOUS") {
		t.Fatalf("features %q offer ANONYMOUS", f)
	}
	c.send(`<auth mechanism="PLAIN" xmlns="urn:ietf:params:xml:ns:xmpp-sasl">AGFsaWNlAHNlY3JldA==</auth>`)
	c.expect(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>`)
}

// xmpp-unreachable refuses new WebSockets; shard-changed changes the
// keep-alive's x-jitsi-shard header.
func TestUnreachableAndShard(t *testing.T) {
	ep := start(t, sim.Config{Deployment: sim.Deployment{Shard: "shard-a"}})
	get := func() *http.Response {
		resp, err := http.Get("http://" + ep.Addr() + "/xmpp-websocket")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if h := get().Header.Get("x-jitsi-shard"); h != "shard-a" {
		t.Fatalf("x-jitsi-shard %q, want shard-a", h)
	}
	ctl(t, ep, `{"op":"fault","fault":"shard-changed"}`)
	if h := get().Header.Get("x-jitsi-shard"); h == "shard-a" || h == "" {
		t.Fatalf("x-jitsi-shard %q after shard-changed, want another shard", h)
	}
	ctl(t, ep, `{"op":"fault","fault":"xmpp-unreachable"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c, _, err := websocket.Dial(ctx, ep.WebSocketURL(), &websocket.DialOptions{Subprotocols: []string{"xmpp"}}); err == nil {
		c.CloseNow()
		t.Fatal("a WebSocket opened on an unreachable server")
	}
}

// smID is the id attribute of an <enabled/> frame.
func smID(frame string) string {
	id := frame[strings.Index(frame, "id='")+4:]
	return id[:strings.Index(id, "'")]
}

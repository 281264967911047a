package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// serveRun starts simulate serve with args and returns its config line
// and a function that waits for its exit status and the rest of its output.
func serveRun(t *testing.T, args ...string) (cfg map[string]any, wait func() (int, string)) {
	t.Helper()
	pr, pw := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		code := run(append([]string{"serve"}, args...), pw, &errb)
		pw.Close()
		done <- code
	}()
	r := bufio.NewReader(pr)
	var head strings.Builder
	for {
		line, err := r.ReadString('\n')
		head.WriteString(line)
		if rest, ok := strings.CutPrefix(line, "config: "); ok {
			if err := json.Unmarshal([]byte(rest), &cfg); err != nil {
				t.Fatalf("config line %q: %v", line, err)
			}
			break
		}
		if err != nil {
			t.Fatalf("no config line; output %q, stderr %q", head.String(), errb.String())
		}
	}
	restc := make(chan string, 1)
	go func() { b, _ := io.ReadAll(r); restc <- string(b) }()
	return cfg, func() (int, string) {
		select {
		case code := <-done:
			return code, head.String() + <-restc + errb.String()
		case <-time.After(30 * time.Second):
			resp, err := http.Post(cfg["control"].(string), "application/json", strings.NewReader(`{"op":"verdict"}`))
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				t.Logf("verdict: %s", b)
			}
			t.Fatal("simulate serve did not end")
			return 0, ""
		}
	}
}

// xmppClient speaks the library's frames to the served endpoint.
type xmppClient struct {
	t *testing.T
	c *websocket.Conn
}

func dialServe(t *testing.T, url string) *xmppClient {
	t.Helper()
	c, _, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{Subprotocols: []string{"xmpp"}})
	if err != nil {
		t.Fatal(err)
	}
	return &xmppClient{t, c}
}

// say sends a frame and reads the answers until one contains want.
func (x *xmppClient) say(frame, want string) string {
	x.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if frame != "" {
		if err := x.c.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			x.t.Fatal(err)
		}
	}
	var got []string
	for want != "" {
		_, b, err := x.c.Read(ctx)
		if err != nil {
			x.t.Fatalf("waiting for %q: %v; got %q", want, err, got)
		}
		got = append(got, string(b))
		if strings.Contains(string(b), want) {
			break
		}
	}
	return strings.Join(got, "\n")
}

const (
	serveOpen = `<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`
	serveAuth = `<auth mechanism="ANONYMOUS" xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`
	serveBind = `<iq id="b1" type="set" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`
	serveConf = `<iq to="focus.meet.example" type="set" id="c%d" xmlns="jabber:client"><conference machine-uid="m" room="room@conference.meet.example" xmlns="http://jitsi.org/protocol/focus"/></iq>`
	serveJoin = `<presence to="room@conference.meet.example/a11ce000" xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc">%s</x></presence>`
)

func (x *xmppClient) connect() {
	x.say(serveOpen, "stream:features")
	x.say(serveAuth, "success")
	x.say(serveOpen, "stream:features")
	x.say(serveBind, "<jid>")
}

// A client that does what the scenario says passes serve's verdict: the
// locked room's fault is played at once, the join without a password is
// refused, the re-join with it is let in; serve ends when the client
// closes its connection.
func TestServePasswordScenario(t *testing.T) {
	tr := filepath.Join(t.TempDir(), "stanzas.txt")
	cfg, wait := serveRun(t, "--transcript", tr, "../../scenarios/password-required/no-password-given.yaml")
	hosts, _ := cfg["hosts"].(map[string]any)
	if hosts["domain"] != "meet.example" || hosts["muc"] != "conference.meet.example" || !strings.HasPrefix(cfg["serviceUrl"].(string), "ws://127.0.0.1:") {
		t.Fatalf("config %v", cfg)
	}
	x := dialServe(t, cfg["serviceUrl"].(string))
	x.connect()
	x.say(fmt.Sprintf(serveConf, 1), "ready='true'")
	if got := x.say(fmt.Sprintf(serveJoin, ""), "type='error'"); !strings.Contains(got, "not-authorized") {
		t.Fatalf("join without the password: %s", got)
	}
	x.say(fmt.Sprintf(serveConf, 2), "ready='true'")
	x.say(fmt.Sprintf(serveJoin, "<password>s3cret</password>"), "status code='110'")
	x.c.Close(websocket.StatusNormalClosure, "")
	code, out := wait()
	if code != exitOK || !strings.Contains(out, "played ") || !strings.Contains(out, "fault no-password-given") ||
		!strings.Contains(out, "--- PASS no-password-given (5 client messages") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	b, err := os.ReadFile(tr)
	if err != nil || !strings.Contains(string(b), "C>S <presence") {
		t.Fatalf("transcript: %v\n%s", err, b)
	}
}

// A client that gives up ends with a failing verdict naming what it did
// not send; the control endpoint's end stops serve.
func TestServeEndBeforeDone(t *testing.T) {
	cfg, wait := serveRun(t, "../../scenarios/password-required/no-password-given.yaml")
	x := dialServe(t, cfg["serviceUrl"].(string))
	x.connect()
	x.say(fmt.Sprintf(serveConf, 1), "ready='true'")
	x.say(fmt.Sprintf(serveJoin, ""), "type='error'")
	resp, err := http.Post(cfg["control"].(string), "application/json", strings.NewReader(`{"op":"end"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, out := wait()
	if code != exitFail || !strings.Contains(out, "--- FAIL no-password-given: waiting for the client's message 4 of 5: a conference request") ||
		!strings.Contains(out, "ended by the control endpoint") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// Manual cues through the control endpoint, and its errors.
func TestServeManualControl(t *testing.T) {
	cfg, wait := serveRun(t, "--manual", "../../scenarios/happy/kicked.yaml")
	post := func(body string) (int, string) {
		resp, err := http.Post(cfg["control"].(string), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	x := dialServe(t, cfg["serviceUrl"].(string))
	x.connect()
	x.say(fmt.Sprintf(serveConf, 1), "ready='true'")
	x.say(fmt.Sprintf(serveJoin, ""), "status code='110'")
	if code, body := post(`{"op":"inject","fault":"no-such"}`); code != http.StatusBadRequest || !strings.Contains(body, "no-such") {
		t.Fatalf("unknown fault: %d %s", code, body)
	}
	if code, body := post(`{"op":"advance","to":5}`); code != http.StatusBadRequest || !strings.Contains(body, `want \"ms\"`) {
		t.Fatalf("advance to: %d %s", code, body)
	}
	if code, body := post(`{"op":"kick","text":"bye"}`); code != http.StatusOK {
		t.Fatalf("kick: %d %s", code, body)
	}
	if got := x.say("", "code='307'"); !strings.Contains(got, "<reason>bye</reason>") {
		t.Fatalf("kick presence: %s", got)
	}
	post(`{"op":"end"}`)
	code, out := wait()
	if code != exitOK || !strings.Contains(out, "moderator kick") || !strings.Contains(out, "--- PASS kicked (3 client messages as the scenario has them, 1 cue played") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// Bad input: no scenario, two scenarios, a broken file, a bad address.
func TestServeBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("description: x\nsteps:\n  - fault: no-such-fault\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "want one scenario file, got 0"},
		{[]string{"a.yaml", "b.yaml"}, "want one scenario file, got 2"},
		{[]string{bad}, "bad.yaml:3:"},
		{[]string{"--addr", "256.0.0.1:1", "../../scenarios/happy/kicked.yaml"}, "--addr 256.0.0.1:1"},
		{[]string{"--profile", "nope", "../../scenarios/happy/kicked.yaml"}, "profile"},
	} {
		var out, errb strings.Builder
		if code := run(append([]string{"serve"}, c.args...), &out, &errb); code != exitBadInput || !strings.Contains(errb.String(), c.want) {
			t.Errorf("serve %q: exit %d, stderr %q, want %q", c.args, code, errb.String(), c.want)
		}
	}
}

// Package xmpp serves the model's server side (sim.Server: prosody with its
// MUC modules, jicofo, the bridge) to a real lib-jitsi-meet over XMPP over
// WebSocket (RFC 7395, subprotocol "xmpp"), so that the real library can
// judge the model.
//
// The endpoint does what prosody does on its own (the stream, SASL
// ANONYMOUS and PLAIN, bind, XEP-0198 stream management, ping, extdisco, disco#info, the muc#owner form,
// echoing presence updates and groupchat) and hands everything else to the
// server side as wire messages: the conference IQ to the focus, the MUC join
// and leave presences, the lobby join, the room configuration submit, chat,
// Jingle session-accept and session-terminate. It renders the server side's
// wire messages as the stanzas prosody and jicofo send.
//
// Time is virtual: what the server side schedules, and what it sends after
// a delay, waits on the endpoint's own clock (ms) until the harness advances
// it through /control. What it sends at once is written at once.
//
// Not modelled: media. A Jingle session-initiate is minimal (one audio
// content, an unreachable TEST-NET candidate); ICE outcomes are not
// rendered, and jsdom has no RTCPeerConnection anyway. Also not modelled:
// BOSH, visitor nodes, several participants (the connections
// open at once are one client's: what the server side sends goes to the one
// that spoke last).
//
// github.com/coder/websocket is used for the WebSocket (maintained, small,
// context-aware, no dependencies) and encoding/xml for the stanzas: each
// RFC 7395 frame is one complete element, so a tree per frame is enough and
// an XMPP library would bring a client-side model the endpoint does not
// need.
package xmpp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// Options configure an endpoint.
type Options struct {
	// Config is the scenario's configuration: room, deployment, client.
	Config sim.Config
	// Addr is the address to listen on; default 127.0.0.1:0 (loopback,
	// any free port).
	Addr string
	// Log, when set, receives diagnostics (panics recovered, write errors).
	Log *log.Logger
}

// maxTranscript bounds the transcript; a longer exchange keeps its start.
const maxTranscript = 100000

// Endpoint is the XMPP-over-WebSocket server and its /control interface.
// All server work (frames, control operations, the clock) is serialised by
// mu.
type Endpoint struct {
	opts Options
	ln   net.Listener
	hs   *http.Server
	done chan struct{}

	mu    sync.Mutex
	conns []*session // the open client connections, oldest first
	st    *state
}

// New starts an endpoint for cfg. Close stops it.
func New(opts Options) (*Endpoint, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	e := &Endpoint{opts: opts, done: make(chan struct{})}
	st, err := newState(opts.Config, e)
	if err != nil {
		return nil, err
	}
	e.st = st
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	e.ln = ln
	mux := http.NewServeMux()
	mux.HandleFunc("/xmpp-websocket", e.serveWebSocket)
	mux.HandleFunc("/control", e.serveControl)
	mux.HandleFunc(ConferenceRequestPath, e.serveConferenceRequest)
	e.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(e.done)
		_ = e.hs.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	return e, nil
}

// Addr is the address the endpoint listens on, e.g. 127.0.0.1:41234.
func (e *Endpoint) Addr() string { return e.ln.Addr().String() }

// WebSocketURL is the URL of the XMPP WebSocket.
func (e *Endpoint) WebSocketURL() string { return "ws://" + e.Addr() + "/xmpp-websocket" }

// ControlURL is the URL of the control interface.
func (e *Endpoint) ControlURL() string { return "http://" + e.Addr() + "/control" }

// ConferenceRequestPath is where the endpoint takes conference requests over
// HTTP (the library's conferenceRequestUrl).
const ConferenceRequestPath = "/conference-request/v1"

// ConferenceRequestURL is the library's conferenceRequestUrl for this
// endpoint.
func (e *Endpoint) ConferenceRequestURL() string { return "http://" + e.Addr() + ConferenceRequestPath }

// serveConferenceRequest answers a conference request sent over HTTP, as
// Moderator.sendConferenceRequest sends it when conferenceRequestUrl is set:
// a POST of JSON ({room, machineUid, sessionId, properties}), answered
// with the JSON Moderator._handleSuccess reads, or an HTTP error it
// classifies: 403 not authorized, 400 with "400 invalid-session" an invalid
// session, any other status a retry.
func (e *Endpoint) serveConferenceRequest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
	if r.Method == http.MethodOptions {
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST a conference request", http.StatusMethodNotAllowed)
		return
	}
	var req struct {
		Room string `json:"room"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil || req.Room == "" {
		http.Error(w, "400 bad-request: want a JSON conference request with a room", http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	st := e.st
	st.httpWaiting, st.httpAnswer = true, nil
	if st.room == "" {
		st.room = req.Room
	}
	st.receive(wire.Message{Type: wire.ConferenceIQ, HTTP: true})
	a := st.httpAnswer
	st.httpWaiting, st.httpAnswer = false, nil
	e.mu.Unlock()
	switch {
	case a == nil:
		// jicofo never answers (focus-silent); a 504 stands for the
		// proxy's timeout.
		http.Error(w, "504 gateway-timeout", http.StatusGatewayTimeout)
	case a.HTTPStatus != 0:
		http.Error(w, fmt.Sprintf("%d %s", a.HTTPStatus, http.StatusText(a.HTTPStatus)), a.HTTPStatus)
	case !a.OK && a.SessionInvalid:
		// Moderator tests text.indexOf('400 invalid-session') > 0: the
		// words must not open the body.
		http.Error(w, "conference request: 400 invalid-session", http.StatusBadRequest)
	case !a.OK:
		http.Error(w, "503 "+a.Condition, http.StatusServiceUnavailable)
	default:
		props := map[string]string{"authentication": boolWord(a.AuthEnabled), "sipGatewayEnabled": "false"}
		if a.VisitorsSupported {
			props["visitors-supported"] = "true"
		}
		if !a.Live {
			props["live"] = "false"
		}
		focusJid := a.FocusJid
		if focusJid == "" {
			focusJid = sim.FocusJid
		}
		body := map[string]any{"ready": a.Ready, "focusJid": focusJid, "properties": props}
		if a.Identity != "" {
			body["identity"] = a.Identity
		}
		if a.Vnode != "" {
			body["vnode"] = a.Vnode
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	}
}

// Close stops the endpoint and closes its connections.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	for _, c := range e.conns {
		c.closeNow()
	}
	e.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := e.hs.Shutdown(ctx)
	if err != nil {
		err = e.hs.Close()
	}
	<-e.done
	return err
}

// Transcript returns the stanzas exchanged so far, one per line: "C>S ..."
// for what the client sent, "S>C ..." for what the endpoint sent.
func (e *Endpoint) Transcript() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.st.transcript)
}

func (e *Endpoint) logf(format string, args ...any) {
	if e.opts.Log != nil {
		e.opts.Log.Printf(format, args...)
	}
}

// serveWebSocket upgrades to the XMPP WebSocket, or answers a plain GET
// with 200: XmppConnection._keepAliveAndCheckShard fetches the same path.
func (e *Endpoint) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	reachable, status := e.st.srv.Reachable()
	shard := e.st.srv.Shard()
	e.mu.Unlock()
	if !reachable {
		// xmpp-unreachable, xmpp-server-error: nothing opens.
		if status == 0 {
			status = http.StatusBadGateway
		}
		http.Error(w, "unavailable", status)
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if shard != "" {
			// The proxy names the shard that serves us.
			w.Header().Set("x-jitsi-shard", shard)
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{"xmpp"},
		// A test endpoint on loopback: the page's origin is whatever the
		// harness's jsdom or browser says.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return // Accept has answered
	}
	if c.Subprotocol() != "xmpp" {
		// RFC 7395 §3.2: the client must ask for the xmpp subprotocol.
		c.Close(websocket.StatusPolicyViolation, "subprotocol xmpp required")
		return
	}
	c.SetReadLimit(maxFrameBytes)
	ctx := r.Context()
	s := &session{ep: e, ws: c}
	// Several connections may be open at once: authenticateAndUpgradeRole
	// opens a second, authenticated one beside the room's.
	e.mu.Lock()
	e.conns = append(e.conns, s)
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		s.closed = true
		e.conns = slices.DeleteFunc(e.conns, func(o *session) bool { return o == s })
		if e.st.cur == s {
			e.st.cur = nil
			if n := len(e.conns); n > 0 {
				e.st.cur = e.conns[n-1]
			}
		}
		e.mu.Unlock()
		c.CloseNow()
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		e.mu.Lock()
		if s.closed {
			e.mu.Unlock()
			return
		}
		if typ != websocket.MessageText {
			// RFC 7395 §3.2: frames are UTF-8 text.
			s.streamError("unsupported-encoding")
			e.mu.Unlock()
			return
		}
		stop := s.handleSafely(data)
		e.mu.Unlock()
		if stop {
			return
		}
	}
}

// session is one WebSocket connection. Its fields are guarded by
// Endpoint.mu.
type session struct {
	ep     *Endpoint
	ws     *websocket.Conn
	closed bool
	// write, when set, replaces the WebSocket (tests, the fuzz target).
	write func(string) error
	// phase is where the stream is: 0 before the first <open/>, 1 waiting
	// for SASL, 2 authenticated before the second <open/>, 3 waiting for
	// bind, 4 bound.
	phase    int
	domain   string
	jid      string // the bound full jid
	loggedIn bool   // SASL PLAIN
}

// send writes one frame and records it.
func (s *session) send(frame string) {
	if s.closed {
		return
	}
	s.ep.st.record("S>C " + frame)
	var err error
	if s.write != nil {
		err = s.write(frame)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.ws.Write(ctx, websocket.MessageText, []byte(frame))
		cancel()
	}
	if err != nil {
		s.ep.logf("xmpp: write: %v", err)
		s.closeNow()
	}
}

// closeFrame is the RFC 7395 <close/>, byte for byte as Strophe's
// WebSocket._onMessage compares it.
const closeFrame = `<close xmlns="urn:ietf:params:xml:ns:xmpp-framing" />`

// streamError sends a stream error with condition cond, then <close/>,
// and closes the connection (RFC 7395 §3.6, as prosody does).
func (s *session) streamError(cond string) {
	s.send(el("stream:error", "xmlns:stream", nsStream).add(el(cond, "xmlns", nsStreams)).String())
	s.send(closeFrame)
	s.closeGracefully()
}

func (s *session) closeGracefully() {
	if s.closed {
		return
	}
	s.closed = true
	if s.ws != nil {
		go s.ws.Close(websocket.StatusNormalClosure, "")
	}
}

// closeNow drops the connection without a <close/>: what Strophe reports
// as "Websocket closed unexpectedly".
func (s *session) closeNow() {
	if s.closed {
		return
	}
	s.closed = true
	if s.ws != nil {
		go s.ws.Close(websocket.StatusGoingAway, "")
	}
}

// handleSafely handles a frame and never panics: a panic is answered as
// prosody answers an internal error, with a stream error. It reports
// whether the connection is over.
func (s *session) handleSafely(frame []byte) (stop bool) {
	defer func() {
		if p := recover(); p != nil {
			s.ep.logf("xmpp: panic handling %q: %v", frame, p)
			s.streamError("internal-server-error")
			stop = true
		}
	}()
	s.handle(frame)
	return s.closed
}

// handle handles one client frame.
func (s *session) handle(frame []byte) {
	st := s.ep.st
	if s.phase == 4 {
		st.cur = s // answers and what follows go to the connection that spoke last
	}
	st.record("C>S " + strings.TrimSpace(string(frame)))
	root, err := ParseFrame(frame)
	if err != nil {
		s.streamError("not-well-formed")
		return
	}
	switch {
	case root.Name == "open" && root.Space == nsFraming:
		s.open(root)
		return
	case root.Name == "close" && root.Space == nsFraming:
		s.send(closeFrame)
		s.closeGracefully()
		return
	case root.Name == "auth" && root.Space == nsSASL:
		s.auth(root)
		return
	case s.smElement(root):
		return
	}
	if root.Space != "" && root.Space != nsClient {
		s.streamError("invalid-namespace")
		return
	}
	switch root.Name {
	case "iq", "presence", "message":
	default:
		s.streamError("unsupported-stanza-type")
		return
	}
	if s.phase == 3 && root.Name == "iq" {
		s.bind(root)
		return
	}
	if s.phase != 4 {
		s.streamError("not-authorized")
		return
	}
	s.countStanza()
	switch root.Name {
	case "iq":
		st.iq(s, root)
	case "presence":
		st.presence(s, root)
	case "message":
		st.message(s, root)
	}
}

// open answers a stream <open/>: the SASL mechanisms first, bind after
// authentication.
func (s *session) open(root *Element) {
	switch s.phase {
	case 0:
		s.domain = root.Attr("to")
		if s.domain == "" {
			s.domain = sim.Domain
		}
		s.phase = 1
	case 2:
		s.phase = 3
	default:
		// A restart where none is due: prosody refuses it.
		s.streamError("policy-violation")
		return
	}
	st := s.ep.st
	st.ids++
	s.send(el("open", "xmlns", nsFraming, "from", s.domain, "id", fmt.Sprintf("confsim-%d", st.ids),
		"version", "1.0", "xml:lang", "en").String())
	f := el("stream:features", "xmlns:stream", nsStream)
	if s.phase == 1 {
		m := el("mechanisms", "xmlns", nsSASL)
		if st.srv.OffersAnonymous() {
			m.add(el("mechanism").txt("ANONYMOUS"))
		}
		f.add(m.add(el("mechanism").txt("PLAIN")))
	} else {
		f.add(el("bind", "xmlns", nsBind))
		if st.srv.StreamManagement() {
			f.add(el("sm", "xmlns", nsSM))
		}
	}
	s.send(f.String())
}

// auth is SASL: ANONYMOUS, or PLAIN with any non-empty credentials (the
// deployment's authentication is the server side's business).
func (s *session) auth(root *Element) {
	if s.phase != 1 {
		s.streamError("policy-violation")
		return
	}
	switch root.Attr("mechanism") {
	case "ANONYMOUS":
		if !s.ep.st.srv.OffersAnonymous() {
			s.send(el("failure", "xmlns", nsSASL).add(el("invalid-mechanism")).String())
			return
		}
	case "PLAIN":
		if strings.TrimSpace(root.Text) == "" || strings.TrimSpace(root.Text) == "=" || !s.ep.st.srv.AcceptsLogin() {
			s.send(el("failure", "xmlns", nsSASL).add(el("not-authorized")).String())
			return
		}
		s.loggedIn = true
	default:
		s.send(el("failure", "xmlns", nsSASL).add(el("invalid-mechanism")).String())
		return
	}
	s.phase = 2
	s.send(el("success", "xmlns", nsSASL).String())
}

// bind binds the resource the server side names: the connection is
// established (StreamOpen answered by StreamReady).
func (s *session) bind(root *Element) {
	b := root.Child(nsBind, "bind")
	if root.Attr("type") != "set" || b == nil {
		s.streamError("not-authorized")
		return
	}
	st := s.ep.st
	st.cur = s
	if s.loggedIn {
		st.receive(wire.Message{Type: wire.Login})
	}
	st.ready = nil
	st.receive(wire.Message{Type: wire.StreamOpen})
	res := sim.Resource
	if st.ready != nil && st.ready.Text != "" {
		res = st.ready.Text
	}
	st.conns++
	// The first connection's node is sim.Node, eight hex digits, which
	// JitsiConference.resourceCreator takes as the MUC nick of an
	// anonymous user: the nick is then known to the model.
	node := sim.Node
	if st.conns > 1 {
		node = fmt.Sprintf("anon-%d", st.conns)
	}
	s.jid = fmt.Sprintf("%s@%s/%s", node, s.domain, res)
	s.phase = 4
	s.send(el("iq", "xmlns", nsClient, "type", "result", "id", root.Attr("id"), "to", s.jid).
		add(el("bind", "xmlns", nsBind).add(el("jid").txt(s.jid))).String())
}

// ControlRequest is one /control request: Op is fault, act, next,
// advance or transcript.
type ControlRequest struct {
	Op     string `json:"op"`
	Fault  string `json:"fault,omitempty"`
	Reason string `json:"reason,omitempty"`
	Action string `json:"action,omitempty"`
	Text   string `json:"text,omitempty"`
	To     *int64 `json:"to,omitempty"`
}

// serveControl is the harness's interface: faults, moderators' actions,
// the clock and the transcript, as JSON.
func (e *Endpoint) serveControl(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		json.NewEncoder(w).Encode(map[string]string{"error": "POST a JSON object"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var c ControlRequest
	if err == nil {
		err = json.Unmarshal(body, &c)
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "bad request: " + err.Error()})
		return
	}
	out, err := e.Control(c)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(out)
}

// Control performs one control operation and returns its JSON answer.
func (e *Endpoint) Control(c ControlRequest) (out map[string]any, err error) {
	op := c.Op
	e.mu.Lock()
	defer e.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			e.logf("xmpp: panic in control %q: %v", op, p)
			out, err = nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	st := e.st
	switch op {
	case "fault":
		if err := st.srv.Fault(sim.Input{Fault: c.Fault, Reason: c.Reason}); err != nil {
			return nil, err
		}
		st.faultApplied(c.Fault)
	case "act":
		switch sim.Action(c.Action) {
		case sim.ActionApprove, sim.ActionDeny, sim.ActionKick, sim.ActionDestroy:
		default:
			return nil, fmt.Errorf("act: %q is not a moderator's action (approve, deny, kick, destroy)", c.Action)
		}
		if err := st.srv.Act(sim.Input{Action: sim.Action(c.Action), Text: c.Text}); err != nil {
			return nil, err
		}
	case "next":
		if t, ok := st.next(); ok {
			return map[string]any{"next": t, "now": st.now}, nil
		}
		return map[string]any{"next": nil, "now": st.now}, nil
	case "advance":
		if c.To == nil {
			return nil, errors.New("advance: want \"to\" (ms)")
		}
		if *c.To < st.now {
			return nil, fmt.Errorf("advance: to %d ms is before now (%d ms)", *c.To, st.now)
		}
		st.advance(*c.To)
	case "transcript":
		return map[string]any{"transcript": slices.Clone(st.transcript), "now": st.now}, nil
	default:
		return nil, fmt.Errorf("unknown op %q (want fault, act, next, advance or transcript)", op)
	}
	return map[string]any{"ok": true, "now": st.now}, nil
}

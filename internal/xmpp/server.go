package xmpp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// maxTranscript bounds the transcript; a longer exchange keeps its start.
const maxTranscript = 100000

// Server is the endpoint without its carrier: it turns a client's frames
// into the server side's wire messages and renders the answers, and holds
// the virtual clock, the control operations and the transcript. Endpoint
// carries it over WebSocket and HTTP on loopback; the JavaScript kit
// carries it over a Node WebSocket server (GOOS=js). All work is
// serialised by mu, so every method is safe for concurrent use.
type Server struct {
	log *log.Logger

	mu    sync.Mutex
	conns []*session // the open client connections, oldest first
	st    *state
}

// Transport carries one client connection's frames.
type Transport interface {
	// Write sends one frame to the client.
	Write(frame string) error
	// Close ends the connection: gracefully after a <close/>, or as a
	// drop. It must not block on the Server.
	Close(graceful bool)
}

// NewServer makes a server side for cfg; lg, when set, receives
// diagnostics (panics recovered, write errors).
func NewServer(cfg sim.Config, lg *log.Logger) (*Server, error) {
	st, err := newState(cfg)
	if err != nil {
		return nil, err
	}
	return &Server{log: lg, st: st}, nil
}

func (sv *Server) logf(format string, args ...any) {
	if sv.log != nil {
		sv.log.Printf(format, args...)
	}
}

// Conn is one client connection to a Server.
type Conn struct{ s *session }

// Open starts a connection whose frames t carries.
func (sv *Server) Open(t Transport) *Conn {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	s := &session{sv: sv, t: t}
	sv.conns = append(sv.conns, s)
	return &Conn{s}
}

// Frame handles one text frame from the client. It reports whether the
// connection is over.
func (c *Conn) Frame(frame []byte) (over bool) {
	sv := c.s.sv
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if c.s.closed {
		return true
	}
	return c.s.handleSafely(frame)
}

// Binary refuses a binary frame: RFC 7395 §3.2 frames are UTF-8 text.
func (c *Conn) Binary() {
	sv := c.s.sv
	sv.mu.Lock()
	defer sv.mu.Unlock()
	c.s.streamError("unsupported-encoding")
}

// Gone says the carrier has ended: what the server side sends goes to the
// connection opened last, if any is left.
func (c *Conn) Gone() {
	sv := c.s.sv
	sv.mu.Lock()
	defer sv.mu.Unlock()
	s := c.s
	s.closed = true
	sv.conns = slices.DeleteFunc(sv.conns, func(o *session) bool { return o == s })
	if sv.st.cur == s {
		// The newest bound connection takes over, if any.
		sv.st.cur = nil
		for i := len(sv.conns) - 1; i >= 0; i-- {
			if sv.conns[i].phase == 4 {
				sv.st.cur = sv.conns[i]
				break
			}
		}
	}
}

// Now is the virtual clock, in ms.
func (sv *Server) Now() int64 {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return sv.st.now
}

// Reachability says whether the WebSocket opens (else the HTTP status the
// proxy answers, 0 for its default) and the shard the proxy names.
func (sv *Server) Reachability() (ok bool, status int, shard string) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	ok, status = sv.st.srv.Reachable()
	return ok, status, sv.st.srv.Shard()
}

// Conns is the number of connections open.
func (sv *Server) Conns() int {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return len(sv.conns)
}

// CloseAll drops every connection.
func (sv *Server) CloseAll() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for _, c := range sv.conns {
		c.closeNow()
	}
}

// Transcript returns the stanzas exchanged so far, one per line: "C>S ..."
// for what the client sent, "S>C ..." for what the server side sent.
func (sv *Server) Transcript() []string {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return slices.Clone(sv.st.transcript)
}

// Observe sets fn to be told of every message the client sends to the
// server side (after the endpoint has parsed it), with the virtual time.
// fn runs under the server's lock: it must not call the Server.
func (sv *Server) Observe(fn func(t int64, m wire.Message)) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	sv.st.observe = fn
}

// session is one client connection. Its fields are guarded by Server.mu.
type session struct {
	sv     *Server
	t      Transport
	closed bool
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
	s.sv.st.record("S>C " + frame)
	if err := s.t.Write(frame); err != nil {
		s.sv.logf("xmpp: write: %v", err)
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
	s.t.Close(true)
}

// closeNow drops the connection without a <close/>: what Strophe reports
// as "Websocket closed unexpectedly".
func (s *session) closeNow() {
	if s.closed {
		return
	}
	s.closed = true
	s.t.Close(false)
}

// handleSafely handles a frame and never panics: a panic is answered as
// prosody answers an internal error, with a stream error. It reports
// whether the connection is over.
func (s *session) handleSafely(frame []byte) (stop bool) {
	defer func() {
		if p := recover(); p != nil {
			s.sv.logf("xmpp: panic handling %q: %v", frame, p)
			s.streamError("internal-server-error")
			stop = true
		}
	}()
	s.handle(frame)
	return s.closed
}

// handle handles one client frame.
func (s *session) handle(frame []byte) {
	st := s.sv.st
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
	st := s.sv.st
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
		if !s.sv.st.srv.OffersAnonymous() {
			s.send(el("failure", "xmlns", nsSASL).add(el("invalid-mechanism")).String())
			return
		}
	case "PLAIN":
		if strings.TrimSpace(root.Text) == "" || strings.TrimSpace(root.Text) == "=" || !s.sv.st.srv.AcceptsLogin() {
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
	st := s.sv.st
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
	// Ms is a duration: a fake deployment's advance skips its clock
	// ahead by Ms (internal/deploy).
	Ms int64 `json:"ms,omitempty"`
}

// Control performs one control operation and returns its JSON answer.
func (sv *Server) Control(c ControlRequest) (out map[string]any, err error) {
	op := c.Op
	sv.mu.Lock()
	defer sv.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			sv.logf("xmpp: panic in control %q: %v", op, p)
			out, err = nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	st := sv.st
	switch op {
	case "fault":
		if err := st.srv.Fault(sim.Input{Fault: c.Fault, Reason: c.Reason}); err != nil {
			return nil, err
		}
		st.faultApplied(c.Fault)
	case "act":
		if !sim.Action(c.Action).Moderator() {
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

// ConferenceRequest answers a conference request sent over HTTP, as
// Moderator.sendConferenceRequest sends it when conferenceRequestUrl is
// set: body is the POSTed JSON ({room, machineUid, sessionId,
// properties}); the answer is the JSON Moderator._handleSuccess reads, or
// an HTTP error it classifies: 403 not authorized, 400 with "400
// invalid-session" an invalid session, any other status a retry.
func (sv *Server) ConferenceRequest(body []byte) (status int, contentType string, out []byte) {
	var req struct {
		Room string `json:"room"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Room == "" {
		return httpError(http.StatusBadRequest, "400 bad-request: want a JSON conference request with a room")
	}
	a, err := sv.conferenceRequest(req.Room)
	if err != nil {
		sv.logf("xmpp: panic in a conference request: %v", err)
		return httpError(http.StatusInternalServerError, "500 internal-server-error")
	}
	switch {
	case a == nil:
		// jicofo never answers (focus-silent); a 504 stands for the
		// proxy's timeout.
		return httpError(http.StatusGatewayTimeout, "504 gateway-timeout")
	case a.HTTPStatus != 0:
		return httpError(a.HTTPStatus, fmt.Sprintf("%d %s", a.HTTPStatus, http.StatusText(a.HTTPStatus)))
	case !a.OK && a.SessionInvalid:
		// Moderator tests text.indexOf('400 invalid-session') > 0: the
		// words must not open the body.
		return httpError(http.StatusBadRequest, "conference request: 400 invalid-session")
	case !a.OK:
		return httpError(http.StatusServiceUnavailable, "503 "+a.Condition)
	}
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
	res := map[string]any{"ready": a.Ready, "focusJid": focusJid, "properties": props}
	if a.Identity != "" {
		res["identity"] = a.Identity
	}
	if a.Vnode != "" {
		res["vnode"] = a.Vnode
	}
	out, _ = json.Marshal(res) // strings and maps of strings: cannot fail
	return http.StatusOK, "application/json", append(out, '\n')
}

// conferenceRequest hands an HTTP conference request to the server side
// and returns its answer (nil: none). A panic of the model is an error.
func (sv *Server) conferenceRequest(room string) (a *wire.FocusAnswer, err error) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	st := sv.st
	defer func() {
		st.httpWaiting, st.httpAnswer = false, nil
		if p := recover(); p != nil {
			a, err = nil, fmt.Errorf("%v", p)
		}
	}()
	st.httpWaiting, st.httpAnswer = true, nil
	if st.room == "" {
		st.room = room
	}
	st.receive(wire.Message{Type: wire.ConferenceIQ, HTTP: true})
	return st.httpAnswer, nil
}

// httpError is an error answer as net/http's http.Error writes it.
func httpError(status int, text string) (int, string, []byte) {
	return status, "text/plain; charset=utf-8", []byte(text + "\n")
}

//go:build !js

package xmpp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/jitsi-sim/confsim/sim"
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
	// Server, when set, is the server side to carry; Config is then not
	// used.
	Server *Server
	// Control, when set, answers /control instead of Server.Control.
	Control func(ControlRequest) (map[string]any, error)
}

// Endpoint is a Server carried over XMPP over WebSocket on loopback, with
// its /control interface and the HTTP conference request.
type Endpoint struct {
	*Server
	opts Options
	ln   net.Listener
	hs   *http.Server
	done chan struct{}
}

// New starts an endpoint for cfg. Close stops it.
func New(opts Options) (*Endpoint, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	sv := opts.Server
	if sv == nil {
		var err error
		if sv, err = NewServer(opts.Config, opts.Log); err != nil {
			return nil, err
		}
	}
	e := &Endpoint{Server: sv, opts: opts, done: make(chan struct{})}
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

// serveConferenceRequest takes a conference request over HTTP
// (Server.ConferenceRequest answers it), with CORS for a browser page.
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
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		http.Error(w, "400 bad-request: "+err.Error(), http.StatusBadRequest)
		return
	}
	status, ctype, out := e.ConferenceRequest(body)
	w.Header().Set("Content-Type", ctype)
	if ctype != "application/json" {
		w.Header().Set("X-Content-Type-Options", "nosniff")
	}
	w.WriteHeader(status)
	w.Write(out)
}

// Close stops the endpoint and closes its connections.
func (e *Endpoint) Close() error {
	e.CloseAll()
	e.CloseBridges()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := e.hs.Shutdown(ctx)
	if err != nil {
		err = e.hs.Close()
	}
	<-e.done
	return err
}

// serveWebSocket upgrades to the XMPP WebSocket, or answers a plain GET
// with 200: XmppConnection._keepAliveAndCheckShard fetches the same path.
func (e *Endpoint) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	reachable, status, shard := e.Reachability()
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
	t := newWSTransport(c)
	conn := e.Open(t)
	over := false // the server side closed the stream: its last frames and close are queued
	defer func() {
		conn.Gone()
		if over {
			select {
			case <-t.finished:
			case <-time.After(10 * time.Second):
			}
		}
		t.stop()
		c.CloseNow()
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			conn.Binary()
			over = true
			return
		}
		if conn.Frame(data) {
			over = true
			return
		}
	}
}

// wsTransport carries a connection over a coder/websocket Conn. Frames
// and the close wait in a queue that one goroutine writes in order, so
// that a client that stops reading never holds the Server's lock; a
// client that lets the queue fill up is dropped.
type wsTransport struct {
	c        *websocket.Conn
	out      chan wsOut
	done     chan struct{} // closed by stop: write nothing more
	finished chan struct{} // closed when the writer has ended
	once     sync.Once
}

// wsOut is a frame to write, or the close (with its kind).
type wsOut struct {
	frame           string
	close, graceful bool
}

// wsQueue bounds the frames waiting for a slow client.
const wsQueue = 4096

var errSlowClient = errors.New("the client does not read: its queue is full")

func newWSTransport(c *websocket.Conn) *wsTransport {
	t := &wsTransport{c: c, out: make(chan wsOut, wsQueue), done: make(chan struct{}), finished: make(chan struct{})}
	go t.run()
	return t
}

func (t *wsTransport) run() {
	defer close(t.finished)
	for {
		select {
		case <-t.done:
			return
		case o := <-t.out:
			if o.close {
				code := websocket.StatusGoingAway
				if o.graceful {
					code = websocket.StatusNormalClosure
				}
				t.c.Close(code, "")
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := t.c.Write(ctx, websocket.MessageText, []byte(o.frame))
			cancel()
			if err != nil {
				t.c.CloseNow()
				return
			}
		}
	}
}

// stop ends the writer (the connection is over).
func (t *wsTransport) stop() { t.once.Do(func() { close(t.done) }) }

func (t *wsTransport) Write(frame string) error {
	select {
	case <-t.done:
		return net.ErrClosed
	case t.out <- wsOut{frame: frame}:
		return nil
	default:
		return errSlowClient
	}
}

// Close closes after the frames already queued.
func (t *wsTransport) Close(graceful bool) {
	select {
	case <-t.done:
	case t.out <- wsOut{close: true, graceful: graceful}:
	default:
		go t.c.CloseNow() // the queue is full: drop it
	}
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
	control := e.Control
	if e.opts.Control != nil {
		control = e.opts.Control
	}
	out, err := control(c)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(out)
}

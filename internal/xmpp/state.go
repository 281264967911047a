package xmpp

import (
	"slices"
	"strconv"

	"github.com/jitsi-sim/confsim/sim"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// state is the server side as the endpoint runs it: sim.Server, the
// virtual clock and its queue, and what prosody knows of the client (its
// rooms and nick, the IQs awaiting an answer). It implements
// sim.ServerHost. Every method runs under Endpoint.mu.
type state struct {
	cfg sim.Config
	srv *sim.Server
	cur *session // where messages to the client go, or nil

	now   int64
	seq   uint64
	queue []queued

	transcript []string
	observe    func(t int64, m wire.Message) // Server.Observe
	ids        int                           // stanza ids the endpoint makes
	conns      int                           // anonymous jids handed out
	ready      *wire.Message

	// during is set while the server side handles a client message: the
	// messages it sends back are collected (a chat bounce replaces the
	// groupchat's reflection).
	during *[]wire.Message

	// The MUC as prosody sees it.
	room        string // bare jid of the main room
	nick        string // our nick in it
	joinPending bool   // our join presence awaits its answer
	joinExtras  []*Element
	occupant    bool // our self-presence is in the room
	focusIn     bool // jicofo's occupant is in the room
	// httpWaiting: a conference request came over HTTP; its answer goes to
	// httpAnswer instead of an IQ.
	httpWaiting bool
	httpAnswer  *wire.FocusAnswer
	focusFirst  *wire.FocusPresenceInfo // the focus's presence to render before our self-presence
	role        string                  // our role, from the self-presence
	meetingID   string                  // the room's meeting id, from the self-presence
	// visitorsEnabled is the room's muc#roominfo_visitorsEnabled.
	visitorsEnabled bool
	locked          bool // the room has a password (muc_passwordprotected)
	noSecret        bool // the muc#owner form has no muc#roomconfig_roomsecret
	lobbyJid        string
	lobbyNick       string
	inLobby         bool

	// pending holds the id of the request each answer refers to.
	pending     map[wire.Type]string
	pendingFrom map[wire.Type]string // the jid each pending request went to
	membersOnly bool                 // muc_membersonly, from the self-presence
	// sids are the Jingle session ids the focus handed out.
	sids    map[wire.Session]string
	sidNext int
	p2pPeer string // the occupant our P2P invite went to, or who invited us

	// newBridge, when set, makes a real bridge for each JVB session and a
	// real other participant for each P2P session (Server.SetBridges);
	// bridges are the sessions' bridges and peers. p2pOffer is the
	// client's P2P session-initiate, for the peer to answer.
	newBridge NewBridgeFunc
	bridges   map[wire.Session]Bridge
	p2pOffer  string

	// sm is the resumable session (XEP-0198); resumeAnswer the server
	// side's answer to a resumption.
	sm           smState
	resumeAnswer *wire.Message
}

// queued is a scheduled function on the virtual clock.
type queued struct {
	t     int64
	seq   uint64
	scope wire.Session
	fn    func()
}

func newState(cfg sim.Config) (*state, error) {
	st := &state{cfg: cfg, pending: map[wire.Type]string{}, pendingFrom: map[wire.Type]string{}, sids: map[wire.Session]string{},
		locked:   cfg.Room.Password != "",
		noSecret: cfg.Deployment.NoPasswordSupport}
	srv, err := sim.NewServer(cfg, st)
	if err != nil {
		return nil, err
	}
	st.srv = srv
	return st, nil
}

// record appends a line to the transcript.
func (st *state) record(line string) {
	if len(st.transcript) < maxTranscript {
		st.transcript = append(st.transcript, line)
	}
}

// Schedule implements sim.ServerHost: fn runs when the clock reaches
// now+d.
func (st *state) Schedule(d int64, scope wire.Session, fn func()) {
	if d < 0 {
		d = 0
	}
	st.seq++
	st.queue = append(st.queue, queued{t: st.now + d, seq: st.seq, scope: scope, fn: fn})
}

// Down implements sim.ServerHost: m is written now (d == 0) or when the
// clock reaches now+d.
func (st *state) Down(m wire.Message, d int64) {
	if st.during != nil {
		*st.during = append(*st.during, m)
	}
	if d <= 0 {
		st.deliver(m)
		return
	}
	st.Schedule(d, m.Session, func() { st.deliver(m) })
}

// receive hands a client message to the server side.
func (st *state) receive(m wire.Message) []wire.Message {
	var got []wire.Message
	st.during = &got
	defer func() { st.during = nil }() // a panic recovered higher up leaves none
	if st.observe != nil {
		st.observe(st.now, m)
	}
	_ = st.srv.Receive(m) // only client types are passed
	st.during = nil
	return got
}

// next returns the time of the earliest queued item.
func (st *state) next() (int64, bool) {
	if len(st.queue) == 0 {
		return 0, false
	}
	i := st.earliest()
	return st.queue[i].t, true
}

func (st *state) earliest() int {
	best := 0
	for i, q := range st.queue {
		b := st.queue[best]
		if q.t < b.t || (q.t == b.t && q.seq < b.seq) {
			best = i
		}
	}
	return best
}

// advance runs every item due up to to, in order of time then of
// scheduling, and sets the clock to to.
func (st *state) advance(to int64) {
	for len(st.queue) > 0 {
		i := st.earliest()
		q := st.queue[i]
		if q.t > to {
			break
		}
		st.queue = slices.Delete(st.queue, i, i+1)
		st.now = q.t
		q.fn()
	}
	st.now = to
}

// dropScope drops what is queued for a Jingle session's transport: the
// session has ended.
func (st *state) dropScope(s wire.Session) {
	if s == wire.NoSession {
		return
	}
	st.queue = slices.DeleteFunc(st.queue, func(q queued) bool { return q.scope == s })
}

// send writes a stanza to the current connection, if any.
func (st *state) send(n *node) {
	if st.cur != nil {
		st.cur.send(n.String())
	}
}

// jid is the client's full jid, or "" before bind.
func (st *state) jid() string {
	if st.cur == nil {
		return ""
	}
	return st.cur.jid
}

// newID makes a stanza id for a request the endpoint sends.
func (st *state) newID(prefix string) string {
	st.ids++
	return prefix + "-" + strconv.Itoa(st.ids)
}

// faultApplied mirrors what a fault changes in the room that prosody
// shows outside the server side's wire messages: its lock (disco#info) and
// its configuration form. sim.Server keeps these to itself; the fault ids
// are those of sim/faults.go that set the room's password or
// Deployment.NoPasswordSupport.
func (st *state) faultApplied(fault string) {
	switch fault {
	case "room-password-protected", "no-password-given":
		st.locked = true
	case "server-no-password-support", "password-config-prevented":
		st.noSecret = true
	}
}

package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/jitsi-sim/confsim/sim/wire"
)

// Latencies of the modelled network and server, in virtual milliseconds.
const (
	rtt        = 40  // one request/answer exchange with prosody or jicofo
	iceCheckMs = 200 // ICE connectivity checks until connected
	// p2pIceCheckMs: the P2P session's checks run between two browsers
	// behind their NATs (server-reflexive candidates, perhaps a relay),
	// slower than against the bridge's public address: the JVB session
	// connects first, as the Chromium tier needs to see it (on loopback
	// both take a few ms, and the real network's pace is the model's).
	p2pIceCheckMs = 1000
	// iceChecksFailMs: checks that find no reachable candidate pair end
	// this long after they start, with the ICE state going disconnected,
	// then failed, as Chromium does (measured with js/examples/browser,
	// where the bridge offers an unreachable TEST-NET candidate:
	// disconnected 15.05-15.07 s after checking, four sessions out of four).
	iceChecksFailMs = 15050
	// A connected transport that loses connectivity, as Chromium notices
	// it (internal/media's chromium_cut_test.go against the real bridge:
	// disconnected 5.3-7.6 s into a cut, connectionState failed 10.0 s
	// later, back 0.01-0.24 s after a heal): ICE goes disconnected
	// iceDisconnectedMs after the cut,
	// and the peer connection fails iceConnectionFailedMs after it
	// (connectionState failed with ICE still disconnected, which
	// JingleSessionPC.onconnectionstatechange reports as ICE failed).
	// Connectivity back before the disconnection goes unnoticed; back after
	// it, ICE reconnects iceReconnectMs later.
	iceDisconnectedMs     = 6000
	iceConnectionFailedMs = 16000
	iceReconnectMs        = 200
	// interruptionMs: an ice-interruption lasts this long, long enough for
	// the browser to notice it and short of the failure.
	interruptionMs = 10000
	moderatorMs    = 3000 // a moderator takes this long to answer a knock
	p2pStartMs     = 100  // creating the P2P offer
	// backToP2PDelayMs is JitsiConference's backToP2PDelay (5 s): after a
	// member left, P2P starts again only that much later.
	backToP2PDelayMs = 5000
	iceRestartLimit  = 3 // MAX_CONNECTION_RETRIES
	// mucLeftTimeoutMs is ChatRoom.leave's wait for MUC_LEFT.
	mucLeftTimeoutMs = 5000
	// iceRestartRecoveryMs is JVB_ICE_RESTART_RECOVERY_TIMEOUT: how long an
	// in-place ICE restart has to reconnect before the fallback.
	iceRestartRecoveryMs = 15000
	// iqTimeoutMs is JingleSessionPC's IQ_TIMEOUT.
	iqTimeoutMs = 10000
)

// ErrLimit is returned once a run reaches its time or step limit.
var ErrLimit = errors.New("limit reached")

// NotAllowedError reports an input the model does not accept in its state.
type NotAllowedError struct {
	Input Input
	State State
	Why   string
}

func (e *NotAllowedError) Error() string {
	return fmt.Sprintf("%s is not possible in state %s: %s", e.Input, e.State, e.Why)
}

// Sim is one simulated conference: the client library and the servers it
// talks to. It is single-threaded and deterministic: the same Config and the
// same inputs give the same records.
type Sim struct {
	cfg  Config
	now  int64
	seq  uint64
	runs int // deliveries run so far
	q    timerHeap

	conf, jvb, p2p machine
	jitter         *rand.Rand
	pcg            *rand.PCG

	srv  server
	lib  library
	recs []Record

	// OnRecord, when set, receives each record instead of the record being
	// kept; campaigns use it to keep memory flat. The record and its Args
	// are reused by the next one: copy what you keep.
	OnRecord func(*Record)
	// OnServerReceive, when set, is told of each client message as the
	// server side receives it, at the virtual time it arrives: what a fake
	// deployment (internal/deploy) cues its faults on.
	OnServerReceive func(t int64, m wire.Message)

	limit   string
	scratch Record
	argBuf  []Value

	inflight []wire.Message // messages in flight, by slot
	free     []int32        // free slots of inflight
	stop     func(*Record) bool
	stopped  bool
}

// New builds a simulation. It fails on an unknown profile.
func New(cfg Config) (*Sim, error) {
	s := &Sim{
		conf: conferenceSpec.newMachine(cfg.Engine),
		jvb:  sessionSpec.newMachine(cfg.Engine),
		p2p:  sessionSpec.newMachine(cfg.Engine),
	}
	if err := s.Reset(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Reset starts the simulation afresh from cfg, reusing its machines.
func (s *Sim) Reset(cfg Config) error {
	cfg.normalize()
	if err := cfg.validate(); err != nil {
		return err
	}
	s.cfg = cfg
	s.now, s.seq, s.runs, s.limit = 0, 0, 0, ""
	s.q = s.q[:0]
	clear(s.inflight)
	s.inflight, s.free = s.inflight[:0], s.free[:0]
	s.conf.Reset(uint8(Disconnected))
	s.jvb.Reset(uint8(SessionNone))
	s.p2p.Reset(uint8(SessionNone))
	if s.jitter == nil {
		s.pcg = rand.NewPCG(cfg.Seed, streamJitter)
		s.jitter = rand.New(s.pcg)
	}
	s.pcg.Seed(cfg.Seed, streamJitter)
	s.srv = newServer(&cfg, nil, s)
	s.lib = library{}
	s.recs = s.recs[:0]
	return nil
}

// The child random streams derived from the seed, one per concern.
const (
	streamJitter   = 0x6a6974746572 // the library's jittered delays
	streamFaults   = 0x6661756c7473 // campaign fault draws
	streamWorkload = 0x776f726b6c64 // campaign configurations and actions
)

// Stream returns the child random stream of a concern for a seed. The model
// itself only uses the jitter stream.
func Stream(seed uint64, concern string) *rand.Rand {
	var c uint64
	switch concern {
	case "jitter":
		c = streamJitter
	case "faults":
		c = streamFaults
	case "workload":
		c = streamWorkload
	default:
		panic("sim: unknown random stream concern " + concern)
	}
	return rand.New(rand.NewPCG(seed, c))
}

// Config returns the configuration the simulation runs with.
func (s *Sim) Config() Config { return s.cfg }

// Now returns the virtual time in milliseconds.
func (s *Sim) Now() int64 { return s.now }

// State returns the current model state.
func (s *Sim) State() State {
	return State{ConfState(s.conf.Current()), SessionState(s.jvb.Current()), SessionState(s.p2p.Current())}
}

// Records returns the records emitted so far (none when OnRecord is set).
func (s *Sim) Records() []Record { return s.recs }

// Pending reports whether deliveries are scheduled. Cancelled deliveries
// (of a conference attempt or session that is over) do not count.
func (s *Sim) Pending() bool {
	for len(s.q) > 0 && s.cancelled(&s.q[0]) {
		if t := s.q.pop(); t.dir != 0 {
			s.inflight[t.msg] = wire.Message{}
			s.free = append(s.free, t.msg)
		}
	}
	return len(s.q) > 0
}

func (s *Sim) cancelled(t *timer) bool {
	return t.gen != s.lib.gen || (t.session != nil && *t.session != t.sessionGen)
}

// NextAt returns the virtual time of the next delivery, if one is scheduled
// (cancelled deliveries do not count).
func (s *Sim) NextAt() (int64, bool) {
	if !s.Pending() {
		return 0, false
	}
	return s.q[0].at, true
}

// LimitReached names the limit the run reached, or "".
func (s *Sim) LimitReached() string { return s.limit }

// Advance moves virtual time forward by ms, running every delivery due.
func (s *Sim) Advance(ms int64) error {
	if ms < 0 {
		return fmt.Errorf("advance by %d ms: virtual time never goes back", ms)
	}
	return s.runUntil(s.later(ms), true, nil)
}

// later returns now+ms, saturating instead of overflowing.
func (s *Sim) later(ms int64) int64 {
	if ms > math.MaxInt64-s.now {
		return math.MaxInt64
	}
	return s.now + ms
}

// Settle runs until nothing more is scheduled.
func (s *Sim) Settle() error {
	return s.runUntil(math.MaxInt64, false, nil)
}

// RunUntil runs deliveries until stop returns true for an emitted record, or
// until maxMs of virtual time have passed. It reports whether stop matched.
func (s *Sim) RunUntil(maxMs int64, stop func(*Record) bool) (bool, error) {
	if maxMs < 0 {
		return false, fmt.Errorf("run for %d ms: virtual time never goes back", maxMs)
	}
	matched := false
	err := s.runUntil(s.later(maxMs), true, func(r *Record) bool {
		if stop(r) {
			matched = true
		}
		return matched
	})
	return matched, err
}

// runUntil runs due deliveries up to time end, then moves the clock to end
// when toEnd is set; stop, when set, sees every record emitted and ends the
// run after the delivery that matched.
func (s *Sim) runUntil(end int64, toEnd bool, stop func(*Record) bool) (err error) {
	defer s.recoverBug(&err)
	if s.limit != "" {
		return ErrLimit
	}
	s.stop, s.stopped = stop, false
	defer func() { s.stop = nil }()
	for s.Pending() && s.q[0].at <= end {
		if s.q[0].at > s.cfg.Limits.MaxTimeMs {
			return s.reachLimit(fmt.Sprintf("virtual time limit of %d ms", s.cfg.Limits.MaxTimeMs))
		}
		if s.runs >= s.cfg.Limits.MaxSteps {
			return s.reachLimit(fmt.Sprintf("step limit of %d deliveries and records", s.cfg.Limits.MaxSteps))
		}
		t := s.q.pop()
		s.now = t.at
		s.runs++
		if t.dir != 0 {
			s.deliverMsg(&t)
		} else {
			t.fn()
		}
		if s.stopped {
			return nil
		}
	}
	if toEnd && end > s.now {
		if end > s.cfg.Limits.MaxTimeMs {
			s.now = max(s.now, s.cfg.Limits.MaxTimeMs)
			return s.reachLimit(fmt.Sprintf("virtual time limit of %d ms", s.cfg.Limits.MaxTimeMs))
		}
		s.now = end
	}
	return nil
}

// recoverBug turns a bug in the model (a transition its state does not
// allow) into an error that ends the run, instead of a crash.
func (s *Sim) recoverBug(err *error) {
	if r := recover(); r != nil {
		if _, ok := r.(limitReached); ok {
			*err = ErrLimit
			return
		}
		s.limit = fmt.Sprint("internal error: ", r)
		*err = fmt.Errorf("%w: %s", ErrInternal, s.limit)
	}
}

// limitReached unwinds a delivery that reached the step limit.
type limitReached struct{}

// ErrInternal reports a bug in the model; the run cannot go on.
var ErrInternal = errors.New("sim: model bug")

func (s *Sim) reachLimit(what string) error {
	s.limit = what
	return ErrLimit
}

// after schedules fn to run d virtual milliseconds from now, for as long as
// the current conference attempt lasts (see library.gen). Deliveries due at
// the same time run in the order they were scheduled.
func (s *Sim) after(d int64, fn func()) {
	s.seq++
	s.q.push(timer{at: s.now + d, seq: s.seq, gen: s.lib.gen, fn: fn})
}

// afterJVB schedules fn for as long as the current JVB session lasts.
func (s *Sim) afterJVB(d int64, fn func()) { s.afterSession(d, &s.lib.jvbGen, fn) }

// afterP2P schedules fn for as long as the current P2P session lasts.
func (s *Sim) afterP2P(d int64, fn func()) { s.afterSession(d, &s.lib.p2pGen, fn) }

func (s *Sim) afterSession(d int64, session *uint32, fn func()) {
	s.seq++
	s.q.push(timer{at: s.now + d, seq: s.seq, gen: s.lib.gen, session: session, sessionGen: *session, fn: fn})
}

// emit hands one record to the application.
func (s *Sim) emit(r Record) {
	// Records count against the step limit too, so that no single delivery
	// can run away.
	if s.runs++; s.runs > s.cfg.Limits.MaxSteps {
		s.limit = fmt.Sprintf("step limit of %d deliveries and records", s.cfg.Limits.MaxSteps)
		panic(limitReached{})
	}
	r.T = s.now
	r.State = s.State()
	var rp *Record
	if s.OnRecord != nil {
		s.argBuf = appendArgs(s.argBuf[:0], &r, s.cfg.Profile)
		r.Args = s.argBuf
		s.scratch = r
		rp = &s.scratch
		s.OnRecord(rp)
	} else {
		r.Args = appendArgs(nil, &r, s.cfg.Profile)
		s.recs = append(s.recs, r)
		rp = &s.recs[len(s.recs)-1]
	}
	if s.stop != nil && s.stop(rp) {
		s.stopped = true
	}
}

type timer struct {
	at         int64
	seq        uint64
	gen        uint32  // the conference attempt it belongs to
	session    *uint32 // the session generation counter it depends on, if any
	sessionGen uint32
	fn         func()
	msg        int32 // with dir: the slot of a message in flight
	dir        uint8 // toServer or toClient; 0 for fn
}

// timerHeap is a min-heap ordered by (at, seq).
type timerHeap []timer

func (h timerHeap) less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func (h *timerHeap) pop() timer {
	q := *h
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q[n] = timer{}
	q = q[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && q.less(l, m) {
			m = l
		}
		if r < n && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	*h = q
	return top
}

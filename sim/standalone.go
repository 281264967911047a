package sim

import (
	"fmt"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim/wire"
)

// Server is the model's server side on its own, for a host other than the
// in-process network: the XMPP endpoint that real clients talk to. It is
// single-threaded: the host calls it from one goroutine at a time.
type Server struct {
	sv server
}

// ServerHost runs a standalone Server: its clock and its link to the client.
type ServerHost interface {
	// Schedule runs fn after d ms of the host's clock. A scope other than
	// wire.NoSession ties fn to that Jingle session's transport; a host may
	// drop it when the session ends.
	Schedule(d int64, scope wire.Session, fn func())
	// Down sends m to the client after d ms (0: now).
	Down(m wire.Message, d int64)
}

// IceCheckMs is how long ICE connectivity checks take to connect on the
// model's network: its client tells the server side they started that much
// after they did, and a host pacing a real browser's checks does the same.
const IceCheckMs = iceCheckMs

// P2PIceCheckMs is IceCheckMs for the P2P session's checks.
const P2PIceCheckMs = p2pIceCheckMs

type hostAdapter struct{ h ServerHost }

func (a hostAdapter) schedule(d int64, scope wire.Session, fn func()) { a.h.Schedule(d, scope, fn) }
func (a hostAdapter) down(m wire.Message, d int64)                    { a.h.Down(m, d) }

// NewServer builds the server side of cfg (its room, deployment and client
// identity) on host.
func NewServer(cfg Config, host ServerHost) (*Server, error) {
	cfg.normalize()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Server{sv: newServer(&cfg, hostAdapter{host}, nil)}, nil
}

// Receive handles a message from the client. Messages only the server sends
// are refused.
func (s *Server) Receive(m wire.Message) error {
	if !m.Type.FromClient() {
		return fmt.Errorf("sim: %s is not a client message", m.Type)
	}
	s.sv.receive(&m)
	return nil
}

// JVBChecksFail says whether the network fails the next connectivity
// checks of the JVB session (a real bridge then offers an unreachable
// candidate). It only looks: a failure armed for one session only is used
// up by the checks themselves (the client's wire.IceChecks), as in the
// model, so that the server side's network agrees with the bridge's.
func (s *Server) JVBChecksFail() bool {
	return s.sv.jvbIceFails || s.sv.jvbIceFailOnce
}

// P2PChecksFail says whether the network fails the connectivity checks of
// the P2P session (a real peer then offers or answers with an unreachable
// candidate).
func (s *Server) P2PChecksFail() bool { return s.sv.p2pIceFails }

// Fault arms a documented cause or delivers a signal, as Sim.Step does,
// without the checks that need the client's state.
func (s *Server) Fault(in Input) error {
	if in.Reason != "" && in.Fault != "authorization-failure" {
		return fmt.Errorf("fault %q takes no reason", in.Fault)
	}
	if IsSignal(in.Fault) {
		s.sv.applySignal(in.Fault)
		return nil
	}
	if _, _, ok := catalog.CauseByID(in.Fault); !ok {
		return fmt.Errorf("unknown fault %q: not a documented cause or a signal", in.Fault)
	}
	return s.sv.applyCause(in)
}

// Act performs a moderator's action: approve, deny, kick or destroy.
func (s *Server) Act(in Input) error {
	switch in.Action {
	case ActionApprove:
		s.sv.approve()
	case ActionDeny:
		s.sv.deny()
	case ActionKick:
		s.sv.kick(in.Text)
	case ActionDestroy:
		s.sv.destroy(in.Text)
	default:
		return fmt.Errorf("sim: %q is not a moderator's action", in.Action)
	}
	return nil
}

// Names the server side uses: the XMPP domain, the MUC component, the focus.
const (
	Domain         = mainDomain
	MUCDomain      = "conference." + mainDomain
	FocusComponent = focusComponent
	FocusJid       = focusJid
	// Resource is the resource of the client's bound jid.
	Resource = "res1"
	// Node is the node of the client's anonymous jid: eight hex digits,
	// so that JitsiConference.resourceCreator takes it as the MUC nick.
	Node = "a11ce000"
	// MeetingID is the room's muc#roominfo_meetingId (prosody's
	// mod_muc_meeting_id makes a UUID; a fixed one keeps runs identical).
	MeetingID = "00000000-0000-4000-8000-00000000c0f5"
)

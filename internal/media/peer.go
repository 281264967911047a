package media

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// Fault is how the peer's network misbehaves from the start of a session.
// Cut, Heal and RestartInPlace act on a running session.
type Fault int

const (
	// FaultNone: the peer is reachable on 127.0.0.1 and answers.
	FaultNone Fault = iota
	// FaultUnreachable: the peer's offer or answer carries only a
	// TEST-NET-1 candidate (192.0.2.1:10000, RFC 5737) and its socket
	// drops every packet both ways, so connectivity checks never succeed.
	// Chromium reports ICE disconnected about 15 s after checking began
	// (real-library-notes §4).
	FaultUnreachable
	// FaultSilent: the peer never acts on what the client sends (Accept is
	// a no-op; a P2P responder still answers) and its socket drops every
	// packet: a bridge that stopped answering. The client's checks to the
	// real loopback candidate go unanswered.
	FaultSilent
	// FaultNoCandidates: the peer's offer carries no candidate at all, and
	// its socket drops every packet (so that its own checks towards the
	// client's candidates teach the client no peer-reflexive one): the
	// client has no pair to check, and its ICE never starts.
	FaultNoCandidates
)

func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case FaultUnreachable:
		return "unreachable"
	case FaultSilent:
		return "silent"
	case FaultNoCandidates:
		return "no-candidates"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// testNetCandidate is the unreachable candidate of FaultUnreachable, as the
// measurements in real-library-notes §4 used it.
var testNetCandidate = candidate{foundation: "1", component: "1", protocol: "udp", priority: "2130706431",
	ip: "192.0.2.1", port: "10000", typ: "host", generation: "0"}

// Role is the side of a Jingle session a Peer plays.
type Role int

const (
	// RoleBridge: the bridge of the JVB session, whose offer jicofo sends
	// (session-initiate from the focus), with the application section for
	// the bridge channel.
	RoleBridge Role = iota
	// RoleP2PInitiator: the other participant starting the P2P session
	// (its JingleSessionPC.invite): the peer offers, to our MUC jid,
	// audio and video to receive and no data channel (the library opens
	// the bridge channel on the JVB session only: BridgeChannel), and
	// takes our session-accept through Accept.
	RoleP2PInitiator
	// RoleP2PResponder: the other participant answering our P2P offer
	// (its _acceptP2PIncomingCall): the peer makes no offer; Answer takes
	// our session-initiate and returns its session-accept.
	RoleP2PResponder
)

func (r Role) String() string {
	switch r {
	case RoleBridge:
		return "bridge"
	case RoleP2PInitiator:
		return "p2p-initiator"
	case RoleP2PResponder:
		return "p2p-responder"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Options configure a Peer.
type Options struct {
	// Role is the peer's side of the session (default the bridge).
	Role Role
	// SID and Initiator are the <jingle> attributes of the peer's offer
	// (a P2P responder takes them from the offer it answers).
	SID, Initiator string
	// Responder is a P2P responder's own jid (its MUC jid), the
	// responder attribute of its session-accept.
	Responder string
	// BridgeSessionID and Region render jicofo's <bridge-session> (the
	// bridge only).
	BridgeSessionID, Region string
	// Fault is the peer's network from the start.
	Fault Fault
	// ICE timeouts of the pion agent; zero keeps pion's defaults
	// (disconnected after 5 s without traffic, failed 25 s later, a
	// keepalive every 2 s). Tests shorten them.
	DisconnectedTimeout, FailedTimeout, KeepAliveInterval time.Duration
	// GatherTimeout bounds candidate gathering (default 5 s).
	GatherTimeout time.Duration
}

// EventKind says what an Event reports.
type EventKind int

const (
	// EventICE: the bridge's ICE connection state changed (Event.ICE).
	EventICE EventKind = iota
	// EventPeer: the bridge's peer connection state changed (Event.Peer).
	EventPeer
	// EventDataChannelOpen: the client's bridge channel opened
	// (Event.Label, Event.Protocol).
	EventDataChannelOpen
	// EventDataChannelMessage: a text frame from the client (Event.Data).
	EventDataChannelMessage
	// EventDataChannelClose: the bridge channel closed.
	EventDataChannelClose
)

func (k EventKind) String() string {
	return [...]string{"ice", "peer", "datachannel-open", "datachannel-message", "datachannel-close"}[k]
}

// Event is something the bridge's peer connection did. At is the time
// since NewBridge (wall clock: this is real networking).
type Event struct {
	Kind            EventKind
	ICE             webrtc.ICEConnectionState
	Peer            webrtc.PeerConnectionState
	Label, Protocol string
	Data            string
	At              time.Duration
}

func (e Event) String() string {
	switch e.Kind {
	case EventICE:
		return fmt.Sprintf("%v ice %s", e.At.Round(time.Millisecond), e.ICE)
	case EventPeer:
		return fmt.Sprintf("%v peer %s", e.At.Round(time.Millisecond), e.Peer)
	case EventDataChannelMessage:
		return fmt.Sprintf("%v datachannel-message %q", e.At.Round(time.Millisecond), e.Data)
	}
	return fmt.Sprintf("%v %s %q", e.At.Round(time.Millisecond), e.Kind, e.Label)
}

// ServerHello is the first frame the bridge sends on the bridge channel,
// as the JVB does; BridgeChannel._handleChannel logs its version.
const ServerHello = `{"colibriClass":"ServerHello","version":"confsim-pion"}`

// Peer is the far side of one of the library's Jingle sessions as a real
// WebRTC endpoint, a pion PeerConnection on 127.0.0.1: the bridge of the
// JVB session, which offers audio, video and data the way jicofo does, or
// the other participant of a P2P session, which offers or answers audio
// and video as a P2P JingleSessionPC does (Options.Role).
type Peer struct {
	opts  Options
	start time.Time
	pc    *webrtc.PeerConnection
	conn  *blockConn
	udp   *net.UDPConn
	mux   *ice.UDPMuxDefault
	offer string // the rendered session-initiate (none for a P2P responder)

	mu      sync.Mutex
	local   string // current local description (SDP)
	remote  string // current remote description (SDP)
	gen     int    // the last in-place ICE restart's generation
	ice     webrtc.ICEConnectionState
	dc      *webrtc.DataChannel
	history []Event
	changed chan struct{}
	events  chan Event
	closed  bool
}

// NewBridge starts the bridge of a JVB session: NewPeer in RoleBridge.
func NewBridge(opts Options) (*Peer, error) {
	opts.Role = RoleBridge
	return NewPeer(opts)
}

// NewPeer starts a peer: it listens on 127.0.0.1 (one UDP port for all of
// ICE) and, unless it is a P2P responder, creates its offer and waits for
// its candidates.
func NewPeer(opts Options) (*Peer, error) {
	if opts.Role < RoleBridge || opts.Role > RoleP2PResponder {
		return nil, fmt.Errorf("peer: %v", opts.Role)
	}
	if opts.GatherTimeout == 0 {
		opts.GatherTimeout = 5 * time.Second
	}
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("bridge: listen on 127.0.0.1: %w", err)
	}
	b := &Peer{opts: opts, start: time.Now(), udp: udp, conn: &blockConn{PacketConn: udp},
		changed: make(chan struct{}), events: make(chan Event, 256), ice: webrtc.ICEConnectionStateNew}
	if opts.Fault != FaultNone {
		b.conn.blocked.Store(true)
	}
	b.mux = ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: b.conn})
	api, err := newAPI(b.mux, opts)
	if err != nil {
		b.closeNet()
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{
		BundlePolicy:  webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
		// The client opens the bridge channel (BridgeChannel's constructor
		// calls createDataChannel); the bridge's offer must still carry
		// the application section, as jicofo's does. A P2P session has
		// none.
		AlwaysNegotiateDataChannels: opts.Role == RoleBridge,
		// jicofo's offer has no cryptex (RFC 9335).
		RTPHeaderEncryptionPolicy: webrtc.RTPHeaderEncryptionPolicyDisable,
	})
	if err != nil {
		b.closeNet()
		return nil, fmt.Errorf("bridge: %w", err)
	}
	b.pc = pc
	if err := b.setup(); err != nil {
		_ = b.Close()
		return nil, err
	}
	return b, nil
}

// newAPI is pion configured as the bridge (or, in tests, the client) on
// loopback: UDP over IPv4 only, loopback candidates, no mDNS, the codecs
// jicofo offers by default (JingleOfferFactory: opus 111 with minptime and
// in-band FEC, VP8 100 with its RTX 96).
func newAPI(mux ice.UDPMux, opts Options) (*webrtc.API, error) {
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	if mux != nil {
		se.SetICEUDPMux(mux)
	}
	// A browser's host candidates are mDNS names, which the bridge does not
	// resolve, so its checks arrive as peer-reflexive; pion waits 1 s
	// before nominating such a pair by default. On loopback there is
	// nothing better to wait for.
	se.SetPrflxAcceptanceMinWait(0)
	if opts.DisconnectedTimeout > 0 || opts.FailedTimeout > 0 || opts.KeepAliveInterval > 0 {
		se.SetICETimeouts(opts.DisconnectedTimeout, opts.FailedTimeout, opts.KeepAliveInterval)
	}
	me := &webrtc.MediaEngine{}
	codecs := []struct {
		webrtc.RTPCodecParameters
		typ webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{PayloadType: 111, RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "transport-cc"}}}}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{PayloadType: 100, RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "transport-cc"}}}}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{PayloadType: 96, RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=100"}}, webrtc.RTPCodecTypeVideo},
	}
	for _, c := range codecs {
		if err := me.RegisterCodec(c.RTPCodecParameters, c.typ); err != nil {
			return nil, fmt.Errorf("bridge: codec %s: %w", c.MimeType, err)
		}
	}
	for _, h := range []struct {
		uri string
		typ webrtc.RTPCodecType
	}{
		{"urn:ietf:params:rtp-hdrext:ssrc-audio-level", webrtc.RTPCodecTypeAudio},
		{"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", webrtc.RTPCodecTypeVideo},
	} {
		if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: h.uri}, h.typ); err != nil {
			return nil, fmt.Errorf("bridge: header extension %s: %w", h.uri, err)
		}
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me)), nil
}

func (b *Peer) setup() error {
	if b.opts.Role == RoleBridge {
		if err := b.bridgeSources(); err != nil {
			return err
		}
	}
	b.pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		b.mu.Lock()
		b.ice = s
		b.mu.Unlock()
		b.emit(Event{Kind: EventICE, ICE: s})
	})
	b.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) { b.emit(Event{Kind: EventPeer, Peer: s}) })
	b.pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		b.mu.Lock()
		b.dc = dc
		b.mu.Unlock()
		dc.OnOpen(func() {
			b.emit(Event{Kind: EventDataChannelOpen, Label: dc.Label(), Protocol: dc.Protocol()})
			_ = dc.SendText(ServerHello)
		})
		dc.OnMessage(func(m webrtc.DataChannelMessage) {
			b.emit(Event{Kind: EventDataChannelMessage, Label: dc.Label(), Data: string(m.Data)})
		})
		dc.OnClose(func() { b.emit(Event{Kind: EventDataChannelClose, Label: dc.Label()}) })
	})
	switch b.opts.Role {
	case RoleP2PResponder:
		return nil
	case RoleP2PInitiator:
		// The other participant without local tracks: its
		// JingleSessionPC.invite offers with the mediaConstraints of
		// strophe.jingle.js (offerToReceiveAudio and offerToReceiveVideo),
		// one section each to receive.
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			if _, err := b.pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				return fmt.Errorf("peer: transceiver: %w", err)
			}
		}
	}
	local, err := b.negotiate(nil)
	if err != nil {
		return err
	}
	if b.opts.Role == RoleP2PInitiator {
		// JingleSessionPC._sendSessionInitiate: SDP.toJingle with
		// 'initiator', the SDP made with isP2P.
		o := b.jingleOptions()
		o.Action = "session-initiate"
		b.offer, err = SDPToJingle(local, o)
		return err
	}
	b.offer, err = OfferToJingle(local, b.jingleOptions())
	return err
}

// bridgeSources adds the bridge's own sources, as jicofo signals the
// JVB's: stream 'mixedmslabel', tracks 'mixedlabelaudio0' and
// 'mixedlabelvideo0' (jingle2media puts them first, as the library
// expects).
func (b *Peer) bridgeSources() error {
	for _, t := range []struct {
		mime, id string
		clock    uint32
		ch       uint16
	}{{webrtc.MimeTypeOpus, "mixedlabelaudio0", 48000, 2}, {webrtc.MimeTypeVP8, "mixedlabelvideo0", 90000, 0}} {
		track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: t.mime, ClockRate: t.clock, Channels: t.ch}, t.id, "mixedmslabel")
		if err != nil {
			return fmt.Errorf("bridge: track: %w", err)
		}
		if _, err := b.pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
			return fmt.Errorf("bridge: transceiver: %w", err)
		}
	}
	return nil
}

// negotiate creates and applies an offer and waits for its candidates.
func (b *Peer) negotiate(o *webrtc.OfferOptions) (string, error) {
	offer, err := b.pc.CreateOffer(o)
	if err != nil {
		return "", fmt.Errorf("%v: create offer: %w", b.opts.Role, err)
	}
	return b.setLocal(offer)
}

// setLocal applies a local description and waits for its candidates.
func (b *Peer) setLocal(d webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(b.pc)
	if err := b.pc.SetLocalDescription(d); err != nil {
		return "", fmt.Errorf("%v: set local description: %w", b.opts.Role, err)
	}
	select {
	case <-gathered:
	case <-time.After(b.opts.GatherTimeout):
		return "", fmt.Errorf("%v: candidates not gathered within %v", b.opts.Role, b.opts.GatherTimeout)
	}
	local := b.pc.LocalDescription().SDP
	b.mu.Lock()
	b.local = local
	b.mu.Unlock()
	return local, nil
}

func (b *Peer) jingleOptions() JingleOptions {
	o := JingleOptions{SID: b.opts.SID, Initiator: b.opts.Initiator, Creator: "initiator",
		BridgeSessionID: b.opts.BridgeSessionID, Region: b.opts.Region, CandidateIDPrefix: "bridge"}
	if b.opts.Role != RoleBridge {
		o = JingleOptions{SID: b.opts.SID, Initiator: b.opts.Initiator, Creator: "initiator", P2P: true, CandidateIDPrefix: "peer"}
	}
	switch b.opts.Fault {
	case FaultUnreachable:
		o.candidates = []candidate{testNetCandidate}
	case FaultNoCandidates:
		o.candidates = []candidate{}
	}
	return o
}

// Offer is the peer's session-initiate, the <jingle> element: jicofo's for
// the bridge, the other participant's for a P2P initiator; "" for a P2P
// responder.
func (b *Peer) Offer() string { return b.offer }

// OfferSDP is the peer's current local description.
func (b *Peer) OfferSDP() string { b.mu.Lock(); defer b.mu.Unlock(); return b.local }

// Answer is a P2P responder's answer to our P2P offer, the library's
// session-initiate (JingleSessionPC._sendSessionInitiate): the offer as
// the other participant's library makes it (SDP.fromJingle with isP2P),
// pion's answer to it, rendered as that library's session-accept
// (JingleSessionPC._sendSessionAccept: SDP.toJingle with 'responder', the
// contents named by mid). Under FaultUnreachable the answer's only
// candidate is the unreachable one.
func (b *Peer) Answer(offerXML string) (string, error) {
	if b.opts.Role != RoleP2PResponder {
		return "", fmt.Errorf("%v: only a P2P responder answers", b.opts.Role)
	}
	j, err := ParseJingle(offerXML)
	if err != nil {
		return "", err
	}
	if j.Action() != "session-initiate" {
		return "", fmt.Errorf("%v: cannot answer a %q", b.opts.Role, j.Action())
	}
	offer, err := P2PJingleToSDP(offerXML, time.Now().UnixMilli())
	if err != nil {
		return "", err
	}
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("%v: the session-initiate's offer: %w", b.opts.Role, err)
	}
	b.mu.Lock()
	b.remote = offer
	b.mu.Unlock()
	answer, err := b.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%v: create answer: %w", b.opts.Role, err)
	}
	local, err := b.setLocal(answer)
	if err != nil {
		return "", err
	}
	o := b.jingleOptions()
	o.SID, o.Initiator, o.Responder, o.Creator = j.SID(), j.Initiator(), b.opts.Responder, "responder"
	return AnswerToJingle(withoutSending(local), o)
}

// withoutSending makes the sections of an answer that send nothing (no
// a=ssrc) say so, for the session-accept: pion answers a section offered
// recvonly with sendonly even without a track (and refuses a local
// description changed to say otherwise), where a browser without local
// tracks answers inactive (its transceiver, made by
// setRemoteDescription, is recvonly). A sending section without a source
// would have the library's TraceablePeerConnection look for a stream that
// is not there (its onTrack reads evt.streams[0]).
func withoutSending(sdp string) string {
	d, err := parseSDP(sdp)
	if err != nil {
		return sdp
	}
	for _, sec := range d.media {
		if has(sec, "a=ssrc:") {
			continue
		}
		for i, l := range sec {
			switch l {
			case "a=sendonly":
				sec[i] = "a=inactive"
			case "a=sendrecv":
				sec[i] = "a=recvonly"
			}
		}
	}
	return d.String()
}

// Accept applies what the library sends the peer: its session-accept (its
// answer as Jingle: for the bridge or a P2P initiator), or a
// transport-info: trickled candidates, or the client's new ICE credentials
// after an in-place restart of the JVB session (tagged with that restart's
// ice-generation). Under FaultSilent it does nothing.
func (b *Peer) Accept(jingleXML string) error {
	j, err := ParseJingle(jingleXML)
	if err != nil {
		return err
	}
	if b.opts.Fault == FaultSilent {
		return nil
	}
	switch j.Action() {
	case "session-accept":
		var answer string
		switch b.opts.Role {
		case RoleBridge:
			answer, err = JingleToSDP(jingleXML, b.OfferSDP())
		case RoleP2PInitiator:
			// The other participant's JingleSessionPC.setAnswer: the
			// session-accept through SDP.fromJingle with isP2P.
			answer, err = P2PJingleToSDP(jingleXML, time.Now().UnixMilli())
		default:
			return fmt.Errorf("%v: a session-accept, but the peer made no offer", b.opts.Role)
		}
		if err != nil {
			return err
		}
		if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
			return fmt.Errorf("%v: the session-accept's answer: %w", b.opts.Role, err)
		}
		b.mu.Lock()
		b.remote = answer
		b.mu.Unlock()
		return nil
	case "transport-info":
		return b.transportInfo(jingleXML)
	}
	return fmt.Errorf("%v: cannot accept a %q", b.opts.Role, j.Action())
}

func (b *Peer) transportInfo(jingleXML string) error {
	ts, err := TransportInfo(jingleXML)
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return errors.New("a transport-info without a transport")
	}
	t := ts[0]
	if t.Generation > 0 && b.opts.Role == RoleBridge {
		b.mu.Lock()
		gen, remote := b.gen, b.remote
		b.mu.Unlock()
		if t.Generation != gen {
			return fmt.Errorf("bridge: the client's transport for ICE generation %d, the bridge's restart is generation %d", t.Generation, gen)
		}
		if t.Ufrag == "" || t.Pwd == "" {
			return errors.New("bridge: the client's restart transport has no ICE credentials")
		}
		answer := ReplaceIceCredentialsAndStripCandidates(remote, t.Ufrag, t.Pwd)
		if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
			return fmt.Errorf("bridge: the client's restart transport: %w", err)
		}
		b.mu.Lock()
		b.remote = answer
		b.mu.Unlock()
	}
	// JingleSessionPC._sendIceCandidates puts each m-line's candidates in
	// a content of its own; with BUNDLE they all go to the one transport.
	// One the peer cannot use (TCP, say: it has only UDP over IPv4) does
	// not keep it from the others.
	var errs []error
	for _, tr := range ts {
		for _, c := range tr.Candidates {
			if err := b.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c}); err != nil {
				errs = append(errs, fmt.Errorf("candidate %q: %w", c, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Cut makes the bridge's network drop every packet both ways from now on,
// as a firewall that starts blocking media after the session connected:
// consent freshness (RFC 7675) then fails on both sides.
func (b *Peer) Cut() { b.conn.blocked.Store(true) }

// Heal lets packets through again.
func (b *Peer) Heal() { b.conn.blocked.Store(false) }

// Dropped is the number of packets the blocked network dropped.
func (b *Peer) Dropped() int64 { return b.conn.dropped.Load() }

// RestartInPlace is the bridge's side of an in-place ICE restart
// (enableIceRestart: JingleSessionPC.restartIce asks jicofo with a
// session-info <bridge-session ice-restart='true'/>): the bridge's ICE agent
// restarts with new credentials and the result is the transport-info jicofo
// relays, its <transport>s tagged with the next ice-generation, which
// strophe.jingle.js hands to JingleSessionPC.onBridgeIceRestartTransport.
// With recover the network lets packets through again and the transport
// carries the bridge's own candidates, even where its offer had only the
// unreachable one (FaultUnreachable): the new agent connects once the
// client's credentials come back through Accept. Without it the network
// keeps dropping everything.
func (b *Peer) RestartInPlace(recover bool) (string, error) {
	if b.opts.Role != RoleBridge {
		// JingleSessionPC.restartIce refuses one on the P2P session.
		return "", fmt.Errorf("%v: an in-place ICE restart is the JVB session's", b.opts.Role)
	}
	b.mu.Lock()
	b.gen++
	gen := b.gen
	b.mu.Unlock()
	if recover && b.opts.Fault != FaultSilent {
		b.Heal()
	} else {
		b.Cut()
	}
	local, err := b.negotiate(&webrtc.OfferOptions{ICERestart: true})
	if err != nil {
		return "", err
	}
	o := b.jingleOptions()
	if recover {
		o.candidates = nil
	}
	return TransportInfoToJingle(local, gen, false, o)
}

// State is the bridge's current ICE connection state.
func (b *Peer) State() webrtc.ICEConnectionState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ice
}

// Events delivers the bridge's events as they happen. The channel holds
// 256; when nobody reads, later events are dropped from it (History keeps
// them all).
func (b *Peer) Events() <-chan Event { return b.events }

// History is every event so far, in order.
func (b *Peer) History() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.history...)
}

// Wait returns the first event (from the start) that pred accepts, waiting
// for it until ctx ends.
func (b *Peer) Wait(ctx context.Context, pred func(Event) bool) (Event, error) {
	for {
		b.mu.Lock()
		for _, e := range b.history {
			if pred(e) {
				b.mu.Unlock()
				return e, nil
			}
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("bridge: waited %v: %w (events: %v)", time.Since(b.start).Round(time.Millisecond), ctx.Err(), b.History())
		}
	}
}

// Send sends a text frame on the bridge channel.
func (b *Peer) Send(text string) error {
	b.mu.Lock()
	dc := b.dc
	b.mu.Unlock()
	if dc == nil {
		return errors.New("bridge: no bridge channel")
	}
	return dc.SendText(text)
}

func (b *Peer) emit(e Event) {
	e.At = time.Since(b.start)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.history = append(b.history, e)
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
	select {
	case b.events <- e:
	default:
	}
}

// Close ends the peer connection and frees the port.
func (b *Peer) Close() error {
	var err error
	if b.pc != nil {
		err = b.pc.Close()
	}
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.closeNet()
	return err
}

func (b *Peer) closeNet() {
	if b.mux != nil {
		_ = b.mux.Close()
	}
	_ = b.udp.Close()
}

// blockConn is the bridge's UDP socket with a switch that drops every
// packet both ways.
type blockConn struct {
	net.PacketConn
	blocked atomic.Bool
	dropped atomic.Int64
}

func (c *blockConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(p)
		if err != nil || !c.blocked.Load() {
			return n, a, err
		}
		c.dropped.Add(1)
	}
}

func (c *blockConn) WriteTo(p []byte, a net.Addr) (int, error) {
	if c.blocked.Load() {
		c.dropped.Add(1)
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, a)
}

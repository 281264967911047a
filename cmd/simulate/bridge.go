package main

import (
	"github.com/jitsi-sim/confsim/internal/media"
	"github.com/jitsi-sim/confsim/internal/xmpp"
)

// realBridge makes a JVB session's bridge, or the other participant of a
// P2P session, a real WebRTC peer on loopback (internal/media),
// unreachable when the server side's network fails the session's checks.
func realBridge(o xmpp.BridgeOptions) (xmpp.Bridge, error) {
	f := media.FaultNone
	switch {
	case o.NoCandidates:
		f = media.FaultNoCandidates
	case o.Unreachable:
		f = media.FaultUnreachable
	}
	opts := media.Options{SID: o.SID, Initiator: o.Initiator, BridgeSessionID: o.BridgeSessionID, Region: o.Region, Fault: f}
	switch {
	case o.P2P && o.Responder:
		opts.Role, opts.Responder = media.RoleP2PResponder, o.Peer
	case o.P2P:
		opts.Role = media.RoleP2PInitiator
	}
	p, err := media.NewPeer(opts)
	if err != nil {
		return nil, err
	}
	return p, nil
}

//go:build !js

package xmpp

import "github.com/jitsi-sim/confsim/internal/media"

// MediaPeer is the NewBridgeFunc of real media: a JVB session's bridge, or
// the other participant of a P2P session, as a WebRTC peer on loopback
// (internal/media), unreachable or offering no candidate when the server
// side's network says so.
func MediaPeer(o BridgeOptions) (Bridge, error) {
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

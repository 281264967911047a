package main

import (
	"github.com/jitsi-sim/confsim/internal/media"
	"github.com/jitsi-sim/confsim/internal/xmpp"
)

// realBridge makes a JVB session's bridge a real WebRTC peer on loopback
// (internal/media), unreachable when the server side's network fails the
// session's checks.
func realBridge(o xmpp.BridgeOptions) (xmpp.Bridge, error) {
	f := media.FaultNone
	if o.Unreachable {
		f = media.FaultUnreachable
	}
	b, err := media.NewBridge(media.Options{SID: o.SID, Initiator: o.Initiator, BridgeSessionID: o.BridgeSessionID,
		Region: o.Region, Fault: f})
	if err != nil {
		return nil, err
	}
	return b, nil
}

package media_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jitsi-sim/confsim/internal/media"
)

// How the endpoint drives a bridge for one JVB session: the offer goes
// into jicofo's session-initiate IQ, the client's session-accept (and any
// transport-info) come back through Accept, and the events say when media
// is up. sessionAccept stands for the <jingle> the client sent.
func Example() {
	b, err := media.NewBridge(media.Options{
		SID: "confsim-sid-1", Initiator: "focus@auth.meet.test/focus",
		BridgeSessionID: "confsim-bridge-session-1", Region: "local",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()

	_ = b.Offer() // <jingle action='session-initiate' ...>, to send to the client

	sessionAccept := func() string { return "" } // the client's answer, from the endpoint
	if xml := sessionAccept(); xml != "" {
		if err := b.Accept(xml); err != nil {
			fmt.Println(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := b.Wait(ctx, func(e media.Event) bool { return e.Kind == media.EventDataChannelOpen })
		fmt.Println("bridge channel open:", err == nil)
	}
	fmt.Println(b.State())
	// Output: new
}

package campaign

import (
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// Chooser is the one kind of draw this package makes: a number in [0, n).
// *rand.Rand from math/rand/v2 is one; property tests wrap rapid's
// generators in another so that rapid can shrink and replay the same draws.
type Chooser interface {
	IntN(n int) int
}

func pct(ch Chooser, p int) bool { return ch.IntN(100) < p }

// RoomPassword is the password of the rooms DrawConfig locks.
const RoomPassword = "s3cret"

// DrawConfig draws a room, a deployment and a client. Every field is drawn,
// in a fixed order, whatever the earlier draws gave, so that one draw never
// shifts the next ones.
func DrawConfig(ch Chooser, profile sim.Profile) sim.Config {
	var c sim.Config
	c.Profile = profile
	r := &c.Room
	r.Name = "room"
	r.Exists = pct(ch, 50)
	r.Occupants = []int{0, 1, 1, 1, 2, 2, 3}[ch.IntN(7)]
	if pct(ch, 10) {
		r.MaxOccupants = r.Occupants + ch.IntN(2)
	} else {
		ch.IntN(2)
	}
	if pct(ch, 20) {
		r.Password = RoomPassword
	}
	r.Lobby = pct(ch, 15)
	r.MembersOnly = pct(ch, 5)
	r.WaitingForHost = pct(ch, 30) && r.Lobby
	r.RequireDisplayName = pct(ch, 10)

	d := &c.Deployment
	d.Authentication = []sim.Authentication{sim.AuthNone, sim.AuthNone, sim.AuthNone, sim.AuthNone, sim.AuthXMPP, sim.AuthJWT}[ch.IntN(6)]
	d.ConferenceRequestHTTP = pct(ch, 20)
	d.Reservations = pct(ch, 10)
	d.Visitors = pct(ch, 20)
	if pct(ch, 5) {
		d.MaxOccupants = r.Occupants + 1
	}
	p2p := pct(ch, 70) // config.p2p.enabled, on unless turned off
	d.P2P = &p2p
	r.PeerIDsFirst = pct(ch, 50)
	d.EnableIceRestart = pct(ch, 30)
	d.NoPasswordSupport = pct(ch, 10)

	cl := &c.Client
	if pct(ch, 85) {
		cl.DisplayName = "Alice"
	}
	if pct(ch, 40) && d.Authentication == sim.AuthJWT {
		cl.Token = "token"
	}
	cl.LoggedIn = pct(ch, 40) && d.Authentication == sim.AuthXMPP
	cl.Guest = pct(ch, 10)
	cl.DisableRoomCreationRetry = pct(ch, 10)

	c.Limits = sim.Limits{MaxTimeMs: 20 * 60 * 1000, MaxSteps: 5000}
	return c
}

// ActionInput completes an action with its arguments: the password of join,
// login and lock (the room's, mostly), the text of send-chat, the reason of
// kick and destroy.
func ActionInput(a sim.Action, ch Chooser, cfg *sim.Config) sim.Input {
	in := sim.Input{Action: a}
	switch a {
	case sim.ActionJoin, sim.ActionLogin:
		if n := ch.IntN(4); n > 0 && cfg.Room.Password != "" {
			in.Password = cfg.Room.Password
		} else if n == 0 && cfg.Room.Password != "" {
			in.Password = "wrong"
		}
	case sim.ActionLock:
		in.Password = RoomPassword
	case sim.ActionSendChat:
		in.Text = "hello"
	case sim.ActionKick, sim.ActionDestroy:
		if pct(ch, 50) {
			in.Text = "bye"
		}
	}
	return in
}

// Delays are the waits drawn between inputs, in virtual ms: none, one
// round trip, a moderator's answer, past the ICE failure timer, and long
// enough for every back-off.
var Delays = []int64{0, 40, 250, 3000, 6000, 20000, 120000}

// Fault is one injectable fault: a documented cause (with a reason for
// authorization-failure) or a wire-level signal.
type Fault struct {
	Input sim.Input
	// Error is the error a documented cause belongs to; nil for a signal.
	Error *catalog.Error
}

// Name is the fault's id, with the reason for authorization-failure
// ("authorization-failure:no-main-participants").
func (f *Fault) Name() string {
	if f.Input.Reason != "" {
		return f.Input.Fault + ":" + f.Input.Reason
	}
	return f.Input.Fault
}

var faults = func() []Fault {
	var out []Fault
	for i := range catalog.Errors() {
		e := &catalog.Errors()[i]
		for _, c := range e.Causes {
			if c.ID == "authorization-failure" {
				for _, t := range catalog.AuthTypes() {
					out = append(out, Fault{Input: sim.Input{Fault: c.ID, Reason: t.Value}, Error: e})
				}
				continue
			}
			out = append(out, Fault{Input: sim.Input{Fault: c.ID}, Error: e})
		}
	}
	for _, s := range sim.Signals {
		if s.ID == "focus-recovers" {
			// A recovery for scenarios of the lib-jitsi-meet-2021 profile,
			// whose refused conference requests never end (explore adds it
			// to such witnesses itself); left out of the draws so that
			// campaigns and explorations draw as they did before it.
			continue
		}
		out = append(out, Fault{Input: sim.Input{Fault: s.ID}})
	}
	return out
}()

// Faults lists every fault: the documented causes in catalog order (with
// one entry per AUTH_ERROR_TYPES value for authorization-failure), then the
// signals sorted by id. Do not modify the slice.
func Faults() []Fault { return faults }

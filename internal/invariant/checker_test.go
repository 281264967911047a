package invariant

import (
	"testing"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// The checker catches each broken invariant in a hand-made record stream.
func TestCheckerCatches(t *testing.T) {
	st := func(c sim.ConfState) sim.State { return sim.State{Conference: c} }
	failed := func(tm int64, id catalog.ID, c sim.ConfState, ps ...sim.Param) sim.Record {
		return sim.Record{T: tm, Event: catalog.Get(id).Event, Err: id, HasErr: true, State: st(c), Phase: catalog.Get(id).Phases[0], Params: ps}
	}
	ev := func(tm int64, e catalog.Event, c sim.ConfState) sim.Record {
		return sim.Record{T: tm, Event: e, State: st(c)}
	}
	cases := []struct {
		inv  string
		recs []sim.Record
	}{
		{InvOneFailurePerJoin, []sim.Record{failed(1, catalog.ConnectionError, sim.Failed), failed(2, catalog.ConnectionError, sim.Failed)}},
		{InvQuietAfterFailure, []sim.Record{failed(1, catalog.PasswordRequired, sim.PasswordRequired), ev(2, catalog.ConferenceJoined, sim.Joined)}},
		{InvJoinedPhaseErrors, []sim.Record{failed(1, catalog.FocusLeft, sim.Failed)}},
		{InvLeftOnlyIfJoined, []sim.Record{ev(1, catalog.ConferenceLeft, sim.Left)}},
		{InvTimeMonotonic, []sim.Record{ev(5, catalog.ConferenceJoinInProgress, sim.MUCJoining), ev(4, catalog.ConferenceJoined, sim.Joined)}},
		{InvTerminalAbsorbs, []sim.Record{failed(1, catalog.ConnectionError, sim.Failed), ev(2, catalog.UserLeft, sim.Joined)}},
		{InvClassification, []sim.Record{failed(1, catalog.ConnectionError, sim.Joined)}},
		{InvClassification, []sim.Record{{T: 1, Event: catalog.ConferenceError, Err: catalog.ConnectionError, HasErr: true, State: st(sim.Failed), Phase: catalog.PhaseMUCJoin}}},
		{InvMediaAfterInitiate, []sim.Record{ev(1, catalog.ConferenceJoined, sim.Joined), failed(2, catalog.OfferAnswerFailed, sim.Failed, sim.P("error", sim.Obj()))}},
		{InvIceFailedRestarts, []sim.Record{ev(1, catalog.ConferenceJoined, sim.Joined),
			{T: 2, Event: catalog.ServerRegionChanged, State: sim.State{Conference: sim.Joined, JVB: sim.SessionNegotiating}},
			failed(500, catalog.IceFailed, sim.Failed)}},
	}
	for _, c := range cases {
		var chk Checker
		chk.Reset(sim.Config{Profile: sim.ProfileDocumented})
		for i := range c.recs {
			chk.Record(&c.recs[i])
		}
		if v := chk.Violation(); v == nil || v.Invariant != c.inv {
			t.Errorf("want %s, got %v", c.inv, v)
		}
	}
	var chk Checker
	chk.Reset(sim.Config{Profile: sim.ProfileLibJitsiMeet})
	r := failed(1, catalog.GracefulShutdown, sim.Failed)
	chk.Record(&r)
	if v := chk.Violation(); v == nil || v.Invariant != InvProfile {
		t.Errorf("dead error in the pinned profile: got %v", v)
	}
}

package sim

import (
	"context"
	"testing"
	"time"

	"github.com/looplab/fsm"
)

// countingMachine records the events fired on a machine.
type countingMachine struct {
	machine
	which int
	log   *[]firedEvent
}

type firedEvent struct {
	which int // 0 conference, 1 JVB, 2 P2P
	event string
}

func (m *countingMachine) Fire(ev string) error {
	*m.log = append(*m.log, firedEvent{m.which, ev})
	return m.machine.Fire(ev)
}

// happyPath is a conference from connect to leave, with media: join, the
// JVB session up, then leave.
func happyPath(s *Sim) {
	cfg := Config{Room: Room{Occupants: 1}, Deployment: Deployment{P2P: new(false)}, Client: Client{DisplayName: "Alice"}}
	if err := s.Reset(cfg); err != nil {
		panic(err)
	}
	if err := s.Step(Input{Action: ActionJoin}); err != nil {
		panic(err)
	}
	if err := s.Settle(); err != nil {
		panic(err)
	}
	if err := s.Step(Input{Action: ActionLeave}); err != nil {
		panic(err)
	}
	if err := s.Settle(); err != nil {
		panic(err)
	}
}

// lifecycleEvents is the machine events the happy path fires.
func lifecycleEvents() []firedEvent {
	s, _ := New(Config{Engine: EngineTable})
	var log []firedEvent
	s.conf = &countingMachine{s.conf, 0, &log}
	s.jvb = &countingMachine{s.jvb, 1, &log}
	s.p2p = &countingMachine{s.p2p, 2, &log}
	happyPath(s)
	return log
}

// bareLooplab fires the same events on bare looplab/fsm machines built from
// the same transitions, resetting them with SetState as a hot loop would.
func bareLooplab(n int, evs []firedEvent) {
	var ms [3]*fsm.FSM
	for i, sp := range []*spec{conferenceSpec, sessionSpec, sessionSpec} {
		var d fsm.Events
		for _, t := range sp.transitions {
			d = append(d, fsm.EventDesc{Name: t.event, Src: t.src, Dst: t.dst})
		}
		ms[i] = fsm.NewFSM(sp.states[0], d, nil)
	}
	ctx := context.Background()
	for range n {
		ms[0].SetState(conferenceSpec.states[0])
		ms[1].SetState(sessionSpec.states[0])
		ms[2].SetState(sessionSpec.states[0])
		for _, e := range evs {
			if err := ms[e.which].Event(ctx, e.event); err != nil {
				panic(err)
			}
		}
	}
}

// BenchmarkLifecycleEvent compares, in one run, the simulator's cost per
// lifecycle event (a whole conference: connect, focus, MUC join, media,
// leave, with its records and scheduling) with a bare looplab/fsm Event on
// the same transitions. It reports sim-ns/event, looplab-ns/event and their
// ratio.
// The engine=table case is what campaigns run; engine=looplab is the
// simulator on looplab/fsm itself.
func BenchmarkLifecycleEvent(b *testing.B) {
	for _, e := range []struct {
		name   string
		engine Engine
	}{{"engine=table", EngineTable}, {"engine=looplab", EngineLooplab}} {
		b.Run(e.name, func(b *testing.B) { benchLifecycle(b, e.engine) })
	}
}

func benchLifecycle(b *testing.B, engine Engine) {
	evs := lifecycleEvents()
	s, _ := New(Config{Engine: engine})
	s.OnRecord = func(*Record) {}
	start := time.Now()
	for b.Loop() {
		happyPath(s)
	}
	simNs := float64(time.Since(start).Nanoseconds()) / float64(b.N*len(evs))
	// The bare machines, as many conferences, timed the same way.
	start = time.Now()
	bareLooplab(b.N, evs)
	fsmNs := float64(time.Since(start).Nanoseconds()) / float64(b.N*len(evs))
	b.ReportMetric(float64(len(evs)), "events/op")
	b.ReportMetric(simNs, "sim-ns/event")
	b.ReportMetric(fsmNs, "looplab-ns/event")
	b.ReportMetric(simNs/fsmNs, "ratio")
}

// TestLifecycleEventsFired keeps the benchmark honest: the happy path
// fires the whole lifecycle.
func TestLifecycleEventsFired(t *testing.T) {
	evs := lifecycleEvents()
	want := []string{evConnect, evConnected, evJoin, evFocusReady, evMUCJoined, evInitiate, evAccepted, evIceConnected, evLeave, evTerminate, evMUCLeft}
	got := map[string]bool{}
	for _, e := range evs {
		got[e.event] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("happy path does not fire %s (fired %v)", w, evs)
		}
	}
}

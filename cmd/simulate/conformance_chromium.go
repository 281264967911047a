package main

import (
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jitsi-sim/confsim/internal/deploy"
	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/internal/xmpp"
)

// The Chromium tier: the real library in headless Chromium with real WebRTC
// and real time (conformance/harness/chromium.js), against the scenario's
// server side served as a fake deployment (internal/deploy) on a real-time
// clock. The application's actions are cued on the page's records and the
// faults and moderators on the client's messages, each as the model has
// them, so that a slower browser still plays the same story; the whole
// trace is compared, media included, with the tier's tolerance.

// planCue is when the Chromium tier plays an application action: once the
// page has recorded Records events, WaitMs after the last of them, and the
// deployment has played the Server faults and moderators' actions the
// scenario has before it.
type planCue struct {
	Records int   `json:"records"`
	WaitMs  int64 `json:"wait_ms"`
	Server  int   `json:"server,omitempty"`
}

// cueApp gives each application action of p (planOf's inputs, in the
// trace's order) its cue from the model's run.
func cueApp(p *plan, res *scenario.Result) {
	recs, in, server := 0, 0, 0
	for _, e := range res.Trace {
		switch {
		case e.Kind == scenario.EntryRecord:
			recs = e.Record + 1
		case e.Kind == scenario.EntryStep && e.Step != nil && (e.Step.Kind == scenario.KindAction || e.Step.Kind == scenario.KindFault):
			x := &p.Inputs[in]
			in++
			if e.Step.Kind != scenario.KindAction || e.Step.Input.Action.Moderator() {
				server++
				continue
			}
			c := &planCue{Records: recs, WaitMs: e.T, Server: server}
			if recs > 0 {
				c.WaitMs = e.T - res.Records[recs-1].T
			}
			x.Cue = c
		}
	}
}

// chromium runs one scenario in the Chromium tier.
func (r *conformanceRun) chromium(sc *scenario.Scenario, stem string, res *scenario.Result, model []byte) verdict {
	p := planOf(sc, res)
	cueApp(&p, res)
	p.ExpectRecords = len(res.Records)
	d, err := deploy.New(sc, deploy.Options{Profile: r.profile})
	if err != nil {
		return verdict{verdictFailed, "harness failed: the deployment: " + err.Error()}
	}
	d.SetBridges(xmpp.MediaPeer)
	ep, err := xmpp.New(xmpp.Options{Server: d.Server(), Control: d.Control})
	if err != nil {
		return verdict{verdictFailed, "harness failed: the XMPP endpoint: " + err.Error()}
	}
	if usesHTTP(sc) {
		p.ConferenceRequestURL = ep.ConferenceRequestURL()
	}
	// The server side's clock is real time from here.
	stop := make(chan struct{})
	ticked := make(chan error, 1)
	go func() {
		start := time.Now()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				ticked <- nil
				return
			case <-t.C:
				if err := d.Tick(time.Since(start).Milliseconds()); err != nil {
					ticked <- err
					return
				}
			}
		}
	}()
	limit := max(r.timeout, time.Duration(res.EndMs)*time.Millisecond*2+time.Minute)
	a, b, failed := r.harness(sc, stem, model, ep, p, limit, func(ctx context.Context) *exec.Cmd {
		c := exec.CommandContext(ctx, r.node, filepath.Join(filepath.Dir(r.script), "chromium.js"), "--library", r.lib,
			"--ws", ep.WebSocketURL(), "--control", ep.ControlURL(), "--plan", stem+".plan.json", "--out", stem+".real.jsonl",
			"--scenario", sc.Name, "--file", sc.File, "--chromium", r.chromiumPath,
			"--timeout-ms", fmt.Sprint((limit - 15*time.Second).Milliseconds()), "--log", stem+".page.log")
		// The runner ends on its own timeout first (writing its log and
		// closing its browser); past ours, its whole process group goes,
		// the Chromium it started included.
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
		return c
	})
	close(stop)
	if err := <-ticked; err != nil {
		return verdict{verdictFailed, "harness failed: the deployment's clock: " + err.Error()}
	}
	if failed != nil {
		return *failed
	}
	if diff := compareWithin(sc.Name, a, b, r.tolerance); diff != nil {
		return verdict{verdictDiffers, "differs: " + diff.String("model", "real")}
	}
	return verdict{verdictAgrees, "agrees"}
}

// compareWithin compares two traces as compareScenario does, except that
// events less than tolerance apart may come in either order: in real time
// the order of two answers that race (a disco#info result and a
// session-initiate, say) is the network's. Each record of a is matched to
// the earliest unmatched record of b with the same event, error and
// arguments within tolerance; the first record of either trace left
// without a match is the difference.
func compareWithin(name string, a, b []traceRecord, tolerance float64) *difference {
	used := make([]bool, len(b))
	same := func(x, y *traceRecord) bool {
		if x.event != y.event || errText(x.err) != errText(y.err) || math.Abs(x.tMs-y.tMs) > tolerance {
			return false
		}
		return !x.hasArgs || !y.hasArgs || argsDiffer(x.args, y.args) == ""
	}
	for i := range a {
		found := false
		for j := range b {
			if !used[j] && same(&a[i], &b[j]) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			d := &difference{scenario: name, a: &a[i], what: fmt.Sprintf("event %d: %s at %s ms has no match in the second trace within %s ms",
				i+1, a[i].event, fmtMs(a[i].tMs), fmtMs(tolerance))}
			// The nearest record of the same event, if any, for the reader.
			for j := range b {
				if b[j].event == a[i].event && !used[j] {
					d.b = &b[j]
					break
				}
			}
			return d
		}
	}
	for j := range b {
		if !used[j] {
			return &difference{scenario: name, b: &b[j], what: fmt.Sprintf("event %d of the second trace: %s at %s ms has no match in the first",
				j+1, b[j].event, fmtMs(b[j].tMs))}
		}
	}
	return nil
}

package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/jitsi-sim/confsim/sim"
)

// WriteText writes the readable trace of a run: every step as it starts,
// the records the model emitted, the checks, and the verdict.
func WriteText(w io.Writer, sc *Scenario, res *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "=== %s (%s)\n", res.Scenario, Quote(res.File))
	for _, e := range res.Trace {
		switch e.Kind {
		case EntryStep:
			fmt.Fprintf(&b, "%8d ms  step %d, line %d: %s\n", e.T, e.Index+1, e.Step.Pos.Line, e.Step)
		case EntryRecord:
			fmt.Fprintf(&b, "%8d ms    %s\n", e.T, recordText(&res.Records[e.Record]))
		case EntryCheck:
			fmt.Fprintf(&b, "%8d ms    ok: %s\n", e.T, e.Note)
		case EntrySettle:
			fmt.Fprintf(&b, "%8d ms  after the last step: settle\n", e.T)
		case EntryFail:
			fmt.Fprintf(&b, "%8d ms    FAIL\n", e.T)
		}
	}
	if res.Pass {
		fmt.Fprintf(&b, "--- PASS %s (%d steps, %d records, %d virtual ms)\n", res.Scenario, len(sc.Steps), len(res.Records), res.EndMs)
	} else {
		fmt.Fprintf(&b, "--- FAIL %s\n    %s\n", res.Scenario, strings.ReplaceAll(res.Reason, "\n", "\n    "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// recordText is sim.Record.String without the time.
func recordText(r *sim.Record) string {
	s := r.String()
	if _, rest, ok := strings.Cut(s, "ms "); ok {
		return rest
	}
	return s
}

// WriteJSONL writes one JSON object per record (scenario, t_ms, event,
// error, params, state) and then the result object (scenario, file, result:
// pass or fail, and reason when it failed).
func WriteJSONL(w io.Writer, res *Result) error {
	var b []byte
	for i := range res.Records {
		b = res.Records[i].AppendJSONL(b, res.Scenario, res.File)
	}
	out := struct {
		Scenario string `json:"scenario"`
		File     string `json:"file"`
		Result   string `json:"result"`
		Reason   string `json:"reason,omitempty"`
		EndMs    int64  `json:"end_ms"`
	}{res.Scenario, res.File, "pass", res.Reason, res.EndMs}
	if !res.Pass {
		out.Result = "fail"
	}
	j, err := json.Marshal(out)
	if err != nil {
		return err
	}
	b = append(append(b, j...), '\n')
	_, err = w.Write(b)
	return err
}

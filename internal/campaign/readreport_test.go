package campaign

import (
	"bytes"
	"strings"
	"testing"
)

// shardReport is a real summary of shard i/n of a small campaign.
func shardReport(t testing.TB, i, n uint64) *Report {
	t.Helper()
	c, err := New(Options{Seed: 3, Runs: 40, Shard: Shard{i, n}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := c.Run()
	if err != nil {
		t.Fatal(err)
	}
	return sum.Report(string(c.Options().Profile))
}

func summaryJSON(t testing.TB, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReadReportChecksEveryField: merge trusts nothing it reads (issue 13):
// counts that do not agree with each other or with the campaign, names the
// catalog does not know, and anything but one summary object are refused.
func TestReadReportChecksEveryField(t *testing.T) {
	good := summaryJSON(t, shardReport(t, 0, 2))
	if _, err := ReadReport([]byte(good)); err != nil {
		t.Fatalf("a real summary is refused: %v", err)
	}
	for _, c := range []struct{ name, from, to, want string }{
		{"runs-short", `"runs": 20,`, `"runs": 19,`, "runs 19: shards 0/2 of a 40-run campaign hold 20 runs"},
		{"runs-long", `"runs": 20,`, `"runs": 21,`, "runs 21: shards 0/2 of a 40-run campaign hold 20 runs"},
		{"runs-huge", `"runs": 20,`, `"runs": 18446744073709551615,`, "runs 18446744073709551615"},
		{"params", `"params": "--runs 40",`, `"params": "x",`, `params "x": not the parameters of a campaign`},
		{"unknown-error", `"conference.iceFailed":`, `"conference.iceFaild":`, `errors: unknown error value "conference.iceFaild"`},
		{"errors-beyond-events", `"conference.iceFailed": `, `"conference.iceFailed": 9999999`, "errors in"},
		{"errors-overflow", `"conference.iceFailed": `, `"conference.iceFailed": 18446744073709551615`, "errors"},
		{"unknown-invariant", `"violations": {}`, `"violations": {"nope": 1}`, `violations: unknown invariant "nope"`},
		{"violation-runs", `"violation_runs": 0`, `"violation_runs": 3`, "violation_runs 3: the violations add up to 0"},
		{"unknown-field", `"seed": 3,`, `"seed": 3, "sneed": 1,`, `unknown field "sneed"`},
		{"trailing", "}\n", "}\n{}", "more data after the summary"},
		{"limits", `"limits_reached": `, `"limits_reached": 99`, "limits_reached 99"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.from) {
				t.Fatalf("the summary has no %q:\n%s", c.from, good)
			}
			bad := strings.Replace(good, c.from, c.to, 1)
			if c.name == "trailing" {
				bad = good + "{}"
			}
			_, err := ReadReport([]byte(bad))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v\nwant an error with %q", err, c.want)
			}
		})
	}
	// A cause the catalog does not know.
	u := shardReport(t, 0, 2)
	u.Coverage.Causes.Items = append(u.Coverage.Causes.Items, "no-such-cause")
	u.Coverage.Causes.Covered++
	if _, err := ReadReport([]byte(summaryJSON(t, u))); err == nil || !strings.Contains(err.Error(), `coverage.causes: unknown item "no-such-cause"`) {
		t.Errorf("unknown cause: %v", err)
	}
	// A failing run outside the shards.
	r := shardReport(t, 0, 2)
	r.Failures = append(r.Failures, Failure{Run: 3})
	r.Violations["classification"]++
	r.ViolationRuns++
	if _, err := ReadReport([]byte(summaryJSON(t, r))); err == nil || !strings.Contains(err.Error(), "failures: run 3 is not in shards 0/2") {
		t.Errorf("failure of another shard: %v", err)
	}
}

// TestMergeRefusesToWrap: counts that would wrap past 2^64 are refused and
// leave the report as it was.
func TestMergeRefusesToWrap(t *testing.T) {
	a, b := shardReport(t, 0, 2), shardReport(t, 1, 2)
	a.Events = 1<<64 - 1
	before := a.Runs
	if err := a.Merge(b, 20); err == nil || !strings.Contains(err.Error(), "events: the counts overflow") {
		t.Fatalf("%v", err)
	}
	if a.Runs != before {
		t.Errorf("runs changed to %d by a refused merge", a.Runs)
	}
}

// TestReadSummaryIsBounded: a summary is read up to its limit, not for
// ever.
func TestReadSummaryIsBounded(t *testing.T) {
	_, err := ReadSummary(zeros{})
	if err == nil || !strings.Contains(err.Error(), "larger than 16777216 bytes") {
		t.Fatalf("%v", err)
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// TestInterruptedSummaryMerges: an interrupted shard holds fewer runs and
// makes the merged summary interrupted.
func TestInterruptedSummaryMerges(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	c, err := New(Options{Seed: 3, Runs: 40, Shard: Shard{1, 2}, Workers: 1, Stop: stop})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := c.Run()
	if err != nil || !sum.Interrupted || sum.Runs != 0 {
		t.Fatalf("%v %+v", err, sum)
	}
	b, err := ReadReport([]byte(summaryJSON(t, sum.Report("documented"))))
	if err != nil {
		t.Fatal(err)
	}
	a := shardReport(t, 0, 2)
	if err := a.Merge(b, 20); err != nil || !a.Interrupted || a.Runs != 20 {
		t.Fatalf("%v %+v", err, a)
	}
}

// FuzzReadReport: ReadReport never panics on any input; what it accepts
// writes out and reads back the same, and merges with another shard without
// panicking.
func FuzzReadReport(f *testing.F) {
	good := summaryJSON(f, shardReport(f, 0, 2))
	other := shardReport(f, 1, 2)
	f.Add([]byte(good))
	f.Add([]byte(`{"errors":{},"shards":["0/2"],"seed":5,"params":"--runs 2","runs":1}`))
	f.Add([]byte(`{"errors":{"conference.iceFailed":18446744073709551615},"events":18446744073709551615,"shards":["0/1"],"params":"--runs 1","runs":1}`))
	f.Add([]byte(`{"errors":{},"shards":["0/18446744073709551615"],"params":"--runs 18446744073709551615","runs":1,"interrupted":true}`))
	f.Add([]byte(strings.Repeat("[", 10000)))
	f.Add([]byte("\x00\x00\x00\x00"))
	f.Add([]byte(strings.Replace(good, `"violations": {}`, `"violations": {"nope": 1}`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadReport(data)
		if err != nil {
			return
		}
		again, err := ReadReport([]byte(summaryJSON(t, r)))
		if err != nil {
			t.Fatalf("accepted, written, refused: %v", err)
		}
		if summaryJSON(t, again) != summaryJSON(t, r) {
			t.Fatal("written and read back differently")
		}
		o := *other
		o.Errors, o.Violations = map[string]uint64{}, map[string]uint64{}
		_ = r.Merge(&o, 20)
	})
}

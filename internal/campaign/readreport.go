package campaign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/internal/invariant"
)

// MaxReportBytes bounds a summary ReadReport reads: a real one, with its
// coverage lists and the failing runs kept, is a few hundred KiB at most.
const MaxReportBytes = 16 << 20

// invariants are the names a summary's violations may carry.
var invariants = []string{
	invariant.InvOneFailurePerJoin, invariant.InvQuietAfterFailure, invariant.InvJoinedPhaseErrors,
	invariant.InvMediaAfterInitiate, invariant.InvLeftOnlyIfJoined, invariant.InvIceFailedRestarts,
	invariant.InvTimeMonotonic, invariant.InvTerminalAbsorbs, invariant.InvClassification,
	invariant.InvProfile, invariant.InvPanic, invariant.InvModelError, invariant.InvExtra,
}

// ReadSummary reads a summary from r, at most MaxReportBytes of it (the
// limit is checked while reading), and parses it with ReadReport.
func ReadSummary(r io.Reader) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxReportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxReportBytes {
		return nil, fmt.Errorf("larger than %d bytes, the limit of a campaign summary", MaxReportBytes)
	}
	return ReadReport(data)
}

// ReadReport parses a summary that simulate random --format json wrote and
// checks every field against the catalog and the campaign it names: one
// JSON object with no unknown fields and nothing after it; shards I/N with
// I < N, distinct and of one N; the run count that those shards of the
// campaign's --runs hold (at most that many when interrupted); error values,
// causes, signals and invariants the catalog knows; counts that agree with
// each other (errors within the events, limits and violations within the
// runs, the violations per invariant adding up to violation_runs); failing
// runs within the shards. Counters left out or null read as zero.
func ReadReport(data []byte) (*Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more data after the summary: want one JSON object")
	}
	if r.Errors == nil || len(r.Shards) == 0 {
		return nil, errors.New("not a campaign summary (simulate random --format json)")
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	r.fill()
	return &r, nil
}

// CampaignRuns reads the campaign's run count, all shards, from params.
func CampaignRuns(params string) (uint64, error) {
	f := strings.Fields(params)
	if len(f) < 2 || f[0] != "--runs" {
		return 0, fmt.Errorf("params %s: not the parameters of a campaign (want \"--runs N ...\")", clipQuote(params))
	}
	n, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("params %s: --runs %s is not a run count", clipQuote(params), clipQuote(f[1]))
	}
	return n, nil
}

func clipQuote(s string) string {
	q := strconv.Quote(s)
	if len(q) > 60 {
		return q[:57] + "..."
	}
	return q
}

// check checks the fields of a report read from a file.
func (r *Report) check() error {
	shards, err := parseShards(r.Shards)
	if err != nil {
		return err
	}
	total, err := CampaignRuns(r.Params)
	if err != nil {
		return err
	}
	var want uint64
	for _, sh := range shards {
		want += sh.Runs(total) // at most total: the shards are distinct
	}
	switch {
	case r.Interrupted && r.Runs > want:
		return fmt.Errorf("runs %d: shards %s of a %d-run campaign hold %d runs", r.Runs, strings.Join(r.Shards, ","), total, want)
	case !r.Interrupted && r.Runs != want:
		return fmt.Errorf("runs %d: shards %s of a %d-run campaign hold %d runs (an interrupted summary says so)", r.Runs, strings.Join(r.Shards, ","), total, want)
	}
	values := allErrorValues("")
	for _, c := range catalog.ConnErrors() {
		values = append(values, string(c))
	}
	var errs uint64
	for k, n := range r.Errors {
		if !slices.Contains(values, k) {
			return fmt.Errorf("errors: unknown error value %s", clipQuote(k))
		}
		var carry uint64
		if errs, carry = bits.Add64(errs, n, 0); carry != 0 {
			return errors.New("errors: the counts overflow")
		}
	}
	if errs > r.Events {
		return fmt.Errorf("errors: %d errors in %d events", errs, r.Events)
	}
	if r.LimitsReached > r.Runs {
		return fmt.Errorf("limits_reached %d: more than the %d runs", r.LimitsReached, r.Runs)
	}
	var violations uint64
	for k, n := range r.Violations {
		if !slices.Contains(invariants, k) {
			return fmt.Errorf("violations: unknown invariant %s", clipQuote(k))
		}
		var carry uint64
		if violations, carry = bits.Add64(violations, n, 0); carry != 0 {
			return errors.New("violations: the counts overflow")
		}
	}
	if violations != r.ViolationRuns || r.ViolationRuns > r.Runs {
		return fmt.Errorf("violation_runs %d: the violations add up to %d, of %d runs", r.ViolationRuns, violations, r.Runs)
	}
	if uint64(len(r.Failures)) > r.ViolationRuns {
		return fmt.Errorf("failures: %d failing runs listed, %d counted", len(r.Failures), r.ViolationRuns)
	}
	for _, f := range r.Failures {
		if f.Run >= total || !slices.Contains(shards, Shard{f.Run % shards[0].N, shards[0].N}) {
			return fmt.Errorf("failures: run %d is not in shards %s of a %d-run campaign", f.Run, strings.Join(r.Shards, ","), total)
		}
		if !slices.Contains(invariants, f.Violation.Invariant) {
			return fmt.Errorf("failures: run %d: unknown invariant %s", f.Run, clipQuote(f.Violation.Invariant))
		}
	}
	for _, c := range []struct {
		name  string
		cv    *Covered
		known []string
	}{
		{"causes", &r.Coverage.Causes, faultIDs(true)},
		{"signals", &r.Coverage.Signals, faultIDs(false)},
		{"errors", &r.Coverage.Errors, values},
		{"states", &r.Coverage.States, nil},
		{"transitions", &r.Coverage.Transitions, nil},
	} {
		if c.cv.Covered != len(c.cv.Items) {
			return fmt.Errorf("coverage.%s: covered %d, but %d items", c.name, c.cv.Covered, len(c.cv.Items))
		}
		if c.known == nil {
			continue
		}
		if c.cv.Total != 0 && c.cv.Total > len(c.known) {
			return fmt.Errorf("coverage.%s: total %d, of %d known", c.name, c.cv.Total, len(c.known))
		}
		for _, it := range append(slices.Clone(c.cv.Items), c.cv.Missing...) {
			if !slices.Contains(c.known, it) {
				return fmt.Errorf("coverage.%s: unknown item %s", c.name, clipQuote(it))
			}
		}
	}
	return nil
}

// add64 adds counts, refusing to wrap.
func add64(what string, a, b uint64) (uint64, error) {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return a, fmt.Errorf("%s: the counts overflow", what)
	}
	return s, nil
}

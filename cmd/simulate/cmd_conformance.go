package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/internal/xmpp"
	"github.com/jitsi-sim/confsim/sim"
)

const diffManual = `NAME
    simulate diff - compare two JSONL traces event by event

SYNOPSIS
    simulate diff [--tolerance-ms N] A.jsonl B.jsonl

DESCRIPTION
    Diff reads two traces in the format of 'simulate run --format jsonl'
    (one JSON object per line with the keys scenario, t_ms, event, error
    and, optionally, file, params, args, phase and state; lines with a
    "result" key are verdicts, and a line with a "header" key and no
    "event" (the header record simulate writes first), and are passed
    over) and compares them
    scenario by scenario, event by event, in order:

      - the event name;
      - the error value (a string, or null);
      - the positional arguments (args), when both records have them:
        {"$undefined":true} is undefined and equals only itself, and
        {"$type": ...} objects (the library's own objects, as
        placeholders) are compared field by field, $type included;
      - the virtual time t_ms, which may differ by the tolerance.

    params, phase and state are not compared: they are the model's
    reading of the arguments and its own lifecycle, which the library
    does not have. A scenario present in one trace only is a difference.

    For each scenario that differs, diff prints its first difference with
    both records and their line numbers, then a summary.

OPTIONS
    --tolerance-ms N
        How far apart in virtual time two matching events may be (default
        500).

EXIT STATUS
    0   the traces agree
    1   they differ
    2   bad input: a file cannot be read, a line is not a JSON object or
        lacks a key (reported as file:line: message), a flag is wrong

EXAMPLES
    simulate run --format jsonl scenarios/happy/ > model.jsonl
    simulate diff model.jsonl real.jsonl
    simulate diff --tolerance-ms 0 before.jsonl after.jsonl
`

const conformanceManual = `NAME
    simulate conformance - judge the model by the real lib-jitsi-meet

SYNOPSIS
    simulate conformance [--library PATH] [--tier jsdom|chromium]
                         [--chromium PATH] [--out DIR]
                         [--tolerance-ms N] [--timeout DURATION]
                         [--harness PATH] [--jobs N] [--known FILE]
                         [--table FILE] [--profile NAME] PATH...

DESCRIPTION
    For each scenario file named by PATH (files, directories or globs, as
    for run), conformance:

      1. runs the scenario on the model and keeps its trace and the
         virtual time at which each action and fault step took effect;
      2. starts the model's server side alone behind a real XMPP endpoint
         (XMPP over WebSocket on 127.0.0.1, internal/xmpp) with the
         scenario's room, deployment and client;
      3. runs the Node harness (conformance/harness/run.js) with the real
         library in jsdom under fake timers, playing the same actions and
         faults at the same virtual times, up to the model's end time;
      4. compares the two traces as 'simulate diff' does.

    The judge is the library the model's --profile is pinned to:
    lib-jitsi-meet 01daa07c3f8c for lib-jitsi-meet (the default), upstream
    d630bc32 for lib-jitsi-meet-2021. The model runs every scenario in that
    profile, whatever profile the scenario's own expectations are written
    for. A lib-jitsi-meet-2021 library reads jQuery as the global $, as
    the library of that time did: the harness loads its own jQuery first.

    It prints one line per scenario: "agrees", "differs" with the first
    difference, "known difference" with the reason the --known file gives,
    or "harness failed" with the reason. A summary follows. jsdom has no
    RTCPeerConnection: when the model's run reaches media (a Jingle
    session-initiate: conference.server_region_changed or
    conference.media_session.started), the library is played up to that
    time and both traces are compared before their first media event
    ("agrees up to media"); a run whose very first event is media is
    "needs media (skipped)".

    --tier chromium runs the library in headless Chromium instead (Debian's
    chromium, driven by playwright-core), with real WebRTC and in real
    time, and compares the whole trace, media included. The server side is
    served as 'simulate serve' serves it (internal/deploy): its faults and
    moderators are cued on the client's messages, and the application's
    actions (conformance/harness/chromium.js) on the page's events and on
    the faults and moderators played before them, each as the model has
    them. Each JVB session's bridge, and the other participant of each
    P2P session, is a real WebRTC peer on 127.0.0.1 (pion,
    internal/media): ICE, DTLS and the bridge channel happen for real,
    and the server side's network faults act on its packets (an
    unreachable candidate when the checks must fail, packets cut while
    ICE is disrupted). Events less than the tolerance apart may
    come in either order, since in real time the network orders racing
    answers.

    The library is --library PATH, else $LJM_LIBRARY, else
    ./node_modules/lib-jitsi-meet/dist/umd/lib-jitsi-meet.min.js. The
    harness needs node on PATH and 'npm ci' in conformance/harness.

OPTIONS
    --library PATH
        A lib-jitsi-meet UMD bundle (lib-jitsi-meet.min.js).
    --tier jsdom|chromium
        Where the library runs: jsdom (signalling, fake timers; the
        default) or chromium (real time, WebRTC).
    --chromium PATH
        The Chromium executable (default $CHROMIUM, else /usr/bin/chromium).
    --out DIR
        Keep, for every scenario, NAME.model.jsonl, NAME.real.jsonl,
        NAME.plan.json and NAME.stanzas.txt (the XMPP transcript).
    --tolerance-ms N
        As for diff (default 500; 5000 for chromium, whose jitter is the
        browser's Math.random).
    --timeout DURATION
        Real-time limit of one harness run (default 2m).
    --harness PATH
        The harness script (default conformance/harness/run.js).
    --jobs N
        Scenarios run side by side (default 2, at most 16); the output is
        in scenario order whatever N.
    --known FILE
        Differences known and explained (default
        conformance/known-differences.txt, or for lib-jitsi-meet-2021
        conformance/known-differences-2021.txt, when it exists): one line per
        scenario, "NAME: reason", # starts a comment. A listed scenario
        that differs is reported with its reason and does not fail the
        run; a listed scenario that agrees fails it (the list is stale),
        unless it is listed as "NAME [race]: reason" (a race between two
        round trips the real library does not order either) or "NAME
        [random]: reason" (times drawn at random in both, which now and
        then land within the tolerance).
    --profile NAME
        The profile the model runs in, and so the library judging it:
        lib-jitsi-meet (default) or lib-jitsi-meet-2021.
    --table FILE
        Also write the verdicts as a Markdown table to FILE (the
        committed one is docs/conformance.md), one row per scenario:
        agrees, the first difference, the known reason, or needs media.

EXIT STATUS
    0   every scenario that ran agrees or differs as --known explains
        (skipped ones aside)
    1   a scenario differs, a known difference agrees now, or the harness
        failed on one
    2   bad input: a scenario file has a problem, no library, no node, no
        harness, a flag is wrong

EXAMPLES
    LJM_LIBRARY=../shared/lib-jitsi-meet/01daa07c/lib-jitsi-meet.min.js \
        simulate conformance scenarios/password-required/
    simulate conformance --library node_modules/lib-jitsi-meet/dist/umd/lib-jitsi-meet.min.js \
        --out traces/ scenarios/
`

// traceRecord is one event record of a JSONL trace.
type traceRecord struct {
	line     int
	raw      string
	scenario string
	tMs      float64
	event    string
	err      *string // the error's JSON (a quoted string, usually); nil: null
	args     []any
	hasArgs  bool
}

// trace is a parsed JSONL trace: records per scenario, scenarios in order
// of first appearance.
type trace struct {
	path      string
	order     []string
	scenarios map[string][]traceRecord
}

// readTrace parses a JSONL trace; its errors are "file:line: message".
func readTrace(path string, r io.Reader) (*trace, error) {
	tr := &trace{path: path, scenarios: map[string][]traceRecord{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		rec, isResult, err := parseTraceLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		if isResult {
			continue
		}
		rec.line = n
		if _, ok := tr.scenarios[rec.scenario]; !ok {
			tr.order = append(tr.order, rec.scenario)
		}
		tr.scenarios[rec.scenario] = append(tr.scenarios[rec.scenario], rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return tr, nil
}

func parseTraceLine(line string) (rec traceRecord, isResult bool, err error) {
	var obj map[string]json.RawMessage
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&obj); err != nil || obj == nil {
		return rec, false, errors.New("not a JSON object")
	}
	if d.More() {
		return rec, false, errors.New("more than one JSON value on the line")
	}
	if _, ok := obj["result"]; ok {
		return rec, true, nil
	}
	// The header record that starts a stream ({"header": {"tool", ...}})
	// is passed over too.
	if _, ok := obj["header"]; ok {
		if _, ok := obj["event"]; !ok {
			return rec, true, nil
		}
	}
	rec.raw = line
	str := func(key string) (string, error) {
		v, ok := obj[key]
		if !ok {
			return "", fmt.Errorf("missing key %q", key)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("%s: want a string, got %s", key, v)
		}
		return s, nil
	}
	if rec.scenario, err = str("scenario"); err != nil {
		return rec, false, err
	}
	if rec.event, err = str("event"); err != nil {
		return rec, false, err
	}
	t, ok := obj["t_ms"]
	if !ok {
		return rec, false, errors.New(`missing key "t_ms"`)
	}
	if err := json.Unmarshal(t, &rec.tMs); err != nil || math.IsNaN(rec.tMs) || math.IsInf(rec.tMs, 0) {
		return rec, false, fmt.Errorf("t_ms: want a number, got %s", t)
	}
	e, ok := obj["error"]
	if !ok {
		return rec, false, errors.New(`missing key "error"`)
	}
	if string(e) != "null" {
		// Usually a string; a rejected promise's reason (lock.rejected) may
		// be any value, compared as its JSON.
		var v any
		if err := json.Unmarshal(e, &v); err != nil {
			return rec, false, fmt.Errorf("error: %v", err)
		}
		j, _ := json.Marshal(v)
		s := string(j)
		rec.err = &s
	}
	if a, ok := obj["args"]; ok {
		d := json.NewDecoder(bytes.NewReader(a))
		d.UseNumber()
		if err := d.Decode(&rec.args); err != nil || rec.args == nil {
			return rec, false, fmt.Errorf("args: want an array, got %s", a)
		}
		rec.hasArgs = true
	}
	return rec, false, nil
}

// difference is the first place two traces of a scenario part.
type difference struct {
	scenario string
	what     string
	a, b     *traceRecord
}

func (d *difference) String(aPath, bPath string) string {
	var s strings.Builder
	s.WriteString(d.what)
	show := func(path string, r *traceRecord) {
		if r == nil {
			fmt.Fprintf(&s, "\n    %s: (no record)", path)
			return
		}
		fmt.Fprintf(&s, "\n    %s:%d: %s", path, r.line, r.raw)
	}
	show(aPath, d.a)
	show(bPath, d.b)
	return s.String()
}

// compareScenario returns the first difference of two record lists, or nil.
func compareScenario(name string, a, b []traceRecord, tolerance float64) *difference {
	for i := 0; i < len(a) || i < len(b); i++ {
		var ra, rb *traceRecord
		if i < len(a) {
			ra = &a[i]
		}
		if i < len(b) {
			rb = &b[i]
		}
		at := func(what string) *difference {
			return &difference{scenario: name, what: fmt.Sprintf("event %d: %s", i+1, what), a: ra, b: rb}
		}
		switch {
		case rb == nil:
			return at(fmt.Sprintf("%s only in the first trace (the second ends after %d events)", ra.event, len(b)))
		case ra == nil:
			return at(fmt.Sprintf("%s only in the second trace (the first ends after %d events)", rb.event, len(a)))
		case ra.event != rb.event:
			return at(fmt.Sprintf("event %s, then %s", ra.event, rb.event))
		case errText(ra.err) != errText(rb.err):
			return at(fmt.Sprintf("%s: error %s, then %s", ra.event, errText(ra.err), errText(rb.err)))
		}
		if ra.hasArgs && rb.hasArgs {
			if why := argsDiffer(ra.args, rb.args); why != "" {
				return at(fmt.Sprintf("%s: arguments differ: %s", ra.event, why))
			}
		}
		if math.Abs(ra.tMs-rb.tMs) > tolerance {
			return at(fmt.Sprintf("%s: at %s ms, then %s ms (more than %s ms apart)", ra.event,
				fmtMs(ra.tMs), fmtMs(rb.tMs), fmtMs(tolerance)))
		}
	}
	return nil
}

func errText(e *string) string {
	if e == nil {
		return "null"
	}
	return *e
}

func fmtMs(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// argsDiffer says how two argument lists differ, or "".
func argsDiffer(a, b []any) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d arguments, then %d", len(a), len(b))
	}
	for i := range a {
		if why := valueDiffer(fmt.Sprintf("args[%d]", i), a[i], b[i]); why != "" {
			return why
		}
	}
	return ""
}

// valueDiffer compares two decoded JSON values: numbers by value, objects
// key by key ({"$undefined":true} and {"$type":...} placeholders are
// objects like any other, so they equal only their like).
func valueDiffer(path string, a, b any) string {
	show := func(v any) string {
		j, _ := json.Marshal(v)
		return string(j)
	}
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: %s, then %s", path, show(a), show(b))
		}
		fx, ex := x.Float64()
		fy, ey := y.Float64()
		if ex != nil || ey != nil || fx != fy {
			if x.String() != y.String() {
				return fmt.Sprintf("%s: %s, then %s", path, x, y)
			}
		}
		return ""
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %s, then %s", path, show(a), show(b))
		}
		for _, k := range sortedKeys(x, y) {
			va, ina := x[k]
			vb, inb := y[k]
			p := path + "." + k
			switch {
			case !inb:
				return fmt.Sprintf("%s: %s, then absent", p, show(va))
			case !ina:
				return fmt.Sprintf("%s: absent, then %s", p, show(vb))
			}
			if why := valueDiffer(p, va, vb); why != "" {
				return why
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %s, then %s", path, show(a), show(b))
		}
		for i := range x {
			if why := valueDiffer(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); why != "" {
				return why
			}
		}
		return ""
	}
	if a != b { // strings, booleans, nil
		return fmt.Sprintf("%s: %s, then %s", path, show(a), show(b))
	}
	return ""
}

func sortedKeys(a, b map[string]any) []string {
	ks := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// compareTraces returns the first difference of every scenario that
// differs, in the order the scenarios first appear.
func compareTraces(a, b *trace, tolerance float64) []*difference {
	var out []*difference
	names := append([]string{}, a.order...)
	for _, n := range b.order {
		if _, ok := a.scenarios[n]; !ok {
			names = append(names, n)
		}
	}
	for _, n := range names {
		ra, ina := a.scenarios[n]
		rb, inb := b.scenarios[n]
		switch {
		case !inb:
			out = append(out, &difference{scenario: n, what: "scenario only in the first trace", a: &ra[0]})
		case !ina:
			out = append(out, &difference{scenario: n, what: "scenario only in the second trace", b: &rb[0]})
		default:
			if d := compareScenario(n, ra, rb, tolerance); d != nil {
				out = append(out, d)
			}
		}
	}
	return out
}

func openTrace(path string) (*trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readTrace(path, f)
}

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	fs := flags("diff")
	tol := fs.Int64("tolerance-ms", 500, "how far apart matching events may be, in virtual `ms`")
	paths, code := parse(fs, diffManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(paths) != 2 {
		return usageError(stderr, "simulate diff", "want two trace files, got %d", len(paths))
	}
	if *tol < 0 {
		return usageError(stderr, "simulate diff", "--tolerance-ms: want 0 or more, got %d", *tol)
	}
	var trs [2]*trace
	for i, p := range paths {
		tr, err := openTrace(p)
		if err != nil {
			fmt.Fprintf(stderr, "simulate diff: %v\n", err)
			return exitBadInput
		}
		trs[i] = tr
	}
	diffs := compareTraces(trs[0], trs[1], float64(*tol))
	for _, d := range diffs {
		fmt.Fprintf(stdout, "%s: %s\n", d.scenario, d.String(paths[0], paths[1]))
	}
	total := len(compareNames(trs[0], trs[1]))
	if len(diffs) > 0 {
		fmt.Fprintf(stdout, "differ: %d of %d scenarios\n", len(diffs), total)
		return exitFail
	}
	fmt.Fprintf(stdout, "agree: %d scenarios\n", total)
	return exitOK
}

func compareNames(a, b *trace) map[string]bool {
	m := map[string]bool{}
	for _, n := range a.order {
		m[n] = true
	}
	for _, n := range b.order {
		m[n] = true
	}
	return m
}

// The default library path, relative to the working directory, as a
// client's project has it.
const defaultLibrary = "node_modules/lib-jitsi-meet/dist/umd/lib-jitsi-meet.min.js"

// findLibrary resolves the library bundle: the flag, $LJM_LIBRARY, the
// project's node_modules.
func findLibrary(flagValue string) (string, error) {
	check := func(p, from string) (string, error) {
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			return "", fmt.Errorf("%s %s: no such file (want a lib-jitsi-meet UMD bundle, lib-jitsi-meet.min.js)", from, p)
		}
		return filepath.Abs(p)
	}
	if flagValue != "" {
		return check(flagValue, "--library")
	}
	if env := os.Getenv("LJM_LIBRARY"); env != "" {
		return check(env, "$LJM_LIBRARY")
	}
	if _, err := os.Stat(defaultLibrary); err == nil {
		return check(defaultLibrary, "")
	}
	return "", errors.New("no lib-jitsi-meet to run: give --library PATH or set $LJM_LIBRARY to a lib-jitsi-meet.min.js, " +
		"or run from a project with " + defaultLibrary + " ('npm install lib-jitsi-meet')")
}

// needsMedia says whether the model's run reaches a Jingle session-initiate:
// the library announces its region (server_region_changed) on receiving it
// and media_session.started once it has answered. jsdom has no
// RTCPeerConnection, so the real library stops there.
func needsMedia(recs []sim.Record) bool { return firstMedia(recs, false) >= 0 }

// firstMedia is the index of the first record of media (a Jingle
// session-initiate reached us), or -1. With p2p (weStartP2P), media starts
// with our MUC join (JitsiConference._onMucJoined starts the P2P session at
// once): the record after conference.joined.
func firstMedia(recs []sim.Record, p2p bool) int {
	for i := range recs {
		if isMediaEvent(string(recs[i].Event)) {
			return i
		}
		if p2p && recs[i].Event == "conference.joined" {
			return i + 1
		}
	}
	return -1
}

func isMediaEvent(ev string) bool {
	switch ev {
	case "conference.media_session.started", "conference.server_region_changed":
		return true
	}
	return false
}

// weStartP2P says whether the run has a P2P session that we offer: the
// library then creates its peer connection from _onMucJoined, at
// conference.joined, and in jsdom throws there. Answering the other
// participant's offer throws later, at that offer, before any record of it.
func weStartP2P(cfg sim.Config, recs []sim.Record) bool {
	if !cfg.Deployment.P2PEnabled() || sim.Node > cfg.Room.ParticipantID(0) {
		return false
	}
	return slices.ContainsFunc(recs, func(r sim.Record) bool { return r.State.P2P != sim.SessionNone })
}

// beforeMedia cuts a trace where firstMedia does.
func beforeMedia(recs []traceRecord, p2p bool) []traceRecord {
	for i := range recs {
		if isMediaEvent(recs[i].event) {
			return recs[:i]
		}
		if p2p && recs[i].event == "conference.joined" {
			return recs[:i+1]
		}
	}
	return recs
}

// planInput is one input of the harness's plan.
type planInput struct {
	TMs      int64  `json:"t_ms"`
	Action   string `json:"action,omitempty"`
	Fault    string `json:"fault,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Password string `json:"password,omitempty"`
	Text     string `json:"text,omitempty"`
	// Cue, in the Chromium tier, says when an application action is
	// played (conformance_chromium.go).
	Cue *planCue `json:"cue,omitempty"`
}

// plan is what the harness plays (conformance/harness/lib/plan.js).
type plan struct {
	Domain string      `json:"domain"`
	MUC    string      `json:"muc"`
	Room   string      `json:"room"`
	Inputs []planInput `json:"inputs"`
	EndMs  int64       `json:"end_ms"`
	// ExpectRecords is how many events the model recorded (the Chromium
	// tier ends when the page has as many and is quiet).
	ExpectRecords int `json:"expect_records,omitempty"`
	Client        struct {
		DisplayName string `json:"display_name,omitempty"`
		Token       string `json:"token,omitempty"`
		// ID and Password: connect({id, password}), a logged-in client.
		ID       string `json:"id,omitempty"`
		Password string `json:"password,omitempty"`
	} `json:"client"`
	// Connection holds JitsiConnection options the scenario sets
	// (deploymentInfo, testing).
	Connection map[string]any `json:"connection,omitempty"`
	// AnonymousDomain is hosts.anonymousdomain, for a guest client:
	// ChatRoom.onPresenceError compares the refused presence's domain
	// with it.
	AnonymousDomain string `json:"anonymousdomain,omitempty"`
	// ConferenceRequestURL is conferenceRequestUrl, for a deployment whose
	// conference requests go over HTTP (filled in with the endpoint's).
	ConferenceRequestURL string `json:"conferenceRequestUrl,omitempty"`
	// ConnectWithName: the app calls connect({name: room}).
	ConnectWithName bool `json:"connectWithName,omitempty"`
	// Config holds the library options the scenario sets, by their
	// lib-jitsi-meet names (conference options).
	Config map[string]any `json:"config,omitempty"`
}

// usesHTTP says whether the deployment sends conference requests over HTTP
// (conferenceRequestUrl): it says so, or a fault makes it so (jwt-required).
func usesHTTP(sc *scenario.Scenario) bool {
	http := sc.Config.Deployment.ConferenceRequestHTTP
	for _, st := range sc.Steps {
		if st.Kind == scenario.KindFault && st.Input.Fault == "jwt-required" {
			http = true
		}
	}
	return http
}

// cutAt ends the plan at virtual time t: the inputs before it, and the end.
func (p *plan) cutAt(t int64) {
	in := p.Inputs[:0]
	for _, x := range p.Inputs {
		if x.TMs < t {
			in = append(in, x)
		}
	}
	p.Inputs, p.EndMs = in, t
}

// planOf builds the plan from a model run: every action and fault step at
// the virtual time it took effect.
func planOf(sc *scenario.Scenario, res *scenario.Result) plan {
	p := plan{Domain: sim.Domain, MUC: sim.MUCDomain, Room: sc.Config.Room.Name, EndMs: res.EndMs, Inputs: []planInput{}}
	if p.Room == "" {
		p.Room = "room" // sim.Config's default
	}
	p.ConnectWithName = sc.Config.Client.ConnectWithName
	p.Client.DisplayName = sc.Config.Client.DisplayName
	p.Client.Token = sc.Config.Client.Token
	if exp := sc.Config.Client.TokenExpiresMs; exp > 0 && p.Client.Token != "" {
		// A JWT whose exp (in s) is the model's expiry: the library
		// decodes it when it is about to resume (jwtDecode).
		p.Client.Token = unsignedJWT(p.Client.Token, exp/1000)
	}
	if sc.Config.Client.LoggedIn {
		p.Client.ID, p.Client.Password = sim.LoginJid, sim.LoginPassword
	}
	conn := map[string]any{}
	if sc.Config.Deployment.Shard != "" {
		conn["deploymentInfo"] = map[string]any{"shard": sc.Config.Deployment.Shard}
	}
	if sc.Config.Client.GracefulReconnect {
		conn["testing"] = map[string]any{"enableGracefulReconnect": true}
	}
	if len(conn) > 0 {
		p.Connection = conn
	}
	// The deployment's config names its guest domain (hosts.anonymousdomain)
	// whether or not this client starts as a guest: a fault may make it one.
	p.AnonymousDomain = "guest." + sim.Domain
	opt := map[string]any{}
	if sc.Config.Client.DisableRoomCreationRetry {
		opt["disableRoomCreationRetry"] = true
	}
	if sc.Config.Deployment.EnableIceRestart {
		opt["enableIceRestart"] = true
	}
	// The library's default is P2P on, as the model's: say it only when
	// the deployment turns it off.
	if !sc.Config.Deployment.P2PEnabled() {
		opt["p2p"] = map[string]any{"enabled": false}
	}
	if len(opt) > 0 {
		p.Config = opt
	}
	for _, e := range res.Trace {
		if e.Kind != scenario.EntryStep || e.Step == nil {
			continue
		}
		in := e.Step.Input
		switch e.Step.Kind {
		case scenario.KindAction:
			p.Inputs = append(p.Inputs, planInput{TMs: e.T, Action: string(in.Action), Password: in.Password, Text: in.Text})
		case scenario.KindFault:
			p.Inputs = append(p.Inputs, planInput{TMs: e.T, Fault: in.Fault, Reason: in.Reason})
		}
	}
	return p
}

// unsignedJWT is a JWT with subject sub and exp, not signed (the endpoint
// does not check tokens).
func unsignedJWT(sub string, exp int64) string {
	enc := base64.RawURLEncoding.EncodeToString
	header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	payload, _ := json.Marshal(map[string]any{"sub": sub, "exp": exp})
	return enc(header) + "." + enc(payload) + ".x"
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func cmdConformance(args []string, stdout, stderr io.Writer) int {
	const cmd = "simulate conformance"
	fs := flags("conformance")
	library := fs.String("library", "", "a lib-jitsi-meet UMD bundle")
	tier := fs.String("tier", "jsdom", "where the library runs: jsdom or chromium")
	chromiumPath := fs.String("chromium", "", "the Chromium executable (default $CHROMIUM, else /usr/bin/chromium)")
	outDir := fs.String("out", "", "keep both traces of every scenario in `DIR`")
	tol := fs.Int64("tolerance-ms", -1, "how far apart matching events may be, in `ms` (default 500 for jsdom, 5000 for chromium)")
	timeout := fs.Duration("timeout", 2*time.Minute, "real-time limit of one harness run")
	harness := fs.String("harness", filepath.Join("conformance", "harness", "run.js"), "the harness script")
	jobs := fs.Int("jobs", 2, "scenarios run side by side")
	knownPath := fs.String("known", "", "differences known and explained, `FILE`")
	tablePath := fs.String("table", "", "write the verdicts as a Markdown table to `FILE`")
	profile := fs.String("profile", string(sim.ProfileLibJitsiMeet), "the profile the model runs in, `NAME`")
	paths, code := parse(fs, conformanceManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if !oneOf(stderr, cmd, "tier", *tier, "jsdom", "chromium") ||
		!oneOf(stderr, cmd, "profile", *profile, string(sim.ProfileLibJitsiMeet), string(sim.ProfileLibJitsiMeet2021)) {
		return exitBadInput
	}
	if *knownPath == "" && sim.Profile(*profile) == sim.ProfileLibJitsiMeet2021 {
		*knownPath = filepath.Join("conformance", "known-differences-2021.txt")
	}
	if *tol == -1 {
		*tol = 500
		if *tier == "chromium" {
			*tol = 5000
		}
	}
	if *chromiumPath == "" {
		*chromiumPath = cmp.Or(os.Getenv("CHROMIUM"), "/usr/bin/chromium")
	}
	if *tier == "chromium" {
		if _, err := os.Stat(*chromiumPath); err != nil {
			fmt.Fprintf(stderr, "%s: no Chromium at %s: install Debian's chromium or give --chromium PATH\n", cmd, *chromiumPath)
			return exitBadInput
		}
	}
	if *tol < 0 || *timeout <= 0 {
		return usageError(stderr, cmd, "--tolerance-ms cannot be negative and --timeout must be positive")
	}
	if *jobs < 1 || *jobs > 16 {
		return usageError(stderr, cmd, "--jobs %d: want 1 to 16", *jobs)
	}
	known, err := readKnown(*knownPath)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitBadInput
	}
	scs, code := loadAll(cmd, paths, stderr)
	if code >= 0 {
		return code
	}
	lib, err := findLibrary(*library)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitBadInput
	}
	node, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintf(stderr, "%s: node not found on PATH: the harness runs on Node.js 18 or later (Debian: apt-get install nodejs)\n", cmd)
		return exitBadInput
	}
	script, err := filepath.Abs(*harness)
	if err == nil {
		_, err = os.Stat(script)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: harness %s not found: run from the project's root, or give --harness PATH\n", cmd, *harness)
		return exitBadInput
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules")); err != nil {
		fmt.Fprintf(stderr, "%s: the harness's packages are missing: run 'npm ci' in %s\n", cmd, filepath.Dir(script))
		return exitBadInput
	}
	dir := *outDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "confsim-conformance-")
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitBadInput
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "%s: --out: %v\n", cmd, err)
		return exitBadInput
	}
	r := conformanceRun{node: node, script: script, lib: lib, dir: dir, tolerance: float64(*tol), timeout: *timeout,
		stdout: stdout, used: map[string]int{}, profile: sim.Profile(*profile), tier: *tier, chromiumPath: *chromiumPath}
	if r.profile == sim.ProfileLibJitsiMeet2021 {
		// lib-jitsi-meet of 2021 uses jQuery as the global $ (moderator.js,
		// ChatRoom.js: "global $") without declaring it in its UMD header:
		// the page had loaded it. The harness's own copy stands in.
		r.jquery = filepath.Join(filepath.Dir(script), "node_modules", "jquery", "dist", "jquery.js")
		if _, err := os.Stat(r.jquery); err != nil {
			fmt.Fprintf(stderr, "%s: the harness's jQuery is missing (%s): run 'npm ci' in %s\n", cmd, r.jquery, filepath.Dir(script))
			return exitBadInput
		}
	}
	start := time.Now()
	verdicts := r.all(scs, *jobs)
	var agree, mediaAgree, differ, knownN, stale, media, failed int
	for i, sc := range scs {
		v := &verdicts[i]
		k, isKnown := known[sc.Name]
		switch {
		case (v.kind == verdictDiffers || v.kind == verdictAgrees || v.kind == verdictMediaAgrees) && isKnown && k.either != "":
			// The same words either way, so that the table is stable.
			v.kind, v.text = verdictKnown, "known "+k.either+": "+k.reason
			knownN++
		case v.kind == verdictDiffers && isKnown:
			v.kind, v.text = verdictKnown, "known difference: "+k.reason
			knownN++
		case (v.kind == verdictAgrees || v.kind == verdictMediaAgrees) && isKnown:
			v.kind, v.text = verdictStale, "agrees, but is listed as a known difference: remove it from the list"
			stale++
		case v.kind == verdictAgrees:
			agree++
		case v.kind == verdictMediaAgrees:
			mediaAgree++
		case v.kind == verdictDiffers:
			differ++
		case v.kind == verdictMedia:
			media++
		default:
			failed++
		}
		fmt.Fprintf(stdout, "%-40s %s\n", sc.Name, v.text)
	}
	fmt.Fprintf(stdout, "conformance: %d scenarios: %d agree, %d agree up to media, %d differ, %d known differences, %d listed but agree, %d need media from the start (skipped), %d harness failures (%s, %s)\n",
		len(scs), agree, mediaAgree, differ, knownN, stale, media, failed, *tier, time.Since(start).Round(100*time.Millisecond))
	seen := map[string]bool{}
	for _, sc := range scs {
		seen[sc.Name] = true
	}
	var unplayed []string
	for _, name := range slices.Sorted(maps.Keys(known)) {
		if !seen[name] {
			unplayed = append(unplayed, name)
		}
	}
	if len(unplayed) > 0 && len(unplayed) < len(known) {
		fmt.Fprintf(stdout, "conformance: %d of the known differences name scenarios this run did not play\n", len(unplayed))
	} else if len(unplayed) > 0 && len(scs) > len(known) {
		// A whole run that plays none of them: the list names scenarios
		// that are gone.
		fmt.Fprintf(stdout, "conformance: the known differences name scenarios this run did not play: %s\n", strings.Join(unplayed, ", "))
	}
	if *tablePath != "" {
		if err := writeTable(*tablePath, r.profile, scs, verdicts); err != nil {
			fmt.Fprintf(stderr, "%s: --table: %v\n", cmd, err)
			return exitBadInput
		}
	}
	if differ > 0 || stale > 0 || failed > 0 {
		return exitFail
	}
	return exitOK
}

// all runs every scenario, jobs at a time, and returns the verdicts in
// scenario order.
func (r *conformanceRun) all(scs []*scenario.Scenario, jobs int) []verdict {
	out := make([]verdict, len(scs))
	stems := make([]string, len(scs))
	for i, sc := range scs {
		stems[i] = r.stem(sc.Name) // handed out in order, before any goroutine
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, len(scs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = r.scenario(scs[i], stems[i])
			}
		}()
	}
	for i := range scs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// knownDifference is an explained difference. Either, when set, says why
// the scenario may agree or differ from run to run: "race", an order the
// real library itself does not fix (two independent round trips that end
// together), or "random", times drawn from Math.random in the library and
// from the seeded jitter in the model, which now and then land within the
// tolerance of each other.
type knownDifference struct {
	reason string
	either string
}

// readKnown reads the known differences: "NAME: reason" per line, or
// "NAME [race]: reason". Without a path, conformance/known-differences.txt
// is read when it exists.
func readKnown(path string) (map[string]knownDifference, error) {
	explicit := path != ""
	if !explicit {
		path = filepath.Join("conformance", "known-differences.txt")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return map[string]knownDifference{}, nil
		}
		return nil, fmt.Errorf("--known: %w", err)
	}
	known := map[string]knownDifference{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, ":")
		name, reason = strings.TrimSpace(name), strings.TrimSpace(reason)
		either := ""
		for _, tag := range []string{"race", "random"} {
			if n, cut := strings.CutSuffix(name, "["+tag+"]"); cut {
				name, either = n, tag
			}
		}
		name = strings.TrimSpace(name)
		if !ok || name == "" || reason == "" {
			return nil, fmt.Errorf("%s:%d:1: want \"NAME: reason\", \"NAME [race]: reason\" or \"NAME [random]: reason\"", path, i+1)
		}
		if _, dup := known[name]; dup {
			return nil, fmt.Errorf("%s:%d:1: %s is listed twice", path, i+1, name)
		}
		known[name] = knownDifference{reason, either}
	}
	return known, nil
}

// writeTable writes the verdicts as a Markdown table, in scenario order.
// Only the first line of a verdict goes in, and nothing that changes from
// run to run (no timings).
func writeTable(path string, profile sim.Profile, scs []*scenario.Scenario, vs []verdict) error {
	var b strings.Builder
	b.WriteString("<!-- generated by simulate conformance --table; do not edit -->\n")
	if profile == sim.ProfileLibJitsiMeet2021 {
		b.WriteString("# The model's 2021 profile judged by lib-jitsi-meet d630bc32\n\n")
		b.WriteString("Every bundled scenario, run on the model (profile `lib-jitsi-meet-2021`) and on lib-jitsi-meet built from upstream `d630bc32` ")
		b.WriteString("(2021-12-10) in jsdom against the model's server side over XMPP (`simulate conformance`). Regenerate with ")
		b.WriteString("`go run ./cmd/simulate conformance --profile lib-jitsi-meet-2021 --library LIB --known conformance/known-differences-2021.txt ")
		b.WriteString("--table docs/conformance-2021.md scenarios/`.\n\n")
	} else {
		b.WriteString("# The model judged by the real lib-jitsi-meet\n\n")
		b.WriteString("Every bundled scenario, run on the model (profile `lib-jitsi-meet`) and on lib-jitsi-meet `01daa07c3f8c` in jsdom ")
		b.WriteString("against the model's server side over XMPP (`simulate conformance`). Regenerate with ")
		b.WriteString("`go run ./cmd/simulate conformance --library LIB --table docs/conformance.md scenarios/`.\n\n")
	}
	b.WriteString("| scenario | file | verdict |\n| --- | --- | --- |\n")
	for i, sc := range scs {
		text, _, _ := strings.Cut(vs[i].text, "\n")
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", mdCell(sc.Name), strings.ReplaceAll(filepath.ToSlash(sc.File), "|", "\\|"), mdCell(text))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

type verdictKind uint8

const (
	verdictAgrees verdictKind = iota
	verdictDiffers
	verdictMedia
	verdictFailed
	verdictKnown       // differs as the known differences say
	verdictStale       // agrees but is listed as a known difference
	verdictMediaAgrees // agrees up to the first session-initiate
)

type verdict struct {
	kind verdictKind
	text string
}

// conformanceRun holds what every scenario of one conformance run shares.
type conformanceRun struct {
	node, script, lib, dir string
	tolerance              float64
	timeout                time.Duration
	stdout                 io.Writer
	used                   map[string]int // file name stems handed out
	tier, chromiumPath     string
	profile                sim.Profile // the model's profile, pinned to the library
	jquery                 string      // jQuery loaded before the library, or ""
}

// stem is a file name stem for a scenario, unique within the run.
func (r *conformanceRun) stem(name string) string {
	s := unsafeName.ReplaceAllString(name, "_")
	r.used[s]++
	if n := r.used[s]; n > 1 {
		s += "-" + strconv.Itoa(n)
	}
	return s
}

func (r *conformanceRun) scenario(sc *scenario.Scenario, stemName string) verdict {
	// The judge is the library of r.profile: the model runs in that
	// profile, whatever profile the scenario's own expectations are for.
	pinned := *sc
	pinned.Config.Profile = r.profile
	sc = &pinned
	res := scenario.Run(sc, scenario.Options{})
	stem := filepath.Join(r.dir, stemName)
	var model bytes.Buffer
	scenario.WriteJSONL(&model, &res)
	if err := os.WriteFile(stem+".model.jsonl", model.Bytes(), 0o644); err != nil {
		return verdict{verdictFailed, "harness failed: " + err.Error()}
	}
	if r.tier == "chromium" {
		return r.chromium(sc, stem, &res, model.Bytes())
	}
	// A run that reaches media is played up to the first session-initiate
	// and compared before it: jsdom has no RTCPeerConnection, the library
	// throws there, and what follows is the Chromium tier's to judge.
	p2p := weStartP2P(sc.Config, res.Records)
	cut := firstMedia(res.Records, p2p)
	if cut == 0 {
		return verdict{verdictMedia, "needs media (skipped)"}
	}
	p := planOf(sc, &res)
	if cut > 0 && cut < len(res.Records) {
		p.cutAt(res.Records[cut].T)
	}
	ep, err := xmpp.New(xmpp.Options{Config: sc.Config})
	if err != nil {
		return verdict{verdictFailed, "harness failed: the XMPP endpoint: " + err.Error()}
	}
	if usesHTTP(sc) {
		p.ConferenceRequestURL = ep.ConferenceRequestURL()
	}
	ra, rb, failed := r.harness(sc, stem, model.Bytes(), ep, p, r.timeout, func(ctx context.Context) *exec.Cmd {
		hargs := []string{r.script, "--library", r.lib, "--ws", ep.WebSocketURL(),
			"--control", ep.ControlURL(), "--plan", stem + ".plan.json", "--out", stem + ".real.jsonl",
			"--scenario", sc.Name, "--file", sc.File}
		if r.jquery != "" {
			hargs = append(hargs, "--jquery", r.jquery)
		}
		return exec.CommandContext(ctx, r.node, hargs...)
	})
	if failed != nil {
		return *failed
	}
	if cut > 0 {
		ra, rb = beforeMedia(ra, p2p), beforeMedia(rb, p2p)
	}
	if d := compareScenario(sc.Name, ra, rb, r.tolerance); d != nil {
		return verdict{verdictDiffers, "differs: " + d.String("model", "real")}
	}
	if cut > 0 {
		return verdict{verdictMediaAgrees, fmt.Sprintf("agrees up to media (%d events; the rest needs media)", len(ra))}
	}
	return verdict{verdictAgrees, "agrees"}
}

// harness writes the plan, runs the harness command (made for a context
// bounded by limit) against ep, keeps the transcript, closes ep and reads
// both traces of sc; when anything fails it returns the verdict that says
// why instead.
func (r *conformanceRun) harness(sc *scenario.Scenario, stem string, model []byte, ep *xmpp.Endpoint, p plan,
	limit time.Duration, command func(context.Context) *exec.Cmd) (a, b []traceRecord, failed *verdict) {
	fail := func(why string) ([]traceRecord, []traceRecord, *verdict) {
		return nil, nil, &verdict{verdictFailed, "harness failed: " + why}
	}
	pj, _ := json.MarshalIndent(p, "", "  ")
	if err := os.WriteFile(stem+".plan.json", append(pj, '\n'), 0o644); err != nil {
		ep.Close()
		return fail(err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	c := command(ctx)
	var errBuf bytes.Buffer
	c.Stderr = &errBuf
	c.WaitDelay = 5 * time.Second
	runErr := c.Run()
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	cancel()
	if err := os.WriteFile(stem+".stanzas.txt", []byte(strings.Join(ep.Transcript(), "\n")+"\n"), 0o644); err != nil {
		runErr = errors.Join(runErr, err)
	}
	ep.Close()
	if runErr != nil {
		msg := strings.TrimSpace(errBuf.String())
		if len(msg) > 600 {
			msg = msg[:600] + " ..."
		}
		if timedOut {
			msg = fmt.Sprintf("no end within %s of real time; %s", limit, msg)
		}
		return nil, nil, &verdict{verdictFailed, fmt.Sprintf("harness failed (%v): %s", runErr, msg)}
	}
	ta, err := readTrace(stem+".model.jsonl", bytes.NewReader(model))
	if err != nil {
		return fail(err.Error())
	}
	tb, err := openTrace(stem + ".real.jsonl")
	if err != nil {
		return fail("its trace: " + err.Error())
	}
	return ta.scenarios[sc.Name], tb.scenarios[sc.Name], nil
}

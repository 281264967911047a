package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/internal/scenario"
)

const traceA = `{"scenario":"s","t_ms":40,"event":"connection.connectionEstablished","error":null,"params":{"id":"res1"},"args":["res1"],"phase":"connecting","state":"connected"}
{"scenario":"s","t_ms":80,"event":"conference.auth_status_changed","error":null,"args":[false,null]}
{"scenario":"s","t_ms":120,"event":"conference.failed","error":"conference.passwordRequired","args":["conference.passwordRequired"]}
{"scenario":"s","result":"pass","end_ms":120}
{"scenario":"t","t_ms":0,"event":"conference.userJoined","error":null,"args":["p1",{"$type":"JitsiParticipant","id":"p1","role":"participant"},{"$undefined":true}]}
`

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.jsonl", traceA)
	same := write(t, dir, "same.jsonl", strings.ReplaceAll(strings.ReplaceAll(traceA, `"t_ms":80`, `"t_ms":500`), `,"params":{"id":"res1"}`, ""))
	cases := []struct {
		name, b string
		code    int
		want    string
	}{
		{"within the tolerance, params aside", same, exitOK, "agree: 2 scenarios"},
		{"time", strings.Replace(traceA, `"t_ms":120`, `"t_ms":700`, 1), exitFail,
			"s: event 3: conference.failed: at 120 ms, then 700 ms (more than 500 ms apart)"},
		{"name", strings.Replace(traceA, `conference.auth_status_changed`, `conference.joined`, 1), exitFail,
			"s: event 2: event conference.auth_status_changed, then conference.joined"},
		{"error", strings.Replace(traceA, `"error":"conference.passwordRequired"`, `"error":null`, 1), exitFail,
			`s: event 3: conference.failed: error "conference.passwordRequired", then null`},
		{"null is not undefined", strings.Replace(traceA, `[false,null]`, `[false,{"$undefined":true}]`, 1), exitFail,
			`args[1]: null, then {"$undefined":true}`},
		{"placeholder field", strings.Replace(traceA, `"role":"participant"`, `"role":"moderator"`, 1), exitFail,
			`t: event 1: conference.userJoined: arguments differ: args[1].role: "participant", then "moderator"`},
		{"placeholder type", strings.Replace(traceA, `"$type":"JitsiParticipant"`, `"$type":"Hu"`, 1), exitFail,
			`args[1].$type: "JitsiParticipant", then "Hu"`},
		{"error object", strings.Replace(traceA, `"error":"conference.passwordRequired"`, `"error":{"$type":"Node","name":"iq"}`, 1), exitFail,
			`error "conference.passwordRequired", then {"$type":"Node","name":"iq"}`},
		{"argument count", strings.Replace(traceA, `["res1"]`, `["res1",1]`, 1), exitFail, "1 arguments, then 2"},
		{"missing event", strings.Replace(traceA, "{\"scenario\":\"s\",\"t_ms\":120", "{\"scenario\":\"u\",\"t_ms\":120", 1), exitFail,
			"s: event 3: conference.failed only in the first trace (the second ends after 2 events)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.b
			if !strings.HasSuffix(b, ".jsonl") {
				b = write(t, dir, "b.jsonl", c.b)
			}
			code, out, errs := call("diff", a, b)
			if code != c.code || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr: %s\nwant %q", code, c.code, out, errs, c.want)
			}
			if code == exitFail && !strings.Contains(out, a+":") {
				t.Errorf("the difference does not show the first record with its file:line:\n%s", out)
			}
		})
	}
	// The order of records matters.
	lines := strings.Split(strings.TrimSpace(traceA), "\n")
	lines[0], lines[1] = lines[1], lines[0]
	b := write(t, dir, "swapped.jsonl", strings.Join(lines, "\n"))
	if code, out, _ := call("diff", a, b); code != exitFail || !strings.Contains(out, "event 1: event connection.connectionEstablished, then conference.auth_status_changed") {
		t.Fatalf("swapped records: exit %d\n%s", code, out)
	}
	// --tolerance-ms 0 is exact.
	if code, _, _ := call("diff", "--tolerance-ms", "0", a, same); code != exitFail {
		t.Fatalf("--tolerance-ms 0 let a 420 ms gap pass: exit %d", code)
	}
}

func TestDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.jsonl", traceA)
	for _, c := range []struct{ name, text, want string }{
		{"not JSON", "{\"scenario\":\"s\"\nnope\n", "bad.jsonl:1: not a JSON object"},
		{"no event", `{"scenario":"s","t_ms":1,"error":null}`, `bad.jsonl:1: missing key "event"`},
		{"time not a number", `{"scenario":"s","t_ms":"1","event":"e","error":null}`, `bad.jsonl:1: t_ms: want a number, got "1"`},
		{"no error", `{"scenario":"s","t_ms":1,"event":"e"}`, `bad.jsonl:1: missing key "error"`},
		{"args not an array", `{"scenario":"s","t_ms":1,"event":"e","error":null,"args":{}}`, "bad.jsonl:1: args: want an array, got {}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := write(t, dir, "bad.jsonl", c.text)
			code, _, errs := call("diff", a, bad)
			if code != exitBadInput || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, stderr %q, want 2 and %q", code, errs, c.want)
			}
		})
	}
	if code, _, _ := call("diff", a); code != exitBadInput {
		t.Fatal("one file: want exit 2")
	}
	if code, _, _ := call("diff", a, filepath.Join(dir, "missing.jsonl")); code != exitBadInput {
		t.Fatal("a missing file: want exit 2")
	}
	if code, _, _ := call("diff", "--tolerance-ms", "-1", a, a); code != exitBadInput {
		t.Fatal("a negative tolerance: want exit 2")
	}
}

func TestConformanceWithoutLibrary(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.yaml", passing)
	t.Setenv("LJM_LIBRARY", "")
	t.Chdir(dir)
	code, _, errs := call("conformance", p)
	if code != exitBadInput || !strings.Contains(errs, "give --library PATH or set $LJM_LIBRARY") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	code, _, errs = call("conformance", "--library", filepath.Join(dir, "nope.js"), p)
	if code != exitBadInput || !strings.Contains(errs, "nope.js: no such file") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if code, _, _ := call("conformance", "--tier", "chromium", p); code != exitBadInput {
		t.Fatalf("--tier chromium: exit %d, want 2", code)
	}
}

// TestPlanOf checks that the plan carries each action and fault at the
// virtual time the model took it, and the model's end.
func TestPlanOf(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "pw.yaml", `description: password, then the right one
room: {password: s3cret}
client: {display_name: Alice}
steps:
  - action: join
  - expect: {error: conference.passwordRequired}
  - advance: 1000
  - fault: focus-not-ready
  - action: join
    password: s3cret
  - expect: {event: conference.joined}
`)
	sc, err := scenario.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	res := scenario.Run(sc, scenario.Options{})
	pl := planOf(sc, &res)
	if pl.Room != "room" || pl.Domain != "meet.example" || pl.MUC != "conference.meet.example" || pl.Client.DisplayName != "Alice" || pl.EndMs != res.EndMs {
		t.Fatalf("plan %+v", pl)
	}
	if len(pl.Inputs) != 3 || pl.Inputs[0] != (planInput{TMs: 0, Action: "join"}) ||
		pl.Inputs[1] != (planInput{TMs: 1120, Fault: "focus-not-ready"}) ||
		pl.Inputs[2] != (planInput{TMs: 1120, Action: "join", Password: "s3cret"}) {
		t.Fatalf("inputs %+v", pl.Inputs)
	}
	if needsMedia(res.Records) {
		t.Fatal("a room of one needs no media")
	}
	_ = os.Remove(p)
}

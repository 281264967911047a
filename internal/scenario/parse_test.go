package scenario

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jitsi-sim/confsim/sim"
)

type badCase struct {
	name string
	src  string
	// want is the first error line, "line:col: message" after "NAME.yaml:";
	// a trailing "..." makes it a prefix.
	want string
}

// schemaExpressibleBad are problems a JSON Schema can express as well: the
// schema must reject them too (TestSchemaAgreesWithParser).
var schemaExpressibleBad = []badCase{
	{"unknown-key", "description: x\nsteps:\n  - action: join\n    pasword: x\n",
		`4:5: unknown key "pasword" in step 1 (did you mean "password"?)`},
	{"unknown-top-key", "description: x\nstep: []\n",
		`2:1: unknown key "step" (did you mean "steps"?)`},
	{"unknown-room-key", "description: x\nroom:\n  pasword: s3cret\n",
		`3:3: unknown key "pasword" in room (did you mean "password"?)`},
	{"unknown-cause", "description: x\nsteps:\n  - fault: turn-unavailabel\n",
		`3:12: unknown fault "turn-unavailabel" (did you mean "turn-unavailable"?): not a documented cause or a signal ('simulate errors' lists them)`},
	{"unknown-action", "description: x\nsteps:\n  - action: jion\n",
		`3:13: unknown action "jion" (did you mean "join"?)`},
	{"wrong-type-int", "description: x\nroom:\n  occupants: \"2\"\n",
		`3:14: room.occupants: want an integer from 0 to 1000, got string "2"`},
	{"wrong-type-bool", "description: x\ndeployment: {p2p: yes}\n",
		`2:19: deployment.p2p: want true or false, got string "yes"`},
	{"wrong-type-string", "description: x\nclient: {display_name: 42}\n",
		`2:24: client.display_name: want a string, got integer 42 (quote it to make it a string)`},
	{"wrong-type-steps", "description: x\nsteps: {action: join}\n",
		`2:8: steps: want a sequence of steps, got a mapping`},
	{"unknown-error-value", "description: x\nsteps:\n  - action: join\n  - expect: {error: conference.passwordRequird}\n",
		`4:21: unknown error value "conference.passwordRequird" (did you mean "conference.passwordRequired"?): not a conference or connection error value ('simulate errors' lists them)`},
	{"error-name-wrong-case", "description: x\nsteps:\n  - expect: {error: password_required}\n",
		`3:21: unknown error value "password_required": write error: conference.passwordRequired (the value of PASSWORD_REQUIRED) or error: PASSWORD_REQUIRED`},
	{"error-as-fault", "description: x\nsteps:\n  - fault: ICE_FAILED\n",
		`3:12: fault "ICE_FAILED": that is an error, not a cause; a fault is one of its causes: peer-connection-failure, firewall-blocks-media, turn-unavailable or nat-traversal-failure ('simulate describe ICE_FAILED' explains them)`},
	{"error-value-as-fault", "description: x\nsteps:\n  - fault: conference.iceFailed\n",
		`3:12: fault "conference.iceFailed": that is an error, not a cause; a fault is one of its causes: ...`},
	{"wait-key", "description: x\nsteps:\n  - wait: 100\n",
		`3:5: unknown key "wait" in step 1 (did you mean "advance"? advance: N moves virtual time forward by N ms)`},
	{"unknown-event", "description: x\nsteps:\n  - expect: {event: conference.joind}\n",
		`3:21: unknown event "conference.joind" (did you mean "conference.joined"?): not a lib-jitsi-meet event the simulator emits`},
	{"unknown-state", "description: x\nsteps:\n  - expect: {state: joind}\n",
		`3:21: state: unknown conference state "joind" (did you mean "joined"?)`},
	{"unknown-session-state", "description: x\nsteps:\n  - expect: {state: joined/jvb:up}\n",
		`3:21: state: unknown jvb session state "up"...`},
	{"unknown-reason", "description: x\nsteps:\n  - fault: authorization-failure\n    reason: nope\n",
		`4:13: unknown reason "nope": want an AUTH_ERROR_TYPES value: general, no-main-participants, no-visitors-lobby, promotion-not-allowed, room-creation-restriction or authentication-required`},
	{"reason-on-other-fault", "description: x\nsteps:\n  - fault: turn-unavailable\n    reason: general\n",
		`4:5: reason: only the fault authorization-failure takes a reason`},
	{"text-on-join", "description: x\nsteps:\n  - action: join\n    text: hi\n",
		`4:5: text: only the actions send-chat, set-display-name, kick or destroy take a text`},
	{"missing-description", "name: x\nsteps: []\n",
		`1:1: missing description: say what the scenario shows`},
	{"empty-description", "description: \"  \"\n",
		`1:14: description: must say what the scenario shows`},
	{"unknown-profile", "description: x\nprofile: latest\n",
		`2:10: unknown profile "latest": want documented, lib-jitsi-meet or lib-jitsi-meet-2021`},
	{"unknown-authentication", "description: x\ndeployment: {authentication: ldap}\n",
		`2:30: deployment.authentication: unknown value "ldap": want none, xmpp or jwt`},
	{"two-kinds", "description: x\nsteps:\n  - action: join\n    fault: turn-unavailable\n",
		`4:5: step 1: a step has exactly one of action, fault, advance, settle, expect, expect_quiet, expect_never; this one has action and fault`},
	{"no-kind", "description: x\nsteps:\n  - {}\n",
		`3:5: step 1: a step has one of action, fault, advance, settle, expect, expect_quiet, expect_never`},
	{"negative-advance", "description: x\nsteps:\n  - advance: -1\n",
		`3:14: advance: want an integer from 1 to 86400000 (24 h of virtual time), got -1`},
	{"zero-within", "description: x\nsteps:\n  - expect: {event: conference.joined, within: 0}\n",
		`3:48: within: want an integer from 1 to 86400000 (24 h of virtual time), got 0`},
	{"within-on-state", "description: x\nsteps:\n  - expect: {state: joined, within: 10}\n",
		`3:29: within: a state alone is checked now, without waiting; within needs event, error or params`},
	{"settle-false", "description: x\nsteps:\n  - settle: false\n",
		`3:13: settle: only true makes sense here; remove the step instead`},
	{"empty-expect", "description: x\nsteps:\n  - expect: {}\n",
		`3:13: expect: name at least one of event, error, params or state`},
	{"never-not-a-list", "description: x\nsteps:\n  - expect_never: conference.failed\n",
		`3:19: expect_never: want a sequence of error values and event names, got string "conference.failed"`},
	{"never-unknown", "description: x\nsteps:\n  - expect_never: [conference.nope]\n",
		`3:20: expect_never: "conference.nope" is neither an error value nor an event name...`},
	{"param-sequence", "description: x\nsteps:\n  - expect: {error: conference.max_users, params: {visitorsSupported: {a: [1]}}}\n",
		`3:75: params.visitorsSupported.a: want a string, boolean, integer, null or mapping, got a sequence`},
	{"limits-zero", "description: x\nlimits: {max_steps: 0}\n",
		`2:21: limits.max_steps: want an integer from 1 to 10000000, got 0`},
	{"not-a-mapping", "- action: join\n",
		`1:1: a scenario is a mapping (description, steps, ...), got a sequence`},
	{"huge-occupants", "description: x\nroom: {occupants: 99999999999999}\n",
		`2:19: room.occupants: want an integer from 0 to 1000, got 99999999999999`},
	{"huge-room-max-occupants", "description: x\nroom: {max_occupants: 1001}\n",
		`2:23: room.max_occupants: want an integer from 0 to 1000, got 1001`},
	{"huge-deployment-max-occupants", "description: x\ndeployment: {max_occupants: 1001}\n",
		`2:29: deployment.max_occupants: want an integer from 0 to 1000, got 1001`},
	{"huge-max-time", "description: x\nlimits: {max_time_ms: 86400001}\n",
		`2:23: limits.max_time_ms: want an integer from 1 to 86400000, got 86400001`},
	{"huge-max-steps", "description: x\nlimits: {max_steps: 10000001}\n",
		`2:21: limits.max_steps: want an integer from 1 to 10000000, got 10000001`},
	{"huge-advance", "description: x\nsteps:\n  - advance: 9223372036854775807\n",
		`3:14: advance: want an integer from 1 to 86400000 (24 h of virtual time), got 9223372036854775807`},
	{"huge-within", "description: x\nsteps:\n  - expect: {event: conference.joined, within: 9223372036854775807}\n",
		`3:48: within: want an integer from 1 to 86400000 (24 h of virtual time), got 9223372036854775807`},
	{"name-newline", "name: \"a\\nb\"\ndescription: x\n",
		`1:7: name: must be one line without control characters, got "a\nb"`},
}

// parserOnlyBad are problems only the parser sees: syntax, consistency
// between keys, and step order.
var parserOnlyBad = []badCase{
	{"password-on-knock", "description: x\nsteps:\n  - action: join\n  - action: knock\n    password: x\n",
		`5:5: password: only the actions join, login or lock take a password`},
	{"syntax", "description: x\nsteps: [\n", `2:8: YAML: sequence end token ']' not found`},
	{"duplicate-key", "description: x\ndescription: y\n", `2:1: YAML: mapping key "description" already defined at [1:1]`},
	{"empty", "", `1:1: empty file: a scenario is a mapping with at least a description`},
	{"two-documents", "description: x\n---\ndescription: y\n", `3:1: a scenario file holds one YAML document; this is document 2`},
	{"knock-before-join", "description: x\nsteps:\n  - action: knock\n", `3:5: impossible step order: knock before any join`},
	{"kick-before-join", "description: x\nsteps:\n  - action: kick\n  - action: join\n", `3:5: impossible step order: kick before any join`},
	{"approve-before-knock", "description: x\nsteps:\n  - action: join\n  - action: approve\n", `4:5: impossible step order: approve before any knock (a moderator answers a knock)`},
	{"event-never-carries", "description: x\nsteps:\n  - expect: {event: conference.joined, error: conference.iceFailed}\n",
		`3:21: event conference.joined never carries conference.iceFailed: its event is conference.failed`},
	{"unknown-param", "description: x\nsteps:\n  - expect: {error: conference.chatError, params: {msg: x}}\n",
		`3:52: params: CHAT_ERROR has no parameter "msg" (it has: errorMsg)`},
	{"unknown-alias", "description: x\nroom: *nope\n", `2:7: unknown alias *nope`},
	{"merge-key", "description: x\nroom: {<<: {lobby: true}}\n", `2:8: room: merge keys (<<) are not supported`},
	{"state-order", "description: x\nsteps:\n  - expect: {state: joined/p2p:connected/jvb:connected}\n",
		`3:21: state: state part "jvb:connected" out of order: the state is written conference/jvb:STATE/p2p:STATE`},
	{"huge-int", "description: x\nroom: {occupants: 99999999999999999999}\n", `2:19: room.occupants: 99999999999999999999 is too large: want an integer from 0 to 1000`},
	{"huge-negative-int", "description: x\nroom: {occupants: -99999999999999999999}\n", `2:19: room.occupants: -99999999999999999999 is too small: want an integer from 0 to 1000`},
	{"huge-seed", "description: x\nseed: 18446744073709551616\n", `2:7: seed: 18446744073709551616 is too large: want an integer from 0 to 18446744073709551615`},
	{"huge-param", "description: x\nsteps:\n  - expect: {error: conference.max_users, params: {n: 99999999999999999999}}\n",
		`3:55: params.n: 99999999999999999999 is too large for an integer (quote it to make it a string)`},
	// goccy/go-yaml's YAMLToJSON writes NUL as \x00, which is not JSON: the
	// schema's side of these is TestSchemaRejectsControlCharacters.
	{"name-nul", "name: \"a\\0b\"\ndescription: x\n",
		`1:7: name: must be one line without control characters, got "a\x00b"`},
	{"description-nul", "description: \"a\\0b\"\n",
		`1:14: description: control characters other than line breaks and tabs are not allowed, got "a\x00b"`},
	{"merge-key-top", "description: x\n<<: {name: y}\n", `2:1: merge keys (<<) are not supported`},
	{"complex-key-top", "description: x\n? a\n: y\n", `2:1: complex keys (?) are not supported`},
	{"forward-alias", "name: *d\ndescription: &d x\n", `1:7: alias *d comes before its anchor &d at 2:14: an alias refers to an anchor defined earlier in the file`},
	{"alias-inside-its-anchor", "description: x\nsteps:\n  - expect: {error: conference.max_users, params: &p {a: *p}}\n",
		`3:58: alias *p is inside the node its anchor &p names`},
}

func TestParseErrors(t *testing.T) {
	for _, c := range append(append([]badCase{}, schemaExpressibleBad...), parserOnlyBad...) {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.name+".yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("no error for\n%s", c.src)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			got := list[0].Error()
			want := c.name + ".yaml:" + c.want
			if p, ok := strings.CutSuffix(want, "..."); ok {
				if !strings.HasPrefix(got, p) {
					t.Fatalf("got  %s\nwant %s", got, want)
				}
			} else if got != want {
				t.Fatalf("got  %s\nwant %s\n(all: %v)", got, want, err)
			}
		})
	}
}

var errorLine = regexp.MustCompile(`^[^:\n]+:[0-9]+:[0-9]+: \S`)

func TestParseReportsEveryProblem(t *testing.T) {
	src := "description: x\nroom: {occupants: x, lobby: 1}\nsteps:\n  - action: nope\n  - fault: nope\n"
	_, err := Parse("s.yaml", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 4 {
		t.Fatalf("want 4 problems, got %v", err)
	}
	for _, e := range list {
		if !errorLine.MatchString(e.Error()) {
			t.Errorf("not file:line:col: message: %q", e.Error())
		}
	}
	for i := 1; i < len(list); i++ {
		if a, b := list[i-1].Pos, list[i].Pos; a.Line > b.Line || (a.Line == b.Line && a.Col > b.Col) {
			t.Errorf("problems out of file order: %v before %v", a, b)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	sc, err := Parse("dir/password-then-join.yaml", []byte("description: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "password-then-join" {
		t.Errorf("name = %q, want the file name without extension", sc.Name)
	}
	if sc.Config.Seed != 1 || sc.Config.Profile != sim.ProfileDocumented {
		t.Errorf("seed %d profile %q, want 1 and documented", sc.Config.Seed, sc.Config.Profile)
	}
}

func TestParseValues(t *testing.T) {
	src := `name: n
description: d
profile: lib-jitsi-meet
seed: 18446744073709551615
room: &r {password: "1234", occupants: 2, lobby: true}
limits: {max_time_ms: 1000}
steps:
  - action: join
    password: !!str 1234
  - fault: authorization-failure
    reason: general
  - advance: 10
  - expect:
      event: conference.failed
      params: {lobbyRoomJid: x, waitingForHost: false, n: 3, z: null}
      state: members-only
      within: 7
  - expect_never: [conference.iceFailed, conference.joined]
`
	sc, err := Parse("v.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Config.Seed != 1<<64-1 || sc.Config.Profile != sim.ProfileLibJitsiMeet {
		t.Errorf("seed/profile: %+v", sc.Config)
	}
	if r := sc.Config.Room; r.Password != "1234" || r.Occupants != 2 || !r.Lobby {
		t.Errorf("room: %+v", r)
	}
	if sc.Config.Limits.MaxTimeMs != 1000 {
		t.Errorf("limits: %+v", sc.Config.Limits)
	}
	if len(sc.Steps) != 5 {
		t.Fatalf("steps: %d", len(sc.Steps))
	}
	if in := sc.Steps[0].Input; in.Action != sim.ActionJoin || in.Password != "1234" {
		t.Errorf("step 1: %+v", in)
	}
	if in := sc.Steps[1].Input; in.Fault != "authorization-failure" || in.Reason != "general" {
		t.Errorf("step 2: %+v", in)
	}
	x := sc.Steps[3].Expect
	if x.Within != 7 || x.State != "members-only" || len(x.Params) != 4 {
		t.Errorf("expect: %+v", x)
	}
	if got := x.String(); got != `event=conference.failed params={lobbyRoomJid="x", waitingForHost=false, n=3, z=null} state=members-only` {
		t.Errorf("expect string: %s", got)
	}
	if p := sc.Steps[3].Pos; p.Line != 13 || p.Col != 5 {
		t.Errorf("step 4 at %v, want 13:5", p)
	}
}

// TestAliasResolvesToTheMostRecentAnchor: an alias names the last anchor of
// that name defined before it, never a later one.
func TestAliasResolvesToTheMostRecentAnchor(t *testing.T) {
	src := "description: &d first\nname: *d\nclient: {display_name: &d second}\nroom: {password: *d}\n"
	sc, err := Parse("a.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "first" || sc.Config.Room.Password != "second" {
		t.Errorf("name %q, room.password %q: want first and second", sc.Name, sc.Config.Room.Password)
	}
}

// TestParamAliasBomb: aliases that multiply a parameter object are bounded.
func TestParamAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("description: x\na0: &a0 {x: 1, y: 1, z: 1, w: 1}\n")
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&b, "a%d: &a%d {x: *a%d, y: *a%d, z: *a%d, w: *a%d}\n", i, i, i-1, i-1, i-1, i-1)
	}
	b.WriteString("steps:\n  - expect: {error: conference.max_users, params: {visitorsSupported: *a29}}\n")
	start := time.Now()
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("accepted")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

// TestErrorByConstantName: error: takes the constant name for its value.
func TestErrorByConstantName(t *testing.T) {
	sc, err := Parse("n.yaml", []byte("description: x\nroom: {password: s}\nsteps:\n  - action: join\n  - expect: {error: PASSWORD_REQUIRED}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Steps[1].Expect.Error; got != "conference.passwordRequired" {
		t.Fatalf("error %q, want conference.passwordRequired", got)
	}
	if res := Run(sc, Options{}); !res.Pass {
		t.Fatalf("does not pass: %s", res.Reason)
	}
}

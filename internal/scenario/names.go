package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// Events lists the event names an expectation may name.
var Events = catalog.Events()

// ConnErrors lists the connection error values (JitsiConnectionErrors) an
// expectation may name, carried by connection.connectionFailed.
var ConnErrors = catalog.ConnErrors()

// ErrorValues lists every error value an expectation may name: the 20
// conference errors in documented order, then the connection errors.
func ErrorValues() []string {
	var out []string
	for _, e := range catalog.Errors() {
		out = append(out, e.Value)
	}
	for _, c := range ConnErrors {
		out = append(out, string(c))
	}
	return out
}

// EventNames lists Events as strings.
func EventNames() []string {
	out := make([]string, len(Events))
	for i, e := range Events {
		out[i] = string(e)
	}
	return out
}

// Faults lists every fault id a step may inject: the documented cause ids in
// catalog order, then the signal ids.
func Faults() []string {
	out := CauseIDs()
	for _, s := range sim.Signals {
		out = append(out, s.ID)
	}
	return out
}

// CauseIDs lists the documented cause ids in catalog order.
func CauseIDs() []string {
	var out []string
	for _, e := range catalog.Errors() {
		for _, c := range e.Causes {
			out = append(out, c.ID)
		}
	}
	return out
}

// AuthReasons lists the AUTH_ERROR_TYPES values in documented order.
func AuthReasons() []string {
	var out []string
	for _, t := range catalog.AuthTypes() {
		out = append(out, t.Value)
	}
	return out
}

// Authentications lists the deployment authentication modes.
var Authentications = []sim.Authentication{sim.AuthNone, sim.AuthXMPP, sim.AuthJWT}

// The fault that takes a reason.
const authorizationFailure = "authorization-failure"

// Actions that carry a password, and actions that carry a text.
var (
	passwordActions = []sim.Action{sim.ActionJoin, sim.ActionLogin, sim.ActionLock}
	textActions     = []sim.Action{sim.ActionSendChat, sim.ActionSetDisplayName, sim.ActionKick, sim.ActionDestroy}
	// needJoin are the actions that need a join earlier in the file.
	needJoin = []sim.Action{sim.ActionLeave, sim.ActionKnock, sim.ActionLogin, sim.ActionLock,
		sim.ActionUnlock, sim.ActionSendChat, sim.ActionKick, sim.ActionDestroy}
	// needKnock are the actions that need a knock earlier in the file.
	needKnock = []sim.Action{sim.ActionApprove, sim.ActionDeny}
)

func isEvent(s string) bool { return slices.Contains(EventNames(), s) }

func isErrorValue(s string) bool { return slices.Contains(ErrorValues(), s) }

// carrier returns the event that carries an error value.
func carrier(value string) catalog.Event {
	if e, ok := catalog.ByValue(value); ok {
		return e.Event
	}
	return catalog.ConnectionFailed
}

// checkState reports why s is not a state an expectation can name, or "".
// A state is the conference part alone ("joined") or the whole state as
// sim.State.String writes it ("joined/jvb:connected/p2p:checking").
func checkState(s string) string {
	parts := strings.Split(s, "/")
	if !slices.Contains(sim.ConferenceStates(), parts[0]) {
		return fmt.Sprintf("unknown conference state %s%s", quoteClip(parts[0]), suggest(parts[0], sim.ConferenceStates()))
	}
	seen := 0
	for _, p := range parts[1:] {
		sess, st, ok := strings.Cut(p, ":")
		order := map[string]int{"jvb": 1, "p2p": 2}[sess]
		if !ok || order == 0 {
			return fmt.Sprintf("unknown state part %s: want jvb:STATE or p2p:STATE", quoteClip(p))
		}
		if order <= seen {
			return fmt.Sprintf("state part %s out of order: the state is written conference/jvb:STATE/p2p:STATE", quoteClip(p))
		}
		seen = order
		if st == sim.SessionNone.String() {
			return fmt.Sprintf("%s never appears in a state: leave the %s part out", quoteClip(p), sess)
		}
		if !slices.Contains(sim.SessionStates(), st) {
			return fmt.Sprintf("unknown %s session state %s%s", sess, quoteClip(st), suggest(st, sim.SessionStates()))
		}
	}
	return ""
}

// statePattern is a regular expression for the states checkState accepts.
func statePattern() string {
	var sess []string
	for _, s := range sim.SessionStates() {
		if s != sim.SessionNone.String() {
			sess = append(sess, s)
		}
	}
	ss := strings.Join(sess, "|")
	return "^(" + strings.Join(sim.ConferenceStates(), "|") + ")(/jvb:(" + ss + "))?(/p2p:(" + ss + "))?$"
}

// stateMatches reports whether the model state st is the state want names.
func stateMatches(want string, st sim.State) bool {
	if strings.Contains(want, "/") {
		return st.String() == want
	}
	return st.Conference.String() == want
}

// Suggest returns ` (did you mean "x"?)` for the candidate closest to s
// (case aside), or "" when none is close.
func Suggest(s string, candidates []string) string { return suggest(s, candidates) }

// suggest returns ` (did you mean "x"?)` for the closest candidate, or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

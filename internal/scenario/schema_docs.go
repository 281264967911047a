package scenario

import (
	"fmt"
	"strings"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// The per-value descriptions of the schema: what an editor shows beside
// each value it completes. They come from the catalog and the model, and,
// for the few lists that have no text there, from the tables below (a test
// keeps them complete).

// actionDocs says what each action does, in lib-jitsi-meet's words.
var actionDocs = map[sim.Action]string{
	sim.ActionJoin:           "`conference.join(password)`: the application joins (connecting first when needed). Takes `password`.",
	sim.ActionLeave:          "`conference.leave()`: the application leaves.",
	sim.ActionKnock:          "`conference.joinLobby(displayName)`: knock on a members-only room's lobby.",
	sim.ActionLogin:          "`authenticateAndUpgradeRole`: log in on the authentication domain, then a new conference request. Takes `password`.",
	sim.ActionLock:           "`conference.lock(password)`: set a room password (moderators only). Takes `password`.",
	sim.ActionUnlock:         "`conference.lock('')`: remove the room password.",
	sim.ActionSendChat:       "`conference.sendMessage(text)`: send a chat message. Takes `text`.",
	sim.ActionSetDisplayName: "`conference.setDisplayName(text)`: the next join presence carries it as our nick. Takes `text`.",
	sim.ActionApprove:        "A moderator lets us in from the lobby.",
	sim.ActionDeny:           "A moderator rejects us in the lobby.",
	sim.ActionKick:           "A moderator kicks us. Takes `text`, the reason.",
	sim.ActionDestroy:        "A moderator ends the meeting for everyone. Takes `text`, the reason.",
}

// connErrorDocs says what each connection error value means.
var connErrorDocs = map[catalog.ConnError]string{
	catalog.ConferenceRequestFailed:    "The conference request to the focus failed (the lib-jitsi-meet profile's end for a refused request).",
	catalog.NotLiveError:               "The room is not live yet (a visitor joined before the meeting started).",
	catalog.ConnectionDroppedError:     "The XMPP connection dropped.",
	catalog.ServerError:                "The XMPP server answered with an error.",
	catalog.OtherError:                 "Any other connection failure.",
	catalog.ConnectionPasswordRequired: "The XMPP server wants credentials.",
	catalog.ShardChangedError:          "The deployment moved the conference to another shard (with testing.enableGracefulReconnect).",
}

func profileDocs(p string) string {
	switch sim.Profile(p) {
	case sim.ProfileDocumented:
		return "Follows the documented error list: every documented error has a cause that reaches it."
	case sim.ProfileLibJitsiMeet:
		return "Follows lib-jitsi-meet 01daa07c3f8c: FOCUS_DISCONNECTED, GRACEFUL_SHUTDOWN and INCOMPATIBLE_SERVER_VERSIONS are never emitted."
	case sim.ProfileLibJitsiMeet2021:
		return "Follows lib-jitsi-meet at upstream d630bc32 (2021-12-10): a refused conference request is FOCUS_DISCONNECTED on every retry, GRACEFUL_SHUTDOWN stops it; INCOMPATIBLE_SERVER_VERSIONS is never emitted."
	}
	return "A profile of the model."
}

func actionDoc(a string) string { return actionDocs[sim.Action(a)] }

func faultDoc(id string) string {
	if e, c, ok := catalog.CauseByID(id); ok {
		return fmt.Sprintf("Cause of **%s** (`%s`): %s\n\nOn the wire: %s", e.Name, e.Value, c.Text, c.Signal)
	}
	for _, s := range sim.Signals {
		if s.ID == id {
			return "Signal: " + s.Text
		}
	}
	return ""
}

func reasonDoc(v string) string {
	if t, ok := catalog.AuthTypeByValue(v); ok {
		return fmt.Sprintf("**%s**: %s", t.Name, t.Text)
	}
	return ""
}

// errorNames lists the constant names of the conference errors, which
// error: takes for their values.
func errorNames() []string {
	var out []string
	for _, e := range catalog.Errors() {
		out = append(out, e.Name)
	}
	return out
}

func errorDoc(v string) string {
	if e, ok := catalog.ByValue(v); ok {
		return fmt.Sprintf("**%s**, carried by `%s`: %s", e.Name, e.Event, e.Description)
	}
	if e, ok := catalog.ByName(v); ok {
		return fmt.Sprintf("The constant name of `%s`, carried by `%s`: %s", e.Value, e.Event, e.Description)
	}
	if d, ok := connErrorDocs[catalog.ConnError(v)]; ok {
		return fmt.Sprintf("Connection error, carried by `%s`: %s", catalog.ConnectionFailed, d)
	}
	return ""
}

func eventDoc(ev string) string {
	a, ok := catalog.ArgsOf(catalog.Event(ev))
	if !ok {
		return "A lib-jitsi-meet event."
	}
	var args []string
	for _, x := range a.Args {
		args = append(args, x.Name+": "+x.Type)
	}
	return fmt.Sprintf("Emitted by `%s`; listeners get (%s).", a.Source, strings.Join(args, ", "))
}

func neverDoc(v string) string {
	if d := errorDoc(v); d != "" {
		return d
	}
	return eventDoc(v)
}

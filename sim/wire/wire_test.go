package wire

import (
	"strings"
	"testing"
)

// Every type has a name, and the client's types are exactly those before
// numClientTypes: the XMPP endpoint hands only those to the server side.
func TestTypesNamedAndSided(t *testing.T) {
	seen := map[string]Type{}
	for ty := Type(1); ty < numTypes; ty++ {
		if ty == numClientTypes {
			continue // the boundary, not a type
		}
		name := ty.String()
		if strings.HasPrefix(name, "wire.Type(") {
			t.Errorf("type %d has no name", ty)
		}
		if other, dup := seen[name]; dup {
			t.Errorf("types %d and %d are both %q", other, ty, name)
		}
		seen[name] = ty
		if ty.FromClient() != (ty < numClientTypes) {
			t.Errorf("%s: FromClient %t", name, ty.FromClient())
		}
	}
	for _, ty := range []Type{ConferenceIQ, JoinPresence, SessionAccept, Ping} {
		if !ty.FromClient() {
			t.Errorf("%s is sent by the client", ty)
		}
	}
	for _, ty := range []Type{ConferenceResult, JoinError, SessionInitiate, IceState} {
		if ty.FromClient() {
			t.Errorf("%s is sent by the server", ty)
		}
	}
}

// String names what a transcript reader needs: the condition of an error,
// the children that classify a presence error, the ICE outcome.
func TestMessageString(t *testing.T) {
	for _, c := range []struct {
		m    Message
		want string
	}{
		{Message{Type: JoinError, JoinErr: PresenceError{Type: "auth", Condition: "not-authorized"}}, "join-error auth/not-authorized"},
		{Message{Type: ConferenceResult, Focus: FocusAnswer{Condition: "not-acceptable", SessionInvalid: true}}, "conference-result error=not-acceptable session-invalid"},
		{Message{Type: IceState, Session: JVB, Text: IceFailed}, "ice-state jvb failed"},
		{Message{Type: Unavailable, Room: LobbyRoom, Unavail: UnavailablePresence{Nick: "me", Self: true, Kicked: true}}, "unavailable lobby me 110 307"},
	} {
		if got := c.m.String(); got != c.want {
			t.Errorf("%#v: got %q, want %q", c.m.Type, got, c.want)
		}
	}
}

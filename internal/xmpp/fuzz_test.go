package xmpp

import (
	"strings"
	"testing"

	"github.com/jitsi-sim/confsim/sim"
)

// memSession is a session without a WebSocket: frames go to out.
func memSession(t testing.TB, cfg sim.Config) (*session, *[]string) {
	t.Helper()
	sv, err := NewServer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	c := sv.Open(memTransport{out: &out})
	return c.s, &out
}

// The client's side of a join, as lib-jitsi-meet 01daa07c sends it
// (real-library-notes.md §3).
var libraryFrames = []string{
	`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`,
	`<auth mechanism="ANONYMOUS" xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>`,
	`<open to="meet.example" version="1.0" xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`,
	`<iq id="_bind_auth_2" type="set" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`,
	`<iq to="meet.example" type="get" id="x1" xmlns="jabber:client"><services xmlns="urn:xmpp:extdisco:2"/></iq>`,
	`<iq to="meet.example" type="get" id="x2" xmlns="jabber:client"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`,
	conferenceIQ,
	`<presence to="room@conference.meet.example/6a11aae1" xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc"/><stats-id>Ayden-dix</stats-id><c hash="sha-1" node="https://jitsi.org/jitsi-meet" ver="dtzK/3xhISaXUMVg59IpXxdvKyQ=" xmlns="http://jabber.org/protocol/caps"/><SourceInfo>{}</SourceInfo><jitsi_participant_codecList>av1,vp9,vp8,h264</jitsi_participant_codecList></presence>`,
	`<iq to="room@conference.meet.example" type="get" id="x3" xmlns="jabber:client"><query xmlns="http://jabber.org/protocol/muc#owner"><x type="submit" xmlns="jabber:x:data"/></query></iq>`,
	`<iq to="room@conference.meet.example" type="get" id="x4" xmlns="jabber:client"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`,
}

// More of what the library sends: lock(), chat, Jingle, leave, close.
var moreFrames = []string{
	`<iq to="room@conference.meet.example" type="set" id="x5" xmlns="jabber:client"><query xmlns="http://jabber.org/protocol/muc#owner"><x type="submit" xmlns="jabber:x:data"><field var="FORM_TYPE"><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var="muc#roomconfig_roomsecret"><value>s3cret</value></field></x></query></iq>`,
	`<message to="room@conference.meet.example" type="groupchat" id="m1" xmlns="jabber:client"><body>hi</body></message>`,
	`<iq to="room@conference.meet.example/focus" type="set" id="j1" xmlns="jabber:client"><jingle xmlns="urn:xmpp:jingle:1" action="session-accept" sid="confsim-sid-1"/></iq>`,
	`<iq to="room@conference.meet.example/focus" type="set" id="j2" xmlns="jabber:client"><jingle xmlns="urn:xmpp:jingle:1" action="session-terminate" sid="confsim-sid-1"><reason><connectivity-error/><text>ICE FAILED</text></reason><bridge-session xmlns="http://jitsi.org/protocol/focus" id="b" restart="true"/></jingle></iq>`,
	`<presence to="lobby.room@lobby.meet.example/6a11aae1" xmlns="jabber:client"><x xmlns="http://jabber.org/protocol/muc"/></presence>`,
	`<presence to="room@conference.meet.example/6a11aae1" type="unavailable" xmlns="jabber:client"/>`,
	`<iq type="get" id="p" xmlns="jabber:client"><ping xmlns="urn:xmpp:ping"/></iq>`,
	`<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`,
	`<iq type="get"`,
	`<?xml version="1.0"?><iq type="get" id="p" xmlns="jabber:client"><ping xmlns="urn:xmpp:ping"/></iq>`,
	`<!-- c --><iq/>`,
	"<iq xmlns=\"jabber:client\" type=\"set\" id=\"&amp;\">\x00</iq>",
}

// FuzzParse feeds arbitrary frames to a bound client's session, after the
// library's own handshake and join: nothing panics, and every frame the
// endpoint writes is well-formed.
func FuzzParse(f *testing.F) {
	for _, s := range append(append([]string{}, libraryFrames...), moreFrames...) {
		f.Add(s)
	}
	cfgs := []sim.Config{
		{Room: sim.Room{Occupants: 1}, Client: sim.Client{DisplayName: "Alice"}},
		{Room: sim.Room{Lobby: true, Password: "s3cret"}},
	}
	f.Fuzz(func(t *testing.T, frame string) {
		if _, err := ParseFrame([]byte(frame)); err != nil && !strings.Contains(err.Error(), "not well-formed") {
			t.Fatalf("ParseFrame error without errMalformed: %v", err)
		}
		for _, cfg := range cfgs {
			s, out := memSession(t, cfg)
			for _, fr := range libraryFrames[:7] {
				s.handle([]byte(fr))
			}
			s.handle([]byte(frame))
			if !s.closed {
				s.handle([]byte(libraryFrames[7]))
				s.handle([]byte(frame))
			}
			s.sv.st.advance(1 << 40)
			for _, o := range *out {
				if _, err := ParseFrame([]byte(o)); err != nil {
					t.Fatalf("the endpoint wrote a malformed frame %q: %v", o, err)
				}
			}
		}
	})
}

// TestLibraryExchange replays the library's frames and checks the answers
// in order, without a network.
func TestLibraryExchange(t *testing.T) {
	s, out := memSession(t, sim.Config{Room: sim.Room{Occupants: 1}})
	for _, fr := range append(append([]string{}, libraryFrames...), moreFrames[:2]...) {
		s.handle([]byte(fr))
	}
	got := strings.Join(*out, "\n")
	for _, want := range []string{
		"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
		"<jid>a11ce000@meet.example/res1</jid>",
		"ready='true'",
		"<status code='110'/>",
		// createNonAnonymousRoom's form, then the room's info.
		"<field var='muc#roomconfig_whois' type='list-single'",
		"<field var='muc#roomconfig_roomsecret' type='text-private'",
		"muc#roominfo_meetingId",
		// lock(): the result, then status 104 for the new configuration.
		"<iq xmlns='jabber:client' type='result' id='x5'",
		"<status code='104'/>",
		// the groupchat reflected.
		"<message xmlns='jabber:client' type='groupchat' from='room@conference.meet.example/6a11aae1'",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the exchange lacks %q:\n%s", want, got)
		}
	}
	if s.closed {
		t.Fatal("the session closed")
	}
}

// memTransport collects frames in out.
type memTransport struct{ out *[]string }

func (m memTransport) Write(f string) error { *m.out = append(*m.out, f); return nil }
func (memTransport) Close(bool)             {}

const conferenceIQ = `<iq to="focus.meet.example" type="set" id="c1" xmlns="jabber:client"><conference machine-uid="f4e2" room="room@conference.meet.example" xmlns="http://jitsi.org/protocol/focus"><property name="rtcstatsEnabled" value="false"/><property name="visitors-version" value="1"/></conference></iq>`

package catalog

import "testing"

// The d630bc32 lists differ from 01daa07c's exactly where docs/profile-2021.md
// says, and name only events and errors of the catalog.
func TestProfile2021Lists(t *testing.T) {
	emitted := 0
	for _, e := range Errors() {
		if EmittedAt2021(e.ID) {
			emitted++
		}
		r, ok := RaisedAt2021(e.ID)
		if ok && int(r) >= NumErrors {
			t.Errorf("%s: raised as an unknown error %d", e.Name, r)
		}
	}
	if emitted != NumErrors-3 {
		t.Errorf("%d errors emitted at d630bc32, want all but DISPLAY_NAME_REQUIRED, SETTINGS_ERROR and INCOMPATIBLE_SERVER_VERSIONS", emitted)
	}
	if len(ParamsAt2021(ConferenceMaxUsers)) != 0 || len(ParamsAt2021(NotAllowedError)) != 0 || len(ParamsAt2021(MembersOnlyError)) != 1 {
		t.Error("presence errors: MAX_USERS and NOT_ALLOWED carry nothing, MEMBERS_ONLY the lobby jid")
	}
	if _, ok := ArgsIn(VisitorsSupportedChanged, Profile2021); ok {
		t.Error("conference.visitorsSupported does not exist at d630bc32")
	}
	if _, ok := ArgsIn(Jvb121Status, "lib-jitsi-meet"); ok {
		t.Error("conference.jvb121Status is emitted at d630bc32 only")
	}
	if a, ok := ArgsIn(UserLeft, Profile2021); !ok || len(a.Args) != 2 {
		t.Error("userLeft has two arguments at d630bc32")
	}
	if a, ok := ArgsIn(UserLeft, "lib-jitsi-meet"); !ok || len(a.Args) != 3 {
		t.Error("userLeft has three arguments at 01daa07c")
	}
	for _, a := range eventArgs2021 {
		found := false
		for _, ev := range Events() {
			found = found || ev == a.Event
		}
		if !found {
			t.Errorf("%s is not an event of the catalog", a.Event)
		}
	}
}

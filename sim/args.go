package sim

import "github.com/jitsi-sim/confsim/internal/catalog"

// appendArgs appends the positional arguments lib-jitsi-meet passes with r
// (catalog.ArgsOf): the error value and its params for the events that carry
// one; otherwise the params in order, with the library's objects as
// placeholders.
func appendArgs(buf []Value, r *Record, profile Profile) []Value {
	if v := r.ErrorValue(); v != "" {
		buf = append(buf, Str(v))
		for _, p := range r.Params {
			buf = append(buf, p.Value)
		}
		return buf
	}
	switch r.Event {
	case catalog.UserJoined:
		id := r.param("id")
		return append(buf, id, participantRef(id.Str))
	case catalog.UserLeft:
		// JitsiConference.onMemberLeft: (id, participant, reason); at
		// d630bc32 (id, participant).
		id := r.param("id")
		if profile == ProfileLibJitsiMeet2021 {
			return append(buf, id, participantRef(id.Str))
		}
		return append(buf, id, participantRef(id.Str), Value{})
	case catalog.MediaSessionStarted, catalog.MediaSessionActiveChanged:
		return append(buf, RefV("JingleSessionPC", P("isP2P", r.param("isP2P"))))
	case catalog.P2PStatus:
		// JitsiConference._setP2PStatus: (this, this.p2p).
		return append(buf, RefV("JitsiConference"), r.param("isP2P"))
	}
	for _, p := range r.Params {
		buf = append(buf, p.Value)
	}
	return buf
}

// param returns the named param, or undefined.
func (r *Record) param(name string) Value {
	for _, p := range r.Params {
		if p.Name == name {
			return p.Value
		}
	}
	return Value{}
}

// participantRef is the placeholder of the JitsiParticipant of a remote
// occupant; the model's occupants join with the participant role.
func participantRef(id string) Value {
	return RefV("JitsiParticipant", P("id", Str(id)), P("role", Str("participant")))
}

package xmpp

import (
	"fmt"
	"strconv"

	"github.com/jitsi-sim/confsim/sim/wire"
)

// This file is XEP-0198 stream management as prosody's mod_smacks does it,
// for what lib-jitsi-meet uses of it: <enable resume='true'/> answered by
// <enabled/> with a resumption id, acknowledgements (<r/> answered by <a/>
// with the count of stanzas received since <enable/>), and <resume/> on a
// new connection after SASL, answered by <resumed/> or <failed/>. Whether a
// dropped session is kept, and whether a resumption gets it back, is the
// server side's decision (sim.Server: connection-dropped, prosody-restart).

const nsSM = "urn:xmpp:sm:3"

// smState is the one resumable session of the endpoint's client.
type smState struct {
	id      string // the resumption id handed out with <enabled/>, "" when none
	jid     string // the full jid of the session
	handled int    // stanzas received from the client since <enable/>
	holder  *session
}

// smElement handles a stream-management element; it reports whether root
// was one.
func (s *session) smElement(root *Element) bool {
	if root.Space != nsSM {
		return false
	}
	st := s.sv.st
	switch root.Name {
	case "enable":
		if s.phase != 4 || !st.srv.StreamManagement() {
			s.send(el("failed", "xmlns", nsSM).add(el("unexpected-request", "xmlns", nsStanzas)).String())
			return true
		}
		st.ids++
		st.sm = smState{id: fmt.Sprintf("sm-%d", st.ids), jid: s.jid, holder: s}
		resume := ""
		if root.Attr("resume") == "true" || root.Attr("resume") == "1" {
			resume = "true"
		}
		s.send(el("enabled", "xmlns", nsSM, "id", st.sm.id, "resume", resume).String())
	case "r":
		if st.sm.holder == s {
			s.send(el("a", "xmlns", nsSM, "h", strconv.Itoa(st.sm.handled)).String())
		}
	case "a":
		// The client's acknowledgement of what we sent: nothing to do.
	case "resume":
		s.resume(root)
	default:
		s.streamError("unsupported-stanza-type")
	}
	return true
}

// countStanza counts a stanza the client sent on the resumable session.
func (s *session) countStanza() {
	if st := s.sv.st; st.sm.holder == s && st.sm.id != "" {
		st.sm.handled++
	}
}

// resume answers <resume previd h/> after SASL on a new connection: the
// server side says whether it still holds the session.
func (s *session) resume(root *Element) {
	st := s.sv.st
	if s.phase != 3 {
		s.streamError("policy-violation")
		return
	}
	ok := st.sm.id != "" && root.Attr("previd") == st.sm.id
	if ok {
		st.resumeAnswer = nil
		st.receive(wire.Message{Type: wire.StreamResume})
		ok = st.resumeAnswer != nil && st.resumeAnswer.Type == wire.StreamResumed
	}
	if !ok {
		s.send(el("failed", "xmlns", nsSM).add(el("item-not-found", "xmlns", nsStanzas)).String())
		return
	}
	s.phase, s.jid = 4, st.sm.jid
	st.sm.holder = s
	st.cur = s
	s.send(el("resumed", "xmlns", nsSM, "previd", st.sm.id, "h", strconv.Itoa(st.sm.handled)).String())
}

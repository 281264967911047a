package media

import (
	"fmt"
	"strconv"
	"strings"
)

// JingleOptions say how an SDP is rendered as a Jingle element.
type JingleOptions struct {
	// Action is the Jingle action: session-initiate, session-accept,
	// transport-info.
	Action string
	// Creator is the contents' creator: "initiator" for jicofo's offer,
	// "responder" for the library's answer (JingleSessionPC.setAnswer
	// renders its answer with 'responder').
	Creator string
	// SID and Initiator are the <jingle> attributes; Responder, when set,
	// too (JingleSessionPC._sendSessionAccept names the responder).
	SID, Initiator, Responder string
	// P2P renders as SDP.toJingle does for a P2P session (an SDP object
	// made with isP2P): contents named by their section's mid, and the
	// BUNDLE group naming every section's mid, where the JVB session names
	// both by media type.
	P2P bool
	// Jicofo renders what jicofo adds to the bridge's transport in its
	// offer (JingleOfferFactory.addDataToContent: a <description
	// media='application'/> in the data content; every content
	// senders='both'), and the <bridge-session> below.
	Jicofo bool
	// BridgeSessionID and Region, when set (with Jicofo), add jicofo's
	// <bridge-session xmlns='http://jitsi.org/protocol/focus'>.
	BridgeSessionID, Region string
	// CandidateIDPrefix prefixes the candidates' id attribute (the
	// library makes a random one; ours is the prefix and the index).
	CandidateIDPrefix string

	// candidates, when non-nil, replace every section's candidates (the
	// Unreachable fault).
	candidates []candidate
	// generation, when positive, tags every <transport> with
	// ice-generation (an in-place ICE restart's transport-info).
	generation int
}

// SDPToJingle renders an SDP as a <jingle> element the way lib-jitsi-meet's
// SDP.toJingle does for the JVB session: contents named by media type
// ('audio', 'video', 'data'), sources merged into the first content of
// their type, a BUNDLE group naming the three media types, and each
// section's transport (SDP.transportToJingle). With JingleOptions.P2P the
// contents and the group are named by mid instead. Not rendered: rids and
// simulcast (SDP.toJingle emits them only where browser.usesRidsForSimulcast),
// Firefox's recvonly special case.
func SDPToJingle(sdp string, o JingleOptions) (string, error) {
	doc, err := parseSDP(sdp)
	if err != nil {
		return "", err
	}
	j, err := toJingle(doc, o)
	if err != nil {
		return "", err
	}
	return j.String(), nil
}

func toJingle(doc *sdpDoc, o JingleOptions) (*node, error) {
	j := el(nsJingle, "jingle", "action", o.Action, "initiator", o.Initiator)
	if o.Responder != "" {
		j.set("responder", o.Responder)
	}
	j.set("sid", o.SID)
	// SDP.toJingle: "Bundle all the media types", whatever the line says;
	// for P2P, every section's mid.
	names := []string{"audio", "video", "data"}
	if o.P2P {
		names = names[:0]
		for _, sec := range doc.media {
			names = append(names, sectionMid(sec))
		}
	}
	var groups []*node
	for _, l := range findLines(doc.session, nil, "a=group:") {
		parts := strings.Split(l, " ")
		g := el(nsGrouping, "group", "semantics", strings.TrimPrefix(parts[0], "a=group:"))
		for _, t := range names {
			g.add(el(nsGrouping, "content", "name", t))
		}
		groups = append(groups, g)
	}
	if !o.Jicofo {
		j.add(groups...)
	}
	for i, sec := range doc.media {
		ml := parseMLine(sec[0])
		mt := mediaName(ml.media)
		ssrcs := ssrcEntries(sec)
		name := mt
		if o.P2P {
			name = sectionMid(sec)
		}
		// SDP.toJingle looks for a content named by the media type even
		// for P2P, where contents are named by mid: there it finds one only
		// when a mid is a media type.
		if existing := findContent(j, mt); existing != nil {
			// SDP.toJingle: later m-lines of a type only add their sources
			// to the first content of that type.
			if len(ssrcs) > 0 {
				if desc := existing.first("", "description"); desc != nil {
					addSources(desc, sec)
				}
			}
			continue
		}
		c := el(nsJingle, "content", "creator", o.Creator, "name", name)
		if mt == "audio" || mt == "video" {
			c.add(description(doc, sec, ml, mt, len(ssrcs) > 0))
		} else if o.Jicofo && mt == "data" {
			c.add(el(nsRTP, "description", "media", "application"))
		}
		t, err := transport(doc, i, o)
		if err != nil {
			return nil, err
		}
		c.add(t)
		switch {
		case has(sec, "a=sendrecv"):
			c.set("senders", "both")
		case has(sec, "a=sendonly"):
			c.set("senders", "initiator")
		case has(sec, "a=recvonly"):
			c.set("senders", "responder")
		case has(sec, "a=inactive"):
			c.set("senders", "none")
		case o.Jicofo:
			c.set("senders", "both")
		}
		if _, ok := findLine(sec, doc.session, "a=bundle-only"); ml.port == "0" && !ok {
			c.set("senders", "rejected")
		}
		j.add(c)
	}
	if o.Jicofo {
		j.add(groups...)
		if o.BridgeSessionID != "" {
			j.add(el(nsFocus, "bridge-session", "id", o.BridgeSessionID, "region", o.Region))
		}
	}
	return j, nil
}

func has(sec []string, prefix string) bool { _, ok := findLine(sec, nil, prefix); return ok }

// sectionMid is a section's mid, "" without one (SDPUtil.parseMID).
func sectionMid(sec []string) string {
	l, _ := findLine(sec, nil, "a=mid:")
	return strings.TrimPrefix(l, "a=mid:")
}

func findContent(j *node, name string) *node {
	for _, c := range j.all("", "content") {
		if c.get("name") == name {
			if _, ok := c.attr("creator"); ok {
				return c
			}
		}
	}
	return nil
}

// description is the <description> of an audio or video section
// (SDP.toJingle).
func description(doc *sdpDoc, sec []string, ml mline, mt string, withSources bool) *node {
	d := el(nsRTP, "description", "media", mt)
	for _, f := range ml.fmt {
		rtpmap, ok := findLine(sec, nil, "a=rtpmap:"+f+" ")
		if !ok {
			continue
		}
		pt := el(nsRTP, "payload-type")
		id, rest, _ := strings.Cut(strings.TrimPrefix(rtpmap, "a=rtpmap:"), " ")
		enc := strings.Split(strings.Fields(rest + " x")[0], "/")
		channels := "1"
		if len(enc) > 2 {
			channels = enc[2]
		}
		pt.set("id", id).set("name", enc[0])
		if len(enc) > 1 {
			pt.set("clockrate", enc[1])
		}
		pt.set("channels", channels)
		if fmtp, ok := findLine(sec, nil, "a=fmtp:"+f+" "); ok {
			for _, p := range parseFmtp(fmtp) {
				pt.add(&node{space: nsRTP, name: "parameter", attrs: []attr{{"name", p[0]}, {"value", p[1]}}})
			}
		}
		pt.add(rtcpFb(sec, f)...)
		d.add(pt)
	}
	if withSources {
		addSources(d, sec)
	}
	if has(sec, "a=rtcp-mux") {
		d.add(el(nsRTP, "rtcp-mux"))
	}
	d.add(rtcpFb(sec, "*")...)
	for _, l := range findLines(sec, doc.session, "a=extmap:") {
		parts := strings.Split(strings.TrimPrefix(l, "a=extmap:"), " ")
		id, dir, _ := strings.Cut(parts[0], "/")
		uri := ""
		if len(parts) > 1 {
			uri = parts[1]
		}
		h := el(nsHdrExt, "rtp-hdrext", "id", id, "uri", uri)
		switch dir {
		case "sendonly":
			h.set("senders", "responder")
		case "recvonly":
			h.set("senders", "initiator")
		case "sendrecv":
			h.set("senders", "both")
		case "inactive":
			h.set("senders", "none")
		}
		d.add(h)
	}
	if _, ok := findLine(sec, doc.session, "a=extmap-allow-mixed"); ok {
		d.add(el(nsHdrExt, "extmap-allow-mixed"))
	}
	return d
}

// parseFmtp is SDPUtil.parseFmtp: name/value pairs, a bare value (RFC 4733
// events) with an empty name.
func parseFmtp(l string) [][2]string {
	_, rest, _ := strings.Cut(l, " ")
	var out [][2]string
	for _, part := range strings.Split(rest, ";") {
		kv := strings.Split(part, "=")
		key := strings.TrimLeft(kv[0], " ")
		switch {
		case key != "" && len(kv) > 1 && kv[1] != "":
			out = append(out, [2]string{key, kv[1]})
		case key != "":
			out = append(out, [2]string{"", key})
		}
	}
	return out
}

// rtcpFb is SDP.rtcpFbToJingle for one payload type (or '*').
func rtcpFb(sec []string, pt string) []*node {
	var out []*node
	for _, l := range findLines(sec, nil, "a=rtcp-fb:"+pt+" ") {
		parts := strings.Split(strings.TrimPrefix(l, "a=rtcp-fb:"), " ")
		typ := ""
		if len(parts) > 1 {
			typ = parts[1]
		}
		var params []string
		if len(parts) > 2 {
			params = parts[2:]
		}
		if typ == "trr-int" {
			v := ""
			if len(params) > 0 {
				v = params[0]
			}
			out = append(out, el(nsRTCPFB, "rtcp-fb-trr-int", "value", v))
			continue
		}
		fb := el(nsRTCPFB, "rtcp-fb", "type", typ)
		if len(params) > 0 {
			fb.set("subtype", params[0])
		}
		out = append(out, fb)
	}
	return out
}

// addSources adds a section's sources and source groups to a description
// (SDP.toJingle with SDPUtil.parseSSRC, parseMSIDAttribute,
// parseSourceNameLine, parseVideoTypeLine, parseSSRCGroupLine).
func addSources(d *node, sec []string) {
	var order []string
	lines := map[string][]string{}
	for _, l := range sec {
		if !strings.HasPrefix(l, "a=ssrc:") {
			continue
		}
		s, _, _ := strings.Cut(strings.TrimPrefix(l, "a=ssrc:"), " ")
		if _, ok := lines[s]; !ok {
			order = append(order, s)
		}
		lines[s] = append(lines[s], l)
	}
	for _, s := range order {
		src := el(nsSSMA, "source", "name", afterTag(lines[s], " name:"), "ssrc", s, "videoType", afterTag(lines[s], " videoType:"))
		if msid := filterSpecialChars(afterTag(lines[s], " msid:")); msid != "" {
			src.add(el(nsSSMA, "parameter", "name", "msid", "value", msid))
		}
		d.add(src)
	}
	for _, l := range findLines(sec, nil, "a=ssrc-group:") {
		parts := strings.Split(strings.TrimPrefix(l, "a=ssrc-group:"), " ")
		if len(parts) < 2 {
			continue
		}
		g := el(nsSSMA, "ssrc-group", "semantics", parts[0])
		for _, s := range parts[1:] {
			g.add(el(nsSSMA, "source", "ssrc", s))
		}
		d.add(g)
	}
}

// afterTag returns what follows tag in the first line holding it after
// its first character.
func afterTag(lines []string, tag string) string {
	for _, l := range lines {
		if i := strings.Index(l, tag); i > 0 {
			return l[i+len(tag):]
		}
	}
	return ""
}

// transport is SDP.transportToJingle for section i.
func transport(doc *sdpDoc, i int, o JingleOptions) (*node, error) {
	sec := doc.media[i]
	t := el(nsJingle, "transport")
	if l, ok := findLine(sec, doc.session, "a=sctp-port:"); ok {
		t.add(el(nsSCTP, "sctpmap", "number", strings.TrimPrefix(l, "a=sctp-port:"), "protocol", "webrtc-datachannel", "streams", "0"))
	} else if l, ok := findLine(sec, doc.session, "a=sctpmap:"); ok {
		parts := strings.Split(strings.TrimPrefix(l, "a=sctpmap:"), " ")
		m := el(nsSCTP, "sctpmap", "number", parts[0])
		if len(parts) > 1 {
			m.set("protocol", parts[1])
		}
		streams := "0"
		if len(parts) > 2 {
			streams = parts[2]
		}
		t.add(m.set("streams", streams))
	}
	_, cryptex := findLine(sec, doc.session, "a=cryptex")
	for _, l := range findLines(sec, doc.session, "a=fingerprint:") {
		parts := strings.Split(strings.TrimPrefix(l, "a=fingerprint:"), " ")
		fp := el(nsDTLS, "fingerprint", "hash", parts[0])
		if len(parts) > 1 {
			fp.txt(parts[1])
		}
		if setup, ok := findLine(sec, doc.session, "a=setup:"); ok {
			fp.set("setup", strings.TrimPrefix(setup, "a=setup:"))
		}
		if cryptex {
			fp.set("cryptex", "true")
		}
		t.add(fp)
	}
	ufrag, okU := findLine(sec, doc.session, "a=ice-ufrag:")
	pwd, okP := findLine(sec, doc.session, "a=ice-pwd:")
	if okU && okP {
		t.space = nsICEUDP
		t.set("pwd", strings.TrimPrefix(pwd, "a=ice-pwd:")).set("ufrag", strings.TrimPrefix(ufrag, "a=ice-ufrag:"))
		if o.generation > 0 {
			t.set("ice-generation", strconv.Itoa(o.generation))
		}
		cands := o.candidates
		if cands == nil {
			for _, l := range findLines(sec, doc.session, "a=candidate:") {
				if c, ok := parseCandidateLine(l); ok {
					cands = append(cands, c)
				}
			}
		}
		prefix := o.CandidateIDPrefix
		if prefix == "" {
			prefix = "c"
		}
		for k, c := range cands {
			t.add(c.jingle(fmt.Sprintf("%s%d-%d", prefix, i, k)))
		}
	}
	return t, nil
}

// Jingle is a parsed <jingle> element: what the converters read from it.
type Jingle struct {
	root *node
}

// ParseJingle reads a <jingle> element (or an <iq> holding one). Errors
// carry the line and column where reading stopped.
func ParseJingle(doc string) (*Jingle, error) {
	n, err := parseXML(doc)
	if err != nil {
		return nil, err
	}
	trimText(n)
	if n.name == "iq" {
		j := n.first(nsJingle, "jingle")
		if j == nil {
			return nil, &ParseError{1, 1, "an <iq> without a <jingle xmlns='" + nsJingle + "'>"}
		}
		n = j
	}
	if n.name != "jingle" || n.space != nsJingle {
		return nil, &ParseError{1, 1, fmt.Sprintf("root element <%s xmlns='%s'>, want <jingle xmlns='%s'>", n.name, n.space, nsJingle)}
	}
	return &Jingle{root: n}, nil
}

// Action, SID and Initiator are the <jingle> attributes.
func (j *Jingle) Action() string    { return j.root.get("action") }
func (j *Jingle) SID() string       { return j.root.get("sid") }
func (j *Jingle) Initiator() string { return j.root.get("initiator") }

// String renders the element again.
func (j *Jingle) String() string { return j.root.String() }

// ContentNames are the names of the <content>s in order.
func (j *Jingle) ContentNames() []string {
	var out []string
	for _, c := range j.root.all("", "content") {
		out = append(out, c.get("name"))
	}
	return out
}

// IceGeneration is the ice-generation of the first content's transport (0
// when absent), which strophe.jingle.js reads to tell an in-place ICE
// restart's transport-info from trickled candidates.
func (j *Jingle) IceGeneration() int {
	c := j.root.first("", "content")
	t := c.first("", "transport")
	return atoiOr(t.get("ice-generation"), 0)
}

// jsAttr is an attribute as a JavaScript template renders getAttribute's
// result: "null" when absent.
func jsAttr(n *node, name string) string {
	if v, ok := n.attr(name); ok {
		return v
	}
	return "null"
}

// jingle2media is SDP.jingle2media: one content as an SDP media section.
// It fails where the library throws (a candidate without protocol).
func jingle2media(content *node) ([]string, error) {
	if err := noLineBreaks(content); err != nil {
		return nil, err
	}
	desc := content.first("", "description")
	tr := content.first(nsICEUDP, "transport")
	sctp := tr.first(nsSCTP, "sctpmap")
	media := jsAttr(desc, "media")
	mid := jsAttr(content, "name")
	if sctp == nil && (media == "" || strings.ContainsAny(media, " \t")) {
		// The library would write "m=null 9 ..." (or an empty media), which
		// the browser rejects.
		return nil, fmt.Errorf("content %q: no usable media type in its <description> (%q)", mid, media)
	}
	port := "9"
	if content.get("senders") == "rejected" {
		port = "0"
	}
	proto := "UDP/TLS/RTP/SAVPF"
	var out []string
	if sctp != nil {
		out = append(out, "m=application "+port+" UDP/DTLS/SCTP webrtc-datachannel",
			"a=sctp-port:"+jsAttr(sctp, "number"), "a=max-message-size:262144")
	} else {
		var fmts []string
		for _, pt := range desc.all("", "payload-type") {
			fmts = append(fmts, jsAttr(pt, "id"))
		}
		out = append(out, "m="+media+" "+port+" "+proto+" "+strings.Join(fmts, " "))
	}
	out = append(out, "c=IN IP4 0.0.0.0")
	if sctp == nil {
		out = append(out, "a=rtcp:1 IN IP4 0.0.0.0")
	}
	if tr != nil {
		if u := tr.get("ufrag"); u != "" {
			out = append(out, "a=ice-ufrag:"+u)
		}
		if p := tr.get("pwd"); p != "" {
			out = append(out, "a=ice-pwd:"+p)
		}
		for _, fp := range tr.all(nsDTLS, "fingerprint") {
			out = append(out, "a=fingerprint:"+jsAttr(fp, "hash")+" "+strings.TrimSpace(fp.text))
			if s := fp.get("setup"); s != "" {
				out = append(out, "a=setup:"+s)
			}
		}
		for _, cn := range tr.all("", "candidate") {
			if _, ok := cn.attr("protocol"); !ok {
				return nil, fmt.Errorf("content %q: a candidate without protocol (the library's SDPUtil.candidateFromJingle throws on it)", mid)
			}
			c := candidateFromNode(cn)
			for _, a := range []*string{&c.foundation, &c.component, &c.priority, &c.ip, &c.port, &c.typ} {
				if *a == "" {
					*a = "null"
				}
			}
			if _, ok := cn.attr("tcptype"); !ok && c.protocol == "tcp" {
				c.tcptype = "null"
			}
			out = append(out, c.line())
		}
	}
	switch content.get("senders") {
	case "initiator":
		out = append(out, "a=sendonly")
	case "responder":
		out = append(out, "a=recvonly")
	case "none":
		out = append(out, "a=inactive")
	case "both":
		out = append(out, "a=sendrecv")
	}
	out = append(out, "a=mid:"+mid)
	if desc.first("", "rtcp-mux") != nil {
		out = append(out, "a=rtcp-mux")
	}
	if desc != nil {
		for _, pt := range desc.all("", "payload-type") {
			id := jsAttr(pt, "id")
			l := "a=rtpmap:" + id + " " + jsAttr(pt, "name") + "/" + jsAttr(pt, "clockrate")
			if ch := pt.get("channels"); ch != "" && ch != "1" {
				l += "/" + ch
			}
			out = append(out, l)
			if params := pt.all("", "parameter"); len(params) > 0 {
				var ps []string
				for _, p := range params {
					name := p.get("name")
					if name != "" {
						name += "="
					}
					ps = append(ps, name+jsAttr(p, "value"))
				}
				out = append(out, "a=fmtp:"+id+" "+strings.Join(ps, ";"))
			}
			out = append(out, rtcpFbFromJingle(pt, id)...)
		}
		out = append(out, rtcpFbFromJingle(desc, "*")...)
		for _, h := range desc.all(nsHdrExt, "rtp-hdrext") {
			out = append(out, "a=extmap:"+jsAttr(h, "id")+" "+jsAttr(h, "uri"))
		}
		if desc.first(nsHdrExt, "extmap-allow-mixed") != nil {
			out = append(out, "a=extmap-allow-mixed")
		}
		for _, g := range desc.all(nsSSMA, "ssrc-group") {
			var ss []string
			for _, s := range g.all("", "source") {
				ss = append(ss, jsAttr(s, "ssrc"))
			}
			if len(ss) > 0 {
				out = append(out, "a=ssrc-group:"+jsAttr(g, "semantics")+" "+strings.Join(ss, " "))
			}
		}
		// The bridge's own (mixedmslabel) sources go first: "the mixedmslable
		// m-line which has the JVB's SSRC for RTCP termination is expected to
		// be in the first m-line".
		var user, nonUser []string
		for _, s := range desc.all(nsSSMA, "source") {
			ssrc := jsAttr(s, "ssrc")
			isUser := true
			var ls []string
			for _, p := range s.all("", "parameter") {
				l := "a=ssrc:" + ssrc + " " + jsAttr(p, "name")
				v, ok := p.attr("value")
				v = filterSpecialChars(v)
				if ok && v != "" {
					l += ":" + v
				}
				if strings.Contains(v, "mixedmslabel") {
					isUser = false
				}
				ls = append(ls, l)
			}
			if isUser {
				user = append(user, ls...)
			} else {
				nonUser = append(nonUser, ls...)
			}
		}
		out = append(out, nonUser...)
		out = append(out, user...)
	}
	return out, nil
}

// rtcpFbFromJingle is SDP.rtcpFbFromJingle.
func rtcpFbFromJingle(n *node, pt string) []string {
	var out []string
	if trr := n.first(nsRTCPFB, "rtcp-fb-trr-int"); trr != nil {
		v := trr.get("value")
		if v == "" {
			v = "0"
		}
		out = append(out, "a=rtcp-fb:* trr-int "+v)
	}
	for _, fb := range n.all(nsRTCPFB, "rtcp-fb") {
		l := "a=rtcp-fb:" + pt + " " + jsAttr(fb, "type")
		if st, ok := fb.attr("subtype"); ok {
			l += " " + st
		}
		out = append(out, l)
	}
	return out
}

// fromJingle is SDP.fromJingle up to the point where the JVB session
// regenerates its m-lines: the session part, then one section per content.
func fromJingle(j *node, sessionID int64, p2p bool) (*sdpDoc, error) {
	d := &sdpDoc{session: []string{"v=0", fmt.Sprintf("o=- %d 2 IN IP4 0.0.0.0", sessionID), "s=-", "t=0 0"}}
	groups := j.all(nsGrouping, "group")
	if p2p {
		for _, g := range groups {
			var names []string
			for _, c := range g.all("", "content") {
				names = append(names, jsAttr(c, "name"))
			}
			if len(names) > 0 {
				sem := g.get("semantics")
				if sem == "" {
					sem = jsAttr(g, "type")
				}
				d.session = append(d.session, "a=group:"+sem+" "+strings.Join(names, " "))
			}
		}
	}
	if hasCryptex(j) {
		d.session = append(d.session, "a=cryptex")
	}
	for _, c := range j.all("", "content") {
		m, err := jingle2media(c)
		if err != nil {
			return nil, err
		}
		d.media = append(d.media, m)
	}
	return d, nil
}

// hasCryptex: SDP.fromJingle adds a session-level a=cryptex when any
// content's DTLS fingerprint says cryptex='true'.
func hasCryptex(j *node) bool {
	for _, c := range j.all("", "content") {
		for _, fp := range c.first(nsICEUDP, "transport").all(nsDTLS, "fingerprint") {
			if fp.get("cryptex") == "true" {
				return true
			}
		}
	}
	return false
}

// noLineBreaks refuses attribute values with a line break: in an SDP they
// would start a new line.
func noLineBreaks(n *node) error {
	for _, a := range n.attrs {
		if strings.ContainsAny(a.value, "\r\n") {
			return fmt.Errorf("<%s %s>: a line break in the value %q", n.name, a.name, a.value)
		}
	}
	if strings.ContainsAny(strings.TrimSpace(n.text), "\r\n") {
		return fmt.Errorf("<%s>: a line break in the text %q", n.name, n.text)
	}
	for _, k := range n.kids {
		if err := noLineBreaks(k); err != nil {
			return err
		}
	}
	return nil
}

// BridgeSession is jicofo's <bridge-session xmlns='http://jitsi.org/protocol/focus'>
// in this Jingle: its id, and whether it asks for an in-place ICE restart
// (the session-info JingleSessionPC.restartIce sends, ice-restart='true').
func (j *Jingle) BridgeSession() (id string, iceRestart, ok bool) {
	bs := j.root.first(nsFocus, "bridge-session")
	if bs == nil {
		return "", false, false
	}
	return bs.get("id"), bs.get("ice-restart") == "true", true
}

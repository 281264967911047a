package media

import (
	"fmt"
	"strings"
)

// OfferToJingle renders the bridge's SDP offer as jicofo's session-initiate
// for the JVB session: SDPToJingle with the initiator's creator and what
// jicofo adds (JingleOptions.Jicofo).
func OfferToJingle(sdp string, o JingleOptions) (string, error) {
	if o.Action == "" {
		o.Action = "session-initiate"
	}
	if o.Creator == "" {
		o.Creator = "initiator"
	}
	o.Jicofo = true
	return SDPToJingle(sdp, o)
}

// AnswerToJingle renders an answer SDP as the library's session-accept
// (JingleSessionPC.sendSessionAccept: SDP.toJingle with 'responder').
func AnswerToJingle(sdp string, o JingleOptions) (string, error) {
	if o.Action == "" {
		o.Action = "session-accept"
	}
	if o.Creator == "" {
		o.Creator = "responder"
	}
	return SDPToJingle(sdp, o)
}

// JingleToOfferSDP is what the library makes of jicofo's session-initiate
// for the JVB session: SDP.fromJingle with isP2P false. Every content
// becomes a section (SDP.jingle2media); then the sections are regenerated:
// one per remote source (a source and its FID partner, the first
// sendrecv, later ones sendonly), sections without sources and the data
// section kept, mids renumbered 0, 1, 2..., the BUNDLE group regenerated
// over them when the offer had one, msid-semantic WMS *, and the origin's
// session version incremented. sessionID stands for the Date.now() the
// library puts in the origin line.
//
// Not reproduced: sdp-transform's canonical order of the lines inside a
// section (the lines come in jingle2media's order; browsers do not care),
// and the msid rewrite for Chromium 116 and older (_adjustMsidSemantic).
func JingleToOfferSDP(jingleXML string, sessionID int64) (string, error) {
	j, err := ParseJingle(jingleXML)
	if err != nil {
		return "", err
	}
	d, err := fromJingle(j.root, sessionID, false)
	if err != nil {
		return "", err
	}
	out, err := jvbRemap(d, len(j.root.all(nsGrouping, "group")) > 0, sessionID)
	if err != nil {
		return "", err
	}
	return out.String(), nil
}

// P2PJingleToSDP is SDP.fromJingle for a P2P session (an SDP made with
// isP2P): the BUNDLE group as the <group> names its contents, then one
// section per content (SDP.jingle2media), its mid the content's name, and
// nothing regenerated. It is what the library makes of the other
// participant's session-initiate or session-accept, and what the other
// participant makes of the library's. sessionID stands for the Date.now()
// in the origin line.
func P2PJingleToSDP(jingleXML string, sessionID int64) (string, error) {
	j, err := ParseJingle(jingleXML)
	if err != nil {
		return "", err
	}
	d, err := fromJingle(j.root, sessionID, true)
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

type ssrcGroup struct {
	semantics string
	ssrcs     []string
	line      string
}

func ssrcGroups(sec []string) []ssrcGroup {
	var out []ssrcGroup
	for _, l := range sec {
		if !strings.HasPrefix(l, "a=ssrc-group:") {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(l, "a=ssrc-group:"), " ")
		out = append(out, ssrcGroup{parts[0], parts[1:], l})
	}
	return out
}

// stripped is a section without its ssrc lines, direction, mid and
// bundle-only, ready for a new direction and mid.
func stripped(sec []string) []string {
	var out []string
	for _, l := range sec {
		switch {
		case strings.HasPrefix(l, "a=ssrc:"), strings.HasPrefix(l, "a=ssrc-group:"), strings.HasPrefix(l, "a=mid:"),
			l == "a=bundle-only", l == "a=sendrecv", l == "a=sendonly", l == "a=recvonly", l == "a=inactive":
			continue
		}
		out = append(out, l)
	}
	return out
}

func withMid(sec []string, mid string) []string {
	var out []string
	found := false
	for _, l := range sec {
		if strings.HasPrefix(l, "a=mid:") {
			if !found {
				out = append(out, "a=mid:"+mid)
			}
			found = true
			continue
		}
		out = append(out, l)
	}
	if !found {
		out = append(out, "a=mid:"+mid)
	}
	return out
}

// jvbRemap is the second half of SDP.fromJingle for the JVB session.
func jvbRemap(d *sdpDoc, bundle bool, sessionID int64) (*sdpDoc, error) {
	var media [][]string
	placed := map[string]bool{}
	for _, sec := range d.media {
		ml := parseMLine(sec[0])
		entries := ssrcEntries(sec)
		if ml.media == "application" || len(entries) == 0 {
			media = append(media, withMid(sec, fmt.Sprint(len(media))))
			continue
		}
		groups := ssrcGroups(sec)
		for idx, e := range entries {
			if placed[e.ssrc] {
				continue
			}
			n := stripped(sec)
			if idx > 0 {
				n = append(n, "a=sendonly")
			} else {
				n = append(n, "a=sendrecv")
			}
			n = append(n, "a=mid:"+fmt.Sprint(len(media)))
			placed[e.ssrc] = true
			var group *ssrcGroup
			for gi := range groups {
				for _, s := range groups[gi].ssrcs {
					if s == e.ssrc && group == nil {
						group = &groups[gi]
					}
				}
			}
			n = append(n, e.line())
			if group != nil {
				for _, other := range group.ssrcs {
					if other == e.ssrc {
						continue
					}
					found := false
					for _, oe := range entries {
						if oe.ssrc == other {
							n = append(n, oe.line())
							placed[other] = true
							found = true
							break
						}
					}
					if !found {
						// SDP.fromJingle reads otherSource.attribute of undefined.
						return nil, fmt.Errorf("ssrc-group %q names ssrc %s, which has no source", group.line, other)
					}
					break
				}
				n = append(n, group.line)
			}
			media = append(media, n)
		}
	}
	out := &sdpDoc{session: []string{"v=0", fmt.Sprintf("o=- %d 3 IN IP4 0.0.0.0", sessionID), "s=-", "t=0 0", "a=msid-semantic: WMS *"}}
	if bundle {
		mids := make([]string, len(media))
		for i := range media {
			mids[i] = fmt.Sprint(i)
		}
		out.session = append(out.session, "a=group:BUNDLE "+strings.Join(mids, " "))
	}
	for _, l := range d.session {
		if l == "a=cryptex" {
			out.session = append(out.session, l)
		}
	}
	// SDP.fromJingle writes the regenerated SDP with sdp-transform, whose
	// rtcp-fb trr-int format prints the payload with %d: '*' comes out NaN.
	for _, m := range media {
		for i, l := range m {
			if rest, ok := strings.CutPrefix(l, "a=rtcp-fb:* trr-int"); ok {
				m[i] = "a=rtcp-fb:NaN trr-int" + rest
			}
		}
	}
	out.media = media
	return out, nil
}

// JingleToSDP turns the library's session-accept back into an answer SDP for
// the bridge's offer: each content as SDP.jingle2media renders it, put in
// the order of the offer's sections, with the offer's mids (the contents are
// named by media type, SDP.toJingle) and, when the accept has a BUNDLE
// group, the offer's BUNDLE line.
func JingleToSDP(acceptXML, offerSDP string) (string, error) {
	j, err := ParseJingle(acceptXML)
	if err != nil {
		return "", err
	}
	offer, err := parseSDP(offerSDP)
	if err != nil {
		return "", err
	}
	d, err := fromJingle(j.root, 1, false)
	if err != nil {
		return "", err
	}
	byName := map[string][]string{}
	for _, sec := range d.media {
		l, _ := findLine(sec, nil, "a=mid:")
		name := strings.TrimPrefix(l, "a=mid:")
		if _, dup := byName[name]; dup {
			return "", fmt.Errorf("%s: two contents named %q", j.Action(), name)
		}
		byName[name] = sec
	}
	out := &sdpDoc{session: d.session}
	if len(j.root.all(nsGrouping, "group")) > 0 {
		out.session = append(out.session, findLines(offer.session, nil, "a=group:BUNDLE")...)
	}
	for _, sec := range offer.media {
		name := mediaName(parseMLine(sec[0]).media)
		mid, _ := findLine(sec, nil, "a=mid:")
		a, ok := byName[name]
		if !ok {
			return "", fmt.Errorf("%s: no content %q for the offer's section %s", j.Action(), name, mid)
		}
		out.media = append(out.media, withMid(a, strings.TrimPrefix(mid, "a=mid:")))
	}
	return out.String(), nil
}

// Transport is one content's transport in a transport-info: ICE
// credentials (empty when only candidates are trickled), the
// ice-generation of an in-place ICE restart (0 otherwise) and the
// candidates as SDP lines (without "a=").
type Transport struct {
	Content    string
	Ufrag, Pwd string
	Generation int
	Candidates []string
}

// TransportInfo reads a transport-info's transports.
func TransportInfo(jingleXML string) ([]Transport, error) {
	j, err := ParseJingle(jingleXML)
	if err != nil {
		return nil, err
	}
	if j.Action() != "transport-info" {
		return nil, fmt.Errorf("action %q, want transport-info", j.Action())
	}
	var out []Transport
	for _, c := range j.root.all("", "content") {
		t := c.first(nsICEUDP, "transport")
		if t == nil {
			continue
		}
		tr := Transport{Content: c.get("name"), Ufrag: t.get("ufrag"), Pwd: t.get("pwd"), Generation: atoiOr(t.get("ice-generation"), 0)}
		for _, cn := range t.all("", "candidate") {
			if _, ok := cn.attr("protocol"); !ok {
				return nil, fmt.Errorf("content %q: a candidate without protocol", tr.Content)
			}
			tr.Candidates = append(tr.Candidates, strings.TrimPrefix(candidateFromNode(cn).line(), "a="))
		}
		out = append(out, tr)
	}
	return out, nil
}

// ReplaceIceCredentialsAndStripCandidates is SDPUtil's function of that
// name, which JingleSessionPC.onBridgeIceRestartTransport applies to the
// current remote description for an in-place ICE restart: new ufrag and
// pwd, no candidate or end-of-candidates lines, everything else verbatim.
func ReplaceIceCredentialsAndStripCandidates(sdp, ufrag, pwd string) string {
	var out []string
	for _, line := range strings.Split(sdp, "\n") {
		cr := strings.HasSuffix(line, "\r")
		content := strings.TrimSuffix(line, "\r")
		suffix := ""
		if cr {
			suffix = "\r"
		}
		switch {
		case strings.HasPrefix(content, "a=candidate:"), strings.HasPrefix(content, "a=end-of-candidates"):
			continue
		case strings.HasPrefix(content, "a=ice-ufrag:"):
			out = append(out, "a=ice-ufrag:"+ufrag+suffix)
		case strings.HasPrefix(content, "a=ice-pwd:"):
			out = append(out, "a=ice-pwd:"+pwd+suffix)
		default:
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TransportInfoToJingle renders every section's transport of an SDP as a
// transport-info tagged with ice-generation (when generation > 0). The
// bridge's side (jicofo relaying the bridge's new ICE agent) names the
// contents by media type as its offer does; the library's side
// (JingleSessionPC._sendIceRestartTransportInfo) names them by the m-line's
// media ('application' stays 'application'), with libraryNames.
func TransportInfoToJingle(sdp string, generation int, libraryNames bool, o JingleOptions) (string, error) {
	doc, err := parseSDP(sdp)
	if err != nil {
		return "", err
	}
	o.generation = generation
	if o.Action == "" {
		o.Action = "transport-info"
	}
	j := el(nsJingle, "jingle", "action", o.Action, "initiator", o.Initiator, "sid", o.SID)
	for i, sec := range doc.media {
		ml := parseMLine(sec[0])
		name := mediaName(ml.media)
		if libraryNames {
			name = ml.media
		}
		t, err := transport(doc, i, o)
		if err != nil {
			return "", err
		}
		j.add(el(nsJingle, "content", "creator", o.Creator, "name", name).add(t))
	}
	return j.String(), nil
}

package media

import (
	"fmt"
	"strconv"
	"strings"
)

// sdpDoc is an SDP split the way lib-jitsi-meet's SDP class splits it
// (SDP._updateSessionAndMediaSections): the session part and one section
// per m= line, each a list of lines without their line ends.
type sdpDoc struct {
	session []string
	media   [][]string
}

// parseSDP splits an SDP on CRLF (or LF) line ends. It checks only what the
// converters rely on: the v= line first, and m= lines of at least three
// fields.
func parseSDP(s string) (*sdpDoc, error) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "v=") {
		return nil, fmt.Errorf("sdp:1:1: an SDP begins with a v= line")
	}
	d := &sdpDoc{}
	for i, l := range lines {
		if strings.HasPrefix(l, "m=") {
			if len(strings.Fields(l[2:])) < 3 {
				return nil, fmt.Errorf("sdp:%d:1: m= line %q has fewer than three fields", i+1, l)
			}
			d.media = append(d.media, []string{l})
			continue
		}
		if l == "" {
			continue
		}
		if len(d.media) == 0 {
			d.session = append(d.session, l)
		} else {
			d.media[len(d.media)-1] = append(d.media[len(d.media)-1], l)
		}
	}
	return d, nil
}

// String joins the document back with CRLF line ends.
func (d *sdpDoc) String() string {
	var b strings.Builder
	for _, l := range d.session {
		b.WriteString(l + "\r\n")
	}
	for _, m := range d.media {
		for _, l := range m {
			b.WriteString(l + "\r\n")
		}
	}
	return b.String()
}

// findLine is SDPUtil.findLine: the first line of the section starting
// with prefix, else the first such line of the session part.
func findLine(section, session []string, prefix string) (string, bool) {
	for _, l := range section {
		if strings.HasPrefix(l, prefix) {
			return l, true
		}
	}
	for _, l := range session {
		if strings.HasPrefix(l, prefix) {
			return l, true
		}
	}
	return "", false
}

// findLines is SDPUtil.findLines: the section's lines starting with prefix,
// or, when it has none, the session part's.
func findLines(section, session []string, prefix string) []string {
	var out []string
	for _, l := range section {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, l := range session {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// mline is SDPUtil.parseMLine.
type mline struct {
	media, port, proto string
	fmt                []string
}

func parseMLine(l string) mline {
	parts := strings.Split(strings.TrimPrefix(l, "m="), " ")
	m := mline{media: parts[0]}
	if len(parts) > 1 {
		m.port = parts[1]
	}
	if len(parts) > 2 {
		m.proto = parts[2]
	}
	if len(parts) > 3 {
		m.fmt = parts[3:]
		if m.fmt[len(m.fmt)-1] == "" {
			m.fmt = m.fmt[:len(m.fmt)-1]
		}
	}
	return m
}

// ssrcEntries are a section's a=ssrc lines in order, as sdp-transform
// parses them: one entry per line, (ssrc, attribute[:value]).
type ssrcEntry struct{ ssrc, attr, value string }

func ssrcEntries(section []string) []ssrcEntry {
	var out []ssrcEntry
	for _, l := range section {
		if !strings.HasPrefix(l, "a=ssrc:") {
			continue
		}
		rest := strings.TrimPrefix(l, "a=ssrc:")
		ssrc, av, _ := strings.Cut(rest, " ")
		a, v, _ := strings.Cut(av, ":")
		out = append(out, ssrcEntry{ssrc, a, v})
	}
	return out
}

func (e ssrcEntry) line() string {
	if e.value == "" {
		return "a=ssrc:" + e.ssrc + " " + e.attr
	}
	return "a=ssrc:" + e.ssrc + " " + e.attr + ":" + e.value
}

// filterSpecialChars is SDPUtil.filterSpecialChars: it drops \ / { , } +.
func filterSpecialChars(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\\', '/', '{', ',', '}', '+':
			return -1
		}
		return r
	}, s)
}

// candidate is an ICE candidate in the Jingle form (SDPUtil.candidateToJingle).
type candidate struct {
	foundation, component, protocol, priority, ip, port, typ string
	generation, relAddr, relPort, tcptype                    string
}

// parseCandidateLine is SDPUtil.candidateToJingle: ok is false when the
// line has no "typ" in the seventh field.
func parseCandidateLine(l string) (candidate, bool) {
	if strings.HasPrefix(l, "candidate:") {
		l = "a=" + l
	}
	if !strings.HasPrefix(l, "a=candidate:") {
		return candidate{}, false
	}
	f := strings.Split(l, " ")
	if len(f) < 8 || f[6] != "typ" {
		return candidate{}, false
	}
	c := candidate{
		foundation: strings.TrimPrefix(f[0], "a=candidate:"), component: f[1],
		protocol: strings.ToLower(f[2]), priority: f[3], ip: f[4], port: f[5], typ: f[7],
		generation: "0",
	}
	for i := 8; i+1 < len(f); i += 2 {
		switch f[i] {
		case "raddr":
			c.relAddr = f[i+1]
		case "rport":
			c.relPort = f[i+1]
		case "generation":
			c.generation = f[i+1]
		case "tcptype":
			c.tcptype = f[i+1]
		}
	}
	return c, true
}

// line is SDPUtil.candidateFromJingle.
func (c candidate) line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "a=candidate:%s %s %s %s %s %s typ %s ", c.foundation, c.component, c.protocol, c.priority, c.ip, c.port, c.typ)
	switch c.typ {
	case "srflx", "prflx", "relay":
		if c.relAddr != "" && c.relPort != "" {
			b.WriteString("raddr " + c.relAddr + " rport " + c.relPort + " ")
		}
	}
	if strings.ToLower(c.protocol) == "tcp" {
		b.WriteString("tcptype " + c.tcptype + " ")
	}
	g := c.generation
	if g == "" {
		g = "0"
	}
	b.WriteString("generation " + g)
	return b.String()
}

func (c candidate) jingle(id string) *node {
	return el(nsICEUDP, "candidate",
		"foundation", c.foundation, "component", c.component, "protocol", c.protocol,
		"priority", c.priority, "ip", c.ip, "port", c.port, "type", c.typ,
		"generation", c.generation, "rel-addr", c.relAddr, "rel-port", c.relPort,
		"tcptype", c.tcptype, "network", "1", "id", id)
}

func candidateFromNode(n *node) candidate {
	return candidate{
		foundation: n.get("foundation"), component: n.get("component"), protocol: strings.ToLower(n.get("protocol")),
		priority: n.get("priority"), ip: n.get("ip"), port: n.get("port"), typ: n.get("type"),
		generation: n.get("generation"), relAddr: n.get("rel-addr"), relPort: n.get("rel-port"), tcptype: n.get("tcptype"),
	}
}

// mediaName is the Jingle content name of a section for the JVB session:
// its media type, with 'application' signalled as 'data' (SDP.toJingle:
// "Jicofo expects the 'application' media type to be signaled as 'data'").
func mediaName(media string) string {
	if media == "application" {
		return "data"
	}
	return media
}

func atoiOr(s string, def int) int {
	if v, err := strconv.Atoi(s); err == nil {
		return v
	}
	return def
}

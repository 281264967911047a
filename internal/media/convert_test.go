package media

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// section is what the converters carry for one SDP media section, in a
// form that can be compared after a trip through Jingle.
type section struct {
	Media, Port, Mid, Direction string
	Fmt                         []string
	RTPMap, Fmtp, RTCPFb        []string
	Extmap                      []string // "id uri": the direction does not survive (jingle2media drops <rtp-hdrext senders>)
	Ufrag, Pwd                  string
	Fingerprint                 []string // "hash value setup"
	Candidates                  []string
	SSRC                        []string // "ssrc msid": only msid is a <parameter> in SDP.toJingle
	Groups                      []string
	RTCPMux                     bool
	SCTPPort                    string
}

func sections(t *testing.T, sdp string) []section {
	d, err := parseSDP(sdp)
	if err != nil {
		t.Fatal(err)
	}
	var out []section
	for _, sec := range d.media {
		ml := parseMLine(sec[0])
		s := section{Media: ml.media, Port: ml.port, Fmt: ml.fmt}
		setup, _ := findLine(sec, d.session, "a=setup:")
		for _, l := range sec[1:] {
			k, v, _ := strings.Cut(l, ":")
			switch k {
			case "a=mid":
				s.Mid = v
			case "a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive":
				s.Direction = k
			case "a=rtpmap":
				s.RTPMap = append(s.RTPMap, v)
			case "a=fmtp":
				s.Fmtp = append(s.Fmtp, v)
			case "a=rtcp-fb":
				s.RTCPFb = append(s.RTCPFb, v)
			case "a=extmap":
				f := strings.Fields(v)
				id, _, _ := strings.Cut(f[0], "/")
				s.Extmap = append(s.Extmap, id+" "+f[1])
			case "a=ice-ufrag":
				s.Ufrag = v
			case "a=ice-pwd":
				s.Pwd = v
			case "a=fingerprint":
				s.Fingerprint = append(s.Fingerprint, v+" "+strings.TrimPrefix(setup, "a=setup:"))
			case "a=candidate":
				s.Candidates = append(s.Candidates, v)
			case "a=ssrc":
				if f := strings.SplitN(v, " ", 2); len(f) == 2 && strings.HasPrefix(f[1], "msid:") {
					s.SSRC = append(s.SSRC, f[0]+" "+strings.TrimPrefix(f[1], "msid:"))
				}
			case "a=ssrc-group":
				s.Groups = append(s.Groups, v)
			case "a=rtcp-mux":
				s.RTCPMux = true
			case "a=sctp-port":
				s.SCTPPort = v
			}
		}
		slices.Sort(s.RTCPFb)
		// jingle2media puts the bridge's (mixedmslabel) sources first.
		slices.Sort(s.SSRC)
		out = append(out, s)
	}
	return out
}

var (
	tokenGen = rapid.StringMatching(`[A-Za-z0-9+/]{4,24}`)
	ipGen    = rapid.Custom(func(t *rapid.T) string {
		return fmt.Sprintf("%d.%d.%d.%d", rapid.IntRange(1, 223).Draw(t, "a"), rapid.IntRange(0, 255).Draw(t, "b"),
			rapid.IntRange(0, 255).Draw(t, "c"), rapid.IntRange(1, 254).Draw(t, "d"))
	})
)

// genCandidate draws a candidate line as browsers and pion write them.
func genCandidate(t *rapid.T, i int) string {
	typ := rapid.SampledFrom([]string{"host", "srflx", "relay"}).Draw(t, "typ")
	proto := rapid.SampledFrom([]string{"udp", "tcp"}).Draw(t, "proto")
	l := fmt.Sprintf("a=candidate:%d 1 %s %d %s %d typ %s", rapid.Uint32().Draw(t, "foundation"), proto,
		rapid.Uint32Range(1, 1<<31).Draw(t, "priority"), ipGen.Draw(t, "ip"), rapid.IntRange(1, 65535).Draw(t, "port"), typ)
	if typ != "host" {
		l += fmt.Sprintf(" raddr %s rport %d", ipGen.Draw(t, "raddr"), rapid.IntRange(1, 65535).Draw(t, "rport"))
	}
	if proto == "tcp" {
		l += " tcptype " + rapid.SampledFrom([]string{"active", "passive", "so"}).Draw(t, "tcptype")
	}
	return l + fmt.Sprintf(" generation %d", rapid.IntRange(0, 3).Draw(t, "generation"))
}

// genSDP draws an SDP with at most one section per media type (audio,
// video, application, in that order: SDP.toJingle merges later sections of
// a type into the first), the way a browser or pion writes one.
func genSDP(t *rapid.T) string {
	var b strings.Builder
	b.WriteString("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
	kinds := []string{"audio", "video", "application"}
	var present []string
	for _, k := range kinds {
		if rapid.Bool().Draw(t, "has-"+k) {
			present = append(present, k)
		}
	}
	if len(present) == 0 {
		present = []string{"audio"}
	}
	if rapid.Bool().Draw(t, "bundle") {
		b.WriteString("a=group:BUNDLE " + strings.Join(present, " ") + "\r\n")
	}
	ufrag, pwd := tokenGen.Draw(t, "ufrag"), tokenGen.Draw(t, "pwd")
	fp := strings.ToUpper(rapid.StringMatching(`([0-9a-f]{2}:){31}[0-9a-f]{2}`).Draw(t, "fp"))
	setup := rapid.SampledFrom([]string{"actpass", "active", "passive"}).Draw(t, "setup")
	ssrc := rapid.Uint32Range(1, 1<<31)
	for _, k := range present {
		port := rapid.SampledFrom([]string{"9", "9", "0"}).Draw(t, "port")
		transport := func() {
			b.WriteString("c=IN IP4 0.0.0.0\r\n")
			b.WriteString("a=ice-ufrag:" + ufrag + "\r\na=ice-pwd:" + pwd + "\r\n")
			b.WriteString("a=fingerprint:sha-256 " + fp + "\r\na=setup:" + setup + "\r\n")
			for i := range rapid.IntRange(0, 3).Draw(t, "candidates") {
				b.WriteString(genCandidate(t, i) + "\r\n")
			}
			b.WriteString("a=mid:" + mediaName(k) + "\r\n")
		}
		if k == "application" {
			b.WriteString("m=application " + port + " UDP/DTLS/SCTP webrtc-datachannel\r\n")
			transport()
			b.WriteString(fmt.Sprintf("a=sctp-port:%d\r\n", rapid.IntRange(1, 65535).Draw(t, "sctp")))
			continue
		}
		pts := rapid.SliceOfNDistinct(rapid.IntRange(96, 127), 1, 4, rapid.ID[int]).Draw(t, "pts")
		var fmts []string
		for _, p := range pts {
			fmts = append(fmts, fmt.Sprint(p))
		}
		b.WriteString("m=" + k + " " + port + " UDP/TLS/RTP/SAVPF " + strings.Join(fmts, " ") + "\r\n")
		transport()
		if d := rapid.SampledFrom([]string{"", "sendrecv", "sendonly", "recvonly", "inactive"}).Draw(t, "dir"); d != "" {
			b.WriteString("a=" + d + "\r\n")
		}
		if rapid.Bool().Draw(t, "rtcp-mux") {
			b.WriteString("a=rtcp-mux\r\n")
		}
		for _, p := range fmts {
			name := rapid.SampledFrom([]string{"opus", "VP8", "VP9", "H264", "rtx", "red"}).Draw(t, "codec")
			clock := rapid.SampledFrom([]string{"48000", "90000", "8000"}).Draw(t, "clock")
			ch := rapid.SampledFrom([]string{"", "/2"}).Draw(t, "channels")
			b.WriteString("a=rtpmap:" + p + " " + name + "/" + clock + ch + "\r\n")
			if rapid.Bool().Draw(t, "fmtp") {
				params := rapid.SliceOfN(rapid.StringMatching(`[a-z-]{1,8}=[0-9a-z]{1,6}`), 1, 3).Draw(t, "params")
				b.WriteString("a=fmtp:" + p + " " + strings.Join(params, ";") + "\r\n")
			}
			for _, fb := range rapid.SliceOfN(rapid.SampledFrom([]string{"nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"}), 0, 3).Draw(t, "fb") {
				b.WriteString("a=rtcp-fb:" + p + " " + fb + "\r\n")
			}
		}
		if rapid.Bool().Draw(t, "trr-int") {
			b.WriteString(fmt.Sprintf("a=rtcp-fb:* trr-int %d\r\n", rapid.IntRange(0, 1000).Draw(t, "trr")))
		}
		for i, uri := range rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"urn:ietf:params:rtp-hdrext:ssrc-audio-level",
			"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", "urn:ietf:params:rtp-hdrext:sdes:mid"}), 0, 3, rapid.ID[string]).Draw(t, "ext") {
			dir := rapid.SampledFrom([]string{"", "/sendonly", "/recvonly"}).Draw(t, "extdir")
			b.WriteString(fmt.Sprintf("a=extmap:%d%s %s\r\n", i+1, dir, uri))
		}
		endpointMsid := filterSpecialChars("stream-" + tokenGen.Draw(t, "stream") + " track-" + tokenGen.Draw(t, "track"))
		n := rapid.IntRange(0, 3).Draw(t, "ssrcs")
		var ss []string
		for range n {
			s := fmt.Sprint(ssrc.Draw(t, "ssrc"))
			if slices.Contains(ss, s) {
				continue
			}
			ss = append(ss, s)
			b.WriteString("a=ssrc:" + s + " cname:" + tokenGen.Draw(t, "cname") + "\r\n")
			msid := endpointMsid
			if rapid.Bool().Draw(t, "bridge-source") {
				// The bridge's own source, which jingle2media puts first.
				msid = "mixedmslabel mixedlabel" + k + "0"
			}
			b.WriteString("a=ssrc:" + s + " msid:" + msid + "\r\n")
		}
		if len(ss) == 2 {
			b.WriteString("a=ssrc-group:FID " + ss[0] + " " + ss[1] + "\r\n")
		}
	}
	return b.String()
}

// An SDP through SDP.toJingle and back through SDP.jingle2media keeps what
// the library carries: codecs, parameters, feedback, header extensions,
// ICE credentials, fingerprints, candidates, direction, sources with their
// msid, source groups, rtcp-mux, the SCTP port, a rejected section.
func TestSDPJingleRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		sdp := genSDP(rt)
		j, err := SDPToJingle(sdp, JingleOptions{Action: "session-accept", Creator: "responder", SID: "s"})
		if err != nil {
			rt.Fatal(err)
		}
		pj, err := ParseJingle(j)
		if err != nil {
			rt.Fatalf("%v\n%s", err, j)
		}
		back, err := fromJingle(pj.root, 1, true)
		if err != nil {
			rt.Fatal(err)
		}
		want, got := sections(t, sdp), sections(t, back.String())
		for i := range want {
			// The content is named by media type; a rejected section keeps
			// port 0, the others come back with 9.
			want[i].Mid = mediaName(want[i].Media)
			if want[i].Port != "0" {
				want[i].Port = "9"
			} else {
				// senders='rejected' replaces the direction.
				want[i].Direction = ""
			}
			if want[i].Media == "application" {
				want[i].Fmt = []string{"webrtc-datachannel"}
				want[i].Direction = ""
			}
		}
		if !slices.EqualFunc(want, got, func(a, b section) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			rt.Fatalf("sections differ\nsdp:\n%s\njingle:\n%s\nback:\n%s\nwant %+v\ngot  %+v", sdp, j, back, want, got)
		}
	})
}

// Jingle → SDP → Jingle is the identity on what SDP.toJingle renders from
// an SDP that came from Jingle (the P2P path of fromJingle, which keeps the
// BUNDLE group). One trip normalises: <rtp-hdrext senders> does not come
// back (jingle2media writes a=extmap without a direction) and the bridge's
// sources move first.
var hdrextSenders = regexp.MustCompile(`(<rtp-hdrext [^>]*?) senders='[a-z]+'/>`)

func TestJingleSDPJingleIdempotent(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		o := JingleOptions{Action: "session-initiate", Creator: "initiator", SID: "s", Initiator: "focus"}
		trip := func(j string) string {
			p, err := ParseJingle(j)
			if err != nil {
				rt.Fatal(err)
			}
			d, err := fromJingle(p.root, 1, true)
			if err != nil {
				rt.Fatal(err)
			}
			out, err := SDPToJingle(d.String(), o)
			if err != nil {
				rt.Fatal(err)
			}
			return out
		}
		j1, err := SDPToJingle(genSDP(rt), o)
		if err != nil {
			rt.Fatal(err)
		}
		// The first trip may drop <rtp-hdrext senders> and put the
		// bridge's sources first; TestSDPJingleRoundTrip checks that
		// nothing else changes.
		j2 := trip(j1)
		if len(hdrextSenders.ReplaceAllString(j1, "$1/>")) != len(j2) {
			rt.Fatalf("jingle changed size through SDP:\n%s\n%s", j1, j2)
		}
		if j3 := trip(j2); j3 != j2 {
			rt.Fatalf("jingle changed through SDP a second time:\n%s\n%s", j2, j3)
		}
	})
}

// The JVB path of SDP.fromJingle: one m-line per remote source (with its
// FID partner), sendrecv for the first, sendonly after, mids 0..n-1, the
// BUNDLE group over them, sections without sources and data kept.
func TestJingleToOfferSDPRegeneratesMLines(t *testing.T) {
	offer := `<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s' initiator='focus'>
  <content creator='initiator' name='audio' senders='both'>
    <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>
      <payload-type id='111' name='opus' clockrate='48000' channels='2'><parameter name='minptime' value='10'/></payload-type>
      <source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='11'><parameter name='msid' value='mixedmslabel mixedlabelaudio0'/></source>
      <rtcp-mux/>
    </description>
    <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'>
      <fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'>AA:BB</fingerprint>
      <candidate foundation='1' component='1' protocol='udp' priority='1' ip='127.0.0.1' port='5' type='host' generation='0' network='0' id='x'/>
    </transport>
  </content>
  <content creator='initiator' name='video' senders='both'>
    <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'>
      <payload-type id='100' name='VP8' clockrate='90000'/>
      <payload-type id='96' name='rtx' clockrate='90000'><parameter name='apt' value='100'/></payload-type>
      <source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='21'><parameter name='msid' value='ep1-video-1 t1'/></source>
      <source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='22'><parameter name='msid' value='ep1-video-1 t1'/></source>
      <source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='31'><parameter name='msid' value='mixedmslabel mixedlabelvideo0'/></source>
      <ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' semantics='FID'><source ssrc='21'/><source ssrc='22'/></ssrc-group>
    </description>
    <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'/>
  </content>
  <content creator='initiator' name='data' senders='both'>
    <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='application'/>
    <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'>
      <sctpmap xmlns='urn:xmpp:jingle:transports:dtls-sctp:1' number='5000' protocol='webrtc-datachannel' streams='1024'/>
    </transport>
  </content>
  <group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content name='audio'/><content name='video'/><content name='data'/></group>
</jingle>`
	sdp, err := JingleToOfferSDP(offer, 42)
	if err != nil {
		t.Fatal(err)
	}
	got := sections(t, sdp)
	var summary []string
	for _, s := range got {
		summary = append(summary, fmt.Sprintf("%s mid=%s %s ssrc=%v groups=%v", s.Media, s.Mid, s.Direction, s.SSRC, s.Groups))
	}
	want := []string{
		"audio mid=0 a=sendrecv ssrc=[11 mixedmslabel mixedlabelaudio0] groups=[]",
		// jingle2media puts the bridge's (mixedmslabel) source first, so it
		// gets the sendrecv m-line; the endpoint's FID pair follows.
		"video mid=1 a=sendrecv ssrc=[31 mixedmslabel mixedlabelvideo0] groups=[]",
		"video mid=2 a=sendonly ssrc=[21 ep1-video-1 t1 22 ep1-video-1 t1] groups=[FID 21 22]",
		"application mid=3 a=sendrecv ssrc=[] groups=[]",
	}
	if !slices.Equal(summary, want) {
		t.Fatalf("sections\n%s\nwant\n%s\nsdp:\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"), sdp)
	}
	for _, l := range []string{"o=- 42 3 IN IP4 0.0.0.0", "a=msid-semantic: WMS *", "a=group:BUNDLE 0 1 2 3", "a=sctp-port:5000",
		"a=max-message-size:262144", "a=candidate:1 1 udp 1 127.0.0.1 5 typ host generation 0", "a=fmtp:111 minptime=10"} {
		if !strings.Contains(sdp, l+"\r\n") {
			t.Errorf("no %q in\n%s", l, sdp)
		}
	}
}

// The session-accept comes back with the offer's mids, in the offer's
// order, whatever the order of the contents.
func TestJingleToSDPMapsContentsToOfferMids(t *testing.T) {
	offer := "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE a v d\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\nm=video 9 UDP/TLS/RTP/SAVPF 100\r\na=mid:v\r\n" +
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:d\r\n"
	accept := `<jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='s'>
<content creator='responder' name='data'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'><sctpmap xmlns='urn:xmpp:jingle:transports:dtls-sctp:1' number='5000' protocol='webrtc-datachannel' streams='0'/></transport></content>
<content creator='responder' name='video' senders='responder'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='video'><payload-type id='100' name='VP8' clockrate='90000'/></description><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'/></content>
<content creator='responder' name='audio' senders='responder'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><payload-type id='111' name='opus' clockrate='48000' channels='2'/></description><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'/></content>
<group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content name='audio'/><content name='video'/><content name='data'/></group>
</jingle>`
	sdp, err := JingleToSDP(accept, offer)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sections(t, sdp) {
		got = append(got, s.Media+" "+s.Mid+" "+s.Direction)
	}
	if want := []string{"audio a a=recvonly", "video v a=recvonly", "application d "}; !slices.Equal(got, want) {
		t.Fatalf("got %q want %q\n%s", got, want, sdp)
	}
	if !strings.Contains(sdp, "a=group:BUNDLE a v d\r\n") {
		t.Fatalf("no BUNDLE line:\n%s", sdp)
	}
	missing := strings.Replace(accept, "name='data'", "name='other'", 1)
	if _, err := JingleToSDP(missing, offer); err == nil || !strings.Contains(err.Error(), `no content "data"`) {
		t.Fatalf("an accept without data: %v", err)
	}
}

// Bad Jingle is an error with a position, never a panic.
func TestParseJingleErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "jingle:1:1: no element"},
		{"<jingle xmlns='urn:xmpp:jingle:1'>\n  <content>", "jingle:2:12: unexpected EOF"},
		{"<iq><query/></iq>", "an <iq> without a <jingle"},
		{"<jingle/>", "want <jingle xmlns='urn:xmpp:jingle:1'>"},
		{"<jingle xmlns='urn:xmpp:jingle:1'/><x/>", "jingle:1:40: a second root element <x>"},
		{"<jingle xmlns='urn:xmpp:jingle:1' a='1' a='2'/>", "jingle:1:48: attribute a given twice"},
	} {
		_, err := ParseJingle(tc.in)
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseJingle(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
	// A candidate without protocol: the library's candidateFromJingle throws.
	bad := `<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate'><content name='audio'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'><candidate ip='1.2.3.4'/></transport></content></jingle>`
	if _, err := JingleToOfferSDP(bad, 1); err == nil || !strings.Contains(err.Error(), "without protocol") {
		t.Fatalf("candidate without protocol: %v", err)
	}
}

// ReplaceIceCredentialsAndStripCandidates keeps every other line and its
// line end.
func TestReplaceIceCredentials(t *testing.T) {
	in := "v=0\r\na=ice-ufrag:old\r\na=ice-pwd:oldpwd\r\na=candidate:1 1 udp 1 1.2.3.4 5 typ host\r\na=end-of-candidates\r\na=mid:0\nm=x\n"
	want := "v=0\r\na=ice-ufrag:new\r\na=ice-pwd:newpwd\r\na=mid:0\nm=x\n"
	if got := ReplaceIceCredentialsAndStripCandidates(in, "new", "newpwd"); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func FuzzParseJingle(f *testing.F) {
	f.Add(`<jingle xmlns='urn:xmpp:jingle:1' action='session-accept'><content name='audio'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><payload-type id='111' name='opus' clockrate='48000' channels='2'/></description><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='u' pwd='p'/></content></jingle>`)
	f.Add(`<iq><jingle xmlns='urn:xmpp:jingle:1' action='transport-info'><content name='audio'><transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ice-generation='1' ufrag='u' pwd='p'><candidate foundation='1' component='1' protocol='tcp' priority='1' ip='1.1.1.1' port='1' type='srflx'/></transport></content></jingle></iq>`)
	f.Add(`<jingle xmlns='urn:xmpp:jingle:1'><content><description xmlns='urn:xmpp:jingle:apps:rtp:1'><source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc='1'/><ssrc-group xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' semantics='FID'><source ssrc='2'/></ssrc-group></description></content></jingle>`)
	offer := "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 100\r\na=mid:1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n"
	f.Fuzz(func(t *testing.T, doc string) {
		j, err := ParseJingle(doc)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		_ = j.IceGeneration()
		// Whatever parses converts or fails cleanly, and what the
		// converters render parses again.
		if sdp, err := JingleToOfferSDP(doc, 1); err == nil {
			if _, err := parseSDP(sdp); err != nil {
				t.Fatalf("JingleToOfferSDP rendered an unreadable SDP: %v\n%s", err, sdp)
			}
		}
		_, _ = JingleToSDP(doc, offer)
		_, _ = TransportInfo(doc)
		if _, err := ParseJingle(j.String()); err != nil {
			t.Fatalf("re-rendered jingle does not parse: %v\n%s", err, j)
		}
	})
}

func TestBridgeSessionIceRestartRequest(t *testing.T) {
	// What JingleSessionPC.restartIce sends.
	req := `<iq type='set'><jingle xmlns='urn:xmpp:jingle:1' action='session-info' sid='s'><bridge-session xmlns='http://jitsi.org/protocol/focus' ice-restart='true' id='bs-1'/></jingle></iq>`
	j, err := ParseJingle(req)
	if err != nil {
		t.Fatal(err)
	}
	if id, restart, ok := j.BridgeSession(); id != "bs-1" || !restart || !ok || j.Action() != "session-info" {
		t.Fatalf("BridgeSession() = %q %v %v", id, restart, ok)
	}
	j, _ = ParseJingle(`<jingle xmlns='urn:xmpp:jingle:1' action='session-info'/>`)
	if _, _, ok := j.BridgeSession(); ok {
		t.Fatal("a bridge-session where there is none")
	}
}

// numericMids renames an SDP's mids as a unified-plan browser and pion
// name them, by section index, the BUNDLE group with them.
func numericMids(sdp string) string {
	d, err := parseSDP(sdp)
	if err != nil {
		return sdp
	}
	var mids []string
	for i, sec := range d.media {
		mids = append(mids, fmt.Sprint(i))
		d.media[i] = withMid(sec, fmt.Sprint(i))
	}
	for i, l := range d.session {
		if strings.HasPrefix(l, "a=group:BUNDLE") {
			d.session[i] = "a=group:BUNDLE " + strings.Join(mids, " ")
		}
	}
	return d.String()
}

// A P2P session's SDP through SDP.toJingle and SDP.fromJingle, both with
// isP2P, keeps its mids: contents and the BUNDLE group are named by them,
// and nothing is regenerated on the way back.
func TestP2PJingleRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		sdp := numericMids(genSDP(rt))
		j, err := SDPToJingle(sdp, JingleOptions{Action: "session-initiate", Creator: "initiator", SID: "s", Initiator: "room/a", P2P: true})
		if err != nil {
			rt.Fatal(err)
		}
		pj, err := ParseJingle(j)
		if err != nil {
			rt.Fatalf("%v\n%s", err, j)
		}
		doc, _ := parseSDP(sdp)
		var mids []string
		for i := range doc.media {
			mids = append(mids, fmt.Sprint(i))
		}
		if got := strings.Join(pj.ContentNames(), " "); got != strings.Join(mids, " ") {
			rt.Fatalf("contents %q, want the mids %q:\n%s", got, mids, j)
		}
		back, err := P2PJingleToSDP(j, 1)
		if err != nil {
			rt.Fatal(err)
		}
		bundle, _ := findLine(nil, doc.session, "a=group:BUNDLE")
		bd, _ := parseSDP(back)
		if got, _ := findLine(nil, bd.session, "a=group:BUNDLE"); got != bundle {
			rt.Fatalf("BUNDLE %q, want %q:\n%s", got, bundle, back)
		}
		want, got := sections(t, sdp), sections(t, back)
		for i := range want {
			if want[i].Port != "0" {
				want[i].Port = "9"
			} else {
				want[i].Direction = ""
			}
			if want[i].Media == "application" {
				want[i].Fmt = []string{"webrtc-datachannel"}
				want[i].Direction = ""
			}
		}
		if !slices.EqualFunc(want, got, func(a, b section) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			rt.Fatalf("sections differ\nsdp:\n%s\njingle:\n%s\nback:\n%s\nwant %+v\ngot  %+v", sdp, j, back, want, got)
		}
	})
}

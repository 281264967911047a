package xmpp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces of the stanzas the endpoint reads and writes.
const (
	nsClient   = "jabber:client"
	nsFraming  = "urn:ietf:params:xml:ns:xmpp-framing"
	nsStream   = "http://etherx.jabber.org/streams"
	nsStreams  = "urn:ietf:params:xml:ns:xmpp-streams"
	nsSASL     = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind     = "urn:ietf:params:xml:ns:xmpp-bind"
	nsSession  = "urn:ietf:params:xml:ns:xmpp-session"
	nsStanzas  = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsPing     = "urn:xmpp:ping"
	nsExtdisco = "urn:xmpp:extdisco:2"
	nsDiscoInf = "http://jabber.org/protocol/disco#info"
	nsMUC      = "http://jabber.org/protocol/muc"
	nsMUCUser  = "http://jabber.org/protocol/muc#user"
	nsMUCOwner = "http://jabber.org/protocol/muc#owner"
	nsData     = "jabber:x:data"
	nsFocus    = "http://jitsi.org/protocol/focus"
	nsJitMeet  = "http://jitsi.org/jitmeet"
	nsVisitors = "jitsi:visitors"
	nsJingle   = "urn:xmpp:jingle:1"
	nsRTP      = "urn:xmpp:jingle:apps:rtp:1"
	nsICEUDP   = "urn:xmpp:jingle:transports:ice-udp:1"
	nsDTLS     = "urn:xmpp:jingle:apps:dtls:0"
	nsLobby    = "http://jitsi.org/protocol/lobbyrooms"
)

// Limits on what one client frame may hold. Prosody's defaults are larger
// (c2s_stanza_size_limit 256 KiB); lib-jitsi-meet's signalling stanzas are
// a few KiB.
const (
	maxFrameBytes = 256 << 10
	maxDepth      = 32
	maxElements   = 4096
)

// Element is one parsed XML element of a client frame: its namespace URI
// (resolved, as encoding/xml does), local name, attributes (namespace
// declarations left out), children and character data.
type Element struct {
	Space, Name string
	Attrs       []xml.Attr
	Children    []*Element
	Text        string
}

// Attr returns the value of the attribute with this local name, or "".
func (e *Element) Attr(name string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// Child returns the first child with this namespace and name ("" space
// matches any), or nil.
func (e *Element) Child(space, name string) *Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Name == name && (space == "" || c.Space == space) {
			return c
		}
	}
	return nil
}

// errMalformed wraps every parse failure: prosody answers it with the
// not-well-formed stream error.
var errMalformed = errors.New("not well-formed")

// ParseFrame parses one WebSocket frame of RFC 7395: exactly one element
// (an <open/>, a <close/> or a stanza), nothing but whitespace around it. It
// refuses DTDs, processing instructions and entity references other than
// XML's own (RFC 6120 §11.1 forbids them), frames over maxFrameBytes, more
// than maxDepth levels or maxElements elements.
func ParseFrame(frame []byte) (*Element, error) {
	if len(frame) > maxFrameBytes {
		return nil, fmt.Errorf("%w: frame of %d bytes", errMalformed, len(frame))
	}
	d := xml.NewDecoder(bytes.NewReader(frame))
	d.Strict = true
	var (
		root  *Element
		stack []*Element
		count int
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: more than one element in a frame", errMalformed)
			}
			count++
			if len(stack) >= maxDepth || count > maxElements {
				return nil, fmt.Errorf("%w: too deep or too many elements", errMalformed)
			}
			el := &Element{Space: t.Name.Space, Name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				el.Attrs = append(el.Attrs, a)
			}
			if len(stack) == 0 {
				root = el
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, el)
			}
			stack = append(stack, el)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, fmt.Errorf("%w: text outside the element", errMalformed)
				}
				continue
			}
			stack[len(stack)-1].Text += string(t)
		case xml.Comment:
			// RFC 6120 §11.1: comments are not allowed; prosody refuses them.
			return nil, fmt.Errorf("%w: comment", errMalformed)
		case xml.ProcInst:
			if t.Target == "xml" && root == nil {
				continue // an XML declaration
			}
			return nil, fmt.Errorf("%w: processing instruction", errMalformed)
		case xml.Directive:
			return nil, fmt.Errorf("%w: DTD or directive", errMalformed)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no element", errMalformed)
	}
	return root, nil
}

// node is an element the endpoint writes. Attributes keep their order so
// that the same exchange gives the same bytes.
type node struct {
	name  string
	attrs []string // name, value pairs
	kids  []*node
	text  string
	raw   string // when set, the whole element, written as it is
}

// el builds an element; attrs are name, value pairs, and pairs with an
// empty value are left out.
func el(name string, attrs ...string) *node {
	n := &node{name: name}
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] != "" {
			n.attrs = append(n.attrs, attrs[i], attrs[i+1])
		}
	}
	return n
}

// add appends children (nil ones are skipped) and returns n.
func (n *node) add(kids ...*node) *node {
	for _, k := range kids {
		if k != nil {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

// txt sets the character data and returns n.
func (n *node) txt(s string) *node { n.text = s; return n }

func (n *node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	if n.raw != "" {
		b.WriteString(n.raw)
		return
	}
	b.WriteString("<" + n.name)
	for i := 0; i+1 < len(n.attrs); i += 2 {
		b.WriteString(" " + n.attrs[i] + "='")
		escape(b, n.attrs[i+1])
		b.WriteString("'")
	}
	if len(n.kids) == 0 && n.text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	escape(b, n.text)
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</" + n.name + ">")
}

func escape(b *strings.Builder, s string) {
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(s)) // writes to a bytes.Buffer never fail
	b.Write(buf.Bytes())
}

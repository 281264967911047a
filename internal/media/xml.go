package media

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// Namespaces of the Jingle elements, as lib-jitsi-meet names them in
// service/xmpp/XMPPExtensioProtocols.ts (XEP).
const (
	nsJingle   = "urn:xmpp:jingle:1"
	nsRTP      = "urn:xmpp:jingle:apps:rtp:1"
	nsRTCPFB   = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"
	nsHdrExt   = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"
	nsSSMA     = "urn:xmpp:jingle:apps:rtp:ssma:0"
	nsICEUDP   = "urn:xmpp:jingle:transports:ice-udp:1"
	nsDTLS     = "urn:xmpp:jingle:apps:dtls:0"
	nsSCTP     = "urn:xmpp:jingle:transports:dtls-sctp:1"
	nsGrouping = "urn:xmpp:jingle:apps:grouping:0"
	nsFocus    = "http://jitsi.org/protocol/focus"
)

// Limits on a Jingle document. lib-jitsi-meet's Jingle stanzas are a few
// KiB; these only keep hostile input from costing much.
const (
	maxJingleBytes = 256 << 10
	maxDepth       = 32
	maxElements    = 8192
)

// node is one XML element: namespace (resolved), local name, attributes
// in document order (namespace declarations left out), children and text.
type node struct {
	space, name string
	attrs       []attr
	kids        []*node
	text        string
}

type attr struct{ name, value string }

// el builds an element; kv are attribute name/value pairs, an empty value
// leaves the attribute out.
func el(space, name string, kv ...string) *node {
	n := &node{space: space, name: name}
	for i := 0; i+1 < len(kv); i += 2 {
		n.set(kv[i], kv[i+1])
	}
	return n
}

func (n *node) add(kids ...*node) *node { n.kids = append(n.kids, kids...); return n }

func (n *node) txt(s string) *node { n.text = s; return n }

// set sets (or replaces) an attribute; an empty value is left out.
func (n *node) set(name, value string) *node {
	if value == "" {
		return n
	}
	for i := range n.attrs {
		if n.attrs[i].name == name {
			n.attrs[i].value = value
			return n
		}
	}
	n.attrs = append(n.attrs, attr{name, value})
	return n
}

// attr returns the attribute's value and whether it is present.
func (n *node) attr(name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.attrs {
		if a.name == name {
			return a.value, true
		}
	}
	return "", false
}

// get returns the attribute's value, or "".
func (n *node) get(name string) string { v, _ := n.attr(name); return v }

// all returns the children with this name in this namespace ("" matches
// any namespace), like XMLUtils.findAll with ':scope>name[xmlns=...]'.
func (n *node) all(space, name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name == name && (space == "" || k.space == space) {
			out = append(out, k)
		}
	}
	return out
}

// first returns the first such child, or nil.
func (n *node) first(space, name string) *node {
	if all := n.all(space, name); len(all) > 0 {
		return all[0]
	}
	return nil
}

// String renders the element with explicit xmlns on every element whose
// namespace differs from its parent's, single-quoted attributes in
// insertion order.
func (n *node) String() string {
	var b strings.Builder
	n.write(&b, "")
	return b.String()
}

func (n *node) write(b *strings.Builder, parentSpace string) {
	b.WriteString("<" + n.name)
	if n.space != parentSpace {
		b.WriteString(" xmlns='" + escape(n.space) + "'")
	}
	for _, a := range n.attrs {
		b.WriteString(" " + a.name + "='" + escape(a.value) + "'")
	}
	if len(n.kids) == 0 && n.text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	b.WriteString(escape(n.text))
	for _, k := range n.kids {
		k.write(b, n.space)
	}
	b.WriteString("</" + n.name + ">")
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")

func escape(s string) string { return escaper.Replace(s) }

// ParseError is a malformed or unexpected Jingle document, with the
// position (1-based line and column) where reading stopped.
type ParseError struct {
	Line, Col int
	Msg       string
}

func newParseError(line, col int, msg string) *ParseError {
	return &ParseError{max(line, 1), max(col, 1), msg}
}

func (e *ParseError) Error() string { return fmt.Sprintf("jingle:%d:%d: %s", e.Line, e.Col, e.Msg) }

// parseXML reads one element (the document's root) and everything in it.
func parseXML(doc string) (*node, error) {
	if len(doc) > maxJingleBytes {
		return nil, &ParseError{1, 1, fmt.Sprintf("document of %d bytes, more than %d", len(doc), maxJingleBytes)}
	}
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	fail := func(msg string) error {
		line, col := d.InputPos()
		return newParseError(line, col, msg)
	}
	var root *node
	var stack []*node
	count := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				_, col := d.InputPos()
				return nil, newParseError(se.Line, col, se.Msg)
			}
			return nil, fail(err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fail("a second root element <" + t.Name.Local + ">")
			}
			count++
			if count > maxElements || len(stack) >= maxDepth {
				return nil, fail("too many or too deeply nested elements")
			}
			if !xmlName(t.Name.Local) {
				return nil, fail("element name " + strconv.Quote(t.Name.Local))
			}
			n := &node{space: t.Name.Space, name: t.Name.Local}
			for _, a := range t.Attr {
				// Namespace declarations and prefixed attributes (xml:lang)
				// carry nothing the converters read.
				if a.Name.Space != "" || a.Name.Local == "xmlns" {
					continue
				}
				if !xmlName(a.Name.Local) {
					return nil, fail("attribute name " + strconv.Quote(a.Name.Local))
				}
				if _, dup := n.attr(a.Name.Local); dup {
					return nil, fail("attribute " + a.Name.Local + " given twice")
				}
				n.attrs = append(n.attrs, attr{a.Name.Local, a.Value})
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, fail("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, fail("no element")
	}
	return root, nil
}

// xmlName: a name the renderer can write back (a letter or '_' first, then
// letters, digits, '-', '_', '.').
func xmlName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return s != ""
}

// trimText drops the whitespace-only text of elements that have children
// (indentation), so that pretty-printed input reads like compact input.
func trimText(n *node) {
	if len(n.kids) > 0 && strings.TrimSpace(n.text) == "" {
		n.text = ""
	}
	for _, k := range n.kids {
		trimText(k)
	}
}

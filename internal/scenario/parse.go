package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	yparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

// Error is one problem in a scenario file.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every problem found in one file, in file order. Its Error
// method writes one "file:line:col: message" per line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// maxErrors bounds the problems reported for one file.
const maxErrors = 20

// Load reads and parses one scenario file (Stdin: standard input), within
// the limits of ReadFile.
func Load(path string) (*Scenario, error) {
	name, data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(name, data)
}

// Parse parses and checks a scenario. On failure the error is an ErrorList;
// nothing of a file with a problem is returned.
func Parse(filename string, data []byte) (sc *Scenario, err error) {
	defer func() {
		// The parser must not panic on any input (FuzzParse); should the YAML
		// library do so, the input is still just a bad file.
		if r := recover(); r != nil {
			sc, err = nil, ErrorList{{Pos{filename, 1, 1}, fmt.Sprintf("cannot parse this file (internal error: %v)", r)}}
		}
	}()
	p := &parser{file: filename}
	sc = p.parse(data)
	if len(p.errs) > 0 {
		for _, e := range p.errs {
			// One problem, one line, whatever the YAML library quotes; a
			// TAB is named, not shown as a blank.
			e.Msg = strings.ReplaceAll(e.Msg, "'\t'", "TAB (YAML indents with spaces)")
			e.Msg = strings.Map(func(r rune) rune {
				if r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029' {
					return ' '
				}
				return r
			}, e.Msg)
			if len(e.Msg) > maxMessage {
				cut := maxMessage - 3
				for cut > 0 && !utf8.RuneStart(e.Msg[cut]) {
					cut--
				}
				e.Msg = e.Msg[:cut] + "..."
			}
		}
		sort.SliceStable(p.errs, func(i, j int) bool {
			a, b := p.errs[i].Pos, p.errs[j].Pos
			return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col)
		})
		if len(p.errs) > maxErrors {
			p.errs = append(p.errs[:maxErrors], &Error{p.errs[maxErrors].Pos, "too many errors"})
		}
		return nil, p.errs
	}
	return sc, nil
}

type parser struct {
	file string
	errs ErrorList
	// anchors lists the anchors of each name in file order, so that an
	// alias is resolved by a binary search, not a scan of every anchor.
	anchors map[string][]anchor
	// budget bounds the parameter values read, aliases included, so that
	// aliases that multiply an object cannot make the parser run for ever.
	budget int
}

// anchor is one &name in the file: where it is, where the node it names
// ends, and that node.
type anchor struct {
	name    string
	at, end Pos
	node    ast.Node
}

// before reports whether a is before b in the file.
func before(a, b Pos) bool { return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col) }

// full reports whether more problems than are reported have been found:
// loops over a file's parts stop there, so that a file of many bad parts
// costs no more than one of a few.
func (p *parser) full() bool { return len(p.errs) > maxErrors }

func (p *parser) errorf(n ast.Node, format string, args ...any) {
	p.errs = append(p.errs, &Error{p.pos(n), fmt.Sprintf(format, args...)})
}

// pos is where a node starts.
func (p *parser) pos(n ast.Node) Pos {
	var tk *token.Token
	switch n := n.(type) {
	case nil:
	case *ast.MappingNode:
		tk = n.Start
		if !n.IsFlowStyle && len(n.Values) > 0 && n.Values[0].Key != nil {
			tk = n.Values[0].Key.GetToken()
		}
	case *ast.MappingValueNode:
		if n.Key != nil {
			tk = n.Key.GetToken()
		}
	default:
		tk = n.GetToken()
	}
	if tk == nil || tk.Position == nil {
		return Pos{p.file, 1, 1}
	}
	return Pos{p.file, max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
}

func (p *parser) parse(data []byte) *Scenario {
	if len(data) > MaxFileBytes {
		p.errs = append(p.errs, &Error{offsetPos(p.file, data, MaxFileBytes), fmt.Sprintf("the file is larger than %d bytes, the limit of a scenario file", MaxFileBytes)})
		return nil
	}
	data = bytes.TrimPrefix(data, []byte(byteOrderMark))
	if e := checkText(p.file, data); e != nil {
		p.errs = append(p.errs, e)
		return nil
	}
	toks := lexer.Tokenize(string(data))
	if e := checkDocuments(p.file, toks); e != nil {
		p.errs = append(p.errs, e)
		return nil
	}
	if e := checkTokens(p.file, toks); e != nil {
		p.errs = append(p.errs, e)
		return nil
	}
	f, err := yparser.Parse(toks, 0)
	if err != nil {
		pos := Pos{p.file, 1, 1}
		msg := err.Error()
		var ye yaml.Error
		if errors.As(err, &ye) {
			msg = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				pos = Pos{p.file, max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
			}
		}
		p.errs = append(p.errs, &Error{pos, "YAML: " + msg})
		return nil
	}
	var body ast.Node
	for i, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			p.errorf(d.Body, "a scenario file holds one YAML document; this is document %d", i+1)
			return nil
		}
		body = d.Body
	}
	if body == nil {
		p.errs = append(p.errs, &Error{Pos{p.file, 1, 1}, "empty file: a scenario is a mapping with at least a description"})
		return nil
	}
	ast.Walk(anchorCollector{p}, body)
	return p.scenario(body)
}

type anchorCollector struct{ p *parser }

func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
		if tk := an.Name.GetToken(); tk != nil {
			end := a.p.pos(an)
			ast.Walk(lastPos{a.p, &end}, an)
			if a.p.anchors == nil {
				a.p.anchors = map[string][]anchor{}
			}
			a.p.anchors[tk.Value] = append(a.p.anchors[tk.Value], anchor{name: tk.Value, at: a.p.pos(an), end: end, node: an.Value})
		}
	}
	return a
}

// lastPos finds the position of the last node of a subtree.
type lastPos struct {
	p   *parser
	end *Pos
}

func (l lastPos) Visit(n ast.Node) ast.Visitor {
	if n == nil {
		return nil
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		if at := l.p.pos(n); before(*l.end, at) {
			*l.end = at
		}
	}
	return l
}

// alias finds the node an alias names: that of the last anchor of its name
// defined before it. An alias before its anchor, or inside the node its
// anchor names, is an error.
func (p *parser) alias(v *ast.AliasNode) ast.Node {
	name := ""
	if v.Value != nil && v.Value.GetToken() != nil {
		name = v.Value.GetToken().Value
	}
	at := p.pos(v)
	var found, later *anchor
	list := p.anchors[name]
	// The anchors of a name are in file order: the first not before the
	// alias splits them.
	k := sort.Search(len(list), func(i int) bool { return !before(list[i].at, at) })
	if k > 0 {
		found = &list[k-1]
	}
	if k < len(list) {
		later = &list[k]
	}
	switch {
	case found != nil && !before(found.end, at):
		p.errorf(v, "alias *%s is inside the node its anchor &%s names", name, name)
		return nil
	case found != nil:
		return found.node
	case later != nil:
		p.errorf(v, "alias *%s comes before its anchor &%s at %d:%d: an alias refers to an anchor defined earlier in the file", name, name, later.at.Line, later.at.Col)
		return nil
	}
	p.errorf(v, "unknown alias *%s", name)
	return nil
}

// resolve looks through anchors, aliases and tags to the node that holds the
// value. A !!str tag turns a scalar into its text.
func (p *parser) resolve(n ast.Node) ast.Node {
	for range 16 {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			if n = p.alias(v); n == nil {
				return nil
			}
		case *ast.TagNode:
			tag := ""
			if v.Start != nil {
				tag = v.Start.Value
			}
			if tag != "!!str" {
				p.errorf(v, "tag %s is not supported: the only tag is !!str (a scalar read as a string)", clip(tag))
				return nil
			}
			s, ok := v.Value.(ast.ScalarNode)
			if !ok || s.GetToken() == nil {
				p.errorf(v, "tag !!str: want a scalar, got %s", describe(v.Value))
				return nil
			}
			return &ast.StringNode{BaseNode: &ast.BaseNode{}, Token: s.GetToken(), Value: s.GetToken().Value}
		default:
			return n
		}
	}
	p.errorf(n, "aliases nest too deeply")
	return nil
}

// describe names the YAML type of a node for a "want X, got Y" message.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "null"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a sequence"
	case *ast.StringNode:
		if bigInt(v) {
			return "integer " + clip(v.Value) + " (too large)"
		}
		return fmt.Sprintf("string %s", clip(strconv.Quote(v.Value)))
	case *ast.LiteralNode:
		return "a block string"
	case *ast.IntegerNode:
		return "integer " + clip(v.Token.Value)
	case *ast.FloatNode:
		return "number " + clip(v.Token.Value)
	case *ast.BoolNode:
		return "boolean " + strconv.FormatBool(v.Value)
	}
	return strings.ToLower(strings.TrimSuffix(n.Type().String(), "Type"))
}

// intPattern is YAML 1.2's integer syntax (core schema), with the
// underscores goccy/go-yaml accepts.
var intPattern = regexp.MustCompile(`^[-+]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$`)

// bigInt reports whether a node is a plain scalar that YAML reads as an
// integer but goccy/go-yaml left a string because it does not fit 64 bits.
func bigInt(n ast.Node) bool {
	s, ok := n.(*ast.StringNode)
	return ok && s.Token != nil && s.Token.Type == token.StringType && intPattern.MatchString(s.Value)
}

// clip shortens a value quoted in a message to at most 40 bytes, cutting
// between characters.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 37
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// maxMessage bounds the bytes of one message, whatever it quotes.
const maxMessage = 400

// entry is one key of a mapping.
type entry struct {
	key   string
	keyN  ast.Node
	value ast.Node // resolved; nil after an error
	raw   ast.Node // as written
}

// mapping returns the entries of a mapping in file order, reporting keys
// that are not in allowed. where names the mapping in messages.
func (p *parser) mapping(n ast.Node, where string, allowed []string) ([]entry, bool) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		if where == "" {
			p.errorf(n, "a scenario is a mapping (description, steps, ...), got %s", describe(n))
		} else {
			p.errorf(n, "%s: want a mapping, got %s", where, describe(n))
		}
		return nil, false
	}
	var out []entry
	for _, mv := range m.Values {
		if p.full() {
			break
		}
		if mv == nil || mv.Key == nil {
			continue
		}
		var key string
		switch k := mv.Key.(type) {
		case *ast.MergeKeyNode:
			p.errorf(k, "%smerge keys (<<) are not supported", prefix(where))
			continue
		case *ast.MappingKeyNode:
			p.errorf(k, "%scomplex keys (?) are not supported", prefix(where))
			continue
		case *ast.StringNode:
			key = k.Value
		default:
			if tk := k.GetToken(); tk != nil {
				key = tk.Value
			}
		}
		if !slices.Contains(allowed, key) {
			in := ""
			if where != "" {
				in = " in " + where
			}
			hint := suggest(key, allowed)
			if to, ok := keySynonyms[key]; ok && slices.Contains(allowed, to) {
				hint = fmt.Sprintf(" (did you mean %q? %s)", to, keySynonymWhy[to])
			}
			p.errorf(mv.Key, "unknown key %s%s%s", clip(strconv.Quote(key)), in, hint)
			continue
		}
		out = append(out, entry{key: key, keyN: mv.Key, value: p.resolve(mv.Value), raw: mv.Value})
	}
	return out, true
}

// keySynonyms are the words people reach for instead of a key of the
// format, which an edit distance does not find.
var keySynonyms = map[string]string{
	"wait": "advance", "sleep": "advance", "delay": "advance", "after": "advance",
	"expect_not": "expect_never", "never": "expect_never",
}

var keySynonymWhy = map[string]string{
	"advance":      "advance: N moves virtual time forward by N ms",
	"expect_never": "expect_never: [VALUE, ...] forbids error values and events from this step on",
}

// prefix is "where: ", or "" at the top level.
func prefix(where string) string {
	if where == "" {
		return ""
	}
	return where + ": "
}

func (p *parser) str(e entry, where string) (string, bool) {
	if bigInt(e.value) {
		p.errorf(e.raw, "%s: want a string, got %s (quote it to make it a string)", where, describe(e.value))
		return "", false
	}
	switch v := e.value.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value, true
		}
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		p.errorf(e.raw, "%s: want a string, got %s (quote it to make it a string)", where, describe(v))
		return "", false
	}
	p.errorf(e.raw, "%s: want a string, got %s", where, describe(e.value))
	return "", false
}

func (p *parser) boolean(e entry, where string) (bool, bool) {
	if v, ok := e.value.(*ast.BoolNode); ok {
		return v.Value, true
	}
	p.errorf(e.raw, "%s: want true or false, got %s", where, describe(e.value))
	return false, false
}

// intRange is the range of an integer key; note, when set, follows the
// range in messages, e.g. "(24 h of virtual time)".
type intRange struct {
	min, max int64
	note     string
}

func (r intRange) String() string {
	s := fmt.Sprintf("an integer from %d to %d", r.min, r.max)
	if r.note != "" {
		s += " (" + r.note + ")"
	}
	return s
}

// MaxWaitMs bounds advance and within: 24 hours of virtual time.
const MaxWaitMs = 24 * 60 * 60 * 1000

// waitRange is the range of advance and within.
var waitRange = intRange{1, MaxWaitMs, "24 h of virtual time"}

// integer reads an integer in the range r.
func (p *parser) integer(e entry, where string, r intRange) (int64, bool) {
	if bigInt(e.value) {
		v := e.value.(*ast.StringNode).Value
		p.errorf(e.raw, "%s: %s is %s: want %s", where, clip(v), tooWhat(v), r)
		return 0, false
	}
	v, ok := e.value.(*ast.IntegerNode)
	var n int64
	if ok {
		if n, ok = intValue(v); !ok {
			p.errorf(e.raw, "%s: %s is %s: want %s", where, clip(v.Token.Value), tooWhat(v.Token.Value), r)
			return 0, false
		}
	}
	if !ok {
		p.errorf(e.raw, "%s: want %s, got %s", where, r, describe(e.value))
		return 0, false
	}
	if n < r.min || n > r.max {
		p.errorf(e.raw, "%s: want %s, got %d", where, r, n)
		return 0, false
	}
	return n, true
}

// tooWhat says whether an integer that does not fit is too large or, when
// negative, too small.
func tooWhat(v string) string {
	if strings.HasPrefix(v, "-") {
		return "too small"
	}
	return "too large"
}

// intValue returns an integer node's value if it fits an int64.
func intValue(n *ast.IntegerNode) (int64, bool) {
	switch x := n.Value.(type) {
	case int64:
		return x, true
	case uint64:
		if x <= 1<<63-1 {
			return int64(x), true
		}
	}
	return 0, false
}

// seed reads a non-negative 64-bit integer.
func (p *parser) seed(e entry) (uint64, bool) {
	if v, ok := e.value.(*ast.IntegerNode); ok {
		switch x := v.Value.(type) {
		case int64:
			if x >= 0 {
				return uint64(x), true
			}
		case uint64:
			return x, true
		}
	}
	if bigInt(e.value) {
		v := e.value.(*ast.StringNode).Value
		p.errorf(e.raw, "seed: %s is %s: want an integer from 0 to %d", clip(v), tooWhat(v), uint64(1<<64-1))
		return 0, false
	}
	p.errorf(e.raw, "seed: want an integer from 0 to %d, got %s", uint64(1<<64-1), describe(e.value))
	return 0, false
}

// The keys of the format, in the order the documentation lists them.
var (
	topKeys    = []string{"name", "description", "profile", "seed", "room", "deployment", "client", "limits", "steps"}
	stepKeys   = []string{"action", "fault", "advance", "settle", "expect", "expect_quiet", "expect_never", "password", "text", "reason"}
	expectKeys = []string{"event", "error", "state", "params", "within"}
)

func (p *parser) scenario(n ast.Node) *Scenario {
	entries, ok := p.mapping(p.resolve(n), "", topKeys)
	if !ok {
		return nil
	}
	sc := &Scenario{File: p.file, Config: sim.Config{Seed: 1, Profile: sim.ProfileDocumented}}
	base := filepath.Base(p.file)
	sc.Name = strings.Map(func(r rune) rune {
		if isControl(r) {
			return '?'
		}
		return r
	}, strings.TrimSuffix(base, filepath.Ext(base)))
	hasDescription := false
	for _, e := range entries {
		if e.value == nil {
			// Reported; a description whose value is wrong is not missing.
			hasDescription = hasDescription || e.key == "description"
			continue
		}
		switch e.key {
		case "name":
			if s, ok := p.str(e, "name"); ok {
				if strings.TrimSpace(s) == "" {
					p.errorf(e.raw, "name: must not be empty (leave the key out to use the file name)")
				} else if strings.ContainsFunc(s, isControl) {
					// The name heads one-line verdicts and names JUnit cases.
					p.errorf(e.raw, "name: must be one line without control characters, got %s", clip(strconv.QuoteToASCII(s)))
				}
				sc.Name = s
			}
		case "description":
			if s, ok := p.str(e, "description"); ok {
				hasDescription = true
				if strings.TrimSpace(s) == "" {
					p.errorf(e.raw, "description: must say what the scenario shows")
				} else if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
					p.errorf(e.raw, "description: control characters other than line breaks and tabs are not allowed, got %s", clip(strconv.QuoteToASCII(s)))
				}
				sc.Description = strings.TrimSpace(s)
			}
		case "profile":
			if s, ok := p.str(e, "profile"); ok {
				if !slices.Contains(sim.Profiles, sim.Profile(s)) {
					p.errorf(e.raw, "unknown profile %s: want %s", quoteClip(s), orList(profileNames()))
				}
				sc.Config.Profile = sim.Profile(s)
			}
		case "seed":
			if v, ok := p.seed(e); ok {
				sc.Config.Seed = v
			}
		case "room":
			p.structure(e, "room", reflect.ValueOf(&sc.Config.Room).Elem())
		case "deployment":
			p.structure(e, "deployment", reflect.ValueOf(&sc.Config.Deployment).Elem())
		case "client":
			p.structure(e, "client", reflect.ValueOf(&sc.Config.Client).Elem())
		case "limits":
			p.structure(e, "limits", reflect.ValueOf(&sc.Config.Limits).Elem())
		case "steps":
			sc.Steps = p.steps(e)
		}
	}
	if !hasDescription && !p.hasErrorAbout("description") {
		p.errorf(n, "missing description: say what the scenario shows")
	}
	p.checkOrder(sc.Steps)
	return sc
}

// isControl reports whether r is a control character (Unicode Cc) or a
// Unicode line or paragraph separator: what a name may not contain.
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

func (p *parser) hasErrorAbout(key string) bool {
	for _, e := range p.errs {
		if strings.HasPrefix(e.Msg, key+":") {
			return true
		}
	}
	return false
}

func profileNames() []string {
	out := make([]string, len(sim.Profiles))
	for i, pr := range sim.Profiles {
		out[i] = string(pr)
	}
	return out
}

func orList(xs []string) string {
	switch len(xs) {
	case 0:
		return "nothing"
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// configField is one key of room, deployment, client or limits: a field of
// the sim type with a json tag.
type configField struct {
	key   string
	index int
	kind  reflect.Kind
	enum  []string // allowed values of a string field, or nil
	rng   intRange // range of an integer field
	// optional is a *bool: unset keeps the model's default.
	optional bool
}

// intRanges bounds every integer key of room, deployment, client and
// limits. Occupants are bounded because the model emits a record per
// occupant; the limits because a run must end in reasonable time.
var intRanges = map[string]intRange{
	"room.occupants":           {0, 1000, ""},
	"room.max_occupants":       {0, 1000, ""},
	"deployment.max_occupants": {0, 1000, ""},
	"client.token_expires_ms":  {0, MaxWaitMs, ""},
	"limits.max_time_ms":       {1, MaxWaitMs, ""},
	"limits.max_steps":         {1, 10_000_000, ""},
}

// configNames names the sim configuration structs as the file does.
var configNames = map[reflect.Type]string{
	reflect.TypeFor[sim.Room]():       "room",
	reflect.TypeFor[sim.Deployment](): "deployment",
	reflect.TypeFor[sim.Client]():     "client",
	reflect.TypeFor[sim.Limits]():     "limits",
}

// configFields lists the keys of a sim configuration struct, in field order.
func configFields(t reflect.Type) []configField {
	var out []configField
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" || key == "-" || !f.IsExported() {
			continue
		}
		cf := configField{key: key, index: i, kind: f.Type.Kind()}
		if f.Type == reflect.TypeFor[*bool]() {
			cf.kind, cf.optional = reflect.Bool, true
		}
		if f.Type == reflect.TypeFor[sim.Authentication]() {
			for _, a := range Authentications {
				cf.enum = append(cf.enum, string(a))
			}
		}
		if r, ok := intRanges[configNames[t]+"."+key]; ok {
			cf.rng = r
		} else {
			// A new integer field without a range of its own
			// (TestEveryIntegerKeyIsBounded asks for one).
			cf.rng = intRange{0, 1000, ""}
		}
		out = append(out, cf)
	}
	return out
}

func keysOf(fs []configField) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.key
	}
	return out
}

// structure decodes a mapping into a sim configuration struct by json tag.
func (p *parser) structure(e entry, where string, v reflect.Value) {
	fields := configFields(v.Type())
	entries, ok := p.mapping(e.value, where, keysOf(fields))
	if !ok {
		return
	}
	for _, fe := range entries {
		if fe.value == nil {
			continue
		}
		i := slices.IndexFunc(fields, func(f configField) bool { return f.key == fe.key })
		f := fields[i]
		fv := v.Field(f.index)
		w := where + "." + f.key
		switch f.kind {
		case reflect.String:
			s, ok := p.str(fe, w)
			if !ok {
				continue
			}
			if f.enum != nil && !slices.Contains(f.enum, s) {
				p.errorf(fe.raw, "%s: unknown value %s: want %s", w, quoteClip(s), orList(f.enum))
				continue
			}
			fv.SetString(s)
		case reflect.Bool:
			if b, ok := p.boolean(fe, w); ok {
				if f.optional {
					fv.Set(reflect.ValueOf(&b))
				} else {
					fv.SetBool(b)
				}
			}
		case reflect.Int, reflect.Int64:
			if n, ok := p.integer(fe, w, f.rng); ok {
				if fv.OverflowInt(n) {
					p.errorf(fe.raw, "%s: %d is too large", w, n)
					continue
				}
				fv.SetInt(n)
			}
		default:
			p.errorf(fe.keyN, "%s: the parser has no rule for %s fields", w, f.kind)
		}
	}
}

func (p *parser) steps(e entry) []Step {
	seq, ok := e.value.(*ast.SequenceNode)
	if !ok {
		p.errorf(e.raw, "steps: want a sequence of steps, got %s", describe(e.value))
		return nil
	}
	if len(seq.Values) > MaxSteps {
		p.errorf(seq.Values[MaxSteps], "steps: more than %d steps, the limit of a scenario", MaxSteps)
		return nil
	}
	var out []Step
	for i, raw := range seq.Values {
		if p.full() {
			break
		}
		n := p.resolve(raw)
		if n == nil {
			continue
		}
		if st, ok := p.step(n, raw, i+1); ok {
			out = append(out, st)
		}
	}
	return out
}

// step parses one step; k is its 1-based number.
func (p *parser) step(n, raw ast.Node, k int) (Step, bool) {
	where := fmt.Sprintf("step %d", k)
	st := Step{Pos: p.pos(n)}
	entries, ok := p.mapping(n, where, stepKeys)
	if !ok {
		return st, false
	}
	// Exactly one key says what the step is.
	var kinds []entry
	for _, e := range entries {
		if slices.Contains(kindKeys[:], e.key) {
			kinds = append(kinds, e)
		}
	}
	switch len(kinds) {
	case 0:
		p.errorf(n, "%s: a step has one of %s", where, strings.Join(kindKeys[:], ", "))
		return st, false
	case 1:
	default:
		p.errorf(kinds[1].keyN, "%s: a step has exactly one of %s; this one has %s and %s",
			where, strings.Join(kindKeys[:], ", "), kinds[0].key, kinds[1].key)
		return st, false
	}
	ke := kinds[0]
	st.Kind = Kind(slices.Index(kindKeys[:], ke.key))
	st.Pos = p.pos(ke.keyN)
	if ke.value == nil {
		return st, false
	}
	before := len(p.errs)
	switch st.Kind {
	case KindAction:
		if s, ok := p.str(ke, "action"); ok {
			st.Input.Action = sim.Action(s)
			if !slices.Contains(sim.Actions, st.Input.Action) {
				p.errorf(ke.raw, "unknown action %s%s", quoteClip(s), suggest(s, actionNames()))
			}
		}
	case KindFault:
		if s, ok := p.str(ke, "fault"); ok {
			st.Input.Fault = s
			if _, _, isCause := catalog.CauseByID(s); !isCause && !sim.IsSignal(s) {
				if ce := errorNamed(s); ce != nil {
					p.errorf(ke.raw, "fault %s: that is an error, not a cause; a fault is one of its causes: %s ('simulate describe %s' explains them)",
						quoteClip(s), orList(causeIDs(ce)), ce.Name)
				} else {
					p.errorf(ke.raw, "unknown fault %s%s: not a documented cause or a signal ('simulate errors' lists them)", quoteClip(s), suggest(s, Faults()))
				}
			}
		}
	case KindAdvance:
		if v, ok := p.integer(ke, "advance", waitRange); ok {
			st.Advance = v
		}
	case KindSettle:
		if b, ok := p.boolean(ke, "settle"); ok && !b {
			p.errorf(ke.raw, "settle: only true makes sense here; remove the step instead")
		}
	case KindExpectQuiet:
		if b, ok := p.boolean(ke, "expect_quiet"); ok && !b {
			p.errorf(ke.raw, "expect_quiet: only true makes sense here; remove the step instead")
		}
	case KindExpect:
		st.Expect = p.expect(ke)
	case KindExpectNever:
		st.Never = p.never(ke)
	}
	// The modifiers of actions and faults.
	for _, e := range entries {
		if e.value == nil {
			continue
		}
		switch e.key {
		case "password":
			if st.Kind != KindAction || !slices.Contains(passwordActions, st.Input.Action) {
				p.errorf(e.keyN, "password: only the actions %s take a password", orList(actionStrings(passwordActions)))
			} else if s, ok := p.str(e, "password"); ok {
				st.Input.Password = s
			}
		case "text":
			if st.Kind != KindAction || !slices.Contains(textActions, st.Input.Action) {
				p.errorf(e.keyN, "text: only the actions %s take a text", orList(actionStrings(textActions)))
			} else if s, ok := p.str(e, "text"); ok {
				st.Input.Text = s
			}
		case "reason":
			if st.Kind != KindFault || st.Input.Fault != authorizationFailure {
				p.errorf(e.keyN, "reason: only the fault %s takes a reason", authorizationFailure)
			} else if s, ok := p.str(e, "reason"); ok {
				if _, ok := catalog.AuthTypeByValue(s); !ok {
					p.errorf(e.raw, "unknown reason %s%s: want an AUTH_ERROR_TYPES value: %s", quoteClip(s), suggest(s, AuthReasons()), orList(AuthReasons()))
				}
				st.Input.Reason = s
			}
		}
	}
	return st, len(p.errs) == before
}

func actionNames() []string { return actionStrings(sim.Actions) }

// errorNamed finds the conference error a word names, in any case: its
// constant name (ICE_FAILED) or its value (conference.iceFailed); nil when
// it names none.
func errorNamed(s string) *catalog.Error {
	for i := range catalog.Errors() {
		e := &catalog.Errors()[i]
		if strings.EqualFold(s, e.Name) || strings.EqualFold(s, e.Value) {
			return e
		}
	}
	return nil
}

func causeIDs(e *catalog.Error) []string {
	out := make([]string, len(e.Causes))
	for i, c := range e.Causes {
		out[i] = c.ID
	}
	return out
}

func actionStrings(as []sim.Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

func (p *parser) expect(ke entry) *Expect {
	entries, ok := p.mapping(ke.value, "expect", expectKeys)
	if !ok {
		return nil
	}
	x := &Expect{Within: DefaultWithin}
	var withinE, eventE *entry
	var paramKeys []ast.Node
	for i, e := range entries {
		if e.value == nil {
			continue
		}
		switch e.key {
		case "event":
			if s, ok := p.str(e, "event"); ok {
				if !isEvent(s) {
					p.errorf(e.raw, "unknown event %s%s: not a lib-jitsi-meet event the simulator emits", quoteClip(s), suggest(s, EventNames()))
				}
				x.Event, eventE = s, &entries[i]
			}
		case "error":
			if s, ok := p.str(e, "error"); ok {
				x.Error = s
				if !isErrorValue(s) {
					if ce, ok := catalog.ByName(s); ok {
						// The constant name stands for its value.
						x.Error = ce.Value
					} else if ce := errorNamed(s); ce != nil {
						p.errorf(e.raw, "unknown error value %s: write error: %s (the value of %s) or error: %s", quoteClip(s), ce.Value, ce.Name, ce.Name)
					} else {
						p.errorf(e.raw, "unknown error value %s%s: not a conference or connection error value ('simulate errors' lists them)", quoteClip(s), suggest(s, ErrorValues()))
					}
				}
			}
		case "state":
			if s, ok := p.str(e, "state"); ok {
				if why := checkState(s); why != "" {
					p.errorf(e.raw, "state: %s", why)
				}
				x.State = s
			}
		case "params":
			x.Params, paramKeys = p.params(e)
		case "within":
			if v, ok := p.integer(e, "within", waitRange); ok {
				x.Within, withinE = v, &entries[i]
			}
		}
	}
	if x.Event == "" && x.Error == "" && x.State == "" && x.Params == nil {
		p.errorf(ke.raw, "expect: name at least one of event, error, params or state")
		return x
	}
	if withinE != nil && !x.Waits() {
		p.errorf(withinE.keyN, "within: a state alone is checked now, without waiting; within needs event, error or params")
	}
	if eventE != nil && x.Error != "" && isErrorValue(x.Error) && isEvent(x.Event) && carrier(x.Error) != catalog.Event(x.Event) {
		p.errorf(eventE.raw, "event %s never carries %s: its event is %s", x.Event, x.Error, carrier(x.Error))
	}
	if ce, ok := catalog.ByValue(x.Error); ok {
		for i, pm := range x.Params {
			if !slices.ContainsFunc(ce.Params, func(cp catalog.Param) bool { return cp.Name == pm.Name }) {
				p.errorf(paramKeys[i], "params: %s has no parameter %s (it has: %s)", ce.Name, quoteClip(pm.Name), paramNames(ce))
			}
		}
	}
	return x
}

func paramNames(e *catalog.Error) string {
	if len(e.Params) == 0 {
		return "none"
	}
	var out []string
	for _, p := range e.Params {
		out = append(out, p.Name)
	}
	return strings.Join(out, ", ")
}

// params reads the named parameters of an expectation and the key node of
// each.
func (p *parser) params(e entry) ([]sim.Param, []ast.Node) {
	m, ok := e.value.(*ast.MappingNode)
	if !ok {
		p.errorf(e.raw, "params: want a mapping of parameter names to values, got %s", describe(e.value))
		return nil, nil
	}
	out := []sim.Param{}
	var keys []ast.Node
	for _, mv := range m.Values {
		if mv == nil || mv.Key == nil {
			continue
		}
		k, ok := mv.Key.(*ast.StringNode)
		if !ok {
			p.errorf(mv.Key, "params: a parameter name is a string, got %s", describe(mv.Key))
			continue
		}
		name := k.Value
		v, ok := p.paramValue(mv.Value, name, 0)
		if !ok {
			continue
		}
		out = append(out, sim.P(name, v))
		keys = append(keys, mv.Key)
	}
	return out, keys
}

// The bounds of the parameter values of one file.
const (
	maxParamDepth  = 16
	maxParamValues = 10000
)

// paramValue reads one parameter value: a string, boolean, integer, null,
// or a mapping of named values (an object such as CONFERENCE_MAX_USERS's
// {visitorsSupported}), matched as a subset.
func (p *parser) paramValue(n ast.Node, path string, depth int) (sim.Value, bool) {
	if p.budget++; p.budget > maxParamValues || depth > maxParamDepth {
		p.errorf(n, "params.%s: too deeply nested or too many values (at most %d levels, %d values)", path, maxParamDepth, maxParamValues)
		return sim.Value{}, false
	}
	switch x := p.resolve(n).(type) {
	case nil:
		return sim.Value{}, false // the alias was reported
	case *ast.StringNode:
		if bigInt(x) {
			p.errorf(n, "params.%s: %s is too large for an integer (quote it to make it a string)", path, clip(x.Value))
			return sim.Value{}, false
		}
		return sim.Str(x.Value), true
	case *ast.LiteralNode:
		if x.Value != nil {
			return sim.Str(x.Value.Value), true
		}
		return sim.Str(""), true
	case *ast.BoolNode:
		return sim.BoolV(x.Value), true
	case *ast.NullNode:
		return sim.Nul(), true
	case *ast.IntegerNode:
		if v, ok := intValue(x); ok {
			return sim.Num(v), true
		}
		p.errorf(n, "params.%s: %s is too large", path, x.Token.Value)
		return sim.Value{}, false
	case *ast.MappingNode:
		fields := []sim.Param{}
		for _, mv := range x.Values {
			if mv == nil || mv.Key == nil {
				continue
			}
			k, ok := mv.Key.(*ast.StringNode)
			if !ok {
				p.errorf(mv.Key, "params.%s: a field name is a string, got %s", path, describe(mv.Key))
				continue
			}
			v, ok := p.paramValue(mv.Value, path+"."+k.Value, depth+1)
			if !ok {
				continue
			}
			fields = append(fields, sim.P(k.Value, v))
		}
		return sim.Obj(fields...), true
	default:
		p.errorf(n, "params.%s: want a string, boolean, integer, null or mapping, got %s", path, describe(x))
		return sim.Value{}, false
	}
}

func (p *parser) never(ke entry) []string {
	seq, ok := ke.value.(*ast.SequenceNode)
	if !ok {
		p.errorf(ke.raw, "expect_never: want a sequence of error values and event names, got %s", describe(ke.value))
		return nil
	}
	if len(seq.Values) == 0 {
		p.errorf(ke.raw, "expect_never: name at least one error value or event")
		return nil
	}
	var out []string
	for _, raw := range seq.Values {
		if p.full() {
			break
		}
		e := entry{value: p.resolve(raw), raw: raw}
		if e.value == nil {
			continue
		}
		s, ok := p.str(e, "expect_never")
		if !ok {
			continue
		}
		if !isErrorValue(s) && !isEvent(s) {
			all := append(ErrorValues(), EventNames()...)
			p.errorf(raw, "expect_never: %s is neither an error value nor an event name%s", quoteClip(s), suggest(s, all))
			continue
		}
		out = append(out, s)
	}
	return out
}

// checkOrder rejects step orders the model can never accept: actions that
// need a conference before any join, a moderator's answer before a knock.
func (p *parser) checkOrder(steps []Step) {
	joined, knocked := false, false
	for _, st := range steps {
		if st.Kind != KindAction {
			continue
		}
		a := st.Input.Action
		switch {
		case slices.Contains(needJoin, a) && !joined:
			p.errs = append(p.errs, &Error{st.Pos, fmt.Sprintf("impossible step order: %s before any join", a)})
		case slices.Contains(needKnock, a) && !knocked:
			p.errs = append(p.errs, &Error{st.Pos, fmt.Sprintf("impossible step order: %s before any knock (a moderator answers a knock)", a)})
		}
		switch a {
		case sim.ActionJoin:
			joined = true
		case sim.ActionKnock:
			knocked = true
		}
	}
}

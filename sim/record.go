package sim

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jitsi-sim/confsim/internal/catalog"
)

// Kind is the JavaScript type of a parameter value.
type Kind uint8

// The kinds of values.
const (
	Undefined Kind = iota
	Null
	String
	Bool
	Number
	Object
	// Ref is an object of the library's own (a JitsiParticipant, the
	// JitsiConference, a JingleSessionPC, an Error), written as a typed
	// placeholder: Str is its type, Fields what handlers read of it.
	Ref
)

// Value is a parameter value as the application's listener receives it.
type Value struct {
	Kind   Kind
	Str    string
	Bool   bool
	Num    int64
	Fields []Param
}

// Param is a named parameter; the name is the one the catalog documents.
type Param struct {
	Name  string
	Value Value
}

// Str, BoolV, Num, Nul and Obj build values.
func Str(s string) Value        { return Value{Kind: String, Str: s} }
func BoolV(b bool) Value        { return Value{Kind: Bool, Bool: b} }
func Num(n int64) Value         { return Value{Kind: Number, Num: n} }
func Nul() Value                { return Value{Kind: Null} }
func Obj(fields ...Param) Value { return Value{Kind: Object, Fields: fields} }

// RefV builds a placeholder for an object of the library's class typ.
func RefV(typ string, fields ...Param) Value { return Value{Kind: Ref, Str: typ, Fields: fields} }

// P builds a param.
func P(name string, v Value) Param { return Param{Name: name, Value: v} }

// String renders the value as JavaScript would print it.
func (v Value) String() string {
	switch v.Kind {
	case Null:
		return "null"
	case String:
		return strconv.Quote(v.Str)
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Number:
		return strconv.FormatInt(v.Num, 10)
	case Object:
		var b strings.Builder
		writeParams(&b, "{", ": ", "}", v.Fields)
		return b.String()
	case Ref:
		var b strings.Builder
		writeParams(&b, v.Str+"{", ": ", "}", v.Fields)
		return b.String()
	}
	return "undefined"
}

// writeParams writes named values between open and close.
func writeParams(b *strings.Builder, open, eq, close string, ps []Param) {
	b.WriteString(open)
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Name + eq + p.Value.String())
	}
	b.WriteString(close)
}

// MarshalJSON writes the value; undefined is written as null.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.Kind {
	case String:
		return json.Marshal(v.Str)
	case Bool:
		return json.Marshal(v.Bool)
	case Number:
		return json.Marshal(v.Num)
	case Object:
		return Params(v.Fields).MarshalJSON()
	case Ref:
		return Params(append([]Param{P("$type", Str(v.Str))}, v.Fields...)).MarshalJSON()
	}
	return []byte("null"), nil
}

// appendArg appends v as a positional argument: like MarshalJSON, but
// undefined is {"$undefined":true}, kept distinct from null.
func appendArg(b []byte, v Value) []byte {
	switch v.Kind {
	case Undefined:
		return append(b, `{"$undefined":true}`...)
	case Object, Ref:
		// Fields keep undefined too: {code: undefined, ...} is what a
		// handler sees of a Jingle error.
		b = append(b, '{')
		if v.Kind == Ref {
			b = append(b, `"$type":`...)
			b = appendJSONString(b, v.Str)
		}
		for i, f := range v.Fields {
			if i > 0 || v.Kind == Ref {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.Name)
			b = append(b, ':')
			b = appendArg(b, f.Value)
		}
		return append(b, '}')
	}
	j, _ := v.MarshalJSON()
	return append(b, j...)
}

// Params is an ordered parameter list; it marshals to a JSON object whose keys
// keep their order. Undefined values are left out.
type Params []Param

// MarshalJSON writes the params as one object, in order.
func (ps Params) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for _, p := range ps {
		if p.Value.Kind == Undefined {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(p.Name)
		b.Write(k)
		b.WriteByte(':')
		vb, err := p.Value.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// State is the whole model state: the conference lifecycle and its two Jingle
// sessions.
type State struct {
	Conference ConfState
	JVB        SessionState
	P2P        SessionState
}

// String renders the state, e.g. "joined" or "joined/jvb:connected".
func (s State) String() string {
	out := s.Conference.String()
	if s.JVB != SessionNone {
		out += "/jvb:" + s.JVB.String()
	}
	if s.P2P != SessionNone {
		out += "/p2p:" + s.P2P.String()
	}
	return out
}

// Record is one event handed to the application.
type Record struct {
	// T is the virtual time in milliseconds.
	T int64
	// Event is the lib-jitsi-meet event name.
	Event catalog.Event
	// Err is the conference error carried by the event, when HasErr.
	Err    catalog.ID
	HasErr bool
	// ConnErr is the connection error carried by connection.connectionFailed.
	ConnErr catalog.ConnError
	// Params are the listener arguments after the error value, or the
	// event's own arguments, by the names the catalog documents: what
	// scenario files match.
	Params Params
	// Args are the arguments after the event name exactly as
	// lib-jitsi-meet passes them to listeners: in order, undefined kept,
	// the library's objects as placeholders (catalog.ArgsOf).
	Args []Value
	// State is the model state after the event.
	State State
	// Phase is the lifecycle phase the event belongs to.
	Phase catalog.Phase
}

// ErrorValue returns the error value the record carries, or "".
func (r *Record) ErrorValue() string {
	if r.HasErr {
		return r.Err.String()
	}
	return string(r.ConnErr)
}

// String renders the record as one line of a readable trace.
func (r *Record) String() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(r.T, 10))
	b.WriteString("ms ")
	b.WriteString(string(r.Event))
	if v := r.ErrorValue(); v != "" {
		b.WriteString(" " + v)
	}
	if len(r.Params) > 0 {
		writeParams(&b, " (", "=", ")", r.Params)
	}
	b.WriteString(" [" + r.State.String() + "]")
	return b.String()
}

// AppendJSONL appends the record as one JSON line with the keys scenario,
// file (when not empty), t_ms, event, error, params, args, phase and state.
// Params that are undefined are left out of params; null is null. In args,
// undefined is {"$undefined":true} and the library's objects are
// {"$type": ...} placeholders.
func (r *Record) AppendJSONL(b []byte, scenario, file string) []byte {
	b = append(b, `{"scenario":`...)
	b = appendJSONString(b, scenario)
	if file != "" {
		b = append(b, `,"file":`...)
		b = appendJSONString(b, file)
	}
	b = append(b, `,"t_ms":`...)
	b = strconv.AppendInt(b, r.T, 10)
	b = append(b, `,"event":`...)
	b = appendJSONString(b, string(r.Event))
	b = append(b, `,"error":`...)
	if v := r.ErrorValue(); v != "" {
		b = appendJSONString(b, v)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"params":`...)
	pj, _ := r.Params.MarshalJSON()
	b = append(b, pj...)
	b = append(b, `,"args":[`...)
	for i, a := range r.Args {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendArg(b, a)
	}
	b = append(b, ']')
	b = append(b, `,"phase":`...)
	b = appendJSONString(b, string(r.Phase))
	b = append(b, `,"state":`...)
	b = appendJSONString(b, r.State.String())
	return append(b, "}\n"...)
}

func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

package scenario

import (
	"encoding/json"
	"reflect"

	"github.com/jitsi-sim/confsim/sim"
)

// SchemaID is the $id of the published schema: the raw file's address in
// the repository, so that the id resolves.
const SchemaID = "https://raw.githubusercontent.com/jitsi-sim/confsim/main/schema/scenario.schema.json"

type obj = map[string]any

// The patterns of name and description: no control character (what
// isControl rejects); the description may have tabs and line feeds. The
// escapes \xHH are read alike by Go's regexp and ECMA-262; U+2028 and U+2029
// are themselves (JSON writes them as \u2028 and \u2029).
const (
	namePattern        = `^[^\x00-\x1f\x7f-\x9f` + "\u2028\u2029" + `]*$`
	descriptionPattern = `^[^\x00-\x08\x0b-\x1f\x7f-\x9f` + "\u2028\u2029" + `]*$`
)

// Schema returns the JSON Schema (draft 2020-12) of the scenario format,
// built from the tables the parser uses and the names of the catalog and
// the model. The repository publishes it as schema/scenario.schema.json.
// The schema checks what a schema can: keys, types, names and ranges; the
// step order and the cross-checks between keys are left to the parser.
func Schema() []byte {
	s := obj{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  SchemaID,
		"title":                "Jitsi conference lifecycle scenario",
		"description":          "A scenario replayed by `simulate run`: configuration, then ordered steps (actions, faults, time advances, expectations). See docs/scenario-format.md.",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"description"},
		"properties": obj{
			"name": obj{"type": "string", "pattern": `\S`, "allOf": []obj{{"pattern": namePattern}},
				"description": "One line without control characters. Defaults to the file name without its extension."},
			"description": obj{"type": "string", "pattern": `\S`, "allOf": []obj{{"pattern": descriptionPattern}},
				"description": "Required: what the scenario shows. May span lines; no other control characters."},
			"profile": described(obj{"default": string(sim.ProfileDocumented)},
				"documented follows the documented error list; lib-jitsi-meet follows lib-jitsi-meet 01daa07c3f8c.",
				profileNames(), profileDocs),
			"seed":       obj{"type": "integer", "minimum": 0, "maximum": uint64(1<<64 - 1), "default": 1, "description": "Feeds the library's jitter."},
			"room":       structSchema(reflect.TypeFor[sim.Room](), "The MUC room being joined."),
			"deployment": structSchema(reflect.TypeFor[sim.Deployment](), "The server side: prosody, jicofo, bridges."),
			"client":     structSchema(reflect.TypeFor[sim.Client](), "The joining participant."),
			"limits":     structSchema(reflect.TypeFor[sim.Limits](), "Bounds of the run; reaching one fails the scenario."),
			"steps":      obj{"type": "array", "items": obj{"$ref": "#/$defs/step"}, "description": "Run in order at the current virtual time."},
		},
		"$defs": stepDefs(),
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err) // only maps, slices, strings and numbers: cannot fail
	}
	return append(out, '\n')
}

func structSchema(t reflect.Type, doc string) obj {
	props := obj{}
	for _, f := range configFields(t) {
		var p obj
		switch f.kind {
		case reflect.String:
			p = obj{"type": "string"}
			if f.enum != nil {
				p = obj{"enum": f.enum}
			}
		case reflect.Bool:
			p = obj{"type": "boolean"}
			if f.optional {
				p["default"] = true
			}
		default:
			p = obj{"type": "integer", "minimum": f.rng.min, "maximum": f.rng.max}
		}
		props[f.key] = p
	}
	return obj{"type": "object", "additionalProperties": false, "properties": props, "description": doc}
}

// described is a property whose value is one of values: enum checks it
// (one clear message for a wrong value), markdownDescription explains the
// property and markdownEnumDescriptions each value, in enum order, for
// editors' completion (VS Code, the YAML language server).
func described(p obj, doc string, values []string, docs func(string) string) obj {
	p["enum"] = values
	p["description"] = doc
	p["markdownDescription"] = doc
	per := make([]string, len(values))
	for i, v := range values {
		per[i] = docs(v)
	}
	p["markdownEnumDescriptions"] = per
	return p
}

// stepKinds are the keys of which a step has exactly one, and the
// companions each allows.
var stepCompanions = map[string][]string{"action": {"password", "text"}, "fault": {"reason"}}

func stepDefs() obj {
	var faults []string
	faults = append(faults, Faults()...)
	never := append(ErrorValues(), EventNames()...)
	errorKeys := append(ErrorValues(), errorNames()...)
	props := obj{
		"action": described(obj{}, "An action of the application or of a moderator.", actionNames(), actionDoc),
		"password": obj{"type": "string", "description": "The password of join, login or lock.",
			"markdownDescription": "The password of `join`, `login` or `lock`."},
		"text": obj{"type": "string", "description": "The chat text of send-chat, the display name of set-display-name, the reason of kick and destroy.",
			"markdownDescription": "The chat text of `send-chat`, the display name of `set-display-name`, the reason of `kick` and `destroy`."},
		"fault":  described(obj{}, "A documented cause id or a wire-level signal id (simulate errors lists them); not an error's name.", faults, faultDoc),
		"reason": described(obj{}, "The AUTH_ERROR_TYPES value of authorization-failure (general by default).", AuthReasons(), reasonDoc),
		"advance": obj{"type": "integer", "minimum": waitRange.min, "maximum": waitRange.max,
			"description": "Move virtual time forward by this many milliseconds.", "markdownDescription": "Move virtual time forward by this many milliseconds."},
		"settle": obj{"const": true, "description": "Run until nothing more is scheduled.", "markdownDescription": "Run until nothing more is scheduled."},
		"expect": obj{"$ref": "#/$defs/expectation"},
		"expect_quiet": obj{"const": true, "description": "Settle; no record may follow the last matched one.",
			"markdownDescription": "Settle; no record may follow the last matched one."},
		"expect_never": obj{"type": "array", "minItems": 1,
			"items":               described(obj{}, "An error value or event name that may not occur.", never, neverDoc),
			"description":         "None of these error values or event names may occur from this step to the end of the run.",
			"markdownDescription": "None of these error values or event names may occur from this step to the end of the run."},
	}
	// One if/then per step kind: the kind's key selects the keys allowed
	// beside it, so that a wrong value or key gives one message, not one
	// per kind as oneOf would.
	var rules []obj
	for _, k := range kindKeys {
		allowed := obj{k: true}
		for _, c := range stepCompanions[k] {
			allowed[c] = true
		}
		rules = append(rules, obj{"if": obj{"required": []string{k}}, "then": obj{"properties": allowed, "additionalProperties": false}})
	}
	for _, c := range []struct {
		key, kind string
		only      []string
	}{
		{"password", "action", actionStrings(passwordActions)},
		{"text", "action", actionStrings(textActions)},
		{"reason", "fault", []string{authorizationFailure}},
	} {
		rules = append(rules, obj{"if": obj{"required": []string{c.key}},
			"then": obj{"required": []string{c.kind}, "properties": obj{c.kind: obj{"enum": c.only}}}})
	}
	return obj{
		"paramValue": obj{
			"description": "A parameter value: a string, boolean, integer, null, or an object matched as a subset.",
			"anyOf": []obj{
				{"type": "string"}, {"type": "boolean"}, {"type": "integer"}, {"type": "null"},
				{"type": "object", "additionalProperties": obj{"$ref": "#/$defs/paramValue"}},
			},
		},
		"step": obj{
			"description":          "One step: exactly one of action, fault, advance, settle, expect, expect_quiet, expect_never; password and text go with an action, reason with a fault.",
			"markdownDescription":  "One step: exactly one of `action`, `fault`, `advance`, `settle`, `expect`, `expect_quiet`, `expect_never`; `password` and `text` go with an `action`, `reason` with a `fault`.",
			"type":                 "object",
			"minProperties":        1,
			"properties":           props,
			"additionalProperties": false,
			"allOf":                rules,
		},
		"expectation": obj{
			"description":          "Wait for a matching record (event, error, params), or check the current state (state alone).",
			"type":                 "object",
			"additionalProperties": false,
			"minProperties":        1,
			"dependentSchemas": obj{
				"within": obj{"if": obj{"not": obj{"anyOf": []obj{
					{"required": []string{"event"}}, {"required": []string{"error"}}, {"required": []string{"params"}},
				}}}, "then": obj{"required": []string{"event"}}},
			},
			"properties": obj{
				"event": described(obj{}, "A lib-jitsi-meet event name.", EventNames(), eventDoc),
				"error": described(obj{}, "A conference or connection error value, or the constant name of a conference error.", errorKeys, errorDoc),
				"state": obj{"type": "string", "pattern": statePattern(), "description": "The whole state (joined/jvb:connected) or its conference part."},
				"params": obj{
					"type":                 "object",
					"additionalProperties": obj{"$ref": "#/$defs/paramValue"},
					"description":          "Subset match on named parameters.",
				},
				"within": obj{"type": "integer", "minimum": waitRange.min, "maximum": waitRange.max, "default": DefaultWithin, "description": "Virtual ms to wait for the record; needs event, error or params."},
			},
		},
	}
}

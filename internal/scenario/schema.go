package scenario

import (
	"encoding/json"
	"reflect"
	"slices"

	"github.com/jitsi-sim/confsim/sim"
)

// SchemaID is the $id of the published schema.
const SchemaID = "https://github.com/jitsi-sim/confsim/schema/scenario.schema.json"

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
			"profile":    obj{"enum": profileNames(), "default": string(sim.ProfileDocumented), "description": "documented follows the documented error list; lib-jitsi-meet follows lib-jitsi-meet 01daa07c3f8c."},
			"seed":       obj{"type": "integer", "minimum": 0, "maximum": uint64(1<<64 - 1), "default": 1, "description": "Feeds the library's jitter."},
			"room":       structSchema(reflect.TypeFor[sim.Room](), "The MUC room being joined (sim.Room)."),
			"deployment": structSchema(reflect.TypeFor[sim.Deployment](), "The server side: prosody, jicofo, bridges (sim.Deployment)."),
			"client":     structSchema(reflect.TypeFor[sim.Client](), "The joining participant (sim.Client)."),
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
		default:
			p = obj{"type": "integer", "minimum": f.rng.min, "maximum": f.rng.max}
		}
		props[f.key] = p
	}
	return obj{"type": "object", "additionalProperties": false, "properties": props, "description": doc}
}

func stepDefs() obj {
	var plain []string
	for _, a := range actionNames() {
		if !slices.Contains(actionStrings(passwordActions), a) && !slices.Contains(actionStrings(textActions), a) {
			plain = append(plain, a)
		}
	}
	var faults []string
	for _, f := range Faults() {
		if f != authorizationFailure {
			faults = append(faults, f)
		}
	}
	variant := func(doc string, props obj, required ...string) obj {
		return obj{"type": "object", "additionalProperties": false, "required": required, "properties": props, "description": doc}
	}
	never := append(ErrorValues(), EventNames()...)
	return obj{
		"paramValue": obj{
			"description": "A parameter value: a string, boolean, integer, null, or an object matched as a subset.",
			"anyOf": []obj{
				{"type": []string{"string", "boolean", "integer", "null"}},
				{"type": "object", "additionalProperties": obj{"$ref": "#/$defs/paramValue"}},
			},
		},
		"step": obj{
			"description": "One step: exactly one of action, fault, advance, settle, expect, expect_quiet, expect_never.",
			"oneOf": []obj{
				{"$ref": "#/$defs/action_password"}, {"$ref": "#/$defs/action_text"}, {"$ref": "#/$defs/action"},
				{"$ref": "#/$defs/fault_reason"}, {"$ref": "#/$defs/fault"},
				{"$ref": "#/$defs/advance"}, {"$ref": "#/$defs/settle"},
				{"$ref": "#/$defs/expect"}, {"$ref": "#/$defs/expect_quiet"}, {"$ref": "#/$defs/expect_never"},
			},
		},
		"action_password": variant("An action that may carry a password.", obj{
			"action":   obj{"enum": actionStrings(passwordActions)},
			"password": obj{"type": "string"},
		}, "action"),
		"action_text": variant("An action that may carry a text: chat text for send-chat, the reason of kick and destroy.", obj{
			"action": obj{"enum": actionStrings(textActions)},
			"text":   obj{"type": "string"},
		}, "action"),
		"action": variant("An action of the application or a moderator.", obj{
			"action": obj{"enum": plain},
		}, "action"),
		"fault_reason": variant("The authorization-failure cause, with its AUTH_ERROR_TYPES value (general by default).", obj{
			"fault":  obj{"const": authorizationFailure},
			"reason": obj{"enum": AuthReasons()},
		}, "fault"),
		"fault": variant("A documented cause id or a wire-level signal id (simulate errors lists them).", obj{
			"fault": obj{"enum": faults},
		}, "fault"),
		"advance": variant("Move virtual time forward.", obj{
			"advance": obj{"type": "integer", "minimum": waitRange.min, "maximum": waitRange.max, "description": "Virtual milliseconds."},
		}, "advance"),
		"settle": variant("Run until nothing more is scheduled.", obj{
			"settle": obj{"const": true},
		}, "settle"),
		"expect": variant("Wait for a matching record, or check the current state.", obj{
			"expect": obj{"$ref": "#/$defs/expectation"},
		}, "expect"),
		"expect_quiet": variant("Settle; no record may follow the last matched one.", obj{
			"expect_quiet": obj{"const": true},
		}, "expect_quiet"),
		"expect_never": variant("None of these error values or event names may occur from this step to the end of the run.", obj{
			"expect_never": obj{"type": "array", "minItems": 1, "items": obj{"enum": never}},
		}, "expect_never"),
		"expectation": obj{
			"type":                 "object",
			"additionalProperties": false,
			"minProperties":        1,
			"anyOf": []obj{
				{"required": []string{"event"}}, {"required": []string{"error"}},
				{"required": []string{"state"}}, {"required": []string{"params"}},
			},
			"dependentSchemas": obj{
				"within": obj{"anyOf": []obj{
					{"required": []string{"event"}}, {"required": []string{"error"}}, {"required": []string{"params"}},
				}},
			},
			"properties": obj{
				"event": obj{"enum": EventNames(), "description": "A lib-jitsi-meet event name."},
				"error": obj{"enum": ErrorValues(), "description": "A conference or connection error value."},
				"state": obj{"type": "string", "pattern": statePattern(), "description": "The whole state (joined/jvb:connected) or its conference part."},
				"params": obj{
					"type":                 "object",
					"additionalProperties": obj{"$ref": "#/$defs/paramValue"},
					"description":          "Subset match on named parameters.",
				},
				"within": obj{"type": "integer", "minimum": waitRange.min, "maximum": waitRange.max, "default": DefaultWithin, "description": "Virtual ms to wait for the record."},
			},
		},
	}
}

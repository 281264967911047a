// Package scenario reads scenario files and replays them against the
// conference lifecycle model in package sim.
//
// A scenario (docs/scenario-format.md) names a profile, a seed, the room,
// deployment and client configuration, and an ordered list of steps: the
// application's and a moderator's actions (join, knock, approve, ...), faults
// (a documented cause id from the catalog, or a wire-level signal), advances
// of virtual time, and expectations on the events and errors lib-jitsi-meet
// hands to the application.
//
// Parse checks a file completely before anything runs: YAML syntax, unknown
// or duplicate keys, wrong types, names that are not in the catalog (causes,
// signals, events, error values, AUTH_ERROR_TYPES values, states), and step
// orders the model can never accept (a knock before any join, an approval
// before a knock). Every problem is reported as file:line:col: message.
//
// Run drives one sim.Sim through the steps in virtual time and returns the
// verdict, the reason of a failure (naming the step's position), and the
// trace: the inputs and checks interleaved with the records the model
// emitted. Run is deterministic: the same file gives the same Result.
//
// Schema returns the JSON Schema of the format, built from the same tables
// the parser uses; the repository publishes it as schema/scenario.schema.json.
//
// Not modelled here: what an application does with the errors (that is the
// catalog's AppReaction text), and wall-clock time.
package scenario

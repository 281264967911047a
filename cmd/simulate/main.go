// Simulate replays the life of a Jitsi conference as lib-jitsi-meet sees it:
// connecting, the conference request to the focus (jicofo), joining the MUC,
// password, lobby, authentication, media, the joined steady state and
// teardown. Faults come from scenario files or from a seed, and the
// simulator emits the events and errors lib-jitsi-meet would hand to an
// application, with their parameters, in virtual time.
//
// Usage:
//
//	simulate COMMAND [FLAGS] [ARGUMENTS]
//
// Commands:
//
//	run       replay scenario files and check their expectations
//	validate  check scenario files without running them
//	errors    list the conference errors and AUTH_ERROR_TYPES
//	describe  explain one conference error and the scenarios that reach it
//	graph     print the conference lifecycle as Mermaid or Graphviz
//	random    run a seeded random fault campaign
//	explore   search the lifecycle for paths to every error
//	merge     merge campaign results
//
// simulate run PATH... replays the scenario files named by PATH (files,
// directories searched for *.yaml and *.yml, or glob patterns). Every file
// is checked before anything runs; a file with a problem stops the whole
// run with exit status 2 and one "file:line:col: message" per problem. By
// default run prints a step-by-step trace: each step as it starts, the
// records the model emitted, and each check. --format jsonl writes one
// JSON object per record (scenario, t_ms, event, error, params, state) and
// one result object per scenario (scenario, file, result, reason,
// end_ms). --junit FILE also writes a JUnit XML report for CI. -q prints
// only the verdicts.
//
// simulate validate PATH... checks files the same way without running them.
//
// simulate errors lists the 20 conference errors with their carrier event,
// phases, classification and documented causes, the AUTH_ERROR_TYPES and
// the wire-level signals; --format json writes {"errors": [...],
// "auth_error_types": [...]}.
//
// simulate describe ERROR explains one error (by name, value or cause id):
// its causes, carrier event, parameters, classification, what the jitsi-meet
// app does, and which scenarios under --scenarios DIR (default scenarios)
// reach it.
//
// simulate graph prints the conference lifecycle and the Jingle session
// machine; --format mermaid (default) or dot.
//
// Exit status: 0 when everything passed, 1 when an expectation failed, 2 on
// bad input (a malformed or inconsistent file, an unknown flag, command,
// error or path).
//
// Examples:
//
//	simulate run scenarios/
//	simulate run --format jsonl scenarios/lobby-*.yaml > trace.jsonl
//	simulate run -q --junit report.xml scenarios/
//	simulate validate scenarios/
//	simulate errors --format json | jq '.errors[].value'
//	simulate describe PASSWORD_REQUIRED
//	simulate graph --format dot | dot -Tsvg > lifecycle.svg
//
// Run "simulate help COMMAND" for the manual of one command.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

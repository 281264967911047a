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
//	run         replay scenario files and check their expectations
//	validate    check scenario files without running them
//	errors      list the conference and connection errors
//	describe    explain one conference or connection error and the scenarios that reach it
//	graph       print the conference lifecycle as Mermaid or Graphviz
//	random      run a seeded random fault campaign
//	explore     search the lifecycle for paths to every error
//	merge       merge campaign results
//	diff        compare two JSONL traces event by event
//	conformance judge the model by the real lib-jitsi-meet
//	serve       run a scenario's server side as a fake deployment for a real client
//	version     print the version and the library each profile follows
//
// simulate run PATH... replays the scenario files named by PATH (*.yaml and
// *.yml files, directories searched for them, or glob patterns; each file
// once, however it is named). Every file
// is checked before anything runs; a file with a problem stops the whole
// run with exit status 2 and one "file:line:col: message" per problem. By
// default run prints one verdict per scenario and a summary; -v prints the
// step-by-step trace before each verdict (each step as it starts, the
// records the model emitted, and each check); -q prints only the failures
// and the summary. --format jsonl writes a header record (tool, version,
// profile, lib_jitsi_meet, seed, scenarios), one JSON object per record
// (scenario, file, t_ms, event, error, params, args, phase, state) and one
// result object per scenario (scenario, file, result, reason, end_ms).
// --format github adds GitHub Actions annotations (::error file=,line=,col=::)
// for failed steps and bad files. --junit FILE also writes a JUnit XML
// report for CI (also when bad input stops the run), --summary FILE
// appends a Markdown summary (for $GITHUB_STEP_SUMMARY).
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
// simulate random runs a seeded random fault campaign: each run draws a
// room, a deployment and a client, then rounds of a fault (each with its
// probability, --fault-rate and --fault SELECTOR=P), an action the model
// allows and a wait, and checks every record against the lifecycle
// invariants and the catalog's classification. The same --seed gives the
// same output whatever --workers and however the campaign is split with
// --shard I/N. Each failing run prints the command that replays it; the
// first --keep-failures of them are shrunk to scenario files in
// --failures DIR that simulate run replays; --run I replays one run.
// --format text (default), json (the summary) or jsonl (a header, then
// every record). --junit FILE writes one failing test case per failing run
// with its reproduce command; --summary FILE appends a Markdown summary.
//
// simulate explore searches breadth-first over input sequences (every
// action the model allows, every cause and signal) up to --depth inputs
// (1 to 4) from three fixed rooms and
// reports, for every error, whether it is reachable within the bound and
// its shortest witness; --emit DIR writes the witnesses as scenario files.
//
// simulate merge FILE... adds up the JSON summaries of the shards of one
// campaign (simulate random --shard I/N --format json) into the whole
// campaign's; a missing shard is bad input unless --allow-partial.
//
// simulate diff A.jsonl B.jsonl compares two JSONL traces scenario by
// scenario, event by event (name, error value, positional arguments, order,
// and virtual time within --tolerance-ms, default 500), prints the first
// difference of each scenario with both records, and exits 1 when they
// differ.
//
// simulate conformance PATH... runs each scenario on the model and on the
// real lib-jitsi-meet (--library, $LJM_LIBRARY or
// ./node_modules/lib-jitsi-meet) in jsdom through the Node harness in
// conformance/harness, against the model's server side on a real XMPP
// endpoint, and diffs the two traces: one line per scenario (agrees, the
// first difference, or needs media) and a summary; --out DIR keeps the
// traces.
//
// simulate serve SCENARIO runs the scenario's server side in real time for
// a real client (an app using lib-jitsi-meet, in a browser or in Node) on
// loopback: it prints the serviceUrl and hosts to configure, plays the
// scenario's faults and moderators cued on what the client sends (or
// only the cues of its control endpoint, with --manual), and ends with a
// verdict on what the server saw.
//
// simulate version (or simulate --version) prints simulate's version (the
// module version, else the VCS revision, else "devel") and the
// lib-jitsi-meet commit each profile is pinned to.
//
// Exit status: 0 when everything passed, 1 when an expectation failed (or,
// for random and merge, a run broke an invariant), 2 on bad input (a
// malformed or inconsistent file, an unknown flag, command, error or path),
// 3 on an internal failure (a bug: a panic, or the Go runtime stopping the
// command, out of memory or a stack overflow; the command runs in a child
// process of itself so that the runtime's own status 2 is never mistaken for
// bad input), 130 or 143 when interrupted, 141 on a closed pipe.
//
// Examples:
//
//	simulate run scenarios/
//	simulate run -v scenarios/happy/password-then-join.yaml
//	simulate run --format jsonl 'scenarios/*/*lobby*' > trace.jsonl
//	simulate run -q --junit report.xml scenarios/
//	simulate validate scenarios/
//	simulate errors --format json | jq '.errors[].value'
//	simulate describe PASSWORD_REQUIRED
//	simulate graph --format dot | dot -Tsvg > lifecycle.svg
//	simulate random --seed 7 --runs 100000
//	simulate random --seed 7 --runs 1000000 --shard 3/8 --format json > shard3.json
//	simulate merge shard*.json
//	simulate explore --emit witnesses/ && simulate run witnesses/
//
// Run "simulate help COMMAND" for the manual of one command.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// The command runs in a child process of itself. A failure of the Go runtime
// (out of memory, a stack overflow: a "fatal error") cannot be recovered and
// ends the process with status 2, the status of bad input; the parent sees
// it and reports an internal failure (3) instead, with a pointer to a bug
// report. The child adds childBase to its own status so that the two cannot
// be confused.
const (
	childEnv  = "SIMULATE_CHILD"
	childBase = 10
	// crashTestEnv makes the child crash the runtime on purpose, so that a
	// test can check the parent's report (stack-overflow).
	crashTestEnv = "SIMULATE_CRASH_TEST"
)

func main() {
	if os.Getenv(childEnv) != "" {
		if os.Getenv(crashTestEnv) == "stack-overflow" {
			debug.SetMaxStack(1 << 16)
			fmt.Fprintln(os.Stderr, "not reached:", overflow(1))
		}
		os.Exit(childBase + run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(supervise(os.Args[1:]))
}

// supervise runs the command in a child and returns its exit status: the
// child's own, or exitInternal when the Go runtime ended it.
func supervise(args []string) int {
	exe, err := os.Executable()
	if err != nil {
		return run(args, os.Stdout, os.Stderr) // no child: as before
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), childEnv+"=1")
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	if err := cmd.Start(); err != nil {
		signal.Stop(sigs)
		return run(args, os.Stdout, os.Stderr)
	}
	go func() {
		for s := range sigs {
			if s != syscall.SIGPIPE {
				cmd.Process.Signal(s) // the child stops at a run boundary
			}
		}
	}()
	err = cmd.Wait()
	signal.Stop(sigs)
	close(sigs)
	if err == nil {
		return childStatus(0)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Exited():
				return childStatus(ws.ExitStatus())
			case ws.Signaled() && (ws.Signal() == syscall.SIGPIPE || ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGTERM):
				// A closed pipe, or a stop asked for: end quietly as
				// Unix tools do.
				return 128 + int(ws.Signal())
			}
		}
		fmt.Fprintf(os.Stderr, "simulate: internal failure: the command was stopped (%v)\nPlease report it with the command line and its input files.\n", ee)
		return exitInternal
	}
	fmt.Fprintf(os.Stderr, "simulate: internal failure: %v\n", err)
	return exitInternal
}

// childStatus maps the child's exit status back; any status the child did
// not choose is the Go runtime's own.
func childStatus(code int) int {
	if code >= childBase && code < childBase+200 {
		return code - childBase
	}
	fmt.Fprintf(os.Stderr, "simulate: internal failure: the Go runtime stopped the command (exit status %d: out of memory, a stack overflow or another fatal error; its message is above)\nPlease report it with the command line and its input files.\n", code)
	return exitInternal
}

// overflow recurses until the stack overflows: the crash test. (n never
// reaches 0 again; the base case is there for the reader.)
func overflow(n int) int {
	if n <= 0 {
		return 0
	}
	return overflow(n+1) + 1
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses.
const (
	exitOK       = 0 // everything passed
	exitFail     = 1 // an expectation failed
	exitBadInput = 2 // a malformed file, an unknown flag, command or name
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
	// manual is the help text that simulate help COMMAND prints (and
	// COMMAND --help, through parse or, for the campaign commands, their own
	// flag handling in campaign.go).
	manual string
}

func commands() []command {
	return []command{
		{"run", "replay scenario files and check their expectations", cmdRun, runManual},
		{"validate", "check scenario files without running them", cmdValidate, validateManual},
		{"errors", "list the conference and connection errors", cmdErrors, errorsManual},
		{"describe", "explain one conference or connection error and the scenarios that reach it", cmdDescribe, describeManual},
		{"graph", "print the conference lifecycle as Mermaid or Graphviz", cmdGraph, graphManual},
		{"random", "run a seeded random fault campaign", cmdRandom, randomManual},
		{"explore", "search the lifecycle for paths to every error", cmdExplore, exploreManual},
		{"merge", "merge campaign results", cmdMerge, mergeManual},
		{"diff", "compare two JSONL traces event by event", cmdDiff, diffManual},
		{"conformance", "judge the model by the real lib-jitsi-meet", cmdConformance, conformanceManual},
		{"serve", "run a scenario's server side as a fake deployment for a real client", cmdServe, serveManual},
		{"version", "print the version and the library each profile follows", cmdVersion, versionManual},
	}
}

// run is the whole command line: main only calls it and exits.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitBadInput
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return exitOK
	case "-version", "--version":
		c, _ := lookup("version")
		return runChecked(c, rest, stdout, stderr)
	case "help":
		if len(rest) == 0 {
			fmt.Fprint(stdout, usage())
			return exitOK
		}
		c, ok := lookup(rest[0])
		if !ok {
			fmt.Fprintf(stderr, "simulate help: unknown command %q\nRun 'simulate help' for the list of commands.\n", rest[0])
			return exitBadInput
		}
		if c.manual == "" {
			return c.run([]string{"--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, c.manual)
		return exitOK
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "simulate: unknown command %q\nRun 'simulate help' for the list of commands.\n", name)
		return exitBadInput
	}
	return runChecked(c, rest, stdout, stderr)
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func usage() string {
	var b strings.Builder
	b.WriteString(`simulate - replay the life of a Jitsi conference as lib-jitsi-meet sees it

Usage:
    simulate COMMAND [FLAGS] [ARGUMENTS]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "    %-11s %s\n", c.name, c.summary)
	}
	b.WriteString(`
Exit status:
    0   everything passed
    1   an expectation failed
    2   bad input: a malformed or inconsistent scenario file, an unknown
        command, flag, error or path; or standard output cannot be written
    3   an internal error (a bug in simulate): report it
    130, 143
        simulate random was interrupted (SIGINT, SIGTERM); what ran is
        written
    141 standard output was a pipe whose reader went away

Examples:
    simulate run scenarios/
    simulate run -v scenarios/happy/password-then-join.yaml
    simulate run --format jsonl scenarios/ > trace.jsonl
    simulate validate scenarios/
    simulate describe PASSWORD_REQUIRED
    simulate graph --format dot | dot -Tsvg > lifecycle.svg

Run 'simulate help COMMAND' or 'simulate COMMAND --help' for the manual of a
command, 'simulate --version' for the version. Scenario files are described in docs/scenario-format.md.
`)
	return b.String()
}

// flags builds the FlagSet of a subcommand; its errors are reported by
// parse, never printed by the flag package.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("simulate "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses flags that may come before, between or after the
// positional arguments ("--" ends the flags). It returns the positional
// arguments and an exit status: -1 to go on, exitOK after --help (the
// manual is printed), exitBadInput after a flag error (reported).
func parse(fs *flag.FlagSet, manual string, args []string, stdout, stderr io.Writer) ([]string, int) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, manual)
			return nil, exitOK
		}
		if err != nil {
			return nil, usageError(stderr, fs.Name(), "%v", err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), -1
		}
		if len(rest) == 0 {
			return pos, -1
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError reports a command line mistake and returns exitBadInput.
func usageError(stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitBadInput
}

// oneOf checks a flag's value against its allowed values.
func oneOf(stderr io.Writer, cmd, flagName, v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	want := allowed[len(allowed)-1]
	if n := len(allowed); n > 1 {
		want = strings.Join(allowed[:n-1], ", ") + " or " + want
	}
	usageError(stderr, cmd, "--%s: unknown value %q (want %s)", flagName, v, want)
	return false
}

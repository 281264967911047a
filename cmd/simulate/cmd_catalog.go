package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
)

const errorsManual = `NAME
    simulate errors - list the conference and connection errors

SYNOPSIS
    simulate errors [--format text|json]

DESCRIPTION
    Errors lists the 20 members of JitsiConferenceErrors in documented
    order: name, value, the event that carries it, the lifecycle phases in
    which it surfaces, whether jitsi-meet treats it as fatal
    (isFatalJitsiConferenceError) and marks it recoverable, and whether
    lib-jitsi-meet 01daa07c3f8c still emits it. Under each error come its
    documented causes: the ids a scenario's fault step uses. Then the
    members of JitsiConnectionErrors, carried by connection.connectionFailed,
    each with the faults that reach it; the six AUTH_ERROR_TYPES (the reason
    of NOT_ALLOWED_ERROR, and of the fault authorization-failure); and the
    wire-level signals a fault step may inject.

OPTIONS
    --format text|json
        text (default) is the listing above. json writes
        {"errors": [...], "connection_errors": [...], "auth_error_types":
        [...], "events": [...]}; each
        error has name, value, event, params, phase (a list), fatal,
        recoverable, emitted_by_lib, description, user_action, app_reaction
        and causes (id, text, signal); each connection error has name,
        value, event, params, params_note, emitted_by_lib, description,
        app_reaction and causes; each auth type has name, value,
        signal, text; each event the model emits has event, args (name and
        type of each positional argument the library passes listeners, in
        order), error_first (the error value comes first, then the error's
        params) and source (the library function that emits it).

EXIT STATUS
    0   the list was written
    2   an unknown flag or format

EXAMPLES
    simulate errors
    simulate errors --format json | jq -r '.errors[] | select(.fatal) | .name'
`

const describeManual = `NAME
    simulate describe - explain one conference or connection error

SYNOPSIS
    simulate describe [--scenarios DIR] ERROR

DESCRIPTION
    Describe explains one member of JitsiConferenceErrors, named by its
    constant name (PASSWORD_REQUIRED), its value
    (conference.passwordRequired) or the id of one of its documented causes
    (room-password-protected): what it means, the event that carries it and
    its parameters, the phases in which it surfaces, its classification
    (fatal, recoverable, still emitted by lib-jitsi-meet), what the user can
    do, what the jitsi-meet app does with it, its documented causes with the
    wire-level signal each one produces, and which scenarios reach it.

    To find the scenarios, describe runs every scenario file under DIR and
    lists those in which the error occurred, whether or not the scenario
    passed. Files that do not parse are skipped with a warning.

    A member of JitsiConnectionErrors is described the same way, named by
    its constant name (CONNECTION_DROPPED_ERROR), its value
    (connection.droppedError) or a fault that reaches it (xmpp-unreachable:
    every connection error it may end in, in turn).

OPTIONS
    --scenarios DIR
        The scenario directory to search (default: scenarios).

EXIT STATUS
    0   the error was described
    2   ERROR names no conference or connection error, or a flag is wrong

EXAMPLES
    simulate describe PASSWORD_REQUIRED
    simulate describe conference.iceFailed
    simulate describe --scenarios my-scenarios/ turn-unavailable
    simulate describe connection.serverError
`

const graphManual = `NAME
    simulate graph - print the conference lifecycle

SYNOPSIS
    simulate graph [--format mermaid|dot]

DESCRIPTION
    Graph prints the two state machines of the model, built from the same
    transition tables the simulator runs: the conference lifecycle
    (connecting, the conference request to the focus, the MUC join,
    password, lobby, authentication, joined, teardown) and the Jingle
    session machine that the JVB and P2P sessions each follow.

OPTIONS
    --format mermaid|dot
        mermaid (default) writes a Mermaid stateDiagram-v2; dot writes a
        Graphviz digraph with one cluster per machine.

EXIT STATUS
    0   the graph was written
    2   an unknown flag or format

EXAMPLES
    simulate graph > lifecycle.mmd
    simulate graph --format dot | dot -Tsvg > lifecycle.svg
`

func cmdErrors(args []string, stdout, stderr io.Writer) int {
	fs := flags("errors")
	format := fs.String("format", "text", "text or json")
	rest, code := parse(fs, errorsManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(rest) > 0 {
		return usageError(stderr, "simulate errors", "unexpected argument %q", rest[0])
	}
	if !oneOf(stderr, "simulate errors", "format", *format, "text", "json") {
		return exitBadInput
	}
	if *format == "json" {
		out, err := json.MarshalIndent(struct {
			Errors     []catalog.Error          `json:"errors"`
			ConnErrors []catalog.ConnErrorEntry `json:"connection_errors"`
			AuthTypes  []catalog.AuthType       `json:"auth_error_types"`
			Events     []catalog.EventArgs      `json:"events"`
		}{catalog.Errors(), catalog.ConnErrorEntries(), catalog.AuthTypes(), catalog.AllEventArgs()}, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "simulate errors: %v\n", err)
			return exitBadInput
		}
		stdout.Write(append(out, '\n'))
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVALUE\tEVENT\tFATAL\tRECOVERABLE\tEMITTED BY LIB")
	for _, e := range catalog.Errors() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, e.Value, e.Event, yesNo(e.Fatal), yesNo(e.Recoverable), yesNo(e.EmittedByLib))
		for _, c := range e.Causes {
			fmt.Fprintf(tw, "    cause %s\t\t\t\t\t\n", c.ID)
		}
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nConnection errors (JitsiConnectionErrors, carried by %s):\n", catalog.ConnectionFailed)
	tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVALUE\tEMITTED BY LIB")
	for _, e := range catalog.ConnErrorEntries() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, e.Value, yesNo(e.EmittedByLib))
		for _, c := range e.Causes {
			fmt.Fprintf(tw, "    cause %s\t\t\n", c.ID)
		}
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nAUTH_ERROR_TYPES (the type of NOT_ALLOWED_ERROR, the reason of authorization-failure):")
	tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, t := range catalog.AuthTypes() {
		fmt.Fprintf(tw, "    %s\t%s\t%s\n", t.Name, t.Value, t.Text)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nSignals (wire-level faults that are not documented causes):")
	tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, s := range sim.Signals {
		fmt.Fprintf(tw, "    %s\t%s\n", s.ID, s.Text)
	}
	tw.Flush()
	return exitOK
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// findError finds an error by name, value or cause id (any case).
func findError(arg string) (*catalog.Error, bool) {
	for i := range catalog.Errors() {
		e := &catalog.Errors()[i]
		if strings.EqualFold(arg, e.Name) || strings.EqualFold(arg, e.Value) {
			return e, true
		}
	}
	if e, _, ok := catalog.CauseByID(strings.ToLower(arg)); ok {
		return e, true
	}
	return nil, false
}

func cmdDescribe(args []string, stdout, stderr io.Writer) int {
	fs := flags("describe")
	dir := fs.String("scenarios", "scenarios", "the scenario `DIR` to search")
	rest, code := parse(fs, describeManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(rest) != 1 {
		return usageError(stderr, "simulate describe", "want exactly one ERROR (a name, value or cause id), got %d arguments", len(rest))
	}
	e, ok := findError(rest[0])
	if !ok {
		if ces := findConnErrors(rest[0]); len(ces) > 0 {
			for i, ce := range ces {
				if i > 0 {
					io.WriteString(stdout, "\n")
				}
				describeConnError(stdout, stderr, *dir, ce)
			}
			return exitOK
		}
		var names []string
		for _, e := range catalog.Errors() {
			names = append(names, e.Name, e.Value)
		}
		for _, e := range catalog.ConnErrorEntries() {
			names = append(names, e.Name, string(e.Value))
		}
		names = append(names, scenario.CauseIDs()...)
		fmt.Fprintf(stderr, "simulate describe: unknown error %q%s: not the name, value or a cause id of a conference or connection error\nRun 'simulate errors' for the list.\n", rest[0], scenario.Suggest(rest[0], names))
		return exitBadInput
	}
	var b strings.Builder
	describeHead(&b, e.Name, string(e.Value), e.Description, e.Event, e.Params)
	var phases []string
	for _, p := range e.Phases {
		phases = append(phases, string(p))
	}
	fmt.Fprintf(&b, "Phases:          %s\n", strings.Join(phases, ", "))
	fmt.Fprintf(&b, "Fatal:           %s (jitsi-meet's isFatalJitsiConferenceError)\n", yesNo(e.Fatal))
	fmt.Fprintf(&b, "Recoverable:     %s (error.recoverable in jitsi-meet)\n", yesNo(e.Recoverable))
	fmt.Fprintf(&b, "Emitted by lib:  %s (lib-jitsi-meet 01daa07c3f8c)\n", yesNo(e.EmittedByLib))
	fmt.Fprintf(&b, "\nWhat the user can do:\n    %s\n", e.UserAction)
	fmt.Fprintf(&b, "\nWhat the jitsi-meet app does:\n    %s\n", e.AppReaction)
	if e.ID == catalog.AuthenticationRequired || e.ID == catalog.ReservationError {
		// JitsiConnection.connect: with conferenceRequestUrl and a name,
		// the request goes before any ChatRoom can forward its events.
		b.WriteString("\nLost with connect({name}):\n    With conferenceRequestUrl, an app that connects with connect({name}) sends the\n" +
			"    conference request before the XMPP connection, when no conference exists to pass this\n" +
			"    error on: it never reaches the app, and the connection never opens (the app waits for\n" +
			"    ever). Scenario files model it with client.connect_with_name.\n")
	}
	b.WriteString("\nCauses (fault ids for scenario files):\n")
	for _, c := range e.Causes {
		fmt.Fprintf(&b, "    %s\n        %s\n        on the wire: %s\n", c.ID, c.Text, c.Signal)
	}
	io.WriteString(stdout, b.String())
	reaching(stdout, stderr, *dir, e.Value)
	return exitOK
}

// findConnErrors finds connection errors by name, value or a fault that
// reaches them (any case).
func findConnErrors(arg string) []*catalog.ConnErrorEntry {
	for _, e := range catalog.ConnErrorEntries() {
		if strings.EqualFold(arg, e.Name) || strings.EqualFold(arg, string(e.Value)) {
			e := e
			return []*catalog.ConnErrorEntry{&e}
		}
	}
	return catalog.ConnErrorsOfCause(strings.ToLower(arg))
}

// describeHead writes what the descriptions of a conference and a
// connection error share: the name, value and description, the carrier
// and the parameters after the error value.
func describeHead(b *strings.Builder, name, value, desc string, ev catalog.Event, params []catalog.Param) {
	fmt.Fprintf(b, "%s (%s)\n\n    %s\n\n", name, value, desc)
	fmt.Fprintf(b, "Carried by:      %s\n", ev)
	if len(params) == 0 {
		b.WriteString("Parameters:      none after the error value\n")
		return
	}
	b.WriteString("Parameters:      after the error value, in order:\n")
	for _, p := range params {
		fmt.Fprintf(b, "    %s (%s): %s\n", p.Name, p.Type, p.Doc)
	}
}

// describeConnError explains one member of JitsiConnectionErrors.
func describeConnError(stdout, stderr io.Writer, dir string, e *catalog.ConnErrorEntry) {
	var b strings.Builder
	describeHead(&b, e.Name, string(e.Value), e.Description, e.Event, e.Params)
	if e.ParamsNote != "" {
		fmt.Fprintf(&b, "    %s\n", e.ParamsNote)
	}
	fmt.Fprintf(&b, "Emitted by lib:  %s (lib-jitsi-meet 01daa07c3f8c)\n", yesNo(e.EmittedByLib))
	fmt.Fprintf(&b, "\nWhat the jitsi-meet app does:\n    %s\n", e.AppReaction)
	b.WriteString("\nCauses (fault ids for scenario files):\n")
	for _, c := range e.Causes {
		fmt.Fprintf(&b, "    %s\n        %s\n        on the wire: %s\n", c.ID, c.Text, c.Signal)
	}
	io.WriteString(stdout, b.String())
	reaching(stdout, stderr, dir, string(e.Value))
}

// reaching runs the scenarios under dir and lists those in which the error
// value occurred.
func reaching(stdout, stderr io.Writer, dir, value string) {
	fmt.Fprintf(stdout, "\nScenarios that reach it (%s):\n", dir)
	if _, err := os.Stat(dir); err != nil {
		fmt.Fprintf(stdout, "    none: there is no directory %s\n", dir)
		return
	}
	paths, err := scenario.Expand([]string{dir})
	if err != nil {
		fmt.Fprintf(stdout, "    none: %v\n", err)
		return
	}
	n := 0
	for _, p := range paths {
		sc, err := scenario.Load(p)
		if err != nil {
			var list scenario.ErrorList
			if errors.As(err, &list) && len(list) > 0 {
				err = list[0]
			}
			fmt.Fprintf(stderr, "simulate describe: skipping %s: %v\n", p, err)
			continue
		}
		res := scenario.Run(sc, scenario.Options{})
		for _, r := range res.Records {
			if r.ErrorValue() == value {
				verdict := "passes"
				if !res.Pass {
					verdict = "FAILS"
				}
				fmt.Fprintf(stdout, "    %s (%s, %s; %s at %d ms)\n", sc.Name, sc.File, verdict, r.Event, r.T)
				n++
				break
			}
		}
	}
	if n == 0 {
		fmt.Fprintf(stdout, "    none of the %d scenarios\n", len(paths))
	}
}

func cmdGraph(args []string, stdout, stderr io.Writer) int {
	fs := flags("graph")
	format := fs.String("format", "mermaid", "mermaid or dot")
	rest, code := parse(fs, graphManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(rest) > 0 {
		return usageError(stderr, "simulate graph", "unexpected argument %q", rest[0])
	}
	if !oneOf(stderr, "simulate graph", "format", *format, "mermaid", "dot") {
		return exitBadInput
	}
	if *format == "dot" {
		io.WriteString(stdout, sim.Graphviz())
	} else {
		io.WriteString(stdout, sim.Mermaid())
	}
	return exitOK
}

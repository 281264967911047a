package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/jitsi-sim/confsim/internal/scenario"
)

const runManual = `NAME
    simulate run - replay scenario files and check their expectations

SYNOPSIS
    simulate run [-q] [--format text|jsonl] [--junit FILE] PATH...

DESCRIPTION
    Run replays each scenario named by PATH against the model of
    lib-jitsi-meet, in virtual time, and checks its expectations. A PATH is
    a *.yaml or *.yml file, a directory (searched recursively for *.yaml and
    *.yml files) or a glob pattern (its matches taken the same way, other
    files passed over). A file named in several ways runs once; a name
    that exists is taken literally, even with *, ? or [ in it; - is
    standard input. The format of the files is docs/scenario-format.md.

    Limits: a file has at most 131072 bytes (128 KiB), 32 levels of
    nesting, 1000 aliases and 5000 steps; a command reads at most 10000
    files. A scenario file must be a regular file: a FIFO, device or socket
    (or a link to one) is refused, in a directory or a glob as well as
    named.

    Every file is read and checked before anything runs. If any file has a
    problem (a YAML syntax error, an unknown key, cause, signal, action,
    event, error value, reason or state, a wrong type, an impossible step
    order), run prints one "file:line:col: message" line per problem on
    standard error and exits with status 2; no scenario runs.

    The default output is a readable trace: each step as it starts, the
    records the model emitted (time, event, error value, parameters, state
    after the event), the outcome of each check, and a PASS or FAIL line
    that says why a scenario failed, naming the step's file:line:col.

OPTIONS
    --format text|jsonl
        text (default) writes the trace above. jsonl writes one JSON object
        per record: {"scenario", "file", "t_ms", "event", "error", "params",
        "phase", "state"}, then one result object per scenario: {"scenario",
        "file", "result": "pass" or "fail", "reason" (when it failed),
        "end_ms"}. In params, a parameter the library passes as undefined is
        left out; null stays null.
    --junit FILE
        Also write a JUnit XML report to FILE, one test case per scenario,
        with the trace of each failed one. FILE is replaced, once the report
        is complete, through a temporary file in its directory; a FILE that
        is one of the scenario files is refused.
    -q, --quiet
        With text, print only the PASS and FAIL lines and the summary.

EXIT STATUS
    0   every scenario passed
    1   an expectation failed, or the model refused a step
    2   bad input: a file does not parse or is inconsistent, a PATH names
        nothing, a flag is unknown; or the output cannot be written
    3   an internal error (a bug in simulate)

EXAMPLES
    Replay the whole library of scenarios:
        simulate run scenarios/

    Replay the lobby scenarios and keep a machine-readable trace:
        simulate run --format jsonl 'scenarios/*/*lobby*' > trace.jsonl

    In CI, print only the verdicts and write a report:
        simulate run -q --junit report.xml scenarios/
`

const validateManual = `NAME
    simulate validate - check scenario files without running them

SYNOPSIS
    simulate validate PATH...

DESCRIPTION
    Validate reads each scenario named by PATH (a *.yaml or *.yml file, a
    directory searched recursively for them, or a glob pattern) and checks it
    exactly as run does, without running it: YAML syntax, unknown keys,
    wrong types, causes, signals, actions, events, error values, reasons and
    states that are not in the catalog, and impossible step orders. Each
    problem is printed as "file:line:col: message" on standard error. A
    file name with control characters is printed quoted. The limits and
    the paths are those of simulate run: at most 131072 bytes, 32 levels
    of nesting, 1000 aliases and 5000 steps per file, 10000 files, regular
    files only, - for standard input.

    The JSON Schema schema/scenario.schema.json describes the same format
    for editors.

EXIT STATUS
    0   every file is a valid scenario
    2   a file has a problem, or a PATH names nothing

EXAMPLES
    simulate validate scenarios/
    simulate validate my-scenario.yaml && simulate run my-scenario.yaml
`

// loadAll expands the arguments and parses every file. It reports every
// problem and returns exitBadInput when there is one.
func loadAll(cmd string, args []string, stderr io.Writer) ([]*scenario.Scenario, int) {
	if len(args) == 0 {
		return nil, usageError(stderr, cmd, "no scenario files given")
	}
	paths, err := scenario.Expand(args)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return nil, exitBadInput
	}
	var out []*scenario.Scenario
	bad := 0
	for _, p := range paths {
		sc, err := scenario.Load(p)
		if err != nil {
			bad++
			var list scenario.ErrorList
			if errors.As(err, &list) {
				fmt.Fprintln(stderr, list.Error())
			} else {
				fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			}
			continue
		}
		out = append(out, sc)
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%s: %d of %d files have problems; nothing was run\n", cmd, bad, len(paths))
		return nil, exitBadInput
	}
	return out, -1
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := flags("validate")
	paths, code := parse(fs, validateManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	scs, code := loadAll("simulate validate", paths, stderr)
	if code >= 0 {
		return code
	}
	steps := 0
	for _, sc := range scs {
		steps += len(sc.Steps)
	}
	fmt.Fprintf(stdout, "ok: %d scenario files, %d steps\n", len(scs), steps)
	return exitOK
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flags("run")
	format := fs.String("format", "text", "text or jsonl")
	junit := fs.String("junit", "", "write a JUnit XML report to `FILE`")
	var quiet bool
	fs.BoolVar(&quiet, "q", false, "print only verdicts")
	fs.BoolVar(&quiet, "quiet", false, "print only verdicts")
	paths, code := parse(fs, runManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if !oneOf(stderr, "simulate run", "format", *format, "text", "jsonl") {
		return exitBadInput
	}
	scs, code := loadAll("simulate run", paths, stderr)
	if code >= 0 {
		return code
	}
	// The report is written to a temporary file created before anything
	// runs (a path that cannot be written is bad input, found at once) and
	// renamed over FILE once complete. FILE must not be one of the inputs.
	var report *os.File
	if *junit != "" {
		if fi, err := os.Stat(*junit); err == nil {
			for _, sc := range scs {
				if si, err := os.Stat(sc.File); err == nil && os.SameFile(fi, si) {
					return usageError(stderr, "simulate run", "--junit %s: that is the scenario file %s; the report would overwrite it", scenario.Quote(*junit), scenario.Quote(sc.File))
				}
			}
			if fi.IsDir() || !fi.Mode().IsRegular() {
				return usageError(stderr, "simulate run", "--junit %s: not a regular file", scenario.Quote(*junit))
			}
		}
		f, err := os.CreateTemp(filepath.Dir(*junit), "."+filepath.Base(*junit)+".tmp*")
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			fmt.Fprintf(stderr, "simulate run: --junit: open %s: %v\n", scenario.Quote(*junit), err)
			return exitBadInput
		}
		defer func() {
			f.Close()
			os.Remove(f.Name()) // gone once renamed
		}()
		report = f
	}
	results := make([]scenario.Result, len(scs))
	var failed []string
	for i, sc := range scs {
		res := scenario.Run(sc, scenario.Options{})
		results[i] = res
		if !res.Pass {
			failed = append(failed, res.Scenario)
		}
		switch {
		case *format == "jsonl":
			scenario.WriteJSONL(stdout, &res)
		case quiet:
			writeVerdict(stdout, sc, &res)
		default:
			scenario.WriteText(stdout, sc, &res)
		}
	}
	if *format == "text" {
		if len(failed) == 0 {
			fmt.Fprintf(stdout, "PASS: %d scenarios\n", len(scs))
		} else {
			fmt.Fprintf(stdout, "FAIL: %d of %d scenarios failed: %s\n", len(failed), len(scs), strings.Join(failed, ", "))
		}
	}
	if report != nil {
		_, err := report.Write(junitXML(scs, results))
		if cerr := report.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(report.Name(), 0o644)
		}
		if err == nil {
			err = os.Rename(report.Name(), *junit)
		}
		if err != nil {
			fmt.Fprintf(stderr, "simulate run: --junit: %v\n", err)
			return exitBadInput
		}
	}
	if len(failed) > 0 {
		return exitFail
	}
	return exitOK
}

// writeVerdict writes the last lines of the trace only.
func writeVerdict(w io.Writer, sc *scenario.Scenario, res *scenario.Result) {
	var b bytes.Buffer
	scenario.WriteText(&b, sc, res)
	s := b.String()
	if i := strings.Index(s, "\n--- "); i >= 0 {
		s = s[i+1:]
	}
	io.WriteString(w, s)
}

// JUnit XML, as Jenkins, GitLab and GitHub test reporters read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

// junitXML renders the results; it has no timestamps, so the same results
// give the same bytes.
func junitXML(scs []*scenario.Scenario, results []scenario.Result) []byte {
	suite := junitSuite{Name: "simulate run", Tests: len(results)}
	for i, res := range results {
		c := junitCase{Name: xmlSafe(res.Scenario), Classname: xmlSafe(scenario.Quote(res.File))}
		if !res.Pass {
			suite.Failures++
			msg, _, _ := strings.Cut(res.Reason, "\n")
			var trace bytes.Buffer
			scenario.WriteText(&trace, scs[i], &res)
			c.Failure = &junitFailure{Message: xmlSafe(msg), Type: "expectation", Body: xmlSafe(res.Reason)}
			c.SystemOut = &junitText{xmlSafe(trace.String())}
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{Name: "simulate", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	out, _ := xml.MarshalIndent(doc, "", "  ")
	return append(append([]byte(xml.Header), out...), '\n')
}

// xmlSafe replaces what XML 1.0 cannot hold, even escaped (control
// characters but TAB and newlines, invalid UTF-8), by U+FFFD, so that the
// report stays well-formed whatever a name or value holds.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

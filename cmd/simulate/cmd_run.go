package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jitsi-sim/confsim/internal/scenario"
)

const runManual = `NAME
    simulate run - replay scenario files and check their expectations

SYNOPSIS
    simulate run [-v | -q] [--format text|jsonl|github] [--junit FILE]
                 [--summary FILE] PATH...

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

    The default output is one verdict per scenario: "--- PASS NAME (steps,
    records, virtual ms)", or "--- FAIL NAME" and why, naming the failing
    step's file:line:col; then a summary line, "PASS: N scenarios" or
    "FAIL: K of N scenarios failed: NAMES".

OPTIONS
    -v, --verbose
        Print the readable trace of each scenario before its verdict: each
        step as it starts, the records the model emitted (time, event,
        error value, parameters, state after the event) and the outcome of
        each check.
    -q, --quiet
        Print only the failed scenarios and the summary line.
    --format text|jsonl|github
        text (default) is the output above. jsonl writes a header record,
        {"header": {"tool": "confsim", "version", "profile",
        "lib_jitsi_meet", "seed", "scenarios": [{"scenario", "file",
        "profile", "lib_jitsi_meet", "seed"}]}} (profile and seed are those
        all the scenarios share, else "mixed" and null; each scenario's own
        are in scenarios; lib_jitsi_meet is the commit the profile is
        pinned to, null for documented), then one JSON object per record:
        {"scenario", "file", "t_ms", "event", "error", "params", "args",
        "phase", "state"}, then one result object per scenario:
        {"scenario", "file", "result": "pass" or "fail", "reason" (when it
        failed), "end_ms"}. In params, a parameter the library passes as
        undefined is left out; null stays null. github is text with, for
        GitHub Actions, an "::error file=F,line=L,col=C::" annotation on
        standard output for each failed scenario (on its failing step) and
        for each problem of a bad file.
    --junit FILE
        Also write a JUnit XML report to FILE, one test case per scenario
        with its wall time (time, in seconds: the only part of the report
        that changes from one run to the next), its file and line (of the
        failing step; 1 when it passed), its virtual time (property
        virtual_ms) and the trace of each failed one. When bad input stops
        the run, the report has one failing case per bad file, holding its
        problems. FILE is replaced, once the report is complete, through a
        temporary file in its directory; a FILE that is one of the scenario
        files is refused.
    --summary FILE
        Also append a Markdown summary to FILE (created if need be): the
        counts of passed and failed scenarios, each failure with its
        file:line:col, the conference errors reached and those not. For
        GitHub Actions: --summary "$GITHUB_STEP_SUMMARY".

EXIT STATUS
    0   every scenario passed
    1   an expectation failed, or the model refused a step
    2   bad input: a file does not parse or is inconsistent, a PATH names
        nothing, a flag is unknown; or the output cannot be written
    3   an internal error (a bug in simulate)

EXAMPLES
    Replay the whole library of scenarios:
        simulate run scenarios/

    Show how one scenario runs, step by step:
        simulate run -v scenarios/happy/join-and-leave.yaml

    Replay the lobby scenarios and keep a machine-readable trace:
        simulate run --format jsonl 'scenarios/*/*lobby*' > trace.jsonl

    In CI, print only the failures and write a report:
        simulate run -q --junit report.xml scenarios/

    In GitHub Actions, annotate the failing steps and summarise:
        simulate run --format github --summary "$GITHUB_STEP_SUMMARY" scenarios/
`

const validateManual = `NAME
    simulate validate - check scenario files without running them

SYNOPSIS
    simulate validate [--format text|github] PATH...

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

OPTIONS
    --format text|github
        text (default) as above; github also writes, for GitHub Actions, an
        "::error file=F,line=L,col=C::" annotation on standard output for
        each problem.

EXIT STATUS
    0   every file is a valid scenario
    2   a file has a problem, or a PATH names nothing

EXAMPLES
    simulate validate scenarios/
    simulate validate my-scenario.yaml && simulate run my-scenario.yaml
    simulate validate --format github scenarios/
`

// loadAll expands the arguments and parses every file. It reports every
// problem and returns exitBadInput when there is one.
func loadAll(cmd string, args []string, stderr io.Writer) ([]*scenario.Scenario, int) {
	if len(args) == 0 {
		return nil, usageError(stderr, cmd, "no scenario files given")
	}
	scs, bad, files := loadFiles(args)
	if len(bad) > 0 {
		reportProblems(cmd, bad, files, stderr)
		return nil, exitBadInput
	}
	return scs, -1
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	const cmd = "simulate validate"
	fs := flags("validate")
	format := fs.String("format", "text", "text or github")
	paths, code := parse(fs, validateManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if !oneOf(stderr, cmd, "format", *format, "text", "github") {
		return exitBadInput
	}
	if len(paths) == 0 {
		return usageError(stderr, cmd, "no scenario files given")
	}
	scs, bad, files := loadFiles(paths)
	if len(bad) > 0 {
		reportProblems(cmd, bad, files, stderr)
		if *format == "github" {
			ghProblems(stdout, cmd, bad)
		}
		return exitBadInput
	}
	steps := 0
	for _, sc := range scs {
		steps += len(sc.Steps)
	}
	fmt.Fprintf(stdout, "ok: %d scenario files, %d steps\n", len(scs), steps)
	return exitOK
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	const cmd = "simulate run"
	fs := flags("run")
	format := fs.String("format", "text", "text, jsonl or github")
	junit := fs.String("junit", "", "write a JUnit XML report to `FILE`")
	summary := fs.String("summary", "", "append a Markdown summary to `FILE`")
	var quiet, verbose bool
	fs.BoolVar(&quiet, "q", false, "print only failures and the summary")
	fs.BoolVar(&quiet, "quiet", false, "print only failures and the summary")
	fs.BoolVar(&verbose, "v", false, "print the step-by-step trace")
	fs.BoolVar(&verbose, "verbose", false, "print the step-by-step trace")
	paths, code := parse(fs, runManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if !oneOf(stderr, cmd, "format", *format, "text", "jsonl", "github") {
		return exitBadInput
	}
	if quiet && verbose {
		return usageError(stderr, cmd, "-q and -v: choose one")
	}
	if len(paths) == 0 {
		return usageError(stderr, cmd, "no scenario files given")
	}
	scs, bad, files := loadFiles(paths)
	var inputs []string
	for _, sc := range scs {
		inputs = append(inputs, sc.File)
	}
	for _, p := range bad {
		inputs = append(inputs, p.File)
	}
	if (*junit != "" && !checkOutputFile(cmd, "junit", *junit, inputs, stderr)) ||
		(*summary != "" && !checkOutputFile(cmd, "summary", *summary, inputs, stderr)) {
		return exitBadInput
	}
	// The report is written to a temporary file created before anything
	// runs (a path that cannot be written is bad input, found at once) and
	// renamed over FILE once complete.
	var report *os.File
	if *junit != "" {
		f, err := os.CreateTemp(filepath.Dir(*junit), "."+filepath.Base(*junit)+".tmp*")
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			fmt.Fprintf(stderr, "%s: --junit: open %s: %v\n", cmd, scenario.Quote(*junit), err)
			return exitBadInput
		}
		defer func() {
			f.Close()
			os.Remove(f.Name()) // gone once renamed
		}()
		report = f
	}
	finish := func(code int, xmlDoc []byte, md []byte) int {
		if report != nil {
			if err := saveReport(report, *junit, xmlDoc); err != nil {
				fmt.Fprintf(stderr, "%s: --junit: %v\n", cmd, err)
				return exitBadInput
			}
		}
		if *summary != "" {
			if err := appendSummary(*summary, md); err != nil {
				fmt.Fprintf(stderr, "%s: --summary: %v\n", cmd, err)
				return exitBadInput
			}
		}
		return code
	}
	if len(bad) > 0 {
		reportProblems(cmd, bad, files, stderr)
		if *format == "github" {
			ghProblems(stdout, cmd, bad)
		}
		return finish(exitBadInput, junitBadInput(bad), runSummary(nil, nil, bad, files))
	}
	if *format == "jsonl" {
		writeHeader(stdout, runHeader(scs))
	}
	results := make([]scenario.Result, len(scs))
	walls := make([]time.Duration, len(scs))
	var failed []string
	for i, sc := range scs {
		start := time.Now()
		res := scenario.Run(sc, scenario.Options{})
		walls[i] = time.Since(start)
		results[i] = res
		if !res.Pass {
			failed = append(failed, res.Scenario)
		}
		switch {
		case *format == "jsonl":
			scenario.WriteJSONL(stdout, &res)
		case verbose:
			scenario.WriteText(stdout, sc, &res)
		case quiet && res.Pass:
		default:
			writeVerdict(stdout, sc, &res)
		}
		if *format == "github" && !res.Pass {
			ghFailure(stdout, sc, &res)
		}
	}
	if *format != "jsonl" {
		if len(failed) == 0 {
			fmt.Fprintf(stdout, "PASS: %d scenarios\n", len(scs))
		} else {
			fmt.Fprintf(stdout, "FAIL: %d of %d scenarios failed: %s\n", len(failed), len(scs), strings.Join(failed, ", "))
		}
	}
	code = exitOK
	if len(failed) > 0 {
		code = exitFail
	}
	return finish(code, junitXML(scs, results, walls), runSummary(scs, results, nil, files))
}

// saveReport writes the report to its temporary file and renames it into
// place.
func saveReport(f *os.File, path string, data []byte) error {
	_, err := f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	return err
}

// writeVerdict writes the verdict of a scenario: its PASS line, or its
// FAIL line and the reason.
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
	Time     string      `xml:"time,attr,omitempty"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	// Time is the wall time the case took, in seconds: the only part of
	// the report that differs between two runs of the same input.
	Time       string          `xml:"time,attr"`
	File       string          `xml:"file,attr,omitempty"`
	Line       int             `xml:"line,attr,omitempty"`
	Properties *junitPropsList `xml:"properties,omitempty"`
	Failure    *junitFailure   `xml:"failure,omitempty"`
	SystemOut  *junitText      `xml:"system-out,omitempty"`
}

type junitPropsList struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

// junitXML renders the results: one case per scenario with the wall time
// it took, its virtual time (property virtual_ms), its file and the line of
// the failing step (1 when it passed or failed after the last step).
func junitXML(scs []*scenario.Scenario, results []scenario.Result, walls []time.Duration) []byte {
	suite := junitSuite{Name: "simulate run", Tests: len(results)}
	for i, res := range results {
		c := junitCase{Name: xmlSafe(res.Scenario), Classname: xmlSafe(scenario.Quote(res.File)), Time: seconds(walls[i]),
			File: xmlSafe(scenario.Quote(res.File)), Line: 1,
			Properties: &junitPropsList{[]junitProp{{"virtual_ms", strconv.FormatInt(res.EndMs, 10)}}}}
		if !res.Pass {
			suite.Failures++
			if pos := failurePos(scs[i], &res); pos.Line > 0 {
				c.Line = pos.Line
			}
			msg, _, _ := strings.Cut(res.Reason, "\n")
			var trace bytes.Buffer
			scenario.WriteText(&trace, scs[i], &res)
			c.Failure = &junitFailure{Message: xmlSafe(msg), Type: "expectation", Body: xmlSafe(res.Reason)}
			c.SystemOut = &junitText{xmlSafe(trace.String())}
		}
		suite.Cases = append(suite.Cases, c)
	}
	return junitDoc(suite)
}

// junitBadInput is the report of a run stopped by bad input: one failing
// case per file with problems (nothing ran).
func junitBadInput(bad []problem) []byte {
	suite := junitSuite{Name: "simulate run", Tests: len(bad), Failures: len(bad)}
	for _, p := range bad {
		c := junitCase{Name: xmlSafe(scenario.Quote(p.File)), Classname: xmlSafe(scenario.Quote(p.File)), Time: seconds(0),
			File: xmlSafe(scenario.Quote(p.File))}
		text := p.lines("simulate run")
		msg, _, _ := strings.Cut(text, "\n")
		if p.List != nil {
			c.Line = p.List[0].Pos.Line
		}
		c.Failure = &junitFailure{Message: xmlSafe(msg), Type: "bad-input", Body: xmlSafe(text + "\nnothing was run")}
		suite.Cases = append(suite.Cases, c)
	}
	return junitDoc(suite)
}

func junitDoc(suite junitSuite) []byte {
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

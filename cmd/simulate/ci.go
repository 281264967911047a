package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jitsi-sim/confsim/internal/campaign"
	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/internal/scenario"
)

// problem is one file that could not be loaded: its problems with their
// positions, or (Err) a reason that has no position.
type problem struct {
	File string
	List scenario.ErrorList
	Err  error
}

// lines is the problem as simulate prints it on stderr: one
// "file:line:col: message" per line.
func (p *problem) lines(cmd string) string {
	if p.List != nil {
		return p.List.Error()
	}
	return fmt.Sprintf("%s: %v", cmd, p.Err)
}

// loadFiles expands the arguments and parses every file, keeping every
// problem. It reports nothing.
func loadFiles(args []string) ([]*scenario.Scenario, []problem, int) {
	paths, err := scenario.Expand(args)
	if err != nil {
		return nil, []problem{{File: strings.Join(args, " "), Err: err}}, 0
	}
	var out []*scenario.Scenario
	var bad []problem
	for _, p := range paths {
		sc, err := scenario.Load(p)
		if err != nil {
			var list scenario.ErrorList
			if errors.As(err, &list) && len(list) > 0 {
				bad = append(bad, problem{File: p, List: list})
			} else {
				bad = append(bad, problem{File: p, Err: err})
			}
			continue
		}
		out = append(out, sc)
	}
	return out, bad, len(paths)
}

// reportProblems prints the problems on stderr, and the summary line when
// files were read.
func reportProblems(cmd string, bad []problem, files int, stderr io.Writer) {
	for i := range bad {
		fmt.Fprintln(stderr, bad[i].lines(cmd))
	}
	if files > 0 {
		fmt.Fprintf(stderr, "%s: %d of %d files have problems; nothing was run\n", cmd, len(bad), files)
	}
}

// GitHub Actions workflow commands
// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions):
// "::error file=F,line=L,col=C,title=T::MESSAGE" on standard output makes an
// annotation on line L of F.

// ghData escapes an annotation's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a property value (file, title).
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// ghError writes one error annotation; line and col 0 leave them out.
func ghError(w io.Writer, file string, line, col int, title, msg string) {
	var props []string
	if file != "" {
		props = append(props, "file="+ghProperty(file))
	}
	if line > 0 {
		props = append(props, fmt.Sprintf("line=%d", line))
		if col > 0 {
			props = append(props, fmt.Sprintf("col=%d", col))
		}
	}
	props = append(props, "title="+ghProperty(title))
	fmt.Fprintf(w, "::error %s::%s\n", strings.Join(props, ","), ghData(msg))
}

// ghProblems writes one annotation per problem of every bad file.
func ghProblems(w io.Writer, cmd string, bad []problem) {
	for _, p := range bad {
		if p.List == nil {
			ghError(w, "", 0, 0, cmd+": bad input", p.Err.Error())
			continue
		}
		for _, e := range p.List {
			ghError(w, e.Pos.File, e.Pos.Line, e.Pos.Col, cmd+": bad scenario file", e.Msg)
		}
	}
}

// failurePos is where a failed scenario failed: its failing step, or, when
// it failed after the last step, the file alone.
func failurePos(sc *scenario.Scenario, res *scenario.Result) scenario.Pos {
	if res.FailedStep >= 0 && res.FailedStep < len(sc.Steps) {
		return sc.Steps[res.FailedStep].Pos
	}
	return scenario.Pos{File: sc.File}
}

// ghFailure writes the annotation of a failed scenario; the message is
// the reason without its leading position.
func ghFailure(w io.Writer, sc *scenario.Scenario, res *scenario.Result) {
	pos := failurePos(sc, res)
	msg := strings.TrimPrefix(res.Reason, pos.String()+": ")
	ghError(w, pos.File, pos.Line, pos.Col, "simulate run: "+res.Scenario+" failed", msg)
}

// runSummary is the Markdown summary of simulate run (--summary).
func runSummary(scs []*scenario.Scenario, results []scenario.Result, bad []problem, files int) []byte {
	var b bytes.Buffer
	b.WriteString("## simulate run\n\n")
	if len(bad) > 0 {
		fmt.Fprintf(&b, "**Bad input: %d of %d files have problems; nothing was run.**\n\n", len(bad), files)
		b.WriteString("| file | problem |\n| --- | --- |\n")
		for _, p := range bad {
			if p.List == nil {
				fmt.Fprintf(&b, "| %s | %s |\n", mdCell(p.File), mdCell(p.Err.Error()))
				continue
			}
			for _, e := range p.List {
				fmt.Fprintf(&b, "| %s | %s |\n", mdCell(e.Pos.String()), mdCell(e.Msg))
			}
		}
		return b.Bytes()
	}
	failed := 0
	for i := range results {
		if !results[i].Pass {
			failed++
		}
	}
	verdict := "PASS"
	if failed > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "**%s**: %d scenarios, %d passed, %d failed\n\n", verdict, len(results), len(results)-failed, failed)
	if failed > 0 {
		b.WriteString("| scenario | where | why |\n| --- | --- | --- |\n")
		for i := range results {
			res := &results[i]
			if res.Pass {
				continue
			}
			pos := failurePos(scs[i], res)
			why, _, _ := strings.Cut(strings.TrimPrefix(res.Reason, pos.String()+": "), "\n")
			why = strings.TrimSuffix(why, "; records after the previous match:")
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCell(res.Scenario), mdCell(pos.String()), mdCell(why))
		}
		b.WriteString("\n")
	}
	// Errors reached: in how many scenarios each error value occurred.
	reached := map[string]int{}
	for i := range results {
		seen := map[string]bool{}
		for _, r := range results[i].Records {
			if v := r.ErrorValue(); v != "" && !seen[v] {
				seen[v] = true
				reached[v]++
			}
		}
	}
	var conf, missing []string
	for _, e := range catalog.Errors() {
		if reached[e.Value] > 0 {
			conf = append(conf, e.Value)
		} else {
			missing = append(missing, e.Name)
		}
	}
	fmt.Fprintf(&b, "### Errors reached\n\nConference errors: %d of %d.", len(conf), len(catalog.Errors()))
	if len(missing) > 0 {
		fmt.Fprintf(&b, " Not reached: %s.", strings.Join(missing, ", "))
	}
	b.WriteString("\n\n")
	if len(reached) > 0 {
		b.WriteString("| error value | scenarios |\n| --- | ---: |\n")
		for _, v := range slices.Sorted(maps.Keys(reached)) {
			fmt.Fprintf(&b, "| `%s` | %d |\n", v, reached[v])
		}
	}
	return b.Bytes()
}

// campaignSummary is the Markdown summary of a campaign report (random,
// merge --summary).
func campaignSummary(title string, r *campaign.Report, missingShards []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## %s\n\n", title)
	verdict := "PASS"
	if r.ViolationRuns > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "**%s**: seed %d, shards %s: %d runs, %d passed, %d broke an invariant; %d events, %d inputs, %d runs at a limit\n\n",
		verdict, r.Seed, strings.Join(r.Shards, ","), r.Runs, r.Runs-min(r.Runs, r.ViolationRuns), r.ViolationRuns, r.Events, r.Inputs, r.LimitsReached)
	if r.Interrupted {
		b.WriteString("**Interrupted**: the counts are those of the runs done.\n\n")
	}
	if len(missingShards) > 0 {
		fmt.Fprintf(&b, "**Partial**: missing shards %s.\n\n", strings.Join(missingShards, ", "))
	}
	fmt.Fprintf(&b, "Parameters: `%s`\n\n", r.Params)
	cv := r.Coverage
	b.WriteString("### Coverage\n\n| what | covered |\n| --- | ---: |\n")
	fmt.Fprintf(&b, "| conference errors | %d of %d |\n", cv.Errors.Covered, cv.Errors.Total)
	fmt.Fprintf(&b, "| causes | %d of %d |\n", cv.Causes.Covered, cv.Causes.Total)
	fmt.Fprintf(&b, "| signals | %d of %d |\n", cv.Signals.Covered, cv.Signals.Total)
	fmt.Fprintf(&b, "| states | %d |\n| transitions | %d |\n\n", cv.States.Covered, cv.Transitions.Covered)
	if len(cv.Errors.Missing) > 0 {
		fmt.Fprintf(&b, "Errors not reached: %s.\n\n", mdList(cv.Errors.Missing))
	}
	if len(cv.Causes.Missing) > 0 {
		fmt.Fprintf(&b, "Causes not covered: %s.\n\n", mdList(cv.Causes.Missing))
	}
	if len(cv.Signals.Missing) > 0 {
		fmt.Fprintf(&b, "Signals not covered: %s.\n\n", mdList(cv.Signals.Missing))
	}
	b.WriteString("### Errors reached\n\n| error value | records |\n| --- | ---: |\n")
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		if r.Errors[k] > 0 {
			fmt.Fprintf(&b, "| `%s` | %d |\n", k, r.Errors[k])
		}
	}
	if r.ViolationRuns > 0 {
		b.WriteString("\n### Invariant violations\n\n| invariant | runs |\n| --- | ---: |\n")
		for _, k := range slices.Sorted(maps.Keys(r.Violations)) {
			fmt.Fprintf(&b, "| %s | %d |\n", mdCell(k), r.Violations[k])
		}
		b.WriteString("\n| run | violation | reproduce |\n| --- | --- | --- |\n")
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "| %d | %s | `%s` |\n", f.Run, mdCell(f.Violation.String()), strings.ReplaceAll(f.Reproduce, "`", "'"))
		}
	}
	return b.Bytes()
}

func mdList(xs []string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "`" + x + "`"
	}
	return strings.Join(out, ", ")
}

// mdCell makes a string safe in one Markdown table cell.
func mdCell(s string) string {
	s = strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
	return xmlSafe(s)
}

// appendSummary appends a Markdown summary to path (created if need be),
// as GitHub's $GITHUB_STEP_SUMMARY wants: each step adds its part.
func appendSummary(path string, md []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(md, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// checkOutputFile refuses an output path (--junit, --summary) that is one of
// the input files or not a regular file.
func checkOutputFile(cmd, flagName, path string, inputs []string, stderr io.Writer) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return true
	}
	for _, in := range inputs {
		if si, err := os.Stat(in); err == nil && os.SameFile(fi, si) {
			usageError(stderr, cmd, "--%s %s: that is the scenario file %s; the report would overwrite it", flagName, scenario.Quote(path), scenario.Quote(in))
			return false
		}
	}
	if fi.IsDir() || !fi.Mode().IsRegular() {
		usageError(stderr, cmd, "--%s %s: not a regular file", flagName, scenario.Quote(path))
		return false
	}
	return true
}

// seconds is a JUnit time attribute.
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

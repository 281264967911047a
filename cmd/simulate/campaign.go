package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jitsi-sim/confsim/internal/campaign"
	"github.com/jitsi-sim/confsim/internal/explore"
	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

const randomManual = `NAME
    simulate random - run a seeded random fault campaign

SYNOPSIS
    simulate random [--seed S] [--runs N] [--workers N] [--shard I/N]
                    [--profile P] [--steps N] [--fault-rate P]
                    [--fault SELECTOR=P]... [--swarm] [--format F]
                    [--failures DIR] [--keep-failures N] [--run I]
                    [--junit FILE] [--summary FILE]

DESCRIPTION
    Each run draws a room, a deployment and a client, then up to --steps
    rounds of: maybe a fault (each fault with its probability, at most one
    per round), maybe an action the model allows, and a wait. Every record
    is checked against the lifecycle invariants and the catalog's
    classification. Everything is derived from the seed and the run index,
    so the same seed gives byte-identical output whatever --workers and
    however the campaign is sharded.

    Every failing run is counted. The first --keep-failures of them, in
    run order, are listed with the command that reproduces the run alone
    (--run I) and shrunk (delta debugging over its inputs, then shorter
    waits) to a scenario file in --failures DIR. simulate run fails on such
    a file (exit 1) as long as the bug is there: it never expects the
    offending record's error or event, or, when a terminal state was left
    without a record, expects the run to end in that state. A violation no
    record shows (a model error, an action accepted in a terminal state
    that changes nothing) gives a file with no failing expectation; its
    description and the FAIL report say so.

OPTIONS
    --seed S          campaign seed (default 1)
    --runs N          runs in the whole campaign, all shards (default 1000)
    --workers N       goroutines, at least 1 (default: all cores)
    --shard I/N       run only the runs whose index is I modulo N (default 0/1);
                      N CI jobs with I = 0..N-1 share one campaign
    --profile P       documented (default), lib-jitsi-meet, lib-jitsi-meet-2021,
                      or mixed (drawn per run)
    --runs, --steps, --workers and --keep-failures want at least 1.
    --steps N         rounds per run (default 12)
    --fault-rate P    default probability of each fault per round, 0 to 1
                      (default 0.005; 0: only the faults --fault names)
    --fault SEL=P     probability P for the faults SEL names; repeatable, later wins.
                      SEL: a cause id, cause:reason, a signal id, an error name or
                      value (all its causes), phase:PHASE, causes, signals, all
    --swarm           each run arms a random half of the faults
    --format F        text (default): a summary; json: the summary as one JSON
                      object (what merge reads); jsonl: a header record
                      {"header": {"tool": "confsim", "version", "profile",
                      "lib_jitsi_meet", "seed"}} (lib_jitsi_meet: the commit
                      the profile is pinned to, null for documented and
                      mixed), then every record of every run, in run order,
                      one JSON object per line: {"scenario": "run-I", "t_ms",
                      "event", "error", "params", "args", "phase", "state"},
                      the record lines of "simulate run --format jsonl"
                      without "file" and without result lines (the summary
                      goes to stderr as text)
    --failures DIR    where shrunk scenarios of failing runs go (default
                      failures; "" writes none), as DIR/seedS-runI-*.yaml;
                      a file of that name is replaced, others are left alone
    --keep-failures N failing runs listed and shrunk (default 20)
    --run I           run only run I and print its configuration (as the
                      keys of a scenario file), inputs and records (text),
                      or the header and its records (jsonl); --format json,
                      --junit and --summary are refused with --run
    --junit FILE      also write a JUnit XML report: one failing case per
                      failing run listed (--keep-failures), holding the
                      command that reproduces it and its shrunk scenario,
                      one more for the failing runs not listed, or one
                      passing case for the campaign when no run failed
    --summary FILE    also append a Markdown summary to FILE: runs, passed
                      and failed, coverage, the errors reached, the failing
                      runs with their reproduce commands (for GitHub
                      Actions: --summary "$GITHUB_STEP_SUMMARY")

    A progress bar is drawn on stderr when it is a terminal. Numbers are
    decimal (010 is ten; 0x10, 1_000 and +1 are refused); --workers is at
    most 256.

    SIGINT (Ctrl-C) or SIGTERM stops the campaign at the next batch of
    runs: the records of the runs done are written whole, the summary (of
    those runs, marked interrupted, "interrupted": true in json) is written,
    failing runs are listed but not shrunk, and the exit status is 130 or
    143. Shrunk scenario files are written to a temporary name and renamed.

EXIT STATUS
    0 no invariant was broken, 1 some run broke one, 2 bad input (an
    unknown flag, an out-of-range value, a bad --shard or selector) or
    standard output could not be written, 3 an internal error, 130 and 143
    interrupted by SIGINT and SIGTERM.

EXAMPLES
    simulate random --seed 7 --runs 100000
    simulate random --seed 7 --runs 100000 --swarm --fault phase:media=0.05
    simulate random --seed 7 --runs 1000 --format jsonl > trace.jsonl
    simulate random --seed 7 --runs 1000000 --shard 3/8 --format json > shard3.json
    simulate random --seed 7 --run 4242
    simulate random --seed 7 --runs 100000 --junit random.xml --summary "$GITHUB_STEP_SUMMARY"
`

const exploreManual = `NAME
    simulate explore - search the model exhaustively for paths to every error

SYNOPSIS
    simulate explore [--profile P] [--depth N] [--workers N] [--format F]
                     [--emit DIR]

DESCRIPTION
    Breadth-first search over input sequences, each input followed by a
    settle (the model runs until nothing more is scheduled), up to --depth
    inputs. For every error it reports whether it is reachable within the
    bound and its shortest witness.

    The bounds. The search starts from three fixed configurations, all
    with the client's display name Alice, no authentication and no P2P: a
    fresh room; the same with one participant already in it (so that media
    starts); and a lobby room with one participant. The inputs tried at
    every step are every action (join and login with the room's password,
    which these rooms do not have; lock with s3cret; send-chat with
    "hello"; kick and destroy with no reason) and every fault: every
    documented cause (authorization-failure once per AUTH_ERROR_TYPES
    value) and every signal. Inputs are never raced against deliveries in
    flight. An error reported unreachable is unreachable by any such
    sequence of at most --depth inputs from these configurations; other
    rooms, deployments and races are the business of simulate random.

OPTIONS
    --profile P   documented (default), lib-jitsi-meet or lib-jitsi-meet-2021
    --depth N     the bound: inputs per sequence, 1 to 4 (default 3). The
                  search grows about 25-fold per input: depth 3 takes about
                  0.1 s, depth 4 about 3 s and 120 MB; deeper is refused
    --workers N   configurations explored side by side (default: all cores)
    --format F    text (default) or json: {profile, depth, configs, nodes,
                  states, transitions, errors: [{name, value, reachable,
                  steps, witness, file}]}
    --emit DIR    write the witness of each reachable error as a scenario
                  file that simulate run passes, named after the error's
                  constant name in lower case with - for _:
                  DIR/witness-ice-failed.yaml for ICE_FAILED. A file of
                  that name is replaced (stderr lists them); other files
                  in DIR are left alone

EXIT STATUS
    0 done, 2 bad input (an unknown flag or value, a depth out of range).

EXAMPLES
    simulate explore
    simulate explore --profile lib-jitsi-meet --format json
    simulate explore --emit witnesses/ && simulate run witnesses/
`

const mergeManual = `NAME
    simulate merge - merge the JSON summaries of a sharded campaign

SYNOPSIS
    simulate merge [--format F] [--allow-partial] [--summary FILE]
                   [--keep-failures N] FILE...

DESCRIPTION
    Adds up the summaries that "simulate random --shard I/N --format json"
    wrote (runs, events, errors, violations) and unites their coverage, so
    that the result is the whole campaign's. The files must come from one
    campaign (same seed and drawing options), split it the same way (one
    N) and name distinct shards I/N with I < N; anything else is bad input.
    A shard that is missing is bad input (a lost CI artifact must not
    pass unseen), unless --allow-partial: then it is a warning on stderr
    and the result is the campaign's in part. Fields a summary
    leaves out or null count as empty. Flags may follow the files.

    Nothing read is trusted: a summary is a regular file (or - for
    standard input) of at most 16 MiB holding one JSON object with no
    unknown field; its run count must be what its shards of the campaign's
    --runs hold (at most that when it was interrupted, which the merged
    summary then says too); error values, causes, signals and invariants
    must be the catalog's; the counts must agree with each other and never
    wrap; failing runs must belong to its shards.

OPTIONS
    --format F          text (default) or json (the form random writes)
    --keep-failures N   failing runs listed, at least 1 (default 20)
    --allow-partial     merge even when shards are missing (a warning)
    --summary FILE      also append a Markdown summary of the merged
                        campaign to FILE (for GitHub Actions:
                        --summary "$GITHUB_STEP_SUMMARY")

EXIT STATUS
    0 merged, no violations; 1 some run broke an invariant; 2 bad input (an
    unreadable file, not a campaign summary, another campaign, shards
    split differently, repeated or missing, a summary that does not hold
    up), 3 an internal error.

EXAMPLES
    simulate merge shard*.json
    simulate merge --format json shard0.json shard1.json > campaign.json
    simulate merge --allow-partial --summary "$GITHUB_STEP_SUMMARY" shard*.json
`

// faultFlags collects --fault SEL=P flags.
type faultFlags []campaign.FaultProb

func (f *faultFlags) String() string { return "" }

func (f *faultFlags) Set(v string) error {
	sel, p, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want SELECTOR=PROBABILITY")
	}
	x, err := parseFraction(p)
	if err != nil {
		return fmt.Errorf("probability: %v", err)
	}
	*f = append(*f, campaign.FaultProb{Selector: sel, P: x})
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// noArguments reports the first positional argument of a command that takes
// none; it returns false after reporting.
func noArguments(stderr io.Writer, cmd string, args []string) bool {
	if len(args) > 0 {
		usageError(stderr, cmd, "unexpected argument %q", args[0])
		return false
	}
	return true
}

func cmdRandom(args []string, stdout, stderr io.Writer) int {
	const cmd = "simulate random"
	fs := flags("random")
	var (
		opts     campaign.Options
		faults   faultFlags
		shard    = fs.String("shard", "0/1", "")
		format   = fs.String("format", "text", "")
		failDir  = fs.String("failures", "failures", "")
		runIndex = fs.String("run", "", "")
		junit    = fs.String("junit", "", "")
		summary  = fs.String("summary", "", "")
	)
	opts.Seed, opts.Runs, opts.Workers = 1, 1000, min(runtime.GOMAXPROCS(0), campaign.MaxWorkers)
	opts.Steps, opts.FaultRate, opts.KeepFailures = campaign.DefaultSteps, campaign.DefaultFaultRate, campaign.DefaultKeepFailures
	fs.Var(uintFlag{&opts.Seed}, "seed", "")
	fs.Var(uintFlag{&opts.Runs}, "runs", "")
	fs.Var(intFlag{&opts.Workers}, "workers", "")
	fs.StringVar(&opts.Profile, "profile", string(sim.ProfileDocumented), "")
	fs.Var(intFlag{&opts.Steps}, "steps", "")
	fs.Var(floatFlag{&opts.FaultRate}, "fault-rate", "")
	fs.Var(&faults, "fault", "")
	fs.BoolVar(&opts.Swarm, "swarm", false, "")
	fs.Var(intFlag{&opts.KeepFailures}, "keep-failures", "")
	pos, code := parse(fs, randomManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if !noArguments(stderr, cmd, pos) ||
		!oneOf(stderr, cmd, "format", *format, "text", "json", "jsonl") ||
		!oneOf(stderr, cmd, "profile", opts.Profile, string(sim.ProfileDocumented), string(sim.ProfileLibJitsiMeet),
			string(sim.ProfileLibJitsiMeet2021), campaign.ProfileMixed) {
		return exitBadInput
	}
	var err error
	if opts.Shard, err = campaign.ParseShard(*shard); err != nil {
		return usageError(stderr, cmd, "--shard: %v", err)
	}
	switch {
	case opts.Runs < 1:
		return usageError(stderr, cmd, "--runs %d: want at least 1", opts.Runs)
	case opts.Workers < 1 || opts.Workers > campaign.MaxWorkers:
		return usageError(stderr, cmd, "--workers %d: want 1 to %d", opts.Workers, campaign.MaxWorkers)
	case opts.Steps < 1:
		return usageError(stderr, cmd, "--steps %d: want at least 1", opts.Steps)
	case opts.KeepFailures < 1:
		return usageError(stderr, cmd, "--keep-failures %d: want at least 1", opts.KeepFailures)
	case !(opts.FaultRate >= 0 && opts.FaultRate <= 1):
		return usageError(stderr, cmd, "--fault-rate %v: want a probability, 0 to 1", opts.FaultRate)
	}
	opts.FaultProbs = faults
	if opts.FaultRate == 0 {
		opts.FaultRate = -1 // an explicit 0 turns the default rate off
	}
	if *runIndex != "" {
		i, err := strconv.ParseUint(*runIndex, 10, 64)
		if err != nil {
			return usageError(stderr, cmd, "--run %q: want a run index, 0 or more", *runIndex)
		}
		if *format == "json" {
			return usageError(stderr, cmd, "--format json: with --run, want text or jsonl")
		}
		if *junit != "" || *summary != "" {
			return usageError(stderr, cmd, "--junit and --summary report a campaign: not with --run")
		}
		c, err := campaign.New(opts)
		if err != nil {
			return usageError(stderr, cmd, "%v", err)
		}
		return randomOne(c, i, *format, stdout, stderr)
	}
	out := bufio.NewWriterSize(stdout, 1<<16)
	defer out.Flush()
	for _, f := range []struct{ name, path string }{{"junit", *junit}, {"summary", *summary}} {
		if f.path != "" && !checkOutputFile(cmd, f.name, f.path, nil, stderr) {
			return exitBadInput
		}
	}
	if *junit != "" {
		// Found unwritable before the campaign runs.
		if err := writeFileAtomic(*junit, junitCampaign(nil, 0)); err != nil {
			fmt.Fprintf(stderr, "%s: --junit: %v\n", cmd, err)
			return exitBadInput
		}
	}
	if *format == "jsonl" {
		opts.JSONL = func(b []byte) error { _, err := out.Write(b); return err }
	}
	start := time.Now()
	// SIGINT and SIGTERM stop the campaign at the next batch of runs: what
	// ran is written whole, the summary says it was interrupted, and the
	// status is 128 + the signal's number. Later signals change nothing.
	stop, caught, release := catchSignals()
	defer release()
	opts.Stop = stop
	c, err := campaign.New(opts)
	if err != nil {
		return usageError(stderr, cmd, "%v", err)
	}
	if *format == "jsonl" {
		// The header goes first: the campaign writes nothing before Run.
		writeHeader(out, campaignHeader(c.Options()))
	}
	if isTerminal(stderr) {
		o := c.Options()
		bar := progressbar.NewOptions64(int64(min(o.Shard.Runs(o.Runs), math.MaxInt64)), progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("random"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		c.SetProgress(func(done uint64) { bar.Set64(int64(min(done, math.MaxInt64))) })
		defer bar.Finish()
	}
	sum, err := c.Run()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitBadInput
	}
	// Shrink the failing runs kept, in run order, and write their scenarios
	// (not once interrupted).
	for k := range sum.Failures {
		f := &sum.Failures[k]
		fmt.Fprintf(stderr, "FAIL run %d: %s\n  reproduce: %s\n", f.Run, f.Violation.String(), f.Reproduce)
		if *failDir == "" || caught() != nil {
			continue
		}
		path, sh, err := writeShrunk(*failDir, c, f)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			continue
		}
		f.Scenario, f.Shrunk = path, len(sh.Steps)
		verdict := "simulate run fails on it"
		if !sh.Fails {
			verdict = "no record shows the violation, so simulate run passes it"
		}
		fmt.Fprintf(stderr, "  shrunk from %d to %d steps: simulate run %s (%s)\n", len(f.Steps), len(sh.Steps), path, verdict)
	}
	rep := sum.Report(c.Options().Profile)
	switch *format {
	case "json":
		if err := rep.WriteJSON(out); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitBadInput
		}
	case "jsonl":
		out.Flush()
		rep.FormatText(stderr)
	default:
		rep.FormatText(out)
	}
	if *junit != "" {
		if err := writeFileAtomic(*junit, junitCampaign(rep, time.Since(start))); err != nil {
			fmt.Fprintf(stderr, "%s: --junit: %v\n", cmd, err)
			return exitBadInput
		}
	}
	if *summary != "" {
		if err := appendSummary(*summary, campaignSummary("simulate random", rep, nil)); err != nil {
			fmt.Fprintf(stderr, "%s: --summary: %v\n", cmd, err)
			return exitBadInput
		}
	}
	switch caught() {
	case syscall.SIGINT:
		fmt.Fprintf(stderr, "%s: interrupted (SIGINT) after %d runs\n", cmd, rep.Runs)
		return exitSIGINT
	case syscall.SIGTERM:
		fmt.Fprintf(stderr, "%s: terminated (SIGTERM) after %d runs\n", cmd, rep.Runs)
		return exitSIGTERM
	}
	if rep.ViolationRuns > 0 {
		return exitFail
	}
	return exitOK
}

// catchSignals catches SIGINT and SIGTERM until release: the first closes
// stop, and caught returns it.
func catchSignals() (stop <-chan struct{}, caught func() os.Signal, release func()) {
	ch := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	var mu sync.Mutex
	var got os.Signal
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			mu.Lock()
			got = s
			mu.Unlock()
			close(ch)
		case <-done:
		}
	}()
	caught = func() os.Signal {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
	release = func() {
		signal.Stop(sigs)
		close(done)
	}
	return ch, caught, release
}

// randomOne runs one run alone and prints its trace and verdict.
func randomOne(c *campaign.Campaign, i uint64, format string, stdout, stderr io.Writer) int {
	recs, steps, cfg, f := c.RunOne(i)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	name := campaign.RunName(i)
	if format == "jsonl" {
		writeHeader(out, campaignHeader(c.Options()))
		var b []byte
		for k := range recs {
			b = recs[k].AppendJSONL(b[:0], name, "")
			out.Write(b)
		}
	} else {
		fmt.Fprintf(out, "%s, configured as in a scenario file:\n", name)
		for _, line := range strings.Split(strings.TrimSuffix(campaign.ConfigYAML(cfg), "\n"), "\n") {
			fmt.Fprintf(out, "  %s\n", line)
		}
		fmt.Fprintf(out, "inputs:")
		for _, s := range steps {
			fmt.Fprintf(out, " %s;", s)
		}
		fmt.Fprintln(out)
		for k := range recs {
			fmt.Fprintln(out, recs[k].String())
		}
	}
	if f != nil {
		fmt.Fprintf(stderr, "FAIL %s: %s\n", name, f.Violation.String())
		return exitFail
	}
	fmt.Fprintf(stderr, "ok %s\n", name)
	return exitOK
}

// writeShrunk shrinks a failing run and writes it as a scenario file. When
// the file is to fail under simulate run, it checks that it does.
func writeShrunk(dir string, c *campaign.Campaign, f *campaign.Failure) (string, campaign.Shrunk, error) {
	sh := c.ShrinkFailure(f)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", sh, err
	}
	path := filepath.Join(dir, sh.Name+".yaml")
	data := campaign.ScenarioYAML(sh.File)
	if sh.Fails {
		sc, err := scenario.Parse(path, data)
		if err != nil {
			return "", sh, fmt.Errorf("%s: the shrunk scenario does not parse (a bug in package campaign): %v", path, err)
		}
		if scenario.Run(sc, scenario.Options{}).Pass {
			sh.Fails = false
			sh.File.Description += " (Checked when written: simulate run passes this file; the run depends on more than its steps.)"
			data = campaign.ScenarioYAML(sh.File)
		}
	}
	return path, sh, writeFileAtomic(path, data)
}

func cmdExplore(args []string, stdout, stderr io.Writer) int {
	const cmd = "simulate explore"
	fs := flags("explore")
	profile := fs.String("profile", string(sim.ProfileDocumented), "")
	depth, workers := new(int), new(int)
	*depth, *workers = explore.DefaultDepth, min(runtime.GOMAXPROCS(0), campaign.MaxWorkers)
	fs.Var(intFlag{depth}, "depth", "")
	fs.Var(intFlag{workers}, "workers", "")
	format := fs.String("format", "text", "")
	emit := fs.String("emit", "", "")
	pos, code := parse(fs, exploreManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if !noArguments(stderr, cmd, pos) ||
		!oneOf(stderr, cmd, "format", *format, "text", "json") ||
		!oneOf(stderr, cmd, "profile", *profile, string(sim.ProfileDocumented), string(sim.ProfileLibJitsiMeet),
			string(sim.ProfileLibJitsiMeet2021)) {
		return exitBadInput
	}
	if *depth < 1 || *depth > explore.MaxDepth {
		return usageError(stderr, cmd, "--depth %d: want 1 to %d", *depth, explore.MaxDepth)
	}
	if *workers < 1 || *workers > campaign.MaxWorkers {
		return usageError(stderr, cmd, "--workers %d: want 1 to %d", *workers, campaign.MaxWorkers)
	}
	res, err := explore.Run(explore.Options{Profile: sim.Profile(*profile), Depth: *depth, Workers: *workers})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitBadInput
	}
	if *emit != "" {
		if err := os.MkdirAll(*emit, 0o755); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitBadInput
		}
		var replaced []string
		for k := range res.Errors {
			e := &res.Errors[k]
			if !e.Reachable {
				continue
			}
			name := "witness-" + strings.ToLower(strings.ReplaceAll(e.Name, "_", "-"))
			desc := fmt.Sprintf("Shortest witness found by simulate explore (profile %s, depth %d) for %s: %s.",
				res.Profile, res.Depth, e.Name, strings.Join(e.Witness, ", "))
			data := campaign.ScenarioYAML(campaign.ScenarioFile{Name: name, Description: desc, Config: e.Run.Config, Steps: e.Run.Steps, Expect: e.Value})
			path := filepath.Join(*emit, name+".yaml")
			if _, err := os.Lstat(path); err == nil {
				replaced = append(replaced, filepath.Base(path))
			}
			if err := writeFileAtomic(path, data); err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
				return exitBadInput
			}
			e.File = path
		}
		if len(replaced) > 0 {
			fmt.Fprintf(stderr, "%s: replaced %d existing files in %s: %s\n", cmd, len(replaced), scenario.Quote(*emit), strings.Join(replaced, ", "))
		}
	}
	if *format == "json" {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	fmt.Fprintf(stdout, "profile %s, depth %d, %d configurations: %d nodes, %d states, %d transitions\n",
		res.Profile, res.Depth, res.Configs, res.Nodes, res.States, res.Transitions)
	for _, e := range res.Errors {
		if e.Reachable {
			fmt.Fprintf(stdout, "  %-30s reachable in %d: %s\n", e.Name, e.Steps, strings.Join(e.Witness, ", "))
		} else {
			fmt.Fprintf(stdout, "  %-30s unreachable within %d inputs\n", e.Name, res.Depth)
		}
	}
	return exitOK
}

func cmdMerge(args []string, stdout, stderr io.Writer) int {
	const cmd = "simulate merge"
	fs := flags("merge")
	format := fs.String("format", "text", "")
	keep := new(int)
	*keep = campaign.DefaultKeepFailures
	fs.Var(intFlag{keep}, "keep-failures", "")
	allowPartial := fs.Bool("allow-partial", false, "")
	summary := fs.String("summary", "", "")
	paths, code := parse(fs, mergeManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if !oneOf(stderr, cmd, "format", *format, "text", "json") {
		return exitBadInput
	}
	if *keep < 1 {
		return usageError(stderr, cmd, "--keep-failures %d: want at least 1", *keep)
	}
	if len(paths) == 0 {
		return usageError(stderr, cmd, "no summary files")
	}
	var total *campaign.Report
	for _, path := range paths {
		r, err := readSummary(path)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitBadInput
		}
		if total == nil {
			total = r
			continue
		}
		if err := total.Merge(r, *keep); err != nil {
			fmt.Fprintf(stderr, "%s: %s: %v\n", cmd, scenario.Quote(path), err)
			return exitBadInput
		}
	}
	if total.Interrupted {
		fmt.Fprintf(stderr, "%s: warning: some shards were interrupted; the counts are those of the runs done\n", cmd)
	}
	missing := campaign.MissingShards(total.Shards)
	if len(missing) > 0 {
		if !*allowPartial {
			fmt.Fprintf(stderr, "%s: the shards do not cover the campaign (missing: %s); give the summaries of all the shards, or --allow-partial to merge these alone\n", cmd, strings.Join(missing, ", "))
			return exitBadInput
		}
		fmt.Fprintf(stderr, "%s: warning: the shards do not cover the campaign (missing: %s); merged as --allow-partial asks\n", cmd, strings.Join(missing, ", "))
	}
	if *summary != "" {
		if !checkOutputFile(cmd, "summary", *summary, paths, stderr) {
			return exitBadInput
		}
		if err := appendSummary(*summary, campaignSummary("simulate merge", total, missing)); err != nil {
			fmt.Fprintf(stderr, "%s: --summary: %v\n", cmd, err)
			return exitBadInput
		}
	}
	if *format == "json" {
		if err := total.WriteJSON(stdout); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitBadInput
		}
	} else {
		total.FormatText(stdout)
	}
	if total.ViolationRuns > 0 {
		return exitFail
	}
	return exitOK
}

// readSummary reads one summary for merge: a regular file (or - for
// standard input), at most campaign.MaxReportBytes of it, checked by
// campaign.ReadReport. Errors name the file.
func readSummary(path string) (*campaign.Report, error) {
	name := scenario.Quote(path)
	var r io.Reader = os.Stdin
	if path != scenario.Stdin {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, statError(path, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file; a summary is a file that simulate random --format json wrote", name)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, statError(path, err)
		}
		defer f.Close()
		r = f
	}
	rep, err := campaign.ReadSummary(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return rep, nil
}

// statError is the operating system's reason a path cannot be read.
func statError(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("open %s: %v", scenario.Quote(path), pe.Err)
	}
	return fmt.Errorf("%s: %v", scenario.Quote(path), err)
}

// campaignHeader is the JSONL header of a campaign: its seed and profile
// (mixed: drawn per run, so no one pin).
func campaignHeader(o campaign.Options) jsonlHeader {
	seed := o.Seed
	p := effectiveProfile(sim.Profile(o.Profile))
	return jsonlHeader{Profile: string(p), LibJitsiMeet: libPin(p), Seed: &seed}
}

// junitCampaign is the JUnit report of a campaign: one failing case per
// failing run listed (with the command that reproduces it), one for the
// failing runs beyond --keep-failures, or one passing case when no run
// failed. rep nil is the placeholder written before the campaign runs.
func junitCampaign(rep *campaign.Report, wall time.Duration) []byte {
	suite := junitSuite{Name: "simulate random"}
	if rep == nil {
		return junitDoc(suite)
	}
	name := fmt.Sprintf("campaign seed %d shards %s", rep.Seed, strings.Join(rep.Shards, ","))
	for _, f := range rep.Failures {
		body := fmt.Sprintf("%s\nreproduce: %s\n", f.Violation.String(), f.Reproduce)
		c := junitCase{Name: campaign.RunName(f.Run), Classname: xmlSafe(name), Time: seconds(0),
			Failure: &junitFailure{Message: xmlSafe(f.Violation.String()), Type: "invariant", Body: xmlSafe(body)}}
		if f.Scenario != "" {
			c.File, c.Line = xmlSafe(f.Scenario), 1
			c.Failure.Body += xmlSafe(fmt.Sprintf("shrunk to %d steps: simulate run %s\n", f.Shrunk, f.Scenario))
		}
		suite.Cases = append(suite.Cases, c)
	}
	if rest := rep.ViolationRuns - min(rep.ViolationRuns, uint64(len(rep.Failures))); rest > 0 {
		suite.Cases = append(suite.Cases, junitCase{Name: "other failing runs", Classname: xmlSafe(name), Time: seconds(0),
			Failure: &junitFailure{Message: fmt.Sprintf("%d more runs broke an invariant (raise --keep-failures to list them)", rest), Type: "invariant"}})
	}
	if len(suite.Cases) == 0 {
		suite.Cases = append(suite.Cases, junitCase{Name: name, Classname: "simulate random", Time: seconds(wall),
			Properties: &junitPropsList{[]junitProp{{"runs", strconv.FormatUint(rep.Runs, 10)}, {"events", strconv.FormatUint(rep.Events, 10)}}}})
	}
	suite.Time = seconds(wall)
	suite.Tests = len(suite.Cases)
	for _, c := range suite.Cases {
		if c.Failure != nil {
			suite.Failures++
		}
	}
	return junitDoc(suite)
}

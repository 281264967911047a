package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jitsi-sim/confsim/internal/campaign"
	"github.com/jitsi-sim/confsim/internal/explore"
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
                    [--failures DIR] [--run I]

DESCRIPTION
    Each run draws a room, a deployment and a client, then up to --steps
    rounds of: maybe a fault (each fault with its probability, at most one
    per round), maybe an action the model allows, and a wait. Every record
    is checked against the lifecycle invariants and the catalog's
    classification. Everything is derived from the seed and the run index,
    so the same seed gives byte-identical output whatever --workers and
    however the campaign is sharded.

    Every failing run prints the command that reproduces it, and is shrunk
    (delta debugging over its inputs) to a scenario file in --failures DIR
    that "simulate run" replays.

OPTIONS
    --seed S          campaign seed (default 1)
    --runs N          runs in the whole campaign, all shards (default 1000)
    --workers N       goroutines (default: all cores)
    --shard I/N       run only the runs whose index is I modulo N (default 0/1);
                      N CI jobs with I = 0..N-1 share one campaign
    --profile P       documented (default), lib-jitsi-meet, or mixed (drawn per run)
    --steps N         rounds per run (default 12)
    --fault-rate P    default probability of each fault per round (default 0.005)
    --fault SEL=P     probability P for the faults SEL names; repeatable, later wins.
                      SEL: a cause id, cause:reason, a signal id, an error name or
                      value (all its causes), phase:PHASE, causes, signals, all
    --swarm           each run arms a random half of the faults
    --format F        text (default): a summary; json: the summary as one JSON
                      object; jsonl: every record of every run, one JSON object
                      per line as "simulate run --format jsonl" writes them (the
                      summary goes to stderr)
    --failures DIR    where shrunk scenarios of failing runs go (default
                      failures; "" writes none)
    --keep-failures N failing runs reported and shrunk (default 20)
    --run I           run only run I and print its trace (reproduce a failure)

    A progress bar is drawn on stderr when it is a terminal.

EXIT STATUS
    0 no invariant was broken, 1 some run broke one, 2 bad input.

EXAMPLES
    simulate random --seed 7 --runs 100000
    simulate random --seed 7 --runs 100000 --swarm --fault phase:media=0.05
    simulate random --seed 7 --runs 1000 --format jsonl > trace.jsonl
    simulate random --seed 7 --runs 1000000 --shard 3/8 --format json > shard3.json
    simulate random --seed 7 --run 4242
`

const exploreManual = `NAME
    simulate explore - search the model exhaustively for paths to every error

SYNOPSIS
    simulate explore [--profile P] [--depth N] [--format F] [--emit DIR]

DESCRIPTION
    Breadth-first search over input sequences (every action the model
    allows, every documented cause and signal), each input followed by a
    settle, from a few starting rooms, up to --depth inputs. For every
    error it reports whether it is reachable within the bound and its
    shortest witness. An error reported unreachable is unreachable by any
    such sequence of at most --depth inputs.

OPTIONS
    --profile P   documented (default) or lib-jitsi-meet
    --depth N     the bound: inputs per sequence (default 3)
    --workers N   configurations explored side by side (default: all cores)
    --format F    text (default) or json: {profile, states, transitions,
                  errors: [{value, reachable, steps, witness}], ...}
    --emit DIR    write each witness as a scenario file DIR/<error>.yaml

EXIT STATUS
    0 done, 2 bad input.

EXAMPLES
    simulate explore
    simulate explore --profile lib-jitsi-meet --format json
    simulate explore --emit witnesses/ && simulate run witnesses/
`

const mergeManual = `NAME
    simulate merge - merge the JSON summaries of a sharded campaign

SYNOPSIS
    simulate merge [--format F] FILE...

DESCRIPTION
    Adds up the summaries that "simulate random --shard I/N --format json"
    wrote (runs, events, errors, violations) and unites their coverage, so
    that the result is the whole campaign's. The files must come from one
    campaign (same seed and drawing options) and name distinct shards; a
    missing shard is reported on stderr.

OPTIONS
    --format F    text (default) or json
    --keep-failures N   failing runs listed (default 20)

EXIT STATUS
    0 merged, no violations; 1 some run broke an invariant; 2 bad input.

EXAMPLES
    simulate merge shard*.json
    simulate merge --format json shard0.json shard1.json > campaign.json
`

// faultFlags collects --fault SEL=P flags.
type faultFlags []campaign.FaultProb

func (f *faultFlags) String() string { return "" }

func (f *faultFlags) Set(v string) error {
	sel, p, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want SELECTOR=PROBABILITY")
	}
	x, err := strconv.ParseFloat(p, 64)
	if err != nil {
		return fmt.Errorf("probability %q: %v", p, err)
	}
	*f = append(*f, campaign.FaultProb{Selector: sel, P: x})
	return nil
}

func newFlagSet(name, manual string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, manual) }
	return fs
}

// parseFlags parses; it returns an exit status and false when the command
// must stop (help asked, or bad flags).
func parseFlags(fs *flag.FlagSet, args []string, manual string, stdout io.Writer) (int, bool) {
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, manual)
			return 0, false
		}
		fmt.Fprintf(fs.Output(), "simulate %s: %v\nRun 'simulate %s --help' for usage.\n", fs.Name(), err, fs.Name())
		return 2, false
	}
	return 0, true
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func cmdRandom(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("random", randomManual, stderr)
	var (
		opts     campaign.Options
		faults   faultFlags
		shard    = fs.String("shard", "0/1", "")
		format   = fs.String("format", "text", "")
		failDir  = fs.String("failures", "failures", "")
		runIndex = fs.Int64("run", -1, "")
	)
	fs.Uint64Var(&opts.Seed, "seed", 1, "")
	fs.Uint64Var(&opts.Runs, "runs", 1000, "")
	fs.IntVar(&opts.Workers, "workers", 0, "")
	fs.StringVar(&opts.Profile, "profile", string(sim.ProfileDocumented), "")
	fs.IntVar(&opts.Steps, "steps", 12, "")
	fs.Float64Var(&opts.FaultRate, "fault-rate", 0.005, "")
	fs.Var(&faults, "fault", "")
	fs.BoolVar(&opts.Swarm, "swarm", false, "")
	fs.IntVar(&opts.KeepFailures, "keep-failures", 20, "")
	if code, ok := parseFlags(fs, args, randomManual, stdout); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "simulate random: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if _, err := fmt.Sscanf(*shard, "%d/%d", &opts.Shard, &opts.Shards); err != nil || opts.Shards == 0 {
		fmt.Fprintf(stderr, "simulate random: --shard %q: want I/N with 0 <= I < N\n", *shard)
		return 2
	}
	switch *format {
	case "text", "json", "jsonl":
	default:
		fmt.Fprintf(stderr, "simulate random: --format %q: want text, json or jsonl\n", *format)
		return 2
	}
	opts.FaultProbs = faults
	if opts.FaultRate == 0 {
		opts.FaultRate = -1 // an explicit 0 turns the default rate off
	}
	if *runIndex >= 0 {
		c, err := campaign.New(opts)
		if err != nil {
			fmt.Fprintf(stderr, "simulate random: %v\n", err)
			return 2
		}
		return randomOne(c, uint64(*runIndex), *format, stdout, stderr)
	}
	out := bufio.NewWriterSize(stdout, 1<<16)
	defer out.Flush()
	if *format == "jsonl" {
		opts.JSONL = func(b []byte) error { _, err := out.Write(b); return err }
	}
	if isTerminal(stderr) && opts.Shards > opts.Shard {
		n := int64(0)
		if opts.Runs > opts.Shard {
			n = int64((opts.Runs - opts.Shard + opts.Shards - 1) / opts.Shards)
		}
		bar := progressbar.NewOptions64(n, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("random"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		opts.Progress = func(done uint64) { bar.Set64(int64(done)) }
		defer bar.Finish()
	}
	c, err := campaign.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "simulate random: %v\n", err)
		return 2
	}
	sum, err := c.Run()
	if err != nil {
		fmt.Fprintf(stderr, "simulate random: %v\n", err)
		return 2
	}
	// Shrink the failing runs, in run order, and write their scenarios.
	for k := range sum.Failures {
		f := &sum.Failures[k]
		fmt.Fprintf(stderr, "FAIL run %d: %s\n  reproduce: %s\n", f.Run, f.Violation.String(), f.Reproduce)
		if *failDir == "" {
			continue
		}
		path, n, err := writeShrunk(*failDir, c, f)
		if err != nil {
			fmt.Fprintf(stderr, "simulate random: %v\n", err)
			continue
		}
		f.Scenario, f.Shrunk = path, n
		fmt.Fprintf(stderr, "  shrunk from %d to %d steps: simulate run %s\n", len(f.Steps), n, path)
	}
	rep := sum.Report(c.Options().Profile)
	switch *format {
	case "json":
		if err := rep.WriteJSON(out); err != nil {
			fmt.Fprintf(stderr, "simulate random: %v\n", err)
			return 2
		}
	case "jsonl":
		out.Flush()
		rep.FormatText(stderr)
	default:
		rep.FormatText(out)
	}
	if rep.ViolationRuns > 0 {
		return 1
	}
	return 0
}

// randomOne runs one run alone and prints its trace and verdict.
func randomOne(c *campaign.Campaign, i uint64, format string, stdout, stderr io.Writer) int {
	recs, steps, cfg, f := c.RunOne(i)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	name := campaign.RunName(i)
	if format == "jsonl" {
		var b []byte
		for k := range recs {
			b = recs[k].AppendJSONL(b[:0], name)
			out.Write(b)
		}
	} else {
		fmt.Fprintf(out, "%s: seed %d, profile %s\n  room %+v\n  deployment %+v\n  client %+v\n", name, cfg.Seed, cfg.Profile, cfg.Room, cfg.Deployment, cfg.Client)
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
		return 1
	}
	fmt.Fprintf(stderr, "ok %s\n", name)
	return 0
}

// writeShrunk shrinks a failing run and writes it as a scenario file.
func writeShrunk(dir string, c *campaign.Campaign, f *campaign.Failure) (string, int, error) {
	cfg := f.Config
	steps := campaign.Shrink(cfg, f.Steps, f.Violation.Invariant)
	s, err := sim.New(cfg)
	if err != nil {
		return "", 0, err
	}
	v, at, _ := campaign.Replay(s, cfg, steps)
	never := ""
	if v != nil {
		never = v.Error
		if never == "" {
			never = v.Event
		}
	}
	name := fmt.Sprintf("seed%d-run%d-%s", c.Options().Seed, f.Run, f.Violation.Invariant)
	desc := fmt.Sprintf("Random campaign run %d of seed %d broke the invariant %s: %s. Shrunk from %d to %d steps. Reproduce the run: %s",
		f.Run, c.Options().Seed, f.Violation.Invariant, f.Violation.Message, len(f.Steps), len(steps), f.Reproduce)
	data := campaign.ScenarioYAML(campaign.ScenarioFile{Name: name, Description: desc, Config: cfg, Steps: steps, Never: never, NeverAt: at})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, err
	}
	path := filepath.Join(dir, name+".yaml")
	return path, len(steps), os.WriteFile(path, data, 0o644)
}

func cmdExplore(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("explore", exploreManual, stderr)
	profile := fs.String("profile", string(sim.ProfileDocumented), "")
	depth := fs.Int("depth", 3, "")
	workers := fs.Int("workers", 0, "")
	format := fs.String("format", "text", "")
	emit := fs.String("emit", "", "")
	if code, ok := parseFlags(fs, args, exploreManual, stdout); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "simulate explore: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "simulate explore: --format %q: want text or json\n", *format)
		return 2
	}
	if *profile != string(sim.ProfileDocumented) && *profile != string(sim.ProfileLibJitsiMeet) {
		fmt.Fprintf(stderr, "simulate explore: --profile %q: want documented or lib-jitsi-meet\n", *profile)
		return 2
	}
	if *depth < 1 || *depth > 8 {
		fmt.Fprintf(stderr, "simulate explore: --depth %d: want 1 to 8\n", *depth)
		return 2
	}
	if *workers <= 0 {
		*workers = 2
	}
	res, err := explore.Run(explore.Options{Profile: sim.Profile(*profile), Depth: *depth, Workers: *workers})
	if err != nil {
		fmt.Fprintf(stderr, "simulate explore: %v\n", err)
		return 2
	}
	if *emit != "" {
		if err := os.MkdirAll(*emit, 0o755); err != nil {
			fmt.Fprintf(stderr, "simulate explore: %v\n", err)
			return 2
		}
		for k := range res.Errors {
			e := &res.Errors[k]
			if !e.Reachable {
				continue
			}
			name := "witness-" + strings.ToLower(strings.ReplaceAll(e.Name, "_", "-"))
			desc := fmt.Sprintf("Shortest witness found by simulate explore (profile %s, depth %d) for %s: %s.",
				res.Profile, res.Depth, e.Name, strings.Join(e.Witness, ", "))
			data := campaign.ScenarioYAML(campaign.ScenarioFile{Name: name, Description: desc, Config: e.W.Config, Steps: e.W.Steps, Expect: e.Value})
			path := filepath.Join(*emit, name+".yaml")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				fmt.Fprintf(stderr, "simulate explore: %v\n", err)
				return 2
			}
			e.File = path
		}
	}
	if *format == "json" {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	fmt.Fprintf(stdout, "profile %s, depth %d, %d configurations: %d nodes, %d states, %d transitions%s\n",
		res.Profile, res.Depth, res.Configs, res.Nodes, res.States, res.Transitions, map[bool]string{true: " (exhausted)", false: ""}[res.Exhausted])
	for _, e := range res.Errors {
		if e.Reachable {
			fmt.Fprintf(stdout, "  %-30s reachable in %d: %s\n", e.Name, e.Steps, strings.Join(e.Witness, ", "))
		} else {
			fmt.Fprintf(stdout, "  %-30s unreachable within %d inputs\n", e.Name, res.Depth)
		}
	}
	return 0
}

func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", mergeManual, stderr)
	format := fs.String("format", "text", "")
	keep := fs.Int("keep-failures", 20, "")
	if code, ok := parseFlags(fs, args, mergeManual, stdout); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "simulate merge: --format %q: want text or json\n", *format)
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "simulate merge: no summary files\nRun 'simulate merge --help' for usage.\n")
		return 2
	}
	var total *campaign.Report
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "simulate merge: %v\n", err)
			return 2
		}
		var r campaign.Report
		if err := json.Unmarshal(data, &r); err != nil {
			fmt.Fprintf(stderr, "simulate merge: %s: %v\n", path, err)
			return 2
		}
		if r.Errors == nil || len(r.Shards) == 0 {
			fmt.Fprintf(stderr, "simulate merge: %s: not a campaign summary (simulate random --format json)\n", path)
			return 2
		}
		if total == nil {
			total = &r
			continue
		}
		if err := total.Merge(&r, *keep); err != nil {
			fmt.Fprintf(stderr, "simulate merge: %s: %v\n", path, err)
			return 2
		}
	}
	if ok, missing := campaign.ShardsComplete(total.Shards); !ok {
		fmt.Fprintf(stderr, "simulate merge: warning: the shards do not cover the campaign (missing: %s)\n", strings.Join(missing, ", "))
	}
	if *format == "json" {
		if err := total.WriteJSON(stdout); err != nil {
			return 2
		}
	} else {
		total.FormatText(stdout)
	}
	if total.ViolationRuns > 0 {
		return 1
	}
	return 0
}

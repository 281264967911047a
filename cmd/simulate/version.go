package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/jitsi-sim/confsim/internal/scenario"
	"github.com/jitsi-sim/confsim/sim"
)

const versionManual = `NAME
    simulate version - print the tool's version and the library each
    profile follows

SYNOPSIS
    simulate version [--format text|json]
    simulate --version

DESCRIPTION
    Version prints the version of simulate, then every profile with the
    lib-jitsi-meet commit it is pinned to ("none" for documented, which
    follows the documented error list rather than one commit of the
    library).

    The version comes from the build: the module version when simulate was
    installed with "go install ...@VERSION", else the version control
    revision it was built from (with "-dirty" when the work tree had
    changes), else "devel" (go run, go test).

    The header record that starts every JSONL stream (simulate run and
    simulate random with --format jsonl) carries the same version and pin.

OPTIONS
    --format text|json
        text (default) as above; json writes {"tool", "version",
        "profiles": [{"profile", "lib_jitsi_meet"}]}, with lib_jitsi_meet
        null for documented.

EXIT STATUS
    0   printed
    2   an unknown flag or argument

EXAMPLES
    simulate version
    simulate --version
`

// libPins is the lib-jitsi-meet commit each profile is pinned to; a
// profile that follows no commit of the library is absent. A test checks
// that every profile of sim.Profiles is decided here.
var libPins = map[sim.Profile]string{
	sim.ProfileLibJitsiMeet:     "01daa07c3f8c",
	sim.ProfileLibJitsiMeet2021: "d630bc32a126",
}

// libPin returns the lib-jitsi-meet commit a profile is pinned to, or nil.
func libPin(p sim.Profile) *string {
	if c, ok := libPins[p]; ok {
		return &c
	}
	return nil
}

// toolVersion is simulate's version from the build information: the module
// version (go install ...@v1.2.3), else the VCS revision (12 digits, -dirty
// for a modified tree), else "devel".
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

type profilePin struct {
	Profile      string  `json:"profile"`
	LibJitsiMeet *string `json:"lib_jitsi_meet"`
}

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := flags("version")
	format := fs.String("format", "text", "text or json")
	rest, code := parse(fs, versionManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if !noArguments(stderr, "simulate version", rest) ||
		!oneOf(stderr, "simulate version", "format", *format, "text", "json") {
		return exitBadInput
	}
	var pins []profilePin
	for _, p := range sim.Profiles {
		pins = append(pins, profilePin{string(p), libPin(p)})
	}
	if *format == "json" {
		b, _ := json.MarshalIndent(struct {
			Tool     string       `json:"tool"`
			Version  string       `json:"version"`
			Profiles []profilePin `json:"profiles"`
		}{"confsim", toolVersion(), pins}, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	fmt.Fprintf(stdout, "simulate (confsim) %s\nprofiles:\n", toolVersion())
	for _, p := range pins {
		pin := "none (the documented error list)"
		if p.LibJitsiMeet != nil {
			pin = *p.LibJitsiMeet
		}
		fmt.Fprintf(stdout, "    %-16s lib-jitsi-meet %s\n", p.Profile, pin)
	}
	return exitOK
}

// jsonlHeader is the first record of every JSONL stream: what wrote it
// and what the model followed. A record with "header" has no "event" and
// no "result"; readers of the stream (simulate diff) pass it over.
type jsonlHeader struct {
	Tool    string `json:"tool"`
	Version string `json:"version"`
	// Profile is the stream's profile: the campaign's (mixed when drawn
	// per run), or, for simulate run, the one profile all its scenarios
	// share, else "mixed".
	Profile string `json:"profile"`
	// LibJitsiMeet is the commit Profile is pinned to; null for
	// documented and mixed.
	LibJitsiMeet *string `json:"lib_jitsi_meet"`
	// Seed is the campaign's seed, or the one seed all the scenarios of
	// simulate run share; null when they differ.
	Seed *uint64 `json:"seed"`
	// Scenarios is simulate run's list, in run order, of each scenario's
	// own profile, pin and seed (each scenario file names its own).
	Scenarios []headerScenario `json:"scenarios,omitempty"`
}

type headerScenario struct {
	Scenario     string  `json:"scenario"`
	File         string  `json:"file"`
	Profile      string  `json:"profile"`
	LibJitsiMeet *string `json:"lib_jitsi_meet"`
	Seed         uint64  `json:"seed"`
}

// writeHeader writes the header record as one line.
func writeHeader(w io.Writer, h jsonlHeader) error {
	h.Tool, h.Version = "confsim", toolVersion()
	b, err := json.Marshal(struct {
		Header jsonlHeader `json:"header"`
	}{h})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// runHeader is simulate run's header: one profile and seed when all the
// scenarios share them, and each scenario's own.
func runHeader(scs []*scenario.Scenario) jsonlHeader {
	var h jsonlHeader
	profiles, seeds := map[sim.Profile]bool{}, map[uint64]bool{}
	for _, sc := range scs {
		p := effectiveProfile(sc.Config.Profile)
		profiles[p], seeds[sc.Config.Seed] = true, true
		h.Scenarios = append(h.Scenarios, headerScenario{sc.Name, sc.File, string(p), libPin(p), sc.Config.Seed})
	}
	h.Profile = "mixed"
	if len(profiles) == 1 {
		for p := range profiles {
			h.Profile, h.LibJitsiMeet = string(p), libPin(p)
		}
	}
	if len(seeds) == 1 {
		for s := range seeds {
			h.Seed = &s
		}
	}
	return h
}

// effectiveProfile is the profile a scenario runs in: the zero value is
// the default, documented.
func effectiveProfile(p sim.Profile) sim.Profile {
	if strings.TrimSpace(string(p)) == "" {
		return sim.ProfileDocumented
	}
	return p
}

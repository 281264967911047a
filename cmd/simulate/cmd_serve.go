package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jitsi-sim/confsim/internal/deploy"
	"github.com/jitsi-sim/confsim/internal/xmpp"
	"github.com/jitsi-sim/confsim/sim"
)

const serveManual = `NAME
    simulate serve - run a scenario's server side as a fake Jitsi
    deployment for a real client

SYNOPSIS
    simulate serve [--addr HOST:PORT] [--manual] [--profile P]
                   [--timeout D] [--transcript FILE] SCENARIO

DESCRIPTION
    Serve runs the model's server side (prosody with its MUC modules,
    jicofo, the bridge) in real time for any client: an application using
    lib-jitsi-meet in a browser, or the library in a Node test. It speaks
    XMPP over WebSocket (RFC 7395) on loopback, takes conference requests
    over HTTP when the scenario's deployment does, and prints the
    connection options to give the library, as one JSON line:

      config: {"serviceUrl":"ws://127.0.0.1:PORT/xmpp-websocket",
               "hosts":{"domain":"meet.example","muc":"conference.meet.example"},
               "control":"http://127.0.0.1:PORT/control", ...}

    The application does what the scenario's actions say (join, leave,
    knock, lock...); serve plays the scenario's faults and moderators. Each
    is applied when the client has sent as many messages (connections,
    conference requests, joins, lobby joins, leaves, room configurations,
    chat, logins) as the model's client had when the scenario applied it,
    and as long after the last of them: a kick waits for the join, an
    approval for the knock, however slow the application is. The model
    runs in the lib-jitsi-meet profile (--profile to change it) to learn
    these moments.

    The control endpoint takes cues as POSTed JSON: {"op":"inject",
    "fault":"ice-failed"}, {"op":"approve"}, {"op":"deny"}, {"op":"kick",
    "text":"reason"}, {"op":"destroy"}, {"op":"advance","ms":5000} (skip the
    clock ahead: the server's timers fire sooner), {"op":"verdict"},
    {"op":"transcript"} and {"op":"end"}. With --manual only these cues are
    played, not the scenario's.

    Serve ends when the scenario is done (every fault and moderator
    action applied, every message the scenario has the client send seen)
    and the client has closed its connections; on {"op":"end"}; on
    SIGINT or SIGTERM; or after --timeout. It prints its verdict on what
    the server saw: "--- PASS NAME" when the client sent, in order, the
    messages the model's client sends in the scenario (it may send more
    after them) and every cue was applied, else "--- FAIL NAME" and the
    first difference or what is still awaited. Jingle, ICE and pings are
    not compared.

OPTIONS
    --addr HOST:PORT
        where to listen (default 127.0.0.1:0, loopback, any free port)
    --manual
        play only the cues sent to the control endpoint
    --media=false
        no real bridge: jicofo's session-initiate is a minimal offer with
        an unreachable candidate. By default each JVB session's bridge,
        and the other participant of each P2P session, is a real WebRTC
        peer on 127.0.0.1 (pion, internal/media): a browser connects to
        it, ICE, DTLS and the bridge channel happen for real, and the
        scenario's network faults act on its packets
    --profile P
        the profile whose model gives the cues (default lib-jitsi-meet)
    --timeout D
        give up after D of real time (default 10m)
    --transcript FILE
        write the stanzas exchanged to FILE at the end

EXIT STATUS
    0 the verdict passed; 1 it failed (or the run ended before the
    scenario was done); 2 bad input (the scenario file, a flag, the
    address).

EXAMPLES
    simulate serve scenarios/password-required/no-password-given.yaml
`

func cmdServe(args []string, stdout, stderr io.Writer) int {
	const cmd = "simulate serve"
	fs := flags("serve")
	addr := fs.String("addr", "127.0.0.1:0", "where to listen")
	manual := fs.Bool("manual", false, "play only the control endpoint's cues")
	profile := fs.String("profile", string(sim.ProfileLibJitsiMeet), "the profile whose model gives the cues")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this much real time")
	transcript := fs.String("transcript", "", "write the stanzas to `FILE` at the end")
	mediaOn := fs.Bool("media", true, "a real WebRTC bridge peer for each JVB session")
	paths, code := parse(fs, serveManual, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(paths) != 1 {
		return usageError(stderr, cmd, "want one scenario file, got %d", len(paths))
	}
	if !oneOf(stderr, cmd, "profile", *profile, profileNames()...) {
		return exitBadInput
	}
	if *timeout <= 0 {
		return usageError(stderr, cmd, "--timeout must be positive")
	}
	scs, code := loadAll(cmd, paths, stderr)
	if code >= 0 {
		return code
	}
	sc := scs[0]
	d, err := deploy.New(sc, deploy.Options{Manual: *manual, Profile: sim.Profile(*profile)})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitBadInput
	}
	if d.Warning != "" {
		fmt.Fprintf(stderr, "%s: warning: %s\n", cmd, d.Warning)
	}
	end := make(chan string, 1)
	stop := func(why string) {
		select {
		case end <- why:
		default:
		}
	}
	control := func(c xmpp.ControlRequest) (map[string]any, error) {
		if c.Op == "end" {
			stop("ended by the control endpoint")
			return map[string]any{"ok": true}, nil
		}
		return d.Control(c)
	}
	if *mediaOn {
		d.SetBridges(xmpp.MediaPeer)
	}
	ep, err := xmpp.New(xmpp.Options{Addr: *addr, Server: d.Server(), Control: control})
	if err != nil {
		fmt.Fprintf(stderr, "%s: --addr %s: %v\n", cmd, *addr, err)
		return exitBadInput
	}
	defer ep.Close()

	cfg := map[string]any{
		"serviceUrl": ep.WebSocketURL(),
		"hosts":      map[string]string{"domain": sim.Domain, "muc": sim.MUCDomain},
		"control":    ep.ControlURL(),
	}
	if sc.Config.Deployment.ConferenceRequestHTTP || usesHTTP(sc) {
		cfg["conferenceRequestUrl"] = ep.ConferenceRequestURL()
	}
	cj, _ := json.Marshal(cfg)
	var mu sync.Mutex // stdout is written by the ticker and at the end
	fmt.Fprintf(stdout, "serving %s (%s) on %s\nconfig: %s\n", sc.Name, sc.File, ep.Addr(), cj)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(*timeout)
	printed := 0
	sawClient := false
	var why string
loop:
	for {
		select {
		case why = <-end:
			break loop
		case s := <-sigs:
			why = "interrupted by " + s.String()
			break loop
		case <-deadline:
			why = fmt.Sprintf("no end within --timeout %s", *timeout)
			break loop
		case <-tick.C:
			if err := d.Tick(time.Since(start).Milliseconds()); err != nil {
				why = "internal error: " + err.Error()
				break loop
			}
			v := d.Verdict()
			mu.Lock()
			for ; printed < len(v.Played); printed++ {
				fmt.Fprintf(stdout, "  played %s\n", v.Played[printed])
			}
			mu.Unlock()
			open := ep.Conns() > 0
			sawClient = sawClient || open || v.Seen > 0
			if sawClient && !open && (v.Done || v.Failed) {
				why = "the client closed its connections"
				break loop
			}
		}
	}
	if *transcript != "" {
		if err := os.WriteFile(*transcript, []byte(strings.Join(ep.Transcript(), "\n")+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "%s: --transcript: %v\n", cmd, err)
		}
	}
	v := d.Verdict()
	mu.Lock()
	defer mu.Unlock()
	if v.Pass {
		fmt.Fprintf(stdout, "--- PASS %s (%s as the scenario has them, %s played; %s)\n", sc.Name,
			plural(v.Seen, "client message", "client messages"), plural(len(v.Played), "cue", "cues"), why)
		return exitOK
	}
	fmt.Fprintf(stdout, "--- FAIL %s: %s (%s)\n", sc.Name, v.Reason, why)
	return exitFail
}

// profileNames lists the profiles by name.
func profileNames() []string {
	var out []string
	for _, p := range sim.Profiles {
		out = append(out, string(p))
	}
	return out
}

// plural is "1 cue", "2 cues".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

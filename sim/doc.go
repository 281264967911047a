// Package sim simulates the life of one Jitsi conference as lib-jitsi-meet
// sees it, and the servers it talks to, under injected faults.
//
// # Layers
//
// The model is cut where reality is cut: at the wire. The server side
// (server: prosody and its MUC modules, jicofo, the bridge and the network
// under ICE) and the client side (the library's logic: Moderator's
// back-offs, ChatRoom's presence-error classification and its room-creation
// re-joins, JitsiConference's three jittered ICE restarts and its silent P2P
// fallback) exchange typed wire messages (package wire), carried in process
// by a virtual network with the model's delays (network.go). The server
// never reads the client's state; the client learns everything from what
// arrives.
//
// A fault is a documented cause (a catalog cause id, e.g. "turn-unavailable")
// or a wire-level signal (see Signals). Faults only change the server side or
// the network: jicofo's answers to the conference request, prosody's answers
// to the MUC join presence, the lobby's moderators, the network under ICE.
// Errors are what the client's logic makes of the messages it receives; no
// table maps a fault to an error.
//
// # Usage
//
// The model is a pure, single-threaded value: inputs in, records out.
//
//	s, _ := sim.New(sim.Config{Room: sim.Room{Occupants: 1}})
//	_ = s.Step(sim.Input{Fault: "turn-unavailable"})
//	_ = s.Step(sim.Input{Action: sim.ActionJoin})
//	_ = s.Settle() // deliver everything scheduled
//	for _, r := range s.Records() { fmt.Println(r.String()) }
//
// Time is virtual (milliseconds); nothing reads the wall clock. The only
// randomness is the library's jitter, drawn from a stream derived from
// Config.Seed. Every run is bounded by Config.Limits.
//
// # State machines
//
// The conference lifecycle and the Jingle session (one instance each for JVB
// and P2P) are state machines defined once as transition tables
// (machine.go) and run either on github.com/looplab/fsm (EngineLooplab, the
// default) or on a precomputed table (EngineTable, for campaigns). Mermaid
// and Graphviz render them.
//
// # Profiles
//
// ProfileDocumented follows the documented error list. ProfileLibJitsiMeet
// follows lib-jitsi-meet at 01daa07c3f8c (2026-08-20): a refused conference
// request ends as connection.connectionFailed with
// connection.conferenceRequestFailed instead of FOCUS_DISCONNECTED or
// GRACEFUL_SHUTDOWN, and nothing checks the focus's versions, so
// INCOMPATIBLE_SERVER_VERSIONS never surfaces. ProfileLibJitsiMeet2021
// follows lib-jitsi-meet at upstream d630bc32 (2021-12-10): a refused
// conference request is FOCUS_DISCONNECTED(focus, retrySec) before every
// retry, with no end, and <graceful-shutdown/> is GRACEFUL_SHUTDOWN with no
// retry; presence errors, roles, kicks and leaves are as that library has
// them (docs/profile-2021.md).
//
// # Not modelled
//
// The application (jitsi-meet): its automatic re-joins (wait-for-owner every
// 5 s, the visitor retry on max users), its leave() after a non-recoverable
// error and its reload dialogs are left to the caller, who sends the next
// action. A failure that ends the conference leaves a terminal state; one
// the library lets the application retry (DISPLAY_NAME_REQUIRED, MAX_USERS,
// NOT_ALLOWED, CONNECTION_ERROR, RESERVATION_ERROR, a refused conference
// request with XMPP up) leaves join-failed, where join() works again. An
// in-room fatal error (FOCUS_LEFT, ICE_FAILED, OFFER_ANSWER_FAILED,
// VIDEOBRIDGE_NOT_AVAILABLE, INCOMPATIBLE_SERVER_VERSIONS) leaves
// failed-in-room, where the library goes on until the application leaves.
// Also not modelled: tracks and codecs beyond a negotiation failure,
// simulcast, E2EE, breakout rooms, the visitor node after a redirect, the
// created timestamp, chat messages (only their errors), XMPP stream
// resumption and the connection errors beside droppedError, answering a
// peer's P2P offer.
package sim

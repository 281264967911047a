// Package xmpp serves the model's server side (sim.Server: prosody with its
// MUC modules, jicofo, the bridge) to a real lib-jitsi-meet over XMPP over
// WebSocket (RFC 7395, subprotocol "xmpp"), so that the real library can
// judge the model.
//
// The endpoint does what prosody does on its own (the stream, SASL
// ANONYMOUS and PLAIN, bind, XEP-0198 stream management, ping, extdisco,
// disco#info, the muc#owner form,
// echoing presence updates and groupchat) and hands everything else to the
// server side as wire messages: the conference IQ to the focus, the MUC join
// and leave presences, the lobby join, the room configuration submit, chat,
// Jingle session-accept and session-terminate. It renders the server side's
// wire messages as the stanzas prosody and jicofo send.
//
// Server is the engine and Endpoint carries it on loopback (not built for
// GOOS=js, where the JavaScript kit carries a Server over its own
// WebSocket server).
//
// Time is virtual: what the server side schedules, and what it sends after
// a delay, waits on the endpoint's own clock (ms) until the harness advances
// it through /control, or until a fake deployment's real-time clock
// (internal/deploy) reaches it. What it sends at once is written at once.
//
// Media: with bridges (SetBridges; internal/media's pion peers), jicofo's
// session-initiate carries the bridge's offer, the client's session-accept
// and transport-info reach it, and the network's ICE outcomes cut or heal
// its packets. The library's in-place ICE restart request (enableIceRestart:
// a session-info with <bridge-session ice-restart='true'/>) is acked, passed
// to the server side as the restart's connectivity checks, and answered
// with the bridge's new transport, reachable or not as the server side's
// network decides. The P2P session's other participant is such a peer too:
// it answers the client's P2P offer with a real answer, or offers for real
// when its id sorts first, takes the client's candidates, and the
// network's P2P outcomes act on its packets; an answer or offer the server
// side says is unusable stays the minimal one the browser rejects. The
// server side learns the browser's checks started once the bridge or peer
// has the answer. Without bridges (jsdom, the JavaScript kit) the
// session-initiate is minimal (one audio content, an unreachable TEST-NET
// candidate), the other participant's session-accept has no contents, and
// ICE outcomes are not rendered. Not modelled: BOSH, visitor nodes, several
// participants (the connections open at once are one client's: what the
// server side sends goes to the one that spoke last).
//
// github.com/coder/websocket is used for the WebSocket (maintained, small,
// context-aware, no dependencies) and encoding/xml for the stanzas: each
// RFC 7395 frame is one complete element, so a tree per frame is enough and
// an XMPP library would bring a client-side model the endpoint does not
// need.
package xmpp

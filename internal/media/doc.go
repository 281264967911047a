// Package media is the far side of the library's Jingle sessions as a real
// WebRTC endpoint, a pion (github.com/pion/webrtc/v4) PeerConnection on
// 127.0.0.1 (Peer): the bridge of a JVB session, whose offer is rendered
// as jicofo's session-initiate and which takes the library's
// session-accept back as its answer, or the other participant of a P2P
// session, which offers or answers as that participant's library would.
// Media set-up then really happens: ICE on loopback, DTLS, and on the JVB
// session SCTP and the bridge channel the library opens (BridgeChannel:
// createDataChannel('JVB data channel', {protocol:
// 'http://jitsi.org/protocols/colibri'})), on which the bridge sends a
// ServerHello first, as the JVB does.
//
// # API for the endpoint
//
// NewBridge(Options) starts a bridge (NewPeer in RoleBridge); Offer() is
// the <jingle action='session-initiate'> element to put in jicofo's IQ;
// Accept(xml) takes the client's session-accept or a transport-info;
// State(), Events(), History() and Wait() report ICE and peer states and
// the bridge channel; Send writes on the bridge channel; Close ends it all.
//
// NewPeer(Options) with a P2P Role is the other participant, without local
// tracks and without a data channel (the library opens the bridge channel
// on the JVB session only). RoleP2PInitiator offers, as its
// JingleSessionPC.invite does with the mediaConstraints of
// strophe.jingle.js: audio and video to receive, contents named by mid
// (SDP.toJingle with isP2P); Accept takes the library's session-accept.
// RoleP2PResponder makes no offer: Answer(xml) takes the library's P2P
// session-initiate and returns the session-accept, its sections inactive
// where pion would say sendonly without a source, as a browser without
// tracks answers. Both take the library's trickled candidates
// (transport-info, JingleSessionPC._sendIceCandidate) through Accept.
//
// # Conversions
//
// SDPToJingle follows lib-jitsi-meet's SDP.toJingle and transportToJingle
// for the JVB session (contents named audio, video, data; sources with their
// msid; ssrc-groups; rtcp-fb; rtp-hdrext; extmap-allow-mixed; sctpmap;
// fingerprint with setup; ICE credentials and candidates). OfferToJingle
// adds what jicofo adds (JingleOfferFactory: <description media='application'/>
// in the data content, senders='both') and <bridge-session>.
// JingleToOfferSDP is what the library makes of that offer (SDP.fromJingle
// with jingle2media, then one m-line per remote source, mids renumbered and
// BUNDLE regenerated). AnswerToJingle is the library's session-accept, and
// JingleToSDP turns it back into an answer for the bridge, with the offer's
// mids. For the P2P session, JingleOptions.P2P names contents and the
// BUNDLE group by mid, as SDP.toJingle does for an SDP made with isP2P, and
// P2PJingleToSDP is SDP.fromJingle with isP2P (one section per content,
// nothing regenerated), both ways. TransportInfo and TransportInfoToJingle read and write
// transport-info, with the ice-generation of an in-place ICE restart.
//
// Not rendered, because the JVB session as the library runs it today does
// not need them or the browser differs: rids and simulcast groups
// (browser.usesRidsForSimulcast), Firefox's recvonly special cases, the msid
// rewrite for Chromium 116 and older, jicofo's <json-message> sources,
// source-add/source-remove. Lines inside a media section come in
// jingle2media's order, not sdp-transform's. Candidate ids are the prefix
// and indexes, not random.
//
// # Faults as the network fails
//
//   - FaultUnreachable: the offer's (or a P2P responder's answer's) only
//     candidate is 192.0.2.1:10000 (TEST-NET-1) and the peer's socket
//     drops everything: checks never
//     succeed. Chromium reports disconnected about 15 s after checking
//     (real-library-notes §4); pion after its failed timeout.
//   - FaultSilent: the bridge ignores the session-accept and its socket
//     drops everything: the client's checks to a real loopback candidate go
//     unanswered.
//   - Cut (after connecting): every packet dropped both ways; consent
//     freshness fails, disconnected then failed. Heal lets packets through.
//   - RestartInPlace(recover): the bridge's side of an in-place ICE restart
//     (enableIceRestart; JingleSessionPC.restartIce and
//     onBridgeIceRestartTransport): the bridge's ICE agent restarts with new
//     credentials, the result is the transport-info with ice-generation that
//     jicofo relays; the client's transport-info with its new credentials
//     comes back through Accept. With recover the network lets packets
//     through again and the transport carries the bridge's own candidates
//     (an unreachable offer's included), without it nothing passes and ICE
//     fails.
//
// A full restart (session-terminate and a new session-initiate, as jicofo
// re-invites after IceFailedHandling) is a new Peer. The faults act on a
// P2P peer as on the bridge; an in-place restart is the JVB session's only
// (JingleSessionPC.restartIce refuses one on the P2P session). The library ignores
// transport-replace (strophe.jingle.js logs it as unsupported), so nothing
// renders one.
//
// What is not modelled: the JVB's colibri messages beyond ServerHello,
// media content (the bridge's tracks exist for their SSRCs; no RTP is
// sent), simulcast, RTX use, bandwidth estimation, TURN/TCP, IPv6, and a
// make-before-break restart (pion's restart replaces the agent's
// credentials in place; the JVB keeps the old agent carrying media until
// the new one connects).
//
// # Measured against Chromium
//
// chromium_test.go loads the real library's bundle at the model's pin into
// headless Chromium (exposing its SDP class), converts the bridge's offer
// with the library's own SDP.fromJingle, answers with a real
// RTCPeerConnection and renders the session-accept with the library's
// SDP.toJingle. Both agree with JingleToOfferSDP and AnswerToJingle, and
// ICE, DTLS and the bridge channel connect to pion on loopback (Chromium
// reported connected about 150 ms after the page took the offer).
// TestChromiumConvertersAgreeWithLibrary compares the converters with the
// library's on generated input (100 per run; 1000 passed with
// -rapid.checks=1000), up to the order of lines inside a section and the
// random candidate ids; JingleToOfferSDP even prints sdp-transform's
// "a=rtcp-fb:NaN trr-int". With FaultUnreachable, Chromium reported
// disconnected 15.06 s after checking, as real-library-notes §4 measured;
// after a Cut, disconnected about 6 s after the cut, and still disconnected
// (not failed) 46 s after it; an in-place restart after the cut, applied in
// the page as onBridgeIceRestartTransport does, had Chromium connected
// again about 250 ms later.
//
// # Time and determinism
//
// This is real networking: ICE, DTLS and SCTP run on the wall clock in
// pion's goroutines, unlike the model in sim/. Determinism is what pion
// allows: one UDP socket on 127.0.0.1 per bridge (ICE UDP mux, a single
// host candidate), loopback only, IPv4 UDP only, no mDNS, fixed codecs and
// payload types; ICE credentials, the DTLS certificate, SSRCs and ports are
// pion's random ones. pion's ICE timeouts default to 5 s disconnected and
// 25 s failed; Options shortens them, which the tests do (1 s and 3 s).
package media

'use strict';

// The page: a jsdom window with fake timers installed before the library's
// bundle is evaluated, the stubs the library needs to load and run its
// signalling, and counters of the WebSocket frames for the quiescence rule.

const fs = require('fs');
const {JSDOM, VirtualConsole} = require('jsdom');
const FakeTimers = require('@sinonjs/fake-timers');

const {needsJQuery, jqueryPath, installJQuery, stubPeerConnection} = require('./jquery');

const CONSOLE_METHODS = [ 'log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table', 'assert' ];

// mulberry32: a small seeded generator, so that the library's jitter and
// random ids are the same from run to run.
function seededRandom(seed) {
    let a = seed >>> 0;

    return function random() {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;

        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);

        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * createPage builds the window and evaluates the bundle in it.
 *
 * @param {object} o options
 * @param {string} o.libraryPath the UMD bundle
 * @param {string} o.url the page's URL (its origin is the server's)
 * @param {function(string, Array)} o.log where the page's console goes
 * @param {number} [o.seed] the seed of Math.random
 * @param {string} [o.jquery] the jQuery file for a bundle that needs it
 *     (default: the harness's own)
 * @param {boolean} [o.forceJQuery] load jQuery even if the bundle's header
 *     does not ask for it
 * @returns {object} the page
 */
function createPage({libraryPath, url, log, seed = 1, jquery = '', forceJQuery = false}) {
    const bundle = fs.readFileSync(libraryPath, 'utf8');
    const virtualConsole = new VirtualConsole();

    for (const m of CONSOLE_METHODS) {
        virtualConsole.on(m, (...args) => log(`console.${m}`, args));
    }
    virtualConsole.on('jsdomError', e => log('jsdomError', [ e && e.stack || String(e) ]));

    const dom = new JSDOM('<!DOCTYPE html><html><head><title>harness</title></head><body></body></html>', {
        url,
        runScripts: 'outside-only',
        virtualConsole
    });
    const w = dom.window;

    // Time: fake timers on the window before anything of the library runs.
    const clock = FakeTimers.withGlobal(w).install({
        now: 0,
        toFake: [ 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance' ],
        shouldAdvanceTime: false
    });

    // Randomness: seeded, so that the library's jitter, nicks and stanza and
    // message ids are the same from run to run.
    const random = seededRandom(seed);

    w.Math.random = random;
    if (w.crypto) {
        const hex = n => Array.from({length: n}, () => Math.floor(random() * 16).toString(16)).join('');

        Object.defineProperty(w.crypto, 'randomUUID', {
            configurable: true,
            writable: true,
            value: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`
        });
        Object.defineProperty(w.crypto, 'getRandomValues', {
            configurable: true,
            writable: true,
            value: array => {
                const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

                for (let i = 0; i < bytes.length; i++) {
                    bytes[i] = Math.floor(random() * 256);
                }

                return array;
            }
        });
    }

    // navigator.mediaDevices: JitsiMeetJS.init() -> mediaDevices.init() needs
    // enumerateDevices and addEventListener. No devices, no media.
    const mediaDevices = {
        enumerateDevices: () => w.Promise.resolve([]),
        getUserMedia: () => w.Promise.reject(new w.DOMException('no media in the signalling tier', 'NotAllowedError')),
        getDisplayMedia: () => w.Promise.reject(new w.DOMException('no media in the signalling tier', 'NotAllowedError')),
        getSupportedConstraints: () => ({}),
        addEventListener: () => undefined,
        removeEventListener: () => undefined,
        ondevicechange: null
    };

    Object.defineProperty(w.navigator, 'mediaDevices', {value: mediaDevices, configurable: true});

    // The frame counters and the sockets, from the prototype (the library's
    // WebSocket reference is taken when the bundle loads).
    const counters = {sent: 0, received: 0, dropped: 0, closed: 0, sockets: new Set(), fetches: 0};
    let closed = false;
    const WS = w.WebSocket;
    const proto = WS.prototype;
    const origSend = proto.send;

    // A frame the page sends while the gate is shut (the server's clock is
    // behind the page's) is held, in order, until the driver has moved the
    // server's clock and calls flushHeld(). The library does not see it.
    const held = [];
    let gate = () => true;

    proto.send = function send(data) {
        track(this);
        if (closed) {
            counters.dropped++;

            return;
        }
        if (this.readyState === WS.OPEN && (held.length > 0 || !gate())) {
            held.push({socket: this, data});

            return;
        }
        counters.sent++;

        return origSend.call(this, data);
    };

    function flushHeld() {
        const frames = held.splice(0, held.length);

        for (const {socket, data} of frames) {
            counters.sent++;
            try {
                origSend.call(socket, data);
            } catch (e) {
                log('harness', [ `a held frame could not be sent: ${e.message}` ]);
            }
        }

        return frames.length;
    }

    // Every socket is tracked from the first time the library touches it
    // (its constructor runs before, and Strophe sets its handlers at once).
    // Our own listeners count the frames that arrive, whatever handler the
    // library has set or cleared, and the closes.
    const origAdd = proto.addEventListener;

    function track(socket) {
        if (counters.sockets.has(socket)) {
            return;
        }
        counters.sockets.add(socket);
        origAdd.call(socket, 'message', () => {
            counters.received++;
        });
        origAdd.call(socket, 'close', () => {
            counters.closed++;
        });
    }

    for (const name of [ 'onopen', 'onclose', 'onerror', 'onmessage' ]) {
        const d = Object.getOwnPropertyDescriptor(proto, name);

        if (!d || !d.set) {
            throw new Error(`jsdom's WebSocket has no ${name} accessor`);
        }
        Object.defineProperty(proto, name, {
            configurable: true,
            enumerable: d.enumerable,
            get: d.get,
            set(fn) {
                track(this);

                return d.set.call(this, fn);
            }
        });
    }
    proto.addEventListener = function addEventListener(...args) {
        track(this);

        return origAdd.apply(this, args);
    };

    // fetch (the WebSocket keep-alive GET needs it): Node's own, counted.
    w.fetch = function fetch(...args) {
        counters.fetches++;

        return globalThis.fetch(...args).finally(() => {
            counters.fetches--;
        });
    };

    // jQuery, before the library, for a bundle whose UMD header takes it as
    // an external, and the RTCPeerConnection such a (2021) bundle's init()
    // reads (lib/jquery.js). A current bundle gets neither: its page stays
    // as it was.
    let jqueryVersion = null;

    if (forceJQuery || needsJQuery(bundle)) {
        jqueryVersion = installJQuery(w, clock, jqueryPath(jquery));
        stubPeerConnection(w);
    }

    // The library.
    const started = Date.now();

    w.eval(bundle);
    const loadMs = Date.now() - started;

    if (!w.JitsiMeetJS || typeof w.JitsiMeetJS !== 'object') {
        throw new Error(`${libraryPath} did not define window.JitsiMeetJS (not a lib-jitsi-meet UMD bundle?)`);
    }

    return {
        window: w,
        dom,
        clock,
        counters,
        loadMs,
        jqueryVersion,
        JitsiMeetJS: w.JitsiMeetJS,
        held,
        flushHeld,

        /** setGate sets the predicate that says whether frames may go now. */
        setGate(fn) {
            gate = fn;
        },

        /** Sockets still opening or closing: traffic the counters do not see. */
        socketsInTransition() {
            let n = 0;

            for (const s of counters.sockets) {
                if (s.readyState === WS.CONNECTING || s.readyState === WS.CLOSING) {
                    n++;
                }
            }

            return n;
        },

        /** Sockets open. */
        openSockets() {
            let n = 0;

            for (const s of counters.sockets) {
                if (s.readyState === WS.OPEN) {
                    n++;
                }
            }

            return n;
        },

        /** The fake clock's next timer, or Infinity. */
        nextTimerAt() {
            // fake-timers has no public peek: its timers are a Map (v15) or
            // an object (older), created with the first timer.
            const timers = clock.timers;
            let next = Infinity;

            if (!timers) {
                return next;
            }
            for (const t of timers instanceof Map ? timers.values() : Object.values(timers)) {
                if (t.callAt < next) {
                    next = t.callAt;
                }
            }

            return next;
        },

        /**
         * Closes the page: nothing more is sent (frames the library tries to
         * send are dropped and counted), then the sockets are closed.
         */
        close() {
            closed = true;
            for (const s of counters.sockets) {
                try {
                    s.onclose = null;
                    s.onerror = null;
                    s.onmessage = null;
                    s.close();
                } catch (e) {
                    // Already closed.
                }
            }
            try {
                clock.uninstall();
            } catch (e) {
                // Nothing to undo.
            }
            try {
                w.close();
            } catch (e) {
                // The window may be half torn down.
            }
        }
    };
}

module.exports = {createPage, seededRandom};

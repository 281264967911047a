// JitsiMeetJS.events and .errors: lib-jitsi-meet's names and values, complete for the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { createSimulation, catalog, missingNames } from '../dist/index.js';

const J = createSimulation().JitsiMeetJS;

test('every event and error value the model emits has its lib-jitsi-meet name', () => {
    assert.deepEqual(missingNames(), []);
    for (const e of catalog.errors) {
        assert.equal(J.errors.conference[e.name], e.value);
    }
    assert.equal(J.errors.conference.AUTH_ERROR_TYPES.ROOM_CREATION_RESTRICTION, 'room-creation-restriction');
    assert.equal(J.events.conference.CONFERENCE_FAILED, 'conference.failed');
    assert.equal(J.events.connection.CONNECTION_ESTABLISHED, 'connection.connectionEstablished');
    assert.equal(J.errors.connection.CONNECTION_DROPPED_ERROR, 'connection.droppedError');
});

// The pinned build (not part of the package), where scripts/test looks for it: $LJM_LIBRARY, else
// ../shared/lib-jitsi-meet/01daa07c/ beside the project.
const pinned = process.env.LJM_LIBRARY
    ? resolve(fileURLToPath(new URL('../../', import.meta.url)), process.env.LJM_LIBRARY)
    : fileURLToPath(new URL('../../../shared/lib-jitsi-meet/01daa07c/lib-jitsi-meet.min.js', import.meta.url));

test('the tables equal lib-jitsi-meet 01daa07c\'s JitsiMeetJS.events and .errors', { skip: !existsSync(pinned) && `no ${pinned}` }, () => {
    // Just enough of a browser for the UMD bundle to define JitsiMeetJS.
    const noop = function () {};
    const storage = { getItem: () => null, setItem: noop, removeItem: noop };
    const win = {
        navigator: { userAgent: 'Mozilla/5.0 Chrome/120.0', mediaDevices: {}, product: 'Gecko' },
        location: { href: 'http://localhost/', search: '', hash: '' },
        document: { createElement: () => ({ getContext: () => null, style: {} }), addEventListener: noop,
            getElementsByTagName: () => [], querySelector: () => null },
        addEventListener: noop, removeEventListener: noop, setTimeout, clearTimeout, setInterval, clearInterval,
        console: { log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop }, performance,
        crypto: globalThis.crypto, TextEncoder, TextDecoder, URL, URLSearchParams, WebSocket: noop,
        RTCPeerConnection: noop, MediaStream: noop, DOMParser: noop, XMLSerializer: noop, XMLHttpRequest: noop,
        Event: noop, EventTarget: class {}, Blob, AudioContext: noop, Worker: noop, fetch: noop,
        localStorage: storage, sessionStorage: storage,
    };
    win.window = win;
    win.self = win;
    win.globalThis = win;
    vm.createContext(win);
    vm.runInContext(readFileSync(pinned, 'utf8'), win);
    const real = JSON.parse(JSON.stringify({ events: win.JitsiMeetJS.events, errors: win.JitsiMeetJS.errors }));
    const ours = JSON.parse(JSON.stringify({ events: J.events, errors: J.errors }));
    const pick = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'string'));
    assert.deepEqual(pick(ours.events.conference), pick(real.events.conference));
    assert.deepEqual(pick(ours.events.connection), pick(real.events.connection));
    assert.deepEqual(ours.errors.conference, real.errors.conference);
    assert.deepEqual(ours.errors.connection, real.errors.connection);
});

'use strict';

// Loads the real lib-jitsi-meet (the shared build, or $LJM_LIBRARY) in the
// harness's page: jsdom, the stubs, fake timers installed first.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const {createPage} = require('../lib/page');

const SHARED = path.resolve(__dirname, '../../../../shared/lib-jitsi-meet/01daa07c/lib-jitsi-meet.min.js');
const LIBRARY = process.env.LJM_LIBRARY || SHARED;
const present = fs.existsSync(LIBRARY);
// In CI the shared build is always beside the repository: never skip there.
const skip = !present && process.env.CI !== 'true' ? `no library at ${LIBRARY} (set LJM_LIBRARY)` : false;

test('the real library loads in jsdom under fake timers', {skip}, () => {
    const lines = [];
    const page = createPage({libraryPath: LIBRARY, url: 'http://127.0.0.1/', log: (kind, args) => lines.push([ kind, args ])});

    try {
        const J = page.JitsiMeetJS;

        if (!process.env.LJM_LIBRARY) {
            assert.equal(J.version, '01daa07c');
        } else {
            assert.equal(typeof J.version, 'string');
        }
        assert.equal(typeof J.JitsiConnection, 'function');
        assert.equal(J.events.connection.CONNECTION_ESTABLISHED, 'connection.connectionEstablished');
        assert.equal(J.events.connection.CONNECTION_FAILED, 'connection.connectionFailed');
        assert.equal(J.events.conference.CONFERENCE_FAILED, 'conference.failed');
        assert.equal(J.events.conference.CONFERENCE_JOINED, 'conference.joined');

        // Virtual time starts at 0 and moves only with the fake clock.
        assert.equal(page.window.eval('Date.now()'), 0);
        assert.equal(page.window.eval('performance.now()'), 0);
        page.window.eval('setTimeout(() => { window.__fired = Date.now(); }, 250)');
        assert.equal(page.nextTimerAt(), 250);
        page.clock.next();
        assert.equal(page.window.__fired, 250);

        // init() needs navigator.mediaDevices, which the page stubs.
        J.init({});
        const conn = new J.JitsiConnection(null, null, {hosts: {domain: 'meet.example', muc: 'conference.meet.example'},
            serviceUrl: 'ws://127.0.0.1:9/xmpp-websocket'});

        assert.equal(typeof conn.connect, 'function');
        assert.ok(page.loadMs < 10000);
    } finally {
        page.close();
    }
});

test('the seeded Math.random repeats from page to page', {skip}, () => {
    const draw = () => {
        const page = createPage({libraryPath: LIBRARY, url: 'http://127.0.0.1/', log: () => undefined});

        try {
            return [ 1, 2, 3 ].map(() => page.window.eval('Math.random()'));
        } finally {
            page.close();
        }
    };
    const a = draw();

    assert.deepEqual(draw(), a);
    assert.ok(a.every(x => x >= 0 && x < 1));
});

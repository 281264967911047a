// startDeployment against the real lib-jitsi-meet: the library's bundle runs in a jsdom page with
// real timers, the example application (examples/conference-handler.js) drives it, and the fake
// deployment plays the scenario's faults and moderators and judges what its server side saw.
// Skipped without a bundle ($LJM_LIBRARY, else the shared build beside the repository).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSDOM, VirtualConsole } from 'jsdom';
import { startDeployment } from '../dist/deployment.js';
import { startConference } from '../examples/conference-handler.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const library = process.env.LJM_LIBRARY || join(repo, '..', 'shared', 'lib-jitsi-meet', '01daa07c', 'lib-jitsi-meet.min.js');
const haveLibrary = existsSync(library);
const skip = haveLibrary ? false : `no lib-jitsi-meet bundle at ${library} (set LJM_LIBRARY)`;

/** A page with the real library: no media devices, real time. */
function page() {
    const dom = new JSDOM('<!DOCTYPE html><title>app</title>', {
        url: 'http://127.0.0.1/', runScripts: 'outside-only', virtualConsole: new VirtualConsole(),
    });
    const w = dom.window;
    Object.defineProperty(w.navigator, 'mediaDevices', {
        configurable: true,
        value: {
            enumerateDevices: () => w.Promise.resolve([]),
            getUserMedia: () => w.Promise.reject(new w.DOMException('no media here', 'NotAllowedError')),
            getSupportedConstraints: () => ({}),
            addEventListener() {}, removeEventListener() {},
        },
    });
    w.fetch = (...a) => globalThis.fetch(...a);
    w.eval(readFileSync(library, 'utf8'));
    w.JitsiMeetJS.init({});
    w.JitsiMeetJS.setLogLevel?.('error');
    return w;
}

const scenario = (name) => ({ scenario: readFileSync(join(repo, 'scenarios', name), 'utf8'), file: name });
const until = async (what, pred, ms = 15000) => {
    const t0 = Date.now();
    while (!pred()) {
        if (Date.now() - t0 > ms) {
            throw new Error(`not within ${ms} ms: ${what}`);
        }
        await new Promise((r) => setTimeout(r, 10));
    }
};

test('a locked room: PASSWORD_REQUIRED, then the app re-joins with the password', { skip }, async () => {
    const d = await startDeployment(scenario('password-required/no-password-given.yaml'));
    const w = page();
    try {
        const app = startConference(w.JitsiMeetJS, {
            connectionOptions: d.connectionOptions, conferenceOptions: { p2p: { enabled: false } },
            askPassword: () => 's3cret',
        });
        const v = await d.settled(20000);
        assert.equal(v.pass, true, v.reason);
        assert.deepEqual(v.played.map((p) => p.replace(/^\d+ ms /, '')), ['fault no-password-given']);
        await until('the app joined', () => app.joined);
        assert.deepEqual(app.errors, [w.JitsiMeetJS.errors.conference.PASSWORD_REQUIRED]);
        assert.ok(d.transcript().some((l) => l.startsWith('C>S <presence') && l.includes('<password>s3cret</password>')));
    } finally {
        w.close();
        await d.close();
    }
});

test('an app that gives up on the password fails the verdict, naming the re-join it never sent', { skip }, async () => {
    const d = await startDeployment(scenario('password-required/no-password-given.yaml'));
    const w = page();
    try {
        const dialogs = [];
        const app = startConference(w.JitsiMeetJS, {
            connectionOptions: d.connectionOptions, conferenceOptions: { p2p: { enabled: false } },
            askPassword: () => undefined, dialog: (k) => dialogs.push(k),
        });
        await until('the password dialog', () => dialogs.includes('password.required'));
        await new Promise((r) => setTimeout(r, 300));
        const v = d.verdict();
        assert.equal(v.pass, false);
        assert.equal(v.done, false);
        assert.match(v.reason, /waiting for the client's message 4 of 5: a conference request/);
        assert.equal(app.joined, false);
    } finally {
        w.close();
        await d.close();
    }
});

test('lobby denial: MEMBERS_ONLY_ERROR, the app knocks, CONFERENCE_ACCESS_DENIED', { skip }, async () => {
    const d = await startDeployment(scenario('access-denied/lobby-access-denied.yaml'));
    const w = page();
    try {
        const dialogs = [];
        const app = startConference(w.JitsiMeetJS, {
            connectionOptions: d.connectionOptions, conferenceOptions: { p2p: { enabled: false } },
            displayName: 'Alice', dialog: (k) => dialogs.push(k),
        });
        const v = await d.settled(20000);
        assert.equal(v.pass, true, v.reason);
        await until('the denial dialog', () => dialogs.includes('lobby.joinRejected'));
        const E = w.JitsiMeetJS.errors.conference;
        assert.deepEqual(app.errors, [E.MEMBERS_ONLY_ERROR, E.CONFERENCE_ACCESS_DENIED]);
    } finally {
        w.close();
        await d.close();
    }
});

test('a kick, cued on the join, by hand: the app is told who kicked it and why', { skip }, async () => {
    const d = await startDeployment({ ...scenario('happy/kicked.yaml'), manual: true });
    const w = page();
    try {
        const dialogs = [];
        const app = startConference(w.JitsiMeetJS, {
            connectionOptions: d.connectionOptions, conferenceOptions: { p2p: { enabled: false } },
            dialog: (k, detail) => dialogs.push([k, detail]),
        });
        await until('the app joined', () => app.joined);
        d.kick('Please behave');
        await until('the kick', () => dialogs.some(([k]) => k === 'kicked'));
        assert.deepEqual(dialogs.find(([k]) => k === 'kicked')[1], { by: 'p1', reason: 'Please behave' });
        assert.equal(app.joined, false);
        assert.deepEqual(d.verdict().played.map((p) => p.replace(/^\d+ ms /, '')), ['moderator kick']);
    } finally {
        w.close();
        await d.close();
    }
});

test('bad scenarios are refused with file:line:col', async () => {
    await assert.rejects(startDeployment({ scenario: 'description: x\nsteps:\n  - fault: no-such-fault\n', file: 'bad.yaml' }),
        /bad\.yaml:3:\d+: .*no-such-fault/);
});

test('an unreachable server side: the upgrade is refused and the library reports otherError', { skip }, async () => {
    const d = await startDeployment(scenario('connection/websocket-unreachable.yaml'));
    const w = page();
    try {
        const app = startConference(w.JitsiMeetJS, { connectionOptions: d.connectionOptions });
        const E = w.JitsiMeetJS.errors.connection;
        await until('the connection failed', () => app.errors.length > 0);
        assert.equal(app.errors[0], E.OTHER_ERROR);
        assert.equal(d.verdict().played.length, 1);
        const res = await fetch(d.serviceUrl.replace('ws:', 'http:'));
        assert.equal(res.status, 502);
    } finally {
        w.close();
        await d.close();
    }
});

test('the shard the proxy names comes with the keep-alive', { skip }, async () => {
    const d = await startDeployment(scenario('connection/shard-changed.yaml'));
    try {
        const res = await fetch(d.serviceUrl.replace('ws:', 'http:'));
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-jitsi-shard'), 'shard-a');
    } finally {
        await d.close();
    }
});

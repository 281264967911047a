// Virtual time following fake timers: the application's own setTimeout and the model's back-offs
// run on one clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { createSimulation } from '../dist/index.js';
import { startConference } from '../examples/conference-handler.js';

const visitorsCfg = {
    room: { occupants: 1 },
    deployment: { conference_request_http: true, visitors: true },
    client: { display_name: 'Alice' },
};

test('MAX_USERS with visitors: the handler\'s own setTimeout retry runs on the fake clock with the model', async () => {
    const clock = FakeTimers.withGlobal(globalThis).install({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
    try {
        const sim = createSimulation(visitorsCfg);
        const uninstall = sim.useFakeTimers(clock);
        sim.inject('room-at-capacity');
        const dialogs = [];
        const app = startConference(sim.JitsiMeetJS, { dialog: (k) => dialogs.push(k), visitorRetryMs: 1000 });
        await clock.tickAsync(500);
        assert.deepEqual(app.errors, ['conference.max_users'], 'the first refusal by 500 ms');
        const firstAt = sim.calls.filter((c) => c.call === 'conference.join()').length;
        assert.equal(app.visitorRetried, true);
        assert.deepEqual(dialogs, []);
        await clock.tickAsync(2000);
        assert.deepEqual(app.errors, ['conference.max_users', 'conference.max_users'], 'the retry was refused too');
        assert.deepEqual(dialogs, ['maxUsersLimitReached']);
        assert.ok(sim.calls.filter((c) => c.call === 'conference.join()').length > firstAt);
        await assert.rejects(sim.advance(10), /advance\(\): time follows the fake clock/);
        uninstall();
    } finally {
        clock.uninstall();
    }
});

test('the model\'s back-offs fire as the clock ticks (focus not ready), and only then', () => {
    const clock = FakeTimers.createClock(1_000_000);
    const sim = createSimulation({ room: { occupants: 1 } });
    sim.useFakeTimers(clock);
    sim.inject('focus-not-ready');
    const J = sim.JitsiMeetJS;
    const conn = new J.JitsiConnection(null, null, {});
    const joinedAt = [];
    conn.addEventListener(J.events.connection.CONNECTION_ESTABLISHED, () => {
        const conf = conn.initJitsiConference('room', {});
        conf.on(J.events.conference.CONFERENCE_JOINED, () => joinedAt.push(clock.now - 1_000_000));
        conf.join();
    });
    conn.connect();
    assert.equal(sim.now(), 0);
    clock.tick(100);
    assert.equal(sim.now(), 80, 'the model stands at its last delivery before the tick\'s end');
    assert.deepEqual(joinedAt, []);
    clock.tick(5000);
    assert.equal(joinedAt.length, 1);
    assert.equal(joinedAt[0], sim.records().find((r) => r.event === 'conference.joined').t_ms,
        'the listener ran at the record\'s virtual time');
});

test('useFakeTimers() with no clock follows the global fake timers (as Vitest and Jest install them)', async () => {
    const clock = FakeTimers.withGlobal(globalThis).install({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
    try {
        const sim = createSimulation({ room: { occupants: 1 } });
        const uninstall = sim.useFakeTimers();
        const app = startConference(sim.JitsiMeetJS);
        await clock.tickAsync(2000); // P2P connects 1 s after its answer
        assert.equal(app.joined, true);
        assert.equal(sim.state(), 'joined/jvb:connected/p2p:connected');
        uninstall();
    } finally {
        clock.uninstall();
    }
});

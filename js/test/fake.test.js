// The fake JitsiMeetJS in closed loop: the application's own handlers change what the model does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulation, catalog } from '../dist/index.js';
import { startConference } from '../examples/conference-handler.js';

const events = (sim) => sim.records().map((r) => (r.error ? `${r.event} ${r.error}` : r.event));

test('PASSWORD_REQUIRED: the handler re-joins with the password and is in', async () => {
    const sim = createSimulation({ room: { occupants: 1, password: 's3cret' }, client: { display_name: 'Alice' } });
    const asked = [];
    const app = startConference(sim.JitsiMeetJS, { askPassword: async () => { asked.push(sim.now()); return 's3cret'; } });
    await sim.settle();
    const evs = events(sim);
    assert.deepEqual(evs.filter((e) => e.startsWith('conference.failed') || e === 'conference.joined'),
        ['conference.failed conference.passwordRequired', 'conference.joined']);
    assert.equal(app.joined, true);
    assert.equal(app.conference.isJoined(), true);
    assert.deepEqual(asked, [120], 'asked once, at the time of the error');
    assert.ok(sim.calls.some((c) => c.call === 'conference.join()' && c.input?.password === 's3cret'));
    assert.equal(sim.state(), 'joined/jvb:connected/p2p:connected', 'P2P on, as in the library');
    assert.deepEqual(app.conference.getParticipants().map((p) => [p.getId(), p.getRole()]), [['p1', 'participant']]);
});

test('PASSWORD_REQUIRED without a password: the dialog, and the model waits', async () => {
    const sim = createSimulation({ room: { occupants: 1, password: 's3cret' } });
    const dialogs = [];
    startConference(sim.JitsiMeetJS, { dialog: (k) => dialogs.push(k) });
    await sim.settle();
    assert.deepEqual(dialogs, ['password.required']);
    assert.equal(sim.state(), 'password-required');
    assert.ok(sim.allowed().includes('join'));
});

test('the password given to the first join() reaches the model (connect() joins at once)', async () => {
    const sim = createSimulation({ room: { occupants: 1, password: 's3cret' } });
    const J = sim.JitsiMeetJS;
    const conn = new J.JitsiConnection(null, null, {});
    conn.addEventListener(J.events.connection.CONNECTION_ESTABLISHED, () => {
        conn.initJitsiConference('room', {}).join('s3cret');
    });
    conn.connect();
    await sim.settle();
    const evs = events(sim);
    assert.ok(evs.includes('conference.joined'));
    assert.ok(!evs.some((e) => e.includes('passwordRequired')));
});

test('lobby: the handler knocks, a moderator approves, the app is in', async () => {
    const sim = createSimulation({ room: { occupants: 1, lobby: true }, client: { display_name: 'Alice' } });
    const app = startConference(sim.JitsiMeetJS, { displayName: 'Alice' });
    await sim.advance(1000);
    assert.equal(sim.state(), 'lobby');
    assert.deepEqual(app.errors, [sim.JitsiMeetJS.errors.conference.MEMBERS_ONLY_ERROR]);
    sim.moderator.approve();
    await sim.settle();
    assert.equal(app.joined, true);
    assert.equal(sim.state(), 'joined/jvb:connected/p2p:connected');
});

test('lobby: a moderator denies, the app shows lobby.joinRejected', async () => {
    const sim = createSimulation({ room: { occupants: 1, lobby: true }, client: { display_name: 'Alice' } });
    const dialogs = [];
    const app = startConference(sim.JitsiMeetJS, { displayName: 'Alice', dialog: (k) => dialogs.push(k) });
    await sim.advance(1000);
    sim.moderator.deny();
    await sim.settle();
    assert.deepEqual(dialogs, ['lobby.joinRejected']);
    assert.equal(app.errors.at(-1), 'conference.connectionError.accessDenied');
    assert.equal(app.joined, false);
});

test('kick: KICKED with the kicking participant and the reason; the connection goes 5 s later', async () => {
    const sim = createSimulation({ room: { occupants: 1 } });
    const dialogs = [];
    const app = startConference(sim.JitsiMeetJS, { dialog: (k, d) => dialogs.push([k, d]) });
    let disconnectedAt;
    app.connection.addEventListener(sim.JitsiMeetJS.events.connection.CONNECTION_DISCONNECTED, () => { disconnectedAt = sim.now(); });
    await sim.settle();
    assert.equal(app.joined, true);
    const kickedAt = sim.now();
    sim.moderator.kick('Please behave');
    await sim.settle();
    assert.deepEqual(dialogs, [['kicked', { by: 'p1', reason: 'Please behave' }]]);
    assert.equal(app.joined, false);
    assert.equal(sim.state().split('/')[0], 'kicked');
    assert.ok(disconnectedAt >= kickedAt + 5000, `disconnected at ${disconnectedAt}, kicked at ${kickedAt}`);
});

test('ICE_FAILED after the three restarts, through advance(); the handler leaves', async () => {
    // P2P off, as the application's config says: the JVB session alone carries the media.
    const sim = createSimulation({ room: { occupants: 1 }, deployment: { p2p: false } });
    const dialogs = [];
    const app = startConference(sim.JitsiMeetJS, { dialog: (k, d) => dialogs.push([k, d]), conferenceOptions: { p2p: { enabled: false } } });
    await sim.advance(2000);
    assert.equal(sim.state(), 'joined/jvb:connected');
    sim.records();
    const sessions = [];
    app.conference.on(sim.JitsiMeetJS.events.conference._MEDIA_SESSION_STARTED, (s) => sessions.push(s.isP2P));
    sim.inject('turn-unavailable');
    let t = 0;
    while (!app.left && t < 120000) {
        await sim.advance(1000);
        t += 1000;
    }
    assert.deepEqual(sessions, [false, false, false], 'three re-invited JVB sessions');
    assert.deepEqual(dialogs, [['reload', 'conference.iceFailed']]);
    assert.equal(app.left, true);
    assert.equal(sim.state(), 'left/jvb:ended');
    const evs = events(sim);
    assert.ok(evs.indexOf('conference.failed conference.iceFailed') < evs.indexOf('conference.left'));
});

test('FOCUS_LEFT: fatal, the handler shows reload and leaves', async () => {
    const sim = createSimulation({ room: { occupants: 1 } });
    const dialogs = [];
    const app = startConference(sim.JitsiMeetJS, { dialog: (k, d) => dialogs.push([k, d]) });
    await sim.settle();
    sim.inject('jicofo-left');
    await sim.settle();
    assert.deepEqual(dialogs, [['reload', 'conference.focusLeft']]);
    assert.equal(app.left, true);
});

test('lock(): rejected with PASSWORD_NOT_SUPPORTED where the model says so', async () => {
    const cause = catalog.errors.find((e) => e.name === 'PASSWORD_NOT_SUPPORTED').causes[0].id;
    const sim = createSimulation({ room: { occupants: 1 } });
    const app = startConference(sim.JitsiMeetJS);
    await sim.settle();
    sim.inject(cause);
    const locked = app.conference.lock('secret');
    const outcome = locked.then(() => 'resolved', (e) => e);
    await sim.settle();
    assert.equal(await outcome, sim.JitsiMeetJS.errors.conference.PASSWORD_NOT_SUPPORTED);
});

test('lock(): resolves on lock_state_changed', async () => {
    const sim = createSimulation({ room: { occupants: 1 } });
    const app = startConference(sim.JitsiMeetJS);
    await sim.settle();
    const states = [];
    app.conference.on(sim.JitsiMeetJS.events.conference.LOCK_STATE_CHANGED, (locked) => states.push(locked));
    const p = app.conference.lock('secret');
    await sim.settle();
    await p;
    assert.deepEqual(states, [true]);
});

test('leave() is a promise that resolves with conference.left', async () => {
    const sim = createSimulation({ room: { occupants: 1 } });
    const app = startConference(sim.JitsiMeetJS);
    await sim.settle();
    let done = false;
    const p = app.conference.leave().then(() => { done = true; });
    assert.equal(done, false);
    await sim.settle();
    await p;
    assert.equal(done, true);
    assert.equal(app.left, true);
});

test('bad input: a thrown Error naming the call and the reason', async () => {
    assert.throws(() => createSimulation({ room: { ocupants: 1 } }), /createSimulation\(\): config: unknown field "ocupants"/);
    assert.throws(() => createSimulation({ profile: 'newest' }), /createSimulation\(\): unknown profile "newest"/);
    const sim = createSimulation({ room: { occupants: 1 } });
    assert.throws(() => sim.inject('turn-unavailble'), /inject\("turn-unavailble"\): unknown fault "turn-unavailble" \(did you mean "turn-unavailable"\?\)/);
    assert.throws(() => sim.moderator.approve(), /moderator\.approve\(\): approve is not possible in state disconnected/);
    const app = startConference(sim.JitsiMeetJS);
    await sim.settle();
    assert.throws(() => app.conference.joinLobby('x'), /conference\.joinLobby\(\): knock is not possible in state joined/);
    assert.throws(() => app.connection.connect(), /connection\.connect\(\): .*one simulation is one client/);
    assert.throws(() => app.conference.on('x', 'not a function'), TypeError);
});

test('records() returns what came since the last call; the args are the library\'s', async () => {
    const sim = createSimulation({ room: { occupants: 1 } });
    startConference(sim.JitsiMeetJS);
    await sim.advance(100);
    const first = sim.records();
    assert.equal(first[0].event, 'connection.connectionEstablished');
    await sim.settle();
    const rest = sim.records();
    assert.ok(rest.length > 0 && rest[0].t_ms >= first.at(-1).t_ms);
    assert.deepEqual(sim.records(), []);
    const uj = rest.find((r) => r.event === 'conference.userJoined');
    assert.deepEqual(uj.args, ['p1', { $type: 'JitsiParticipant', id: 'p1', role: 'participant' }]);
});

test('the application\'s config.p2p must agree with the deployment\'s: a disagreement is an error, not a silent default', async () => {
    const sim = createSimulation({ room: { occupants: 1 } });
    const conn = new sim.JitsiMeetJS.JitsiConnection(null, null, {});
    assert.throws(() => conn.initJitsiConference('room', { p2p: { enabled: false } }),
        /options\.p2p\.enabled is false but the simulation's deployment has P2P on; set deployment\.p2p: false/);
    const off = createSimulation({ room: { occupants: 1 }, deployment: { p2p: false } });
    const conn2 = new off.JitsiMeetJS.JitsiConnection(null, null, {});
    assert.doesNotThrow(() => conn2.initJitsiConference('room', { p2p: { enabled: false } }));
});

// replay(): a trace of `simulate run --format jsonl` played to the application's listeners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { replay } from '../dist/index.js';
import { startConference } from '../examples/conference-handler.js';

// Made by: go run ./cmd/simulate run --format jsonl scenarios/happy/kicked.yaml scenarios/happy/password-then-join.yaml
const trace = readFileSync(new URL('./testdata/kicked-and-password.jsonl', import.meta.url), 'utf8');

test('replay: the kick reaches the handler with the library\'s arguments; header and result lines are skipped', async () => {
    assert.match(trace.split('\n')[0], /^\{"header":/);
    const r = replay(trace, { scenario: 'kicked' });
    const dialogs = [];
    const app = startConference(r.JitsiMeetJS, { dialog: (k, d) => dialogs.push([k, d]) });
    await r.settle();
    assert.deepEqual(dialogs, [['kicked', { by: 'p1', reason: 'Please behave' }]]);
    assert.equal(app.joined, false);
    assert.equal(r.records().length, r.trace.length);
    assert.ok(r.trace.every((rec) => rec.scenario === 'kicked'));
});

test('replay is open loop: the handler\'s calls are recorded and change nothing', async () => {
    const r = replay(trace, { scenario: 'password-then-join' });
    const app = startConference(r.JitsiMeetJS, { askPassword: () => 's3cret' });
    await r.advance(130);
    assert.deepEqual(app.errors, ['conference.passwordRequired']);
    await r.settle();
    assert.equal(app.left, true, 'joined, then left as the trace says');
    assert.ok(r.trace.some((rec) => rec.event === 'conference.joined'));
    assert.deepEqual(r.calls.filter((c) => c.call === 'conference.join()').map((c) => c.input.password), ['', 's3cret']);
});

test('replay: a trace of several scenarios needs one chosen; bad lines are named', () => {
    assert.throws(() => replay(trace), /holds 2 scenarios \(kicked, password-then-join\); choose one/);
    assert.throws(() => replay('{"header":{}}\nnot json\n'), /replay\(\): line 2: not JSON/);
    assert.throws(() => replay('{"event":"x"}'), /line 1: not a trace record/);
    assert.throws(() => replay(trace, { scenario: 'nope' }), /no record of scenario "nope"/);
});

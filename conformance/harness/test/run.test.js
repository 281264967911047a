'use strict';

// run.js as a program: its exit statuses and its bounded waits.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const {spawn} = require('node:child_process');

const RUN = path.resolve(__dirname, '../run.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-test-'));
const plan = path.join(tmp, 'plan.json');
const lib = path.join(tmp, 'lib.js');

fs.writeFileSync(plan, JSON.stringify({domain: 'meet.example', muc: 'conference.meet.example', inputs: [ {t_ms: 0, action: 'join'} ], end_ms: 1000}));
// A stand-in bundle: enough for the page to load, never contacted.
fs.writeFileSync(lib, 'window.JitsiMeetJS = {version: "stub", events: {connection: {}, conference: {}}};');

function run(args) {
    return new Promise(resolve => {
        const child = spawn(process.execPath, [ RUN, ...args ], {stdio: [ 'ignore', 'pipe', 'pipe' ]});
        let stderr = '';

        child.stderr.on('data', d => {
            stderr += d;
        });
        child.on('close', code => resolve({code, stderr}));
    });
}

function args(control, extra = [], planFile = plan) {
    return [ '--library', lib, '--ws', 'ws://127.0.0.1:9/xmpp-websocket', '--control', control,
        '--plan', planFile, '--out', path.join(tmp, 'out.jsonl'), '--scenario', 's', '--file', 'f.yaml', ...extra ];
}

test('bad arguments exit 2', async () => {
    const r = await run([ '--library', lib ]);

    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing --ws/);
});

test('a bad plan exits 2 and names the problem', async () => {
    const bad = path.join(tmp, 'bad.json');

    fs.writeFileSync(bad, JSON.stringify({domain: 'meet.example', muc: 'm', inputs: [ {t_ms: 0, action: 'dance'} ], end_ms: 1}));
    const r = await run(args('http://127.0.0.1:9/control', [], bad));

    assert.equal(r.code, 2);
    assert.match(r.stderr, /inputs\[0\]\.action: unknown action "dance"/);
});

test('a missing library exits 2', async () => {
    const r = await run([ ...args('http://127.0.0.1:9/control'), '--library', path.join(tmp, 'nope.js') ]);

    assert.equal(r.code, 2);
    assert.match(r.stderr, /no such file/);
});

test('a control endpoint that never answers hits the real-time limit: exit 3', async () => {
    const server = http.createServer(() => { /* never answers */ });

    await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
        const out = path.join(tmp, 'timeout.jsonl');
        const started = Date.now();
        const r = await run([ ...args(`http://127.0.0.1:${server.address().port}/control`), '--out', out, '--timeout-ms', '1500' ]);

        assert.equal(r.code, 3);
        assert.match(r.stderr, /no end after 1500 ms of real time/);
        assert.ok(Date.now() - started < 10000);
        const last = JSON.parse(fs.readFileSync(out, 'utf8').trim().split('\n').pop());

        assert.equal(last.result, 'timeout');
        assert.equal(last.scenario, 's');
    } finally {
        server.closeAllConnections();
        server.close();
    }
});

test('a control endpoint that is not there fails clearly: exit 1', async () => {
    const server = http.createServer();

    await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = server.address().port;

    await new Promise(resolve => server.close(resolve));
    const r = await run(args(`http://127.0.0.1:${port}/control`));

    assert.equal(r.code, 1);
    assert.match(r.stderr, /control "next"/);
});

'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const {parseArgs, UsageError} = require('../lib/args');

const full = [ '--library', 'lib.js', '--ws', 'ws://127.0.0.1:1/xmpp-websocket', '--control', 'http://127.0.0.1:1/control',
    '--plan', 'p.json', '--out', 'o.jsonl', '--scenario', 'password-required/no-password-given', '--file', 'f.yaml' ];

test('the full command line', () => {
    const o = parseArgs(full);

    assert.equal(o.library, 'lib.js');
    assert.equal(o.scenario, 'password-required/no-password-given');
    assert.equal(o.file, 'f.yaml');
    assert.equal(o.timeoutMs, 60000);
    assert.equal(o.log, null);
});

test('--flag=value and numbers', () => {
    const o = parseArgs([ ...full, '--timeout-ms=1500', '--settle-ms', '0', '--log=x.log' ]);

    assert.equal(o.timeoutMs, 1500);
    assert.equal(o.settleMs, 0);
    assert.equal(o.log, 'x.log');
});

test('--file defaults to empty', () => {
    assert.equal(parseArgs(full.slice(0, -2)).file, '');
});

test('help', () => {
    assert.deepEqual(parseArgs([ '--help' ]), {help: true});
});

for (const [ name, argv, re ] of [
    [ 'missing flags', [ '--library', 'x' ], /missing --ws, --control, --plan, --out, --scenario/ ],
    [ 'unknown flag', [ ...full, '--fast' ], /unknown flag --fast/ ],
    [ 'no value', [ ...full, '--log' ], /--log needs a value/ ],
    [ 'positional', [ ...full, 'extra' ], /unexpected argument "extra"/ ],
    [ 'bad ws URL', [ ...full, '--ws', 'http://x/' ], /--ws: want a ws: or wss: URL/ ],
    [ 'bad control URL', [ ...full, '--control', 'nope' ], /--control: not a URL/ ],
    [ 'bad number', [ ...full, '--timeout-ms', 'soon' ], /--timeout-ms: want a non-negative number/ ],
    [ 'zero timeout', [ ...full, '--timeout-ms', '0' ], /must be positive/ ]
]) {
    test(`refused: ${name}`, () => {
        assert.throws(() => parseArgs(argv), err => err instanceof UsageError && re.test(err.message));
    });
}

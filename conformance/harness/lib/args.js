'use strict';

const USAGE = `usage: node run.js --library LIB --ws WSURL --control CONTROLURL --plan PLAN.json
                   --out OUT.jsonl --scenario NAME [--file FILE] [--log LOG]
                   [--timeout-ms 60000] [--quiesce-timeout-ms 5000] [--seed 1]
                   [--quiescence auto|next|transcript|settle] [--settle-ms 30]
                   [--jquery FILE]

Runs a lib-jitsi-meet UMD bundle (LIB) in jsdom with fake timers against the
server side at WSURL (XMPP over WebSocket) and CONTROLURL (its control
endpoint), plays PLAN.json and writes every connection and conference event
to OUT.jsonl. Exit status: 0 done, 1 failure, 2 bad arguments or plan,
3 the real-time limit (--timeout-ms) was reached.

Quiescence (when virtual time may move) is told from the server's frame
counts: from its "next" answer if it carries them, else from its transcript
(auto); --quiescence settle waits --settle-ms of real time without traffic
instead. --seed seeds the page's Math.random and crypto random values.

A bundle whose UMD header takes jquery as an external (lib-jitsi-meet of
2021 and before) gets jQuery loaded first, as window.$, window.jQuery and
window.jquery: the harness's own (npm ci) or --jquery FILE, which also
forces it for any bundle.`;

class UsageError extends Error {
    constructor(message) {
        super(message);
        this.name = 'UsageError';
    }
}

const STRING_FLAGS = {
    library: 'library',
    ws: 'ws',
    control: 'control',
    plan: 'plan',
    out: 'out',
    scenario: 'scenario',
    file: 'file',
    log: 'log',
    quiescence: 'quiescence',
    jquery: 'jquery'
};

const NUMBER_FLAGS = {
    'timeout-ms': 'timeoutMs',
    'settle-ms': 'settleMs',
    'quiesce-timeout-ms': 'quiesceTimeoutMs',
    seed: 'seed'
};

const REQUIRED = [ 'library', 'ws', 'control', 'plan', 'out', 'scenario' ];

function checkUrl(value, flag, protocols) {
    let u;

    try {
        u = new URL(value);
    } catch (e) {
        throw new UsageError(`--${flag}: not a URL: ${JSON.stringify(value)}`);
    }
    if (!protocols.includes(u.protocol)) {
        throw new UsageError(`--${flag}: want a ${protocols.join(' or ')} URL, got ${JSON.stringify(value)}`);
    }
}

/**
 * parseArgs reads the command line (without node and the script).
 *
 * @param {string[]} argv the arguments
 * @returns {object} the options, or {help: true}
 * @throws {UsageError} on a bad command line
 */
function parseArgs(argv) {
    const opts = {file: '', log: null, jquery: '', quiescence: 'auto', seed: 1, timeoutMs: 60000, settleMs: 30, quiesceTimeoutMs: 5000};

    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];

        if (arg === '-h' || arg === '--help') {
            return {help: true};
        }
        if (!arg.startsWith('--')) {
            throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
        }
        let name = arg.slice(2);
        let value;
        const eq = name.indexOf('=');

        if (eq >= 0) {
            value = name.slice(eq + 1);
            name = name.slice(0, eq);
        }
        if (!(name in STRING_FLAGS) && !(name in NUMBER_FLAGS)) {
            throw new UsageError(`unknown flag --${name}`);
        }
        if (value === undefined) {
            if (i + 1 >= argv.length) {
                throw new UsageError(`--${name} needs a value`);
            }
            value = argv[++i];
        }
        if (name in STRING_FLAGS) {
            opts[STRING_FLAGS[name]] = value;
        } else {
            const n = Number(value);

            if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
                throw new UsageError(`--${name}: want a non-negative number, got ${JSON.stringify(value)}`);
            }
            opts[NUMBER_FLAGS[name]] = n;
        }
    }
    const missing = REQUIRED.filter(k => opts[k] === undefined || opts[k] === '');

    if (missing.length) {
        throw new UsageError(`missing ${missing.map(k => `--${k}`).join(', ')}`);
    }
    checkUrl(opts.ws, 'ws', [ 'ws:', 'wss:' ]);
    checkUrl(opts.control, 'control', [ 'http:', 'https:' ]);
    if (![ 'auto', 'next', 'transcript', 'settle' ].includes(opts.quiescence)) {
        throw new UsageError(`--quiescence: want auto, next, transcript or settle, got ${JSON.stringify(opts.quiescence)}`);
    }
    if (!Number.isInteger(opts.seed)) {
        throw new UsageError(`--seed: want an integer, got ${opts.seed}`);
    }
    if (opts.timeoutMs === 0) {
        throw new UsageError('--timeout-ms must be positive');
    }

    return opts;
}

module.exports = {parseArgs, UsageError, USAGE};

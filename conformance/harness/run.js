#!/usr/bin/env node
'use strict';

// The signalling-tier harness: see README.md.

const fs = require('fs');
const path = require('path');
const util = require('util');

const {parseArgs, UsageError, USAGE} = require('./lib/args');
const {parsePlanText, PlanError} = require('./lib/plan');

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_TIMEOUT = 3;

function fail(code, message) {
    process.stderr.write(`harness: ${message}\n`);
    process.exit(code);
}

function main() {
    let opts;

    try {
        opts = parseArgs(process.argv.slice(2));
    } catch (e) {
        if (e instanceof UsageError) {
            fail(EXIT_USAGE, `${e.message}\n${USAGE}`);
        }
        throw e;
    }
    if (opts.help) {
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
    }
    let plan;

    try {
        plan = parsePlanText(fs.readFileSync(opts.plan, 'utf8'));
    } catch (e) {
        if (e instanceof PlanError) {
            fail(EXIT_USAGE, `plan ${opts.plan}: ${e.message}`);
        }
        fail(EXIT_USAGE, `plan ${opts.plan}: ${e.message}`);
    }
    if (!fs.existsSync(opts.library)) {
        fail(EXIT_USAGE, `--library ${opts.library}: no such file (a lib-jitsi-meet UMD bundle, e.g. node_modules/lib-jitsi-meet/dist/umd/lib-jitsi-meet.min.js)`);
    }
    let out;

    try {
        out = fs.openSync(opts.out, 'w');
    } catch (e) {
        fail(EXIT_USAGE, `--out ${opts.out}: ${e.message}`);
    }
    let logFd = null;

    if (opts.log) {
        try {
            logFd = fs.openSync(opts.log, 'w');
        } catch (e) {
            fail(EXIT_USAGE, `--log ${opts.log}: ${e.message}`);
        }
    }

    // From here on the run: everything the library prints goes to the log.
    const realStart = Date.now();
    let page = null;

    function log(kind, args) {
        if (logFd === null) {
            return;
        }
        const t = page ? page.clock.now : 0;
        const text = args.map(a => (typeof a === 'string' ? a : util.inspect(a, {depth: 2, breakLength: Infinity}))).join(' ');

        try {
            fs.writeSync(logFd, `[real ${Date.now() - realStart} ms] [t=${t}] ${kind}: ${text}\n`);
        } catch (e) {
            // The log is best effort.
        }
    }

    const base = {scenario: opts.scenario, file: opts.file};

    // After the last line nothing more is written: events the library emits
    // while the page closes are not part of the run.
    let over = false;

    function writeLine(obj) {
        if (over) {
            return;
        }
        fs.writeSync(out, `${JSON.stringify(obj)}\n`);
    }

    function writeLast(obj) {
        writeLine(obj);
        over = true;
    }

    function finish(code, message) {
        over = true;
        if (message) {
            log('harness', [ message ]);
            process.stderr.write(`harness: ${opts.scenario}: ${message}\n`);
        }
        if (page) {
            try {
                page.close();
            } catch (e) {
                log('harness', [ `closing the page: ${e.stack || e}` ]);
            }
        }
        try {
            fs.closeSync(out);
        } catch (e) {
            // Already closed.
        }
        if (logFd !== null) {
            try {
                fs.closeSync(logFd);
            } catch (e) {
                // Already closed.
            }
        }
        process.exit(code);
    }

    const deadline = setTimeout(() => {
        const t = page ? page.clock.now : 0;
        const msg = `no end after ${opts.timeoutMs} ms of real time (virtual ${t} ms of ${plan.endMs})`;

        try {
            writeLast({...base, result: 'timeout', t_ms: t, end_ms: plan.endMs, message: msg});
        } catch (e) {
            // Nothing more to do.
        }
        finish(EXIT_TIMEOUT, msg);
    }, opts.timeoutMs);

    process.on('unhandledRejection', reason => log('unhandledRejection', [ reason && reason.stack || reason ]));
    process.on('uncaughtException', err => log('uncaughtException', [ err && err.stack || err ]));

    const {createPage} = require('./lib/page');
    const {controlClient} = require('./lib/control');
    const {Driver} = require('./lib/driver');

    (async () => {
        try {
            page = createPage({
                libraryPath: path.resolve(opts.library),
                url: new URL('/', opts.control).href,
                log,
                seed: opts.seed,
                jquery: opts.jquery,
                forceJQuery: opts.jquery !== ''
            });
        } catch (e) {
            finish(EXIT_FAILURE, `loading ${opts.library}: ${e.stack || e}`);
        }
        log('harness', [ `loaded ${opts.library}: JitsiMeetJS.version ${page.JitsiMeetJS.version} in ${page.loadMs} ms${
            page.jqueryVersion ? `, after jQuery ${page.jqueryVersion}` : ''}` ]);
        const driver = new Driver({
            page,
            plan,
            post: controlClient(opts.control),
            ws: opts.ws,
            emit: rec => writeLine({...base, ...rec}),
            log,
            settleMs: opts.settleMs,
            quiesceTimeoutMs: opts.quiesceTimeoutMs,
            quiescence: opts.quiescence
        });
        let result;

        try {
            result = await driver.run();
        } catch (e) {
            clearTimeout(deadline);
            finish(EXIT_FAILURE, `at virtual ${page.clock.now} ms: ${e.stack || e}`);
        }
        clearTimeout(deadline);
        writeLast({...base, result: 'done', end_ms: result.endMs});
        log('harness', [ `done at virtual ${result.endMs} ms in ${Date.now() - realStart} ms real, ${result.steps} steps, ${result.timers} timers fired, ${result.advances} advances` ]);
        finish(0);
    })();
}

main();

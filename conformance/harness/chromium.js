'use strict';

const USAGE = `usage: node chromium.js --library LIB --ws WSURL --control URL --plan PLAN.json --out OUT.jsonl
                        --scenario NAME [--file FILE] [--chromium PATH]
                        [--timeout-ms 300000] [--quiet-ms 3000] [--log LOG]

The Chromium tier: runs a lib-jitsi-meet UMD bundle (LIB) in headless
Chromium (Debian's, driven by playwright-core), with real WebRTC and real
time, against the server side at WSURL, which plays the scenario's faults
and moderators itself (simulate conformance --tier chromium serves it with
internal/deploy). The page runs the jsdom tier's Driver on its own clock;
each application action of PLAN.json is played when its cue says: once the
page has recorded cue.records events, cue.wait_ms after the last of them,
and the deployment (asked at --control) has played cue.server of the
scenario's faults and moderators' actions.
The run ends when every action is played and either the page has recorded
expect_records events and stayed quiet --quiet-ms, or the model's end
(end_ms) plus --quiet-ms has passed since the last action with nothing new.
Every connection and conference event goes to OUT.jsonl in the jsdom tier's
format. Exit status: 0 done, 1 failure, 2 bad arguments or plan, 3 the
real-time limit (--timeout-ms).`;

const fs = require('fs');
const http = require('http');
const path = require('path');

const {parsePlanText} = require('./lib/plan');

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_TIMEOUT = 3;

function parseArgs(argv) {
    const o = {chromium: process.env.CHROMIUM || '/usr/bin/chromium', timeoutMs: 300000, quietMs: 3000, file: '', log: ''};
    const strings = new Set([ 'library', 'ws', 'control', 'plan', 'out', 'scenario', 'file', 'chromium', 'log' ]);

    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const name = a.replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());

        if (a === '--help' || a === '-h') {
            return {help: true};
        }
        if (!a.startsWith('--') || i + 1 >= argv.length) {
            throw new Error(`unexpected ${JSON.stringify(a)}`);
        }
        const v = argv[++i];

        if (strings.has(name)) {
            o[name] = v;
        } else if (name === 'timeoutMs' || name === 'quietMs') {
            o[name] = Number(v);
            if (!Number.isFinite(o[name]) || o[name] <= 0) {
                throw new Error(`${a}: want a positive number of ms`);
            }
        } else {
            throw new Error(`unknown flag ${a}`);
        }
    }
    for (const k of [ 'library', 'ws', 'control', 'plan', 'out', 'scenario' ]) {
        if (!o[k]) {
            throw new Error(`--${k} is required`);
        }
    }

    return o;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function bundlePage() {
    const esbuild = require('esbuild');
    const out = await esbuild.build({
        entryPoints: [ path.join(__dirname, 'lib', 'browser-entry.js') ],
        bundle: true,
        write: false,
        platform: 'browser',
        format: 'iife',
        logLevel: 'silent'
    });

    return out.outputFiles[0].text;
}

async function main() {
    let opts;

    try {
        opts = parseArgs(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`chromium.js: ${e.message}\n${USAGE}\n`);
        process.exit(EXIT_USAGE);
    }
    if (opts.help) {
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
    }
    let plan;

    try {
        plan = parsePlanText(fs.readFileSync(opts.plan, 'utf8'));
    } catch (e) {
        process.stderr.write(`chromium.js: ${opts.plan}: ${e.message}\n`);
        process.exit(EXIT_USAGE);
    }
    const logLines = [];
    const log = (what, args) => logLines.push(`${new Date().toISOString()} ${what} ${args.map(String).join(' ')}`);
    const base = {scenario: opts.scenario};

    if (opts.file) {
        base.file = opts.file;
    }
    let browser;
    let site;
    const finish = async (code, message, records, endMs) => {
        const lines = (records || []).map(r => JSON.stringify({...base, ...r}));

        lines.push(JSON.stringify({...base, result: code === 0 ? 'done' : 'failed', end_ms: endMs || 0, ...message ? {message} : {}}));
        fs.writeFileSync(opts.out, `${lines.join('\n')}\n`);
        if (opts.log) {
            fs.writeFileSync(opts.log, `${logLines.join('\n')}\n`);
        }
        if (message) {
            process.stderr.write(`chromium.js: ${opts.scenario}: ${message}\n`);
        }
        await browser?.close().catch(() => undefined);
        site?.close();
        process.exit(code);
    };
    const deadline = setTimeout(() => finish(EXIT_TIMEOUT, `no end after ${opts.timeoutMs} ms of real time`), opts.timeoutMs);

    deadline.unref();

    const files = {
        '/': [ '<!DOCTYPE html><html><head><meta charset="utf-8"><title>harness</title>'
            + '<script src="/lib.js"></script><script src="/harness.js"></script></head><body></body></html>', 'text/html' ],
        '/lib.js': [ fs.readFileSync(opts.library, 'utf8'), 'text/javascript' ],
        '/harness.js': [ await bundlePage(), 'text/javascript' ]
    };

    site = http.createServer((req, res) => {
        const f = files[req.url.split('?')[0]];

        if (!f) {
            res.writeHead(404).end();

            return;
        }
        res.writeHead(200, {'Content-Type': f[1]}).end(f[0]);
    });
    await new Promise(resolve => site.listen(0, '127.0.0.1', resolve));

    const {chromium} = require('playwright-core');

    browser = await chromium.launch({
        executablePath: opts.chromium,
        args: [ '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream',
            '--use-fake-device-for-media-stream' ]
    });
    const page = await browser.newPage();

    page.on('console', m => log('console', [ m.text() ]));
    page.on('pageerror', e => log('pageerror', [ e.stack || e.message ]));
    await page.goto(`http://127.0.0.1:${site.address().port}/`);
    await page.evaluate(({p, ws}) => window.__harness.start(p, ws), {p: plan, ws: opts.ws});

    const state = k => page.evaluate(n => window.__harness.state(n), k);
    const {controlClient} = require('./lib/control');
    const post = controlClient(opts.control);
    const played = async () => (await post({op: 'verdict'})).verdict.played.length;
    const app = plan.inputs.filter(i => i.cue);
    let lastPlayed = 0;
    let lastModelT = 0;

    try {
        for (const input of app) {
            // The cue, or, if the page never gets there (a disagreement the
            // diff will show), 30 s of real time past the model's wait.
            for (;;) {
                const s = await state(input.cue.records);
                const ready = s.count >= input.cue.records && s.now >= s.at + input.cue.waitMs
                    && (input.cue.server === 0 || await played() >= input.cue.server);
                const late = s.now >= lastPlayed + (input.t_ms - lastModelT) + 30000;

                if (ready || late) {
                    if (!ready) {
                        log('harness', [ `cue of ${input.action} not reached (${s.count} of ${input.cue.records} records): played late` ]);
                    }
                    break;
                }
                await sleep(10);
            }
            await page.evaluate(i => window.__harness.play(i), input);
            lastPlayed = (await state(0)).now;
            lastModelT = input.t_ms;
            log('harness', [ `t=${lastPlayed} played ${input.action}` ]);
        }
        // The end: as many records as the model's and quiet, or the model's
        // end (relative to the last action) passed and quiet.
        const endAt = lastPlayed + Math.max(0, plan.endMs - lastModelT);

        for (;;) {
            const s = await state(0);
            const quiet = s.now - s.last >= opts.quietMs;
            const enough = plan.expectRecords !== undefined && s.count >= plan.expectRecords;

            if (quiet && (enough || s.now >= endAt + opts.quietMs)) {
                break;
            }
            await sleep(50);
        }
        const records = await page.evaluate(() => window.__harness.take());
        const end = (await state(0)).now;

        clearTimeout(deadline);
        await finish(0, '', records, end);
    } catch (e) {
        await finish(EXIT_FAILURE, e.stack || String(e));
    }
}

main();

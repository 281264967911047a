// A small real page (page/) using the real lib-jitsi-meet in headless Chromium against
// @jitsi-sim/confsim's fake deployment: what a client team's end-to-end test looks like. Each test
// starts a deployment for a bundled scenario, opens the page, starts the app with the
// deployment's connection options, and checks both what the user saw and the deployment's verdict
// on what its server side saw.
//
// Needs Chromium (CHROMIUM, else /usr/bin/chromium) and a lib-jitsi-meet bundle (LJM_LIBRARY, else
// the shared build beside the repository); skipped without them. APP_CONSOLE=1 shows the page's
// console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDeployment } from '@jitsi-sim/confsim/deployment';

const here = fileURLToPath(new URL('..', import.meta.url));
const repo = join(here, '..', '..', '..');
const library = process.env.LJM_LIBRARY || join(repo, '..', 'shared', 'lib-jitsi-meet', '01daa07c', 'lib-jitsi-meet.min.js');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const missing = [[library, 'LJM_LIBRARY'], [executablePath, 'CHROMIUM']].find(([p]) => !existsSync(p));
const skip = missing ? `no ${missing[0]} (set ${missing[1]})` : false;

// The page's files: the app, the shared handler, the library.
const files = {
    '/': [join(here, 'page', 'index.html'), 'text/html'],
    '/app.js': [join(here, 'page', 'app.js'), 'text/javascript'],
    '/conference-handler.js': [join(here, '..', 'conference-handler.js'), 'text/javascript'],
    '/lib-jitsi-meet.min.js': [library, 'text/javascript'],
};
let site;
let origin;
let browser;

before(async () => {
    if (skip) {
        return;
    }
    site = createServer((req, res) => {
        const f = files[req.url.split('?')[0]];
        if (!f) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { 'Content-Type': f[1] }).end(readFileSync(f[0]));
    });
    await new Promise((r) => site.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${site.address().port}`;
    browser = await chromium.launch({
        executablePath,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    });
});

after(async () => {
    await browser?.close();
    site?.close();
});

const scenario = (name) => ({ scenario: readFileSync(join(repo, 'scenarios', name), 'utf8'), file: name });

/** Opens the page and starts the app against d; returns a function reading the app's state. */
async function openApp(d, opts = {}) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    if (process.env.APP_CONSOLE) {
        page.on('console', (m) => console.error(`console: ${m.text()}`));
    }
    await page.goto(origin + '/');
    await page.waitForFunction(() => document.getElementById('status').textContent === 'ready');
    await page.evaluate((o) => window.startApp(o), {
        connectionOptions: d.connectionOptions,
        conferenceOptions: { p2p: { enabled: false }, ...opts.conferenceOptions },
        ...opts,
    });
    return { page, state: () => page.evaluate(() => window.appState()) };
}

async function until(what, fn, ms = 20000) {
    const t0 = Date.now();
    for (;;) {
        const v = await fn();
        if (v) {
            return v;
        }
        if (Date.now() - t0 > ms) {
            throw new Error(`not within ${ms} ms: ${what}`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
}

test('PASSWORD_REQUIRED, then the app asks for the password and re-joins', { skip }, async () => {
    const d = await startDeployment(scenario('password-required/no-password-given.yaml'));
    const { page, state } = await openApp(d, { password: 's3cret' });
    try {
        const v = await d.settled(30000);
        assert.equal(v.pass, true, v.reason);
        const s = await until('joined', async () => { const s = await state(); return s.joined && s; });
        assert.deepEqual(s.errors, ['conference.passwordRequired']);
    } finally {
        await page.close();
        await d.close();
    }
});

test('the lobby: MEMBERS_ONLY_ERROR, the app knocks, the moderator denies it', { skip }, async () => {
    const d = await startDeployment(scenario('access-denied/lobby-access-denied.yaml'));
    const { page, state } = await openApp(d, { displayName: 'Alice' });
    try {
        const v = await d.settled(30000);
        assert.equal(v.pass, true, v.reason);
        const s = await until('the denial dialog', async () => { const s = await state(); return s.dialogs.some((x) => x.key === 'lobby.joinRejected') && s; });
        assert.deepEqual(s.errors, ['conference.connectionError.membersOnly', 'conference.connectionError.accessDenied']);
    } finally {
        await page.close();
        await d.close();
    }
});

test('a kick: the app is told who kicked it and why', { skip }, async () => {
    const d = await startDeployment({ ...scenario('happy/kicked.yaml'), manual: true });
    const { page, state } = await openApp(d);
    try {
        await until('joined', async () => (await state()).joined);
        d.kick('Please behave');
        const s = await until('the kick dialog', async () => { const s = await state(); return s.dialogs.some((x) => x.key === 'kicked') && s; });
        assert.deepEqual(s.dialogs.find((x) => x.key === 'kicked').detail, { by: 'p1', reason: 'Please behave' });
        assert.equal(s.joined, false);
    } finally {
        await page.close();
        await d.close();
    }
});

test('ICE that never connects: the library restarts it three times, then CONFERENCE_FAILED iceFailed', { skip }, async () => {
    // The deployment's bridge offers only an unreachable TEST-NET candidate: Chromium's checks
    // fail for real, each failure is restarted through session-terminate and jicofo's
    // re-invite, and the fourth gives the error.
    const d = await startDeployment({ ...scenario('happy/kicked.yaml'), manual: true });
    const { page, state } = await openApp(d);
    try {
        const s = await until('the iceFailed dialog', async () => {
            const s = await state();
            return s.dialogs.some((x) => x.key === 'reload') && s;
        }, 240000);
        // What the app saw: each session started, went interrupted when its checks ended, and the
        // fourth failure is the error.
        const seen = s.events.filter((e) => ['conference.media_session.started', 'conference.connectionInterrupted', 'conference.failed'].includes(e.name));
        assert.deepEqual(seen.map((e) => e.name.replace('conference.', '')), [
            'media_session.started', 'connectionInterrupted', 'media_session.started', 'connectionInterrupted',
            'media_session.started', 'connectionInterrupted', 'media_session.started', 'connectionInterrupted', 'failed']);
        const checks = [0, 2, 4, 6].map((i) => seen[i + 1].t - seen[i].t);
        console.log(`ICE_FAILED ${seen[8].t - seen[0].t} ms after the first session started; checks ended after ${checks.join(', ')} ms`);
        assert.deepEqual(s.errors, ['conference.iceFailed']);
        assert.equal(d.transcript().filter((l) => l.includes("action='session-initiate'")).length, 4, 'a session-initiate and three re-invites');
    } finally {
        await page.close();
        await d.close();
    }
});

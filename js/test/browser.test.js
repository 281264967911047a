// The package in a browser bundle: test/browser/entry.js (an application's entry importing
// '@jitsi-sim/confsim' by name) is bundled with esbuild for the browser (ESM: the package uses
// top-level await), dist/confsim.wasm is copied beside the bundle as a bundler user does, and
// test/browser/page.mjs runs the bundle in a jsdom window with no Node globals, fetching the
// .wasm over HTTP from the bundle's directory. Needs `npm run build` first (scripts/test does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const js = join(here, '..');
const page = join(here, 'browser', 'page.mjs');

async function bundle(t, { copyWasm = true } = {}) {
    for (const f of ['index.js', 'wasm.js', 'wasm_exec.js', 'confsim.wasm']) {
        assert.ok(existsSync(join(js, 'dist', f)), `dist/${f} is missing: run npm run build first`);
    }
    const out = mkdtempSync(join(tmpdir(), 'confsim-browser-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const r = await esbuild.build({
        absWorkingDir: js,
        entryPoints: [join(here, 'browser', 'entry.js')],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        outdir: out,
        metafile: true,
        logLevel: 'silent',
    });
    assert.deepEqual(r.warnings.map((w) => w.text), [], 'esbuild warns about the package');
    const inputs = Object.keys(r.metafile.inputs);
    assert.deepEqual(inputs.filter((i) => i.startsWith('node:') || i.includes('(disabled)')), [], 'Node built-ins in the browser bundle');
    assert.ok(inputs.includes('dist/wasm_exec.js'), `wasm_exec.js is not in the bundle: ${inputs.join(', ')}`);
    const text = readFileSync(join(out, 'entry.js'), 'utf8');
    assert.ok(!/\b__require\b/.test(text), 'the bundle calls require()');
    if (copyWasm) {
        // The package's export './confsim.wasm', copied beside the bundle.
        copyFileSync(fileURLToPath(import.meta.resolve('@jitsi-sim/confsim/confsim.wasm')), join(out, 'confsim.wasm'));
    }
    return out;
}

function runPage(dir) {
    return new Promise((resolve) => {
        execFile(process.execPath, ['--experimental-vm-modules', '--no-warnings', page, dir, 'entry.js'],
            { cwd: js, timeout: 60000, maxBuffer: 1 << 24 },
            (error, stdout, stderr) => resolve({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr }));
    });
}

test('browser bundle: esbuild, the .wasm beside it, a jsdom page with no Node globals; PASSWORD_REQUIRED, re-join, CONFERENCE_JOINED', async (t) => {
    const dir = await bundle(t);
    const { code, stdout, stderr } = await runPage(dir);
    assert.equal(code, 0, `the page failed:\n${stderr}`);
    const out = JSON.parse(stdout);
    assert.deepEqual(out.nodeTouches, [], `the package looked up Node-only globals in the browser: ${out.nodeTouches.join(', ')}`);
    assert.ok(out.processInPage === null || out.processInPage.versions === null,
        `a process with versions in the page: ${JSON.stringify(out.processInPage)}`);
    assert.deepEqual(out.pageErrors, []);
    assert.deepEqual(out.requests, ['/confsim.wasm'], 'the page fetched the .wasm beside the bundle, and nothing else');
    assert.equal(out.fetched.length, 1);
    assert.deepEqual(out.result.seen, ['CONNECTION_ESTABLISHED', 'CONFERENCE_FAILED conference.passwordRequired', 'CONFERENCE_JOINED']);
    assert.equal(out.result.passwordJoins, 1, 'the handler\'s join(password) reached the model');
    assert.equal(out.result.joined, true);
    assert.equal(out.result.state, 'joined/jvb:connected/p2p:connected', 'P2P on, as in the library');
    assert.equal(out.result.body, 'joined', 'the page\'s listener ran in the page (document)');
});

test('browser bundle without the .wasm beside it: a clear error naming the URL', async (t) => {
    const dir = await bundle(t, { copyWasm: false });
    const { code, stderr } = await runPage(dir);
    assert.notEqual(code, 0);
    assert.match(stderr, /confsim: cannot load http:\/\/127\.0\.0\.1:\d+\/confsim\.wasm: HTTP 404/);
});

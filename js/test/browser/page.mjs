// Runs an ES module bundle as a browser page would: in a jsdom window (its own JavaScript realm,
// runScripts 'dangerously') with no Node globals, served over HTTP from the bundle's directory
// only. jsdom does not run <script type="module">, so the bundle is evaluated as a module in the
// window's realm with vm.SourceTextModule (hence --experimental-vm-modules; test/browser.test.js
// starts this file in its own process). The page gets what a browser has and jsdom lacks:
// fetch (a page-realm shim over jsdom's XMLHttpRequest, same origin only) and
// TextEncoder/TextDecoder; WebAssembly is the realm's own.
//
//   node --experimental-vm-modules test/browser/page.mjs DIR ENTRY.js
//
// Prints one JSON line: {result, fetched, requests, nodeTouches, pageErrors, processInPage}.
// Exits 1 with a message when the page fails.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import vm from 'node:vm';
import { JSDOM, VirtualConsole } from 'jsdom';

const [dir, entry] = process.argv.slice(2);
if (!dir || !entry) {
    console.error('usage: page.mjs DIR ENTRY.js');
    process.exit(2);
}

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.map': 'application/json' };
const requests = [];
const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    const name = path.slice(1);
    // Only the files of the bundle's directory itself, as a static host of the bundle serves.
    if (name === '' || name !== basename(name)) {
        res.writeHead(404).end();
        return;
    }
    try {
        const body = await readFile(join(dir, name));
        res.writeHead(200, { 'content-type': types[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream' }).end(body);
    } catch {
        res.writeHead(404).end();
    }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const pageErrors = [];
const virtualConsole = new VirtualConsole();
virtualConsole.on('jsdomError', (e) => pageErrors.push(String(e?.stack ?? e)));
virtualConsole.on('error', (...a) => pageErrors.push(a.map(String).join(' ')));
const dom = new JSDOM('<!doctype html><html><head><title>confsim</title></head><body></body></html>', {
    url: `${origin}/index.html`,
    runScripts: 'dangerously',
    virtualConsole,
});
const { window } = dom;

function fail(message) {
    console.error(message);
    server.close();
    window.close();
    process.exit(1);
}

// The page's realm is not Node's: none of Node's globals are there.
const missing = window.eval(`['require', 'process', 'fs', 'Buffer', 'module', '__dirname', 'global'].filter((n) => typeof globalThis[n] !== 'undefined')`);
if (missing.length) {
    fail(`harness: Node globals in the page: ${missing.join(', ')}`);
}

// What a browser has and jsdom lacks.
window.TextEncoder = TextEncoder;
window.TextDecoder = TextDecoder;
// In the page's realm: a record of every look-up of a Node-only global (a bundle that reads one
// is taking a Node path) and fetch over XMLHttpRequest.
window.eval(`(() => {
    const touches = [];
    for (const name of ['require', 'module', 'exports', 'Buffer', '__dirname', '__filename', 'setImmediate', 'global']) {
        Object.defineProperty(globalThis, name, {
            configurable: true,
            get() { touches.push(name); return undefined; },
            set(v) { Object.defineProperty(globalThis, name, { value: v, writable: true, configurable: true }); },
        });
    }
    globalThis.__nodeTouches = touches;
    const fetched = [];
    globalThis.__fetched = fetched;
    globalThis.fetch = (input) => new Promise((resolve, reject) => {
        const url = new URL(String(input instanceof Request ? input.url : input), document.baseURI);
        fetched.push(url.href);
        if (url.origin !== location.origin) {
            reject(new TypeError('fetch: ' + url.href + ' is not on the page\\'s origin'));
            return;
        }
        const xhr = new XMLHttpRequest();
        xhr.open('GET', url.href);
        xhr.responseType = 'arraybuffer';
        xhr.onload = () => {
            const body = xhr.response;
            resolve({
                ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, url: url.href,
                headers: { get: (n) => xhr.getResponseHeader(n) },
                arrayBuffer: async () => body,
            });
        };
        xhr.onerror = () => reject(new TypeError('fetch: network error for ' + url.href));
        xhr.send();
    });
    globalThis.Request ??= class Request { constructor(url) { this.url = String(url); } };
})();`);

if (typeof vm.SourceTextModule !== 'function') {
    fail('harness: vm.SourceTextModule is missing; run with node --experimental-vm-modules');
}
const url = `${origin}/${entry}`;
const source = await (await fetch(url)).text();
requests.length = 0; // the harness's own download of the bundle is not the page's
const mod = new vm.SourceTextModule(source, {
    identifier: url,
    context: dom.getInternalVMContext(),
    initializeImportMeta(meta) {
        meta.url = url;
    },
    importModuleDynamically(specifier) {
        throw new Error(`the bundle imports ${JSON.stringify(specifier)} at run time: a bundled browser page must not (a Node-only module, or a file the bundler did not include)`);
    },
});
await mod.link((specifier) => {
    throw new Error(`the bundle has a static import of ${JSON.stringify(specifier)} left in it`);
});

let result;
try {
    await mod.evaluate();
    const run = window.confsimBrowserRun;
    if (!run || typeof run.then !== 'function') {
        throw new Error('the entry did not set globalThis.confsimBrowserRun');
    }
    result = await Promise.race([
        run,
        new Promise((_, reject) => setTimeout(() => reject(new Error('the page did not finish in 20 s')), 20000).unref()),
    ]);
} catch (e) {
    fail(`page: ${e?.stack ?? e}\npage errors: ${pageErrors.join('\n') || 'none'}\nrequests: ${requests.join(' ')}`);
}

const p = window.eval('globalThis.process');
console.log(JSON.stringify({
    result,
    fetched: [...window.__fetched],
    requests,
    nodeTouches: [...window.__nodeTouches],
    pageErrors,
    // wasm_exec.js puts a stub process (no versions) on a page that has none; a real one would have versions.node.
    processInPage: p === undefined ? null : { versions: p.versions ?? null, keys: Object.keys(p).sort() },
}));
server.close();
window.close();

// npm run bench: the figures of the package. The .wasm size raw and gzipped, the time to load
// the module and to create a simulation, the per-record cost of every bundled scenario through
// runScenario (the fake JitsiMeetJS in JS over the model in WebAssembly), through the CLI's runner
// inside the same WebAssembly build, and through the native Go benchmark (run here, so that the
// ratio comes from one run).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const js = fileURLToPath(new URL('..', import.meta.url));
const repo = join(js, '..');
const wasm = join(js, 'dist', 'confsim.wasm');
const raw = statSync(wasm).size;
const gz = gzipSync(readFileSync(wasm), { level: 9 }).length;
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
console.log(`confsim.wasm: ${mb(raw)} raw, ${mb(gz)} gzipped (-9)`);

let t = performance.now();
const m = await import('../dist/index.js');
console.log(`import (load and start the wasm): ${(performance.now() - t).toFixed(1)} ms`);

const N = 200;
const cfg = { room: { occupants: 1 } };
m.createSimulation(cfg).dispose();
t = performance.now();
for (let i = 0; i < N; i++) m.createSimulation(cfg).dispose();
console.log(`createSimulation: ${((performance.now() - t) / N * 1000).toFixed(0)} µs each (mean of ${N})`);

function walk(dir) {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name))
        : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [])).sort();
}
const files = walk(join(repo, 'scenarios')).map((f) => [relative(repo, f), readFileSync(f, 'utf8')]);

async function viaFake() {
    let records = 0;
    const t0 = performance.now();
    for (const [name, text] of files) {
        const rep = await m.runScenario(text, {}, { filename: name });
        if (!rep.pass) throw new Error(rep.reason);
        records += rep.records.length;
        rep.simulation.dispose();
    }
    return { ms: performance.now() - t0, records };
}
function viaWasmRunner() {
    let records = 0;
    const t0 = performance.now();
    for (const [name, text] of files) {
        records += m.runScenarioNative(text, { filename: name }).records.length;
    }
    return { ms: performance.now() - t0, records };
}
await viaFake(); // warm up
const runs = 5;
let fake = { ms: Infinity };
let inner = { ms: Infinity };
for (let i = 0; i < runs; i++) {
    const a = await viaFake();
    if (a.ms < fake.ms) fake = a;
    const b = viaWasmRunner();
    if (b.ms < inner.ms) inner = b;
}
const perFake = fake.ms * 1e6 / fake.records;
const perInner = inner.ms * 1e6 / inner.records;
console.log(`all ${files.length} scenarios through runScenario: ${fake.ms.toFixed(0)} ms wall (best of ${runs}), ${fake.records} records, ${(perFake / 1000).toFixed(1)} µs/record`);
console.log(`the same through the CLI runner inside the wasm: ${inner.ms.toFixed(0)} ms, ${(perInner / 1000).toFixed(1)} µs/record`);

const out = execFileSync('go', ['test', './js/wasm/api', '-run', '^$', '-bench', '^BenchmarkScenarios$', '-benchtime', '20x', '-count', '1'],
    { cwd: repo, encoding: 'utf8' });
const native = Number(/([\d.]+) ns\/record/.exec(out)?.[1]);
console.log(`the same natively (go test -bench BenchmarkScenarios): ${(native / 1000).toFixed(1)} µs/record`);
console.log(`ratio: runScenario (JS + wasm) / native Go = ${(perFake / native).toFixed(1)}x; CLI runner in wasm / native Go = ${(perInner / native).toFixed(1)}x`);

// npm run build: the model to WebAssembly (GOOS=js GOARCH=wasm, stripped), the Go toolchain's own
// wasm_exec.js beside it, and the TypeScript sources to dist/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const js = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(js, '..');
const dist = join(js, 'dist');
mkdirSync(dist, { recursive: true });

const goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
// Go 1.24 moved wasm_exec.js from misc/wasm to lib/wasm.
const exec = [join(goroot, 'lib', 'wasm', 'wasm_exec.js'), join(goroot, 'misc', 'wasm', 'wasm_exec.js')].find(existsSync);
if (!exec) {
  throw new Error(`no wasm_exec.js under ${goroot}`);
}
copyFileSync(exec, join(dist, 'wasm_exec.js'));

const t0 = Date.now();
execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', join(dist, 'confsim.wasm'), './js/wasm'], {
  cwd: repo,
  stdio: 'inherit',
  env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' },
});
console.log(`go build (js/wasm): ${Date.now() - t0} ms`);

execFileSync(process.execPath, [join(js, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(js, 'tsconfig.json')], {
  cwd: js,
  stdio: 'inherit',
});

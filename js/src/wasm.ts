// Loads the model's WebAssembly build (GOOS=js GOARCH=wasm, with the Go toolchain's own
// wasm_exec.js) once, and calls its JSON API.
//
// Browser bundles: wasm_exec.js is a static import, so bundlers include it (it touches no Node
// API: it puts stub fs and process objects on a page that has none). confsim.wasm is fetched
// beside this module (new URL(..., import.meta.url)): with esbuild or Rollup copy
// dist/confsim.wasm beside the bundle (webpack 5 and Vite recognise the pattern; untested here). Only in Node, for a file: URL,
// is it read with node:fs, a dynamic import of a computed name that bundlers leave alone and a
// browser never reaches. test/browser.test.js checks all of this in a jsdom page.

// Defines globalThis.Go.
import './wasm_exec.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const g = globalThis as any;

async function wasmBytes(): Promise<ArrayBuffer | Uint8Array> {
    const url = new URL('./confsim.wasm', import.meta.url);
    if (typeof g.process !== 'undefined' && g.process.versions?.node && url.protocol === 'file:') {
        const fsName = 'node:fs/promises';
        const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ fsName);
        return fs.readFile(url);
    }
    const res = await fetch(url);
    if (!res.ok) {
        throw new Error(`confsim: cannot load ${url}: HTTP ${res.status}`);
    }
    return res.arrayBuffer();
}

async function load(): Promise<any> {
    const go = new g.Go();
    const ready = new Promise<void>((resolve) => {
        g.__confsimReady = resolve;
    });
    const bytes = await wasmBytes();
    const { instance } = await WebAssembly.instantiate(bytes as BufferSource, go.importObject) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
    void go.run(instance);
    await ready;
    delete g.__confsimReady;
    return g.__confsim;
}

const api = await load();

/** An error of the model's JSON API; refused is set when the model does not accept an input in its state. */
export class ModelError extends Error {
    refused: boolean;
    constructor(message: string, refused: boolean) {
        super(message);
        this.name = 'ModelError';
        this.refused = refused;
    }
}

/** Calls the model; throws a ModelError with the model's message. */
export function call(name: string, ...args: unknown[]): any {
    const out = JSON.parse(api[name](...args));
    if (out.error !== undefined) {
        throw new ModelError(out.error, Boolean(out.refused));
    }
    return out.ok;
}

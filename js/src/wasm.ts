// Loads the model's WebAssembly build (GOOS=js GOARCH=wasm, with the Go toolchain's own
// wasm_exec.js) once, and calls its JSON API.

/* eslint-disable @typescript-eslint/no-explicit-any */
const g = globalThis as any;

async function wasmBytes(): Promise<ArrayBuffer | Uint8Array> {
    const url = new URL('./confsim.wasm', import.meta.url);
    if (typeof g.process !== 'undefined' && g.process.versions?.node && url.protocol === 'file:') {
        const fsName = 'node:fs/promises';
        const fs = await import(/* @vite-ignore */ fsName);
        return fs.readFile(url);
    }
    const res = await fetch(url);
    if (!res.ok) {
        throw new Error(`confsim: cannot load ${url}: HTTP ${res.status}`);
    }
    return res.arrayBuffer();
}

async function load(): Promise<any> {
    if (!g.Go) {
        const execName = './wasm_exec.js';
        await import(/* @vite-ignore */ execName);
    }
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

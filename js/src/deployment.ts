// startDeployment: a fault-injecting fake Jitsi deployment for Node tests. The model's server side
// (prosody with its MUC modules, jicofo, the bridge), compiled to WebAssembly with the rest of the
// model, is served over XMPP over WebSocket (RFC 7395) by a `ws` server on loopback, so that a
// real lib-jitsi-meet (in jsdom, or in a browser driven by Playwright) connects to it with nothing
// else installed. It plays a scenario's faults and moderators in real time, cued on what the
// client sends (see internal/deploy), and judges what the server saw.
//
// Node only: import it from '@jitsi-sim/confsim/deployment'.

/* eslint-disable @typescript-eslint/no-explicit-any */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { call } from './wasm.js';

// The timers of the process as it started: a test's fake timers, installed later, do not stop
// the deployment's clock.
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
const realNow = () => performance.timeOrigin + performance.now();

/** Options of startDeployment. */
export interface DeploymentOptions {
    /** The scenario file's text (YAML, docs/scenario-format.md). */
    scenario: string;
    /** Its name, for messages with file:line:col. Default 'scenario.yaml'. */
    file?: string;
    /** Play only the cues sent through the returned object, not the scenario's own. */
    manual?: boolean;
    /** The profile whose model gives the cues. Default 'lib-jitsi-meet'. */
    profile?: 'documented' | 'lib-jitsi-meet';
    /** The port on 127.0.0.1; default any free one. */
    port?: number;
}

/** The deployment's judgement of what the server side saw. */
export interface DeploymentVerdict {
    /** The client sent, in order, the messages the scenario has it send, and every cue was applied. */
    pass: boolean;
    /** Why it failed, or what is still awaited. */
    reason: string;
    /** The cues applied, with their virtual times. */
    played: string[];
    seen: number;
    expected: number;
    done: boolean;
    /** The client did something else, or a cue could not be applied. */
    failed: boolean;
}

/** A running fake deployment. */
export interface Deployment {
    /** lib-jitsi-meet's connection option serviceUrl. */
    serviceUrl: string;
    /** lib-jitsi-meet's connection option hosts. */
    hosts: { domain: string; muc: string };
    /** conferenceRequestUrl, for a scenario whose deployment takes conference requests over HTTP. */
    conferenceRequestUrl?: string;
    /** The connection options to give `new JitsiConnection(null, token, options)`. */
    connectionOptions: { serviceUrl: string; hosts: { domain: string; muc: string }; conferenceRequestUrl?: string };
    /** The control endpoint (the same as `simulate serve`'s). */
    controlUrl: string;
    /** What the model could not play of the scenario, if anything. */
    warning: string;
    /** Injects a fault now (a cause or signal id of the catalog). */
    inject(fault: string, reason?: string): void;
    /** A moderator's action now. */
    approve(): void;
    deny(): void;
    kick(reason?: string): void;
    destroy(): void;
    /** Skips the deployment's clock ahead: its timers fire ms sooner. */
    advance(ms: number): void;
    verdict(): DeploymentVerdict;
    /** Resolves when the scenario is done or failed (or rejects after timeoutMs). */
    settled(timeoutMs?: number): Promise<DeploymentVerdict>;
    /** The stanzas exchanged, "C>S ..." and "S>C ...". */
    transcript(): string[];
    close(): Promise<void>;
}

const SUBPROTOCOL = 'xmpp';

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        let n = 0;
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => {
            n += c.length;
            if (n > 1 << 20) {
                reject(new Error('body too large'));
                req.destroy();
                return;
            }
            chunks.push(c);
        });
        req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        req.on('error', reject);
    });
}

/** Starts a fake deployment for a scenario; close() stops it. */
export async function startDeployment(o: DeploymentOptions): Promise<Deployment> {
    const made = call('deployNew', o.file ?? 'scenario.yaml', o.scenario,
        JSON.stringify({ manual: Boolean(o.manual), profile: o.profile ?? '' }));
    const id: number = made.id;
    const control = (op: Record<string, unknown>): any => call('deployControl', id, JSON.stringify(op));
    const sockets = new Set<WebSocket>();

    const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
        const path = (req.url ?? '').split('?')[0];
        if (req.method === 'OPTIONS') {
            res.end();
            return;
        }
        const answer = (status: number, type: string, body: string) => {
            res.writeHead(status, { 'Content-Type': type });
            res.end(body);
        };
        if (path === '/xmpp-websocket') {
            // XmppConnection._keepAliveAndCheckShard fetches the WebSocket's URL; the proxy names
            // its shard, or refuses when the server side is unreachable.
            const r = call('deployReachability', id);
            if (!r.ok) {
                answer(r.status || 502, 'text/plain', 'unavailable\n');
                return;
            }
            if (r.shard) {
                res.setHeader('x-jitsi-shard', r.shard);
            }
            answer(200, 'text/plain', '');
            return;
        }
        if (req.method !== 'POST' || (path !== '/control' && path !== '/conference-request/v1')) {
            answer(404, 'text/plain', 'not found\n');
            return;
        }
        readBody(req).then((body) => {
            if (path === '/conference-request/v1') {
                const r = call('deployConferenceRequest', id, body);
                answer(r.status, r.contentType, r.body);
                return;
            }
            try {
                answer(200, 'application/json', JSON.stringify(control(JSON.parse(body))) + '\n');
            } catch (e: any) {
                answer(400, 'application/json', JSON.stringify({ error: e.message }) + '\n');
            }
        }, (e: Error) => answer(400, 'text/plain', `${e.message}\n`));
    });
    const wss = new WebSocketServer({
        noServer: true,
        handleProtocols: (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    http.on('upgrade', (req, socket, head) => {
        if ((req.url ?? '').split('?')[0] !== '/xmpp-websocket') {
            socket.destroy();
            return;
        }
        const r = call('deployReachability', id);
        if (!r.ok) {
            // xmpp-unreachable, xmpp-server-error: the upgrade is refused.
            socket.end(`HTTP/1.1 ${r.status || 502} Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
            return;
        }
        wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
            if (ws.protocol !== SUBPROTOCOL) {
                // RFC 7395 §3.2: the client must ask for the xmpp subprotocol.
                ws.close(1008, 'subprotocol xmpp required');
                return;
            }
            sockets.add(ws);
            const conn: number = call('deployOpen', id,
                (frame: string) => ws.send(frame),
                (graceful: boolean) => setImmediate(() => (graceful ? ws.close(1000) : ws.terminate())));
            ws.on('message', (data: Buffer, isBinary: boolean) => {
                if (isBinary) {
                    // RFC 7395 §3.2: frames are text; the server answers with a stream error.
                    call('deployBinary', conn);
                    return;
                }
                call('deployFrame', conn, data.toString('utf8'));
            });
            ws.on('close', () => {
                sockets.delete(ws);
                call('deployGone', conn);
            });
        });
    });
    await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(o.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    const base = `127.0.0.1:${port}`;

    const start = realNow();
    let tickError: Error | undefined;
    const tick = () => {
        try {
            call('deployTick', id, Math.floor(realNow() - start));
        } catch (e: any) {
            tickError = e;
        }
    };
    tick();
    const timer = realSetInterval(tick, 5);
    (timer as any).unref?.();

    const serviceUrl = `ws://${base}/xmpp-websocket`;
    const hosts = { domain: 'meet.example', muc: 'conference.meet.example' };
    const conferenceRequestUrl = made.conferenceRequestHttp ? `http://${base}/conference-request/v1` : undefined;
    let closed = false;
    const d: Deployment = {
        serviceUrl,
        hosts,
        conferenceRequestUrl,
        connectionOptions: conferenceRequestUrl ? { serviceUrl, hosts, conferenceRequestUrl } : { serviceUrl, hosts },
        controlUrl: `http://${base}/control`,
        warning: made.warning,
        inject: (fault, reason) => { control({ op: 'inject', fault, reason }); },
        approve: () => { control({ op: 'approve' }); },
        deny: () => { control({ op: 'deny' }); },
        kick: (text) => { control({ op: 'kick', text }); },
        destroy: () => { control({ op: 'destroy' }); },
        advance: (ms) => { control({ op: 'advance', ms }); },
        verdict: () => {
            if (tickError) {
                throw tickError;
            }
            return call('deployVerdict', id);
        },
        settled: (timeoutMs = 60000) => new Promise((resolve, reject) => {
            const t0 = realNow();
            const poll = realSetInterval(() => {
                let v: DeploymentVerdict;
                try {
                    v = d.verdict();
                } catch (e) {
                    realClearInterval(poll);
                    reject(e);
                    return;
                }
                if (v.done || v.failed) {
                    realClearInterval(poll);
                    resolve(v);
                } else if (realNow() - t0 > timeoutMs) {
                    realClearInterval(poll);
                    reject(new Error(`deployment: not settled within ${timeoutMs} ms: ${v.reason}`));
                }
            }, 10);
        }),
        transcript: () => call('deployTranscript', id),
        close: async () => {
            if (closed) {
                return;
            }
            closed = true;
            realClearInterval(timer);
            for (const ws of sockets) {
                ws.terminate();
            }
            wss.close();
            await new Promise<void>((resolve) => http.close(() => resolve()));
            call('deployDispose', id);
        },
    };
    return d;
}

// confsim for JavaScript: the conference lifecycle model, compiled to WebAssembly, behind a fake
// JitsiMeetJS. Every call of the application is an input to the model; every record the model
// emits reaches the application's listeners with lib-jitsi-meet's positional arguments.

/* eslint-disable @typescript-eslint/no-explicit-any */
import { call, ModelError } from './wasm.js';
import { CONFERENCE_EVENTS, CONNECTION_ERRORS, CONNECTION_EVENTS } from './names.js';

export { ModelError };
export { CONFERENCE_EVENTS, CONNECTION_EVENTS, CONNECTION_ERRORS };

// --- types ---------------------------------------------------------------------------------

/** The configuration of a simulation: the keys of a scenario file (docs/scenario-format.md). */
export interface SimulationConfig {
    profile?: 'documented' | 'lib-jitsi-meet' | 'lib-jitsi-meet-2021';
    seed?: number;
    room?: {
        name?: string; exists?: boolean; occupants?: number; max_occupants?: number; password?: string;
        lobby?: boolean; members_only?: boolean; waiting_for_host?: boolean; require_display_name?: boolean;
        peer_ids_first?: boolean;
    };
    deployment?: {
        authentication?: 'none' | 'xmpp' | 'jwt'; conference_request_http?: boolean; reservations?: boolean;
        visitors?: boolean; max_occupants?: number; p2p?: boolean; enable_ice_restart?: boolean;
        no_password_support?: boolean; stream_management?: boolean; bosh?: boolean; shard?: string;
    };
    client?: {
        display_name?: string; token?: string; logged_in?: boolean; guest?: boolean;
        disable_room_creation_retry?: boolean; connect_with_name?: boolean; token_expires_ms?: number;
        graceful_reconnect?: boolean;
    };
    limits?: { max_time_ms?: number; max_steps?: number };
}

/**
 * An encoded argument as a trace carries it: JSON, with undefined as {"$undefined": true} and
 * the library's objects as placeholders {"$type": "JitsiParticipant", ...fields}.
 */
export type EncodedArg = null | string | number | boolean | EncodedArg[] | { [key: string]: EncodedArg };

/** One record of a trace: a line of `simulate run --format jsonl`. */
export interface TraceRecord {
    scenario?: string;
    file?: string;
    /** Virtual time in ms. */
    t_ms: number;
    /** The lib-jitsi-meet event name (or lock.rejected, the rejection of lock()). */
    event: string;
    /** The error value the event carries, or null. */
    error: string | null;
    /** The parameters by the catalog's names; undefined ones are left out. */
    params: Record<string, EncodedArg>;
    /** The listener arguments after the event name, exactly as the library passes them, encoded. */
    args: EncodedArg[];
    phase: string;
    /** The model state after the event, e.g. "joined/jvb:connected". */
    state: string;
    /** The record's index in its simulation (simulations only). */
    index?: number;
    /** The record as one readable line (simulations only). */
    text?: string;
}

/** What a simulation accepts and where it is. */
export interface Status {
    now: number;
    next: number | null;
    state: string;
    conference: string;
    allowed: string[];
    limit?: string;
    records: number;
}

/** A clock to follow: a @sinonjs/fake-timers clock, or anything with the same three members. */
export interface FakeClock {
    now: number | (() => number);
    setTimeout(fn: () => void, ms: number): unknown;
    clearTimeout(handle: any): void;
}

export type Listener = (...args: any[]) => void;

/** A fake JitsiParticipant: what handlers read of one. */
export interface FakeParticipant {
    getId(): string;
    getRole(): string;
    getDisplayName(): string | undefined;
    isModerator(): boolean;
    isHidden(): boolean;
    getConference(): FakeConference | undefined;
}

/** A fake JingleSessionPC, as conference.media_session.started passes it. */
export interface FakeJingleSession {
    isP2P: boolean;
    [field: string]: unknown;
}

/** The catalog of the model, as the WebAssembly build exports it. */
export interface Catalog {
    errors: { name: string; value: string; event: string; params: { name: string; type: string; doc: string }[];
        fatal: boolean; recoverable: boolean; emitted_by_lib: boolean; causes: { id: string; text: string }[] }[];
    events: string[];
    event_args: { event: string; args: { name: string; type: string }[]; error_first?: boolean; source: string }[];
    conn_errors: string[];
    faults: string[];
    signals: { id: string; text: string }[];
    actions: string[];
    auth_reasons: string[];
    auth_types: { name: string; value: string }[];
    profiles: string[];
}

// --- the catalog and the JitsiMeetJS tables --------------------------------------------------

export const catalog: Catalog = call('catalog');

const conferenceErrors: Record<string, any> = {};
for (const e of catalog.errors) {
    conferenceErrors[e.name] = e.value;
}
const authErrorTypes: Record<string, string> = {};
for (const t of catalog.auth_types) {
    authErrorTypes[t.name] = t.value;
}

/** JitsiMeetJS.errors.conference: JitsiConferenceErrors from the catalog, with AUTH_ERROR_TYPES. */
export const CONFERENCE_ERRORS: Readonly<Record<string, string>> = Object.freeze({ ...conferenceErrors });

/** Checks that every event and error value the model emits has its lib-jitsi-meet name. */
export function missingNames(): string[] {
    const values = new Set<string>([...Object.values(CONFERENCE_EVENTS), ...Object.values(CONNECTION_EVENTS),
        ...Object.values(CONNECTION_ERRORS), ...Object.values(CONFERENCE_ERRORS)]);
    const missing: string[] = [];
    for (const ev of catalog.events) {
        // conference.jvb121Status is emitted in the lib-jitsi-meet-2021 profile only: the
        // tables are 01daa07c's, which no longer has JVB121_STATUS.
        if (ev !== 'lock.rejected' && ev !== 'conference.jvb121Status' && !values.has(ev)) {
            missing.push(ev);
        }
    }
    for (const v of catalog.conn_errors) {
        if (!values.has(v)) {
            missing.push(v);
        }
    }
    return missing;
}

{
    const missing = missingNames();
    if (missing.length > 0) {
        throw new Error(`confsim: no lib-jitsi-meet name for ${missing.join(', ')}`);
    }
}

const APP_ACTIONS = ['join', 'leave', 'knock', 'login', 'lock', 'unlock', 'send-chat', 'set-display-name'];
const MODERATOR_ACTIONS = ['approve', 'deny', 'kick', 'destroy'];

async function microtasks(rounds = 20): Promise<void> {
    for (let i = 0; i < rounds; i++) {
        await Promise.resolve();
    }
}

// --- the fakes -----------------------------------------------------------------------------

class Emitter {
    #listeners = new Map<string, Listener[]>();

    addEventListener(event: string, listener: Listener): void {
        if (typeof listener !== 'function') {
            throw new TypeError(`addEventListener(${JSON.stringify(event)}): the listener is not a function`);
        }
        const ls = this.#listeners.get(event) ?? [];
        ls.push(listener);
        this.#listeners.set(event, ls);
    }

    removeEventListener(event: string, listener: Listener): void {
        const ls = this.#listeners.get(event);
        const i = ls ? ls.indexOf(listener) : -1;
        if (ls && i >= 0) {
            ls.splice(i, 1);
        }
    }

    /** @internal */
    _emit(event: string, args: unknown[]): void {
        for (const l of [...(this.#listeners.get(event) ?? [])]) {
            l(...args);
        }
    }
}

/** A waiter settles a promise of the fake (leave, lock, authenticateAndUpgradeRole). */
interface Waiter {
    onRecord(r: TraceRecord, args: unknown[]): boolean;
    onIdle?(status: Status | undefined): boolean;
}

/** The fake JitsiConnection. */
export class FakeConnection extends Emitter {
    readonly appId: string | null;
    readonly token: string | null;
    readonly options: any;
    #host: Host;
    /** @internal */
    _active = false;

    constructor(host: Host, appId: string | null, token: string | null, options: any) {
        super();
        this.#host = host;
        this.appId = appId;
        this.token = token;
        this.options = options;
    }

    /** Connects: the model connects, and joins as soon as the connection is up (see README). */
    connect(_options?: unknown): void {
        this.#host._connect(this);
    }

    /** Leaves the conference if it is still in one; the model does not model the close itself. */
    disconnect(): Promise<void> {
        this.#host._disconnect(this);
        return Promise.resolve();
    }

    initJitsiConference(name: string, options: unknown): FakeConference {
        return this.#host._initConference(this, name, options);
    }
}

/** The fake JitsiConference. */
export class FakeConference extends Emitter {
    readonly name: string;
    readonly options: any;
    readonly connection: FakeConnection;
    #host: Host;
    /** @internal */
    _participants = new Map<string, FakeParticipant>();
    /** @internal */
    _myUserId: string | undefined;

    constructor(host: Host, connection: FakeConnection, name: string, options: any) {
        super();
        this.#host = host;
        this.connection = connection;
        this.name = name;
        this.options = options;
    }

    on(event: string, listener: Listener): void { this.addEventListener(event, listener); }
    off(event: string, listener: Listener): void { this.removeEventListener(event, listener); }

    /** conference.join(password): the model's action join. */
    join(password?: string): void {
        this.#host._join(this, password ?? '');
    }

    /** conference.leave(): the model's action leave; resolves once the conference is left. */
    leave(): Promise<void> {
        return this.#host._waitFor('conference.leave()', { action: 'leave' }, leaveWaiter);
    }

    /** conference.lock(password): resolves on lock_state_changed, rejects with PASSWORD_NOT_SUPPORTED's value where the model says so. */
    lock(password?: string): Promise<void> {
        const input: Record<string, string> = password ? { action: 'lock', password } : { action: 'unlock' };
        return this.#host._waitFor(`conference.lock()`, input, lockWaiter);
    }

    unlock(): Promise<void> { return this.lock(''); }

    sendTextMessage(text: string): void {
        this.#host._input('conference.sendTextMessage()', { action: 'send-chat', text: String(text ?? '') });
    }

    sendMessage(text: string): void { this.sendTextMessage(text); }

    setDisplayName(name: string): void {
        this.#host._input('conference.setDisplayName()', { action: 'set-display-name', text: String(name ?? '') });
    }

    /** conference.joinLobby(displayName): the model's action knock. */
    joinLobby(displayName?: string): Promise<void> {
        if (displayName) {
            this.#host._input('conference.joinLobby()', { action: 'set-display-name', text: displayName });
        }
        this.#host._input('conference.joinLobby()', { action: 'knock' });
        return Promise.resolve();
    }

    /**
     * authenticateAndUpgradeRole(options): the model's action login (a second connection logs in
     * and sends its own conference request); resolves when the identity comes back
     * (conference.auth_status_changed). Nothing joins: the application calls join() after it.
     */
    authenticateAndUpgradeRole(_options: { id?: string; password?: string; roomPassword?: string } = {}): Promise<void> {
        return this.#host._waitFor('conference.authenticateAndUpgradeRole()', { action: 'login' }, authWaiter);
    }

    isJoined(): boolean {
        const c = this.#host._conferenceState();
        return c === 'joined' || c === 'failed-in-room';
    }

    getParticipants(): FakeParticipant[] { return [...this._participants.values()]; }
    getParticipantById(id: string): FakeParticipant | undefined { return this._participants.get(id); }
    getParticipantCount(): number { return this._participants.size + 1; }
    myUserId(): string | undefined { return this._myUserId; }
    getName(): string { return this.name; }
}

const leaveWaiter = (resolve: () => void): Waiter => ({
    onRecord: (r) => {
        if (r.event === 'conference.left') {
            resolve();
            return true;
        }
        return false;
    },
    onIdle: (st) => {
        if (!st || (st.conference !== 'leaving')) {
            resolve();
            return true;
        }
        return false;
    },
});

const lockWaiter = (resolve: () => void, reject: (e: unknown) => void): Waiter => ({
    onRecord: (r, args) => {
        if (r.event === 'conference.lock_state_changed') {
            resolve();
            return true;
        }
        if (r.event === 'lock.rejected') {
            reject(args[0]);
            return true;
        }
        return false;
    },
});

const authWaiter = (resolve: () => void, reject: (e: unknown) => void): Waiter => ({
    onRecord: (r, args) => {
        if (r.event === 'conference.auth_status_changed') {
            resolve();
            return true;
        }
        if (r.event === 'conference.failed' || r.event === 'connection.connectionFailed') {
            reject(args[0]);
            return true;
        }
        return false;
    },
});

function makeParticipant(id: string, role: string, conference: FakeConference | undefined, displayName?: string): FakeParticipant {
    return {
        getId: () => id,
        getRole: () => role,
        getDisplayName: () => displayName,
        isModerator: () => role === 'moderator',
        isHidden: () => false,
        getConference: () => conference,
    };
}

// --- the host: routing records to the fakes ------------------------------------------------

/** What a simulation and a replay share: the fake JitsiMeetJS and the routing of records. */
export abstract class Host {
    /** The fake JitsiMeetJS; pass it where the application takes lib-jitsi-meet. */
    readonly JitsiMeetJS: any;
    /** @internal */ _connection: FakeConnection | undefined;
    /** @internal */ _conference: FakeConference | undefined;
    #backlog: TraceRecord[] = [];
    #queue: TraceRecord[] = [];
    #dispatching = false;
    #waiters: Waiter[] = [];
    #unread: TraceRecord[] = [];
    #clock: { clear(): void; arm(): void } | undefined;
    /** @internal config.p2p.enabled of the model's deployment (on unless it says p2p: false). */
    _p2p = true;
    /** Every call the application made on the fakes, in order. */
    readonly calls: { t: number; call: string; input?: Record<string, string> }[] = [];

    constructor() {
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const host = this;
        class JitsiConnection extends FakeConnection {
            constructor(appId: string | null, token: string | null, options: unknown) {
                super(host, appId ?? null, token ?? null, options ?? {});
            }
        }
        this.JitsiMeetJS = {
            version: 'confsim',
            init: (_options?: unknown) => undefined,
            setLogLevel: (_level?: unknown) => undefined,
            logLevels: { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', LOG: 'log', WARN: 'warn', ERROR: 'error' },
            isWebRtcSupported: () => true,
            JitsiConnection,
            events: {
                conference: CONFERENCE_EVENTS,
                connection: CONNECTION_EVENTS,
            },
            errors: {
                conference: Object.freeze({ ...conferenceErrors, AUTH_ERROR_TYPES: Object.freeze({ ...authErrorTypes }),
                    JitsiConferenceErrors: CONFERENCE_ERRORS }),
                connection: Object.freeze({ ...CONNECTION_ERRORS, JitsiConnectionErrors: CONNECTION_ERRORS }),
            },
        };
    }

    /** The virtual time in ms. */
    abstract now(): number;
    /** @internal */ abstract _conferenceState(): string;
    /** @internal */ abstract _status(): Status | undefined;
    /** @internal */ protected abstract _perform(where: string, input: Record<string, string>): void;
    /** @internal */ protected abstract _nextAt(): number | null;
    /** @internal */ protected abstract _runOne(maxMs: number): { matched: boolean; error?: string };
    /** @internal */ abstract _connect(c: FakeConnection): void;
    /** @internal */ abstract _join(c: FakeConference, password: string): void;

    /** The records emitted since the last call. */
    records(): TraceRecord[] {
        const out = this.#unread;
        this.#unread = [];
        return out;
    }

    /** The current conference (the last one the application created), if any. */
    get conference(): FakeConference | undefined { return this._conference; }

    /** The current connection, if any. */
    get connection(): FakeConnection | undefined { return this._connection; }

    /** @internal */
    _disconnect(c: FakeConnection): void {
        this.calls.push({ t: this.now(), call: 'connection.disconnect()' });
        if (c === this._connection && this._status()?.allowed.includes('leave') && this._conferenceState() !== 'failed') {
            this._input('connection.disconnect()', { action: 'leave' });
        }
        c._active = false;
    }

    /** @internal */
    _initConference(c: FakeConnection, name: string, options: unknown): FakeConference {
        this.calls.push({ t: this.now(), call: 'connection.initJitsiConference()' });
        // The options are the library's config; its P2P switch is the model's deployment.p2p,
        // fixed when the simulation is made: a disagreement is the test's to fix, not ours to hide.
        const p2p = (options as { p2p?: { enabled?: unknown } } | undefined)?.p2p?.enabled;
        if (typeof p2p === 'boolean' && p2p !== this._p2p) {
            throw new Error(`initJitsiConference(): options.p2p.enabled is ${p2p} but the simulation's deployment has P2P ${this._p2p ? 'on' : 'off'}; `
                + `set deployment.p2p: ${p2p} in the simulation's configuration`);
        }
        const conf = new FakeConference(this, c, String(name ?? ''), options ?? {});
        this._conference = conf;
        return conf;
    }

    /** @internal An input of the application or the test. */
    _input(where: string, input: Record<string, string>): void {
        this.calls.push({ t: this.now(), call: where, input });
        this._perform(where, input);
        this._pump();
    }

    /** @internal */
    _waitFor(where: string, input: Record<string, string>,
        make: (resolve: () => void, reject: (e: unknown) => void) => Waiter): Promise<void> {
        let waiter: Waiter | undefined;
        const p = new Promise<void>((resolve, reject) => { waiter = make(resolve, reject); });
        this.#waiters.push(waiter!);
        try {
            this._input(where, input);
        } catch (e) {
            this.#waiters.splice(this.#waiters.indexOf(waiter!), 1);
            throw e;
        }
        return p;
    }

    /** @internal Hands new records to the listeners, in order, one at a time. */
    _deliver(recs: TraceRecord[]): void {
        this.#queue.push(...recs);
        if (this.#dispatching) {
            return;
        }
        this.#dispatching = true;
        try {
            while (this.#queue.length > 0) {
                this.#dispatch(this.#queue.shift()!);
            }
        } finally {
            this.#dispatching = false;
        }
        if (this.#waiters.length > 0) {
            const st = this._status();
            this.#waiters = this.#waiters.filter((w) => !(w.onIdle && w.onIdle(st)));
        }
    }

    /** @internal Takes the records the last input emitted (a simulation's, synchronously). */
    protected _pump(): void {
        this.#clock?.arm();
    }

    #dispatch(r: TraceRecord): void {
        this.#unread.push(r);
        const conf = this._conference;
        if (r.event.startsWith('conference.') && !conf) {
            this.#backlog.push(r);
            return;
        }
        const args = r.args.map((a) => this.#decode(a));
        if (r.event === 'conference.userJoined' && conf && typeof args[0] === 'string') {
            conf._participants.set(args[0], args[1] as FakeParticipant);
        } else if (r.event === 'conference.userLeft' && conf && typeof args[0] === 'string') {
            conf._participants.delete(args[0]);
        } else if (r.event === 'connection.connectionEstablished' && typeof args[0] === 'string' && conf) {
            conf._myUserId = args[0];
        }
        if (r.event.startsWith('connection.')) {
            this._connection?._emit(r.event, args);
        } else if (r.event.startsWith('conference.')) {
            conf!._emit(r.event, args);
        }
        this.#waiters = this.#waiters.filter((w) => !w.onRecord(r, args));
    }

    /** @internal Delivers the conference records that came before the application's conference. */
    _flushBacklog(): void {
        if (this.#backlog.length > 0 && this._conference) {
            const recs = this.#backlog;
            this.#backlog = [];
            queueMicrotask(() => {
                for (const r of recs) {
                    this.#unread.splice(this.#unread.indexOf(r), 1);
                }
                this._deliver(recs);
            });
        }
    }

    #decode(a: EncodedArg): unknown {
        if (Array.isArray(a)) {
            return a.map((x) => this.#decode(x));
        }
        if (a === null || typeof a !== 'object') {
            return a;
        }
        if (a.$undefined === true) {
            return undefined;
        }
        const fields: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(a)) {
            if (k !== '$type') {
                fields[k] = this.#decode(v);
            }
        }
        switch (a.$type) {
        case undefined:
            return fields;
        case 'JitsiParticipant': {
            const id = String(fields.id);
            const known = this._conference?._participants.get(id);
            return known ?? makeParticipant(id, String(fields.role ?? 'participant'), this._conference,
                fields.displayName as string | undefined);
        }
        case 'JitsiConference':
            return this._conference;
        case 'Error':
            return Object.assign(new Error(String(fields.message ?? '')), fields);
        default:
            return { ...fields };
        }
    }

    /** Advances virtual time by ms, delivering each record at its time; handlers' promises run between records. */
    async advance(ms: number): Promise<void> {
        this.#noClock('advance');
        if (!(ms >= 0)) {
            throw new Error(`advance(${ms}): virtual time never goes back`);
        }
        const end = this.now() + ms;
        for (;;) {
            const r = this._runOne(end - this.now());
            await microtasks();
            if (r.error) {
                throw new Error(`advance(${ms}): ${r.error}`);
            }
            if (!r.matched) {
                return;
            }
        }
    }

    /** Runs until nothing more is scheduled, delivering each record at its time. */
    async settle(): Promise<void> {
        this.#noClock('settle');
        for (;;) {
            const r = this._runOne(-1);
            await microtasks();
            if (r.error) {
                throw new Error(`settle(): ${r.error}`);
            }
            if (!r.matched) {
                return;
            }
        }
    }

    #noClock(what: string): void {
        if (this.#clock) {
            throw new Error(`${what}(): time follows the fake clock now; tick the clock instead (or uninstall the adapter)`);
        }
    }

    /**
     * Makes virtual time follow a fake clock: @sinonjs/fake-timers' clock, or, with no argument,
     * the global setTimeout and Date.now as Vitest's and Jest's fake timers replace them. The
     * model's next delivery is a timer on that clock, so the application's own timers and the
     * model's back-offs interleave by time. Returns the function that uninstalls the adapter.
     */
    useFakeTimers(clock?: FakeClock): () => void {
        if (this.#clock) {
            throw new Error('useFakeTimers(): an adapter is already installed');
        }
        const g = globalThis as any;
        const set = clock ? (f: () => void, ms: number) => clock.setTimeout(f, ms) : (f: () => void, ms: number) => g.setTimeout(f, ms);
        const clear = clock ? (h: unknown) => clock.clearTimeout(h) : (h: unknown) => g.clearTimeout(h);
        const now = clock
            ? () => (typeof clock.now === 'function' ? (clock.now as () => number)() : clock.now as number)
            : () => Date.now();
        const base = now() - this.now();
        let handle: unknown;
        let firing = false;
        const fire = () => {
            handle = undefined;
            firing = true;
            try {
                const target = now() - base;
                for (;;) {
                    const r = this._runOne(Math.max(0, target - this.now()));
                    if (r.error) {
                        throw new Error(`fake clock at ${target} ms: ${r.error}`);
                    }
                    if (!r.matched) {
                        break;
                    }
                }
            } finally {
                firing = false;
                arm();
            }
        };
        const arm = () => {
            if (handle !== undefined) {
                clear(handle);
                handle = undefined;
            }
            if (firing) {
                return;
            }
            const next = this._nextAt();
            if (next !== null) {
                handle = set(fire, Math.max(0, next - (now() - base)));
            }
        };
        this.#clock = { clear: () => { if (handle !== undefined) clear(handle); handle = undefined; }, arm };
        arm();
        return () => {
            this.#clock?.clear();
            this.#clock = undefined;
        };
    }
}

// --- the simulation ------------------------------------------------------------------------

function fixedConfig(cfg: SimulationConfig): string {
    return JSON.stringify(cfg ?? {});
}

/** One simulated conference: the model in WebAssembly behind a fake JitsiMeetJS. */
export class Simulation extends Host {
    #id: number;
    #status: Status;
    #adopt = false; // connect() started a join that conference.join() has not claimed yet
    /** @internal Inputs the application made on the fakes, with the record count at the time. */
    readonly _appInputs: { action: string; at: number; consumed: boolean }[] = [];
    /** A moderator in the room. */
    readonly moderator: {
        approve(): void; deny(): void; kick(reason?: string): void; destroy(reason?: string): void;
    };

    /** @internal */
    constructor(id: number) {
        super();
        this.#id = id;
        this.#status = call('status', id);
        this.moderator = {
            approve: () => this.#test('moderator.approve()', { action: 'approve' }),
            deny: () => this.#test('moderator.deny()', { action: 'deny' }),
            kick: (reason?: string) => this.#test('moderator.kick()', { action: 'kick', text: reason ?? '' }),
            destroy: (reason?: string) => this.#test('moderator.destroy()', { action: 'destroy', text: reason ?? '' }),
        };
    }

    now(): number { return this.#status.now; }
    /** The model state, e.g. "joined/jvb:connected". */
    state(): string { return this.#status.state; }
    /** The actions the model accepts now. */
    allowed(): string[] { return [...this.#status.allowed]; }
    /** Where the model is: clock, next delivery, state, allowed actions. */
    status(): Status { return { ...this.#status, allowed: [...this.#status.allowed] }; }

    /** Injects a fault: a documented cause id or a signal id (catalog.faults). */
    inject(fault: string, opts: { reason?: string } = {}): void {
        if (typeof fault !== 'string' || fault === '') {
            throw new Error('inject(): a fault id is needed (see catalog.faults)');
        }
        this.#test(`inject(${JSON.stringify(fault)})`, opts.reason ? { fault, reason: opts.reason } : { fault });
    }

    /** Frees the model's memory; the simulation cannot be used afterwards. */
    dispose(): void { call('dispose', this.#id); }

    /** @internal */ get _id(): number { return this.#id; }
    /** @internal */ _conferenceState(): string { return this.#status.conference; }
    /** @internal */ _status(): Status { return this.#status; }
    /** @internal */ protected _nextAt(): number | null { return this.#status.next; }

    #test(where: string, input: Record<string, string>): void {
        this.calls.push({ t: this.now(), call: where, input });
        this.#step(where, input);
        this._pump();
    }

    #step(where: string, input: Record<string, string>): void {
        try {
            this.#status = call('step', this.#id, JSON.stringify(input));
        } catch (e) {
            if (e instanceof ModelError) {
                throw new ModelError(`${where}: ${e.message}`, e.refused);
            }
            throw e;
        }
    }

    /** @internal */
    protected _perform(where: string, input: Record<string, string>): void {
        this.#step(where, input);
        if (APP_ACTIONS.includes(input.action)) {
            this._appInputs.push({ action: input.action, at: this.#status.records, consumed: false });
        }
    }

    /** @internal */
    protected _pump(): void {
        const recs: TraceRecord[] = call('take', this.#id);
        this.#status = call('status', this.#id);
        this._deliver(recs);
        super._pump();
    }

    /** @internal */
    protected _runOne(maxMs: number): { matched: boolean; error?: string } {
        const r = call('run', this.#id, maxMs);
        this.#status = r.status;
        this._deliver(r.records);
        super._pump();
        return r;
    }

    /** @internal */
    _connect(c: FakeConnection): void {
        if (this.#status.conference !== 'disconnected') {
            throw new ModelError(`connection.connect(): the model's client is already connected or done (state ${this.#status.state}); one simulation is one client`, true);
        }
        this._connection = c;
        c._active = true;
        this.#adopt = true;
        this._input('connection.connect()', { action: 'join' });
    }

    /** @internal */
    _join(conf: FakeConference, password: string): void {
        if (conf.connection !== this._connection) {
            throw new Error('conference.join(): the conference\'s connection was never connected (call connection.connect() first)');
        }
        if (this.#adopt) {
            // The model joined when the connection came up; this join() is that one.
            this.#adopt = false;
            this.calls.push({ t: this.now(), call: 'conference.join()', input: { action: 'join', password } });
            if (password) {
                try {
                    call('rejoin', this.#id, password);
                } catch (e) {
                    throw new Error(`conference.join(): ${(e as Error).message}; call join() in the CONNECTION_ESTABLISHED handler`);
                }
                this.#status = call('status', this.#id);
            }
            this._flushBacklog();
            return;
        }
        this._input('conference.join()', password ? { action: 'join', password } : { action: 'join' });
    }

    /** @internal Advances like advance() but stops at the first record some test matches. */
    async _runUntil(maxMs: number, found: () => boolean): Promise<string | undefined> {
        const end = this.now() + maxMs;
        for (;;) {
            const r = this._runOne(Math.max(0, end - this.now()));
            await microtasks();
            if (found()) {
                return undefined;
            }
            if (r.error) {
                return r.error;
            }
            if (!r.matched) {
                return undefined;
            }
        }
    }

    /** @internal */
    async _settle(): Promise<string | undefined> {
        for (;;) {
            const r = this._runOne(-1);
            await microtasks();
            if (r.error) {
                return r.error;
            }
            if (!r.matched) {
                return undefined;
            }
        }
    }
}

/** Creates a simulation: the scenario file's configuration keys. */
export function createSimulation(config: SimulationConfig = {}): Simulation {
    let id: number;
    try {
        id = call('create', fixedConfig(config));
    } catch (e) {
        throw new Error(`createSimulation(): ${(e as Error).message}`);
    }
    const sim = new Simulation(id);
    sim._p2p = config.deployment?.p2p !== false;
    return sim;
}

// --- scenarios -----------------------------------------------------------------------------

/** A scenario file with problems: message has one "file:line:col: message" per line, as the CLI prints. */
export class ScenarioSyntaxError extends Error {
    readonly problems: string[];
    constructor(message: string) {
        super(message);
        this.name = 'ScenarioSyntaxError';
        this.problems = message.split('\n');
    }
}

interface ParsedStep {
    kind: 'action' | 'fault' | 'advance' | 'settle' | 'expect' | 'expect_quiet' | 'expect_never';
    pos: string; line: number; col: number; text: string;
    input?: { action?: string; fault?: string; password?: string; text?: string; reason?: string };
    advance?: number; within?: number; waits?: boolean; never?: string[];
}

/** A parsed scenario file. */
export interface ParsedScenario {
    name: string; file: string; description: string; config: SimulationConfig; steps: ParsedStep[];
}

/** Parses and checks a scenario file as the CLI does; throws a ScenarioSyntaxError. */
export function parseScenario(yamlText: string, filename = 'scenario.yaml'): ParsedScenario {
    return parse(yamlText, filename).scenario;
}

function parse(yamlText: string, filename: string): { id: number; scenario: ParsedScenario } {
    try {
        return call('parse', filename, String(yamlText));
    } catch (e) {
        throw new ScenarioSyntaxError((e as Error).message);
    }
}

/**
 * The application under test for runScenario: optional hooks. Application actions of the
 * scenario (join, leave, knock, login, lock, unlock, send-chat, set-display-name) are the
 * application's: when the application already made that call on the fakes (its own handler did,
 * e.g. a re-join with the password), the step is taken as done; otherwise the hook of that name
 * runs (it should make the call); with no hook the runner makes the call on the current
 * conference.
 */
export interface ScenarioApp {
    setup?(simulation: Simulation): void | Promise<void>;
    join?(opts: { password: string }, simulation: Simulation): void | Promise<void>;
    leave?(opts: object, simulation: Simulation): void | Promise<void>;
    knock?(opts: object, simulation: Simulation): void | Promise<void>;
    login?(opts: { password: string }, simulation: Simulation): void | Promise<void>;
    lock?(opts: { password: string }, simulation: Simulation): void | Promise<void>;
    unlock?(opts: object, simulation: Simulation): void | Promise<void>;
    sendChat?(opts: { text: string }, simulation: Simulation): void | Promise<void>;
    setDisplayName?(opts: { text: string }, simulation: Simulation): void | Promise<void>;
}

/** The outcome of one step of runScenario. */
export interface StepReport {
    pos: string;
    step: string;
    kind: string;
    pass: boolean;
    /** For application actions: who performed it ("app": its own handler, "hook", "runner"). */
    by?: 'app' | 'hook' | 'runner';
    note?: string;
}

/** The report of runScenario. */
export interface ScenarioReport {
    name: string;
    file: string;
    pass: boolean;
    /** Why it failed, beginning with the step's file:line:col, as the CLI says it. */
    reason: string;
    steps: StepReport[];
    /** The expectations and whether each held. */
    expectations: StepReport[];
    records: TraceRecord[];
    endMs: number;
    simulation: Simulation;
}

const HOOKS: Record<string, keyof ScenarioApp> = {
    join: 'join', leave: 'leave', knock: 'knock', login: 'login', lock: 'lock', unlock: 'unlock',
    'send-chat': 'sendChat', 'set-display-name': 'setDisplayName',
};

/** Performs an application action on the fakes as a plain application would. */
function perform(sim: Simulation, input: NonNullable<ParsedStep['input']>): void {
    const conf = sim.conference;
    const ignore = (p: Promise<unknown>) => { p.catch(() => undefined); };
    switch (input.action) {
    case 'join': {
        if (sim._conferenceState() === 'disconnected') {
            const J = sim.JitsiMeetJS;
            const conn = new J.JitsiConnection(null, null, {});
            let started = false;
            conn.addEventListener(J.events.connection.CONNECTION_ESTABLISHED, () => {
                // Only the first: it comes again after a resumed XMPP stream.
                if (started) {
                    return;
                }
                started = true;
                const c = conn.initJitsiConference('room', {});
                c.join(input.password ?? '');
            });
            conn.connect();
        } else if (conf) {
            conf.join(input.password ?? '');
        } else {
            sim._input('conference.join()', { action: 'join', password: input.password ?? '' });
        }
        return;
    }
    case 'leave': if (conf) { ignore(conf.leave()); return; } break;
    case 'knock': if (conf) { ignore(conf.joinLobby()); return; } break;
    case 'login': if (conf) { ignore(conf.authenticateAndUpgradeRole({})); return; } break;
    case 'lock': if (conf) { ignore(conf.lock(input.password ?? '')); return; } break;
    case 'unlock': if (conf) { ignore(conf.lock('')); return; } break;
    case 'send-chat': if (conf) { conf.sendTextMessage(input.text ?? ''); return; } break;
    case 'set-display-name': if (conf) { conf.setDisplayName(input.text ?? ''); return; } break;
    }
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(input)) {
        if (v) clean[k] = v;
    }
    sim._input(`${input.action}`, clean);
}

/**
 * Plays a scenario file against the application: its faults and moderators, its advances and
 * settles, with the application's own handlers doing the application's actions (see
 * ScenarioApp), and reports each expectation as pass or fail, the verdict and its reason as the
 * CLI words them. Bad YAML throws a ScenarioSyntaxError with the CLI's file:line:col messages.
 */
export async function runScenario(yamlText: string, app: ScenarioApp | ((sim: Simulation) => ScenarioApp | void | Promise<ScenarioApp | void>) = {},
    opts: { filename?: string } = {}): Promise<ScenarioReport> {
    const parsed = parse(yamlText, opts.filename ?? 'scenario.yaml');
    const sc = parsed.scenario;
    const sim = new Simulation(call('createFromScenario', parsed.id));
    sim._p2p = parsed.scenario.config.deployment?.p2p !== false;
    let hooks: ScenarioApp = {};
    if (typeof app === 'function') {
        hooks = (await app(sim)) ?? {};
    } else {
        hooks = app ?? {};
        await hooks.setup?.(sim);
    }
    const report: ScenarioReport = { name: sc.name, file: sc.file, pass: true, reason: '', steps: [], expectations: [],
        records: [], endMs: 0, simulation: sim };
    const all: TraceRecord[] = [];
    const collect = () => { all.push(...sim.records()); };
    let cursor = 0;
    let checked = 0;
    const nevers: { step: ParsedStep; from: number }[] = [];
    const checkNevers = (): string => {
        collect();
        for (; checked < all.length; checked++) {
            const r = all[checked];
            for (const n of nevers) {
                if (checked < n.from) continue;
                for (const v of n.step.never ?? []) {
                    if (r.event === v || r.error === v) {
                        return `${n.step.pos} (${n.step.text}) forbids ${v}, which occurred: ${r.text}`;
                    }
                }
            }
        }
        return '';
    };
    const describe = (from: number, to: number): string => call('describe', sim._id, from, to);
    const firstEarly = (): number | undefined => sim._appInputs.find((x) => !x.consumed)?.at;

    const doStep = async (i: number, st: ParsedStep, rep: StepReport): Promise<string> => {
        switch (st.kind) {
        case 'fault':
        case 'action': {
            const input = st.input!;
            try {
                if (st.kind === 'fault') {
                    sim.inject(input.fault!, input.reason ? { reason: input.reason } : {});
                } else if (MODERATOR_ACTIONS.includes(input.action!)) {
                    (sim.moderator as any)[input.action!](input.text);
                } else {
                    const action = input.action!;
                    const early = sim._appInputs.find((x) => !x.consumed && x.action === action);
                    if (early) {
                        early.consumed = true;
                        rep.by = 'app';
                        return '';
                    }
                    const n = sim._appInputs.length;
                    const hook = hooks[HOOKS[action]] as any;
                    if (hook) {
                        await hook.call(hooks, { password: input.password ?? '', text: input.text ?? '' }, sim);
                        const made = sim._appInputs.slice(n).find((x) => !x.consumed && x.action === action);
                        if (!made) {
                            return `the app's ${HOOKS[action]}() made no ${action} call on the fake JitsiMeetJS`;
                        }
                        made.consumed = true;
                        rep.by = 'hook';
                    } else {
                        perform(sim, input);
                        for (const x of sim._appInputs.slice(n)) x.consumed = true;
                        rep.by = 'runner';
                    }
                }
            } catch (e) {
                const m = (e as Error).message.replace(/^[^:]*\(\)[^:]*: /, '');
                return e instanceof ModelError && e.refused ? `the model refuses it: ${m}` : m;
            }
            return '';
        }
        case 'advance': {
            const err = await sim._runUntil(st.advance!, () => false);
            return err ?? '';
        }
        case 'settle':
            return (await sim._settle()) ?? '';
        case 'expect': {
            if (!st.waits) {
                if (!call('stateMatches', parsed.id, i, sim._id)) {
                    return `the state is ${sim.state()}`;
                }
                rep.note = `state ${sim.state()}`;
                return '';
            }
            const start = cursor;
            const find = (): number => call('find', parsed.id, i, sim._id, cursor);
            let at = find();
            if (at < 0) {
                const err = await sim._runUntil(st.within!, () => find() >= 0);
                at = find();
                if (at < 0) {
                    let why = `no matching record within ${st.within} ms (now ${sim.now()} ms)`;
                    if (err) why = `no matching record before ${err}`;
                    const n = sim.status().records;
                    why += start < n ? `; records after the previous match:\n${describe(start, n)}` : '; no record after the previous match';
                    return why;
                }
            }
            cursor = at + 1;
            collect();
            rep.note = `matched the record at ${all[at].t_ms} ms`;
            return '';
        }
        case 'expect_quiet': {
            const err = await sim._settle();
            if (err) return err;
            // Records after an action the application made ahead of the scenario are its own doing.
            const n = firstEarly() ?? sim.status().records;
            if (cursor < n) {
                return `want no further records, got ${n - cursor} after the last match:\n${describe(cursor, n)}`;
            }
            rep.note = 'quiet';
            return '';
        }
        case 'expect_never':
            nevers.push({ step: st, from: sim.status().records });
            return '';
        }
        return '';
    };

    for (let i = 0; i < sc.steps.length; i++) {
        const st = sc.steps[i];
        const rep: StepReport = { pos: st.pos, step: st.text, kind: st.kind, pass: true };
        report.steps.push(rep);
        if (st.kind.startsWith('expect')) report.expectations.push(rep);
        let why = await doStep(i, st, rep);
        if (!why) why = checkNevers();
        if (!why) why = call('violation', sim._id, false);
        if (why) {
            rep.pass = false;
            rep.note = why;
            report.pass = false;
            report.reason = `${st.pos}: ${st.text}: ${why}`;
            break;
        }
    }
    if (report.pass) {
        const err = await sim._settle();
        let why = checkNevers();
        if (!why) why = call('violation', sim._id, true);
        if (!why && err) why = `settling after the last step: ${err}`;
        if (why) {
            report.pass = false;
            report.reason = `${sc.file}: after the last step: ${why}`;
            for (const e of report.expectations) {
                if (e.kind === 'expect_never' && why.startsWith(e.pos)) e.pass = false;
            }
        }
    }
    collect();
    report.records = all;
    report.endMs = sim.now();
    return report;
}

/** Runs a scenario with the CLI's own runner (package scenario) inside the WebAssembly build. */
export function runScenarioNative(yamlText: string, opts: { filename?: string } = {}): {
    name: string; file: string; pass: boolean; reason?: string; end_ms: number; records: TraceRecord[];
} {
    const parsed = parse(yamlText, opts.filename ?? 'scenario.yaml');
    try {
        return call('runNative', parsed.id);
    } finally {
        call('dispose', parsed.id);
    }
}

// --- replay --------------------------------------------------------------------------------

/** A trace played back to the application's listeners (open loop: its calls change nothing). */
export class Replay extends Host {
    readonly trace: TraceRecord[];
    #next = 0;
    #now = 0;

    /** @internal */
    constructor(trace: TraceRecord[]) {
        super();
        this.trace = trace;
    }

    now(): number { return this.#now; }
    /** @internal */ _conferenceState(): string {
        const last = this.trace[this.#next - 1];
        return last ? last.state.split('/')[0] : 'disconnected';
    }
    /** @internal */ _status(): Status | undefined { return undefined; }
    /** @internal */ protected _perform(): void { /* open loop */ }
    /** @internal */ protected _nextAt(): number | null {
        return this.#next < this.trace.length ? this.trace[this.#next].t_ms : null;
    }
    /** @internal */
    protected _runOne(maxMs: number): { matched: boolean } {
        const end = maxMs < 0 ? Infinity : this.#now + maxMs;
        if (this.#next < this.trace.length && this.trace[this.#next].t_ms <= end) {
            const t = this.trace[this.#next].t_ms;
            const batch: TraceRecord[] = [];
            while (this.#next < this.trace.length && this.trace[this.#next].t_ms === t) {
                batch.push(this.trace[this.#next++]);
            }
            this.#now = Math.max(this.#now, t);
            this._deliver(batch);
            return { matched: true };
        }
        if (end !== Infinity) this.#now = Math.max(this.#now, end);
        return { matched: false };
    }
    /** @internal */ _connect(c: FakeConnection): void {
        this.calls.push({ t: this.now(), call: 'connection.connect()' });
        this._connection = c;
        c._active = true;
    }
    /** @internal */ _join(_c: FakeConference, password: string): void {
        this.calls.push({ t: this.now(), call: 'conference.join()', input: { action: 'join', password } });
        this._flushBacklog();
    }
}

/**
 * Plays a JSONL trace of `simulate run --format jsonl` to the application's listeners: records
 * have event, error and args; header lines ({"header": ...}) and result lines ({"result": ...})
 * are skipped. A trace of several scenarios needs opts.scenario.
 */
export function replay(jsonl: string, opts: { scenario?: string } = {}): Replay {
    const recs: TraceRecord[] = [];
    const names = new Set<string>();
    const lines = String(jsonl).split('\n');
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i].trim();
        if (line === '') continue;
        let v: any;
        try {
            v = JSON.parse(line);
        } catch (e) {
            throw new Error(`replay(): line ${i + 1}: not JSON: ${(e as Error).message}`);
        }
        if (v === null || typeof v !== 'object' || 'header' in v || 'result' in v) continue;
        if (typeof v.event !== 'string' || !Array.isArray(v.args) || typeof v.t_ms !== 'number') {
            throw new Error(`replay(): line ${i + 1}: not a trace record (want event, t_ms and args)`);
        }
        if (opts.scenario !== undefined && v.scenario !== opts.scenario) continue;
        if (v.scenario !== undefined) names.add(v.scenario);
        recs.push(v as TraceRecord);
    }
    if (names.size > 1) {
        throw new Error(`replay(): the trace holds ${names.size} scenarios (${[...names].join(', ')}); choose one with opts.scenario`);
    }
    if (opts.scenario !== undefined && recs.length === 0) {
        throw new Error(`replay(): no record of scenario ${JSON.stringify(opts.scenario)}`);
    }
    return new Replay(recs);
}

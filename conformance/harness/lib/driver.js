'use strict';

// The driver: moves virtual time only at quiescence, plays the plan's inputs
// at their virtual times and records every connection and conference event.
// See README.md ("Time and quiescence").

const {encode, encodeArgs} = require('./encode');
const {MODERATOR_ACTIONS} = require('./plan');

class QuiescenceError extends Error {
    constructor(message) {
        super(message);
        this.name = 'QuiescenceError';
    }
}

const yieldReal = () => new Promise(resolve => setImmediate(resolve));
const sleepReal = ms => new Promise(resolve => setTimeout(resolve, ms));

// When the server's next stays at or before the current time after this many
// advances in a row, it is not delivering what it says is due.
const MAX_STUCK_ADVANCES = 50;

// How long mismatched frame counts must stand still after a socket closed
// before they are taken as frames lost with it.
const STALL_MS = 200;

class Driver {
    /**
     * @param {object} o the parts
     * @param {object} o.page the page (see page.js)
     * @param {object} o.plan the parsed plan
     * @param {function(object): Promise<object>} o.post the control client
     * @param {string} o.ws the XMPP WebSocket URL
     * @param {function(object)} o.emit receives each event record
     * @param {function(string, Array)} o.log the log
     * @param {number} [o.settleMs] the real-time settle window (no frame counts from the server)
     * @param {number} [o.quiesceTimeoutMs] the bound of one wait for quiescence
     */
    constructor({page, plan, post, ws, emit, log, settleMs = 30, quiesceTimeoutMs = 5000, quiescence = 'auto'}) {
        Object.assign(this, {page, plan, post, ws, emit, log, settleMs, quiesceTimeoutMs});
        this.clock = page.clock;
        this.JitsiMeetJS = page.JitsiMeetJS;
        this.connection = null;
        this.initialised = false;
        this.connectionDown = false;
        this.established = false;
        this.conference = null;
        this.conferenceLeft = false;
        this.pendingPassword = undefined;
        this.serverAt = 0;
        // How quiescence is told (see chooseMode): 'next' (the server's next
        // answer carries its frame counts), 'transcript' (counted from its
        // transcript), or 'settle' (a real-time window).
        this.mode = 'settle';
        this.quiescence = quiescence;
        this.offsets = {sent: 0, received: 0};
        this.closedAtRebase = 0;
        this.stall = null;
        this.dirty = true;
        this.lastSent = 0;
        this.lastReceived = 0;
        this.known = null;
        this.steps = 0;
        this.timers = 0;
        this.advances = 0;
        this.stopped = false;

        const conf = this.JitsiMeetJS.events.conference;
        const conn = this.JitsiMeetJS.events.connection;

        this.errorEvents = new Set([
            conf.CONFERENCE_FAILED || 'conference.failed',
            conf.CONFERENCE_ERROR || 'conference.error',
            conn.CONNECTION_FAILED || 'connection.connectionFailed'
        ]);
    }

    now() {
        return this.clock.now;
    }

    /** record writes one event record. */
    record(event, args, error) {
        const rec = {
            t_ms: this.now(),
            event,
            error: error !== undefined ? error : this.errorEvents.has(event) ? encode(args[0]) : null,
            args: encodeArgs(args)
        };

        this.emit(rec);
    }

    listenAll(emitter, eventMap) {
        const names = new Set(Object.values(eventMap).filter(v => typeof v === 'string'));

        for (const name of names) {
            emitter.addEventListener(name, (...args) => this.record(name, args));
        }
    }

    // next asks the server for its next queued item (and, if it tells them,
    // its frame counts). The answer stays known until something could change
    // it: a frame either way, an advance that delivers, a fault or an action.
    async next() {
        const ans = await this.post({op: 'next'});

        if (ans === null || typeof ans !== 'object' || !('next' in ans)
            || (ans.next !== null && (typeof ans.next !== 'number' || !Number.isFinite(ans.next)))) {
            throw new Error(`control "next" answered ${JSON.stringify(ans)}; want {"next": ms|null}`);
        }
        this.known = ans;

        return ans;
    }

    touch() {
        this.dirty = true;
        this.known = null;
    }

    // advance moves the server's clock to t; delivers says whether the
    // server has items due by then (only then can frames follow).
    async advance(to, delivers) {
        await this.post({op: 'advance', to});
        this.serverAt = to;
        this.advances++;
        if (delivers) {
            this.touch();
        }
    }

    // catchUp brings the server's clock to the page's before anything that
    // the server must see at the page's time.
    async catchUp() {
        if (this.serverAt < this.now()) {
            await this.advance(this.now(), false);
        }
    }

    /**
     * quiesce waits, in real time and bounded, until no frame is in flight in
     * either direction: no frame held, no socket opening or closing, no fetch
     * pending, and either the server's frame counts equal the page's (when
     * the server reports them) or the page's counters unchanged for the
     * settle window. It leaves this.known set to the server's current answer.
     */
    async quiesce() {
        const c = this.page.counters;
        const started = Date.now();
        let snap = `${c.sent}/${c.received}`;
        let changedAt = Date.now();
        let why = '';

        for (let first = true; ; first = false) {
            if (!first) {
                await sleepReal(1);
            }
            await yieldReal();
            if (this.page.held.length > 0) {
                await this.catchUp();
                this.page.flushHeld();
                this.touch();
            }
            if (c.sent !== this.lastSent || c.received !== this.lastReceived) {
                this.touch();
            }
            const transitions = this.page.socketsInTransition();
            let busy = transitions > 0 || c.fetches > 0;

            why = `${transitions} socket(s) opening or closing, ${c.fetches} fetch(es) pending, page sent ${c.sent} received ${c.received}`;
            if (!busy && !this.dirty) {
                // Nothing happened since the last quiescence.
                if (!this.known) {
                    await this.next();
                }
                break;
            }
            if (this.mode !== 'settle') {
                if (!busy) {
                    // The page's counters, then the server's counts, then
                    // its next item: whatever the server handled before the
                    // counts is in the answer, and whatever the page did
                    // meanwhile shows in its counters.
                    const mine = {sent: c.sent, received: c.received};
                    const srv = this.mode === 'transcript' ? await this.serverCounts() : null;
                    const ans = await this.next();
                    const counts = srv || {received: ans.received, sent: ans.sent};

                    busy = this.inFlight(mine, counts);
                    if (busy && this.lostToClose(mine, counts)) {
                        busy = false;
                    }
                    why += `, server received ${counts.received} sent ${counts.sent} (offsets ${this.offsets.sent}/${this.offsets.received})`;
                    if (!busy) {
                        // Let whatever the last frame started run, then check
                        // that the page did nothing new.
                        await yieldReal();
                        busy = c.sent !== mine.sent || c.received !== mine.received
                            || this.page.held.length > 0 || this.page.socketsInTransition() > 0 || c.fetches > 0;
                    }
                }
                if (!busy) {
                    break;
                }
            } else {
                const cur = `${c.sent}/${c.received}`;

                if (cur !== snap) {
                    snap = cur;
                    changedAt = Date.now();
                }
                if (!busy && Date.now() - changedAt >= this.settleMs) {
                    await this.next();
                    if (`${c.sent}/${c.received}` === snap && this.page.held.length === 0) {
                        break;
                    }
                }
            }
            if (Date.now() - started > this.quiesceTimeoutMs) {
                throw new QuiescenceError(`not quiescent within ${this.quiesceTimeoutMs} ms at virtual ${this.now()} ms: ${why}`);
            }
        }
        this.dirty = false;
        this.lastSent = c.sent;
        this.lastReceived = c.received;
    }

    /**
     * chooseMode picks how quiescence is told. Exact is best: the server's
     * frame counts, from its next answer ({"received": n, "sent": m}) or, failing
     * that, counted from its transcript ("C>S ..." and "S>C ..." lines); a
     * real-time settle window is the last resort.
     */
    async chooseMode(first) {
        const want = this.quiescence;

        if (want !== 'settle' && typeof first.received === 'number' && typeof first.sent === 'number') {
            this.mode = 'next';
        } else if (want === 'auto' || want === 'transcript') {
            const t = await this.post({op: 'transcript'});

            // An empty transcript may come as null (a Go nil slice).
            if (t && typeof t === 'object' && 'transcript' in t && (t.transcript === null || Array.isArray(t.transcript))) {
                this.mode = 'transcript';
            } else if (want === 'transcript') {
                throw new Error(`control "transcript" answered no transcript list: ${JSON.stringify(t).slice(0, 200)}`);
            }
        }
        if (want === 'next' && this.mode !== 'next') {
            throw new Error('--quiescence next: the server\'s next answer has no "received" and "sent" counts');
        }
        const how = {
            next: 'exact: the server\'s frame counts from its next answer',
            transcript: 'exact: the server\'s frame counts from its transcript',
            settle: `a settle window of ${this.settleMs} ms of real time`
        }[this.mode];

        this.log('harness', [ `quiescence: ${how}` ]);
    }

    // serverCounts returns the frames the server has handled from the page
    // and sent to it.
    async serverCounts() {
        const t = await this.post({op: 'transcript'});
        const lines = t && Array.isArray(t.transcript) ? t.transcript : [];
        let received = 0;
        let sent = 0;

        for (const line of lines) {
            if (typeof line !== 'string') {
                continue;
            }
            if (line.startsWith('C>S')) {
                received++;
            } else if (line.startsWith('S>C')) {
                sent++;
            }
        }

        return {received, sent};
    }

    // inFlight compares the page's counters (mine, taken before the server's
    // counts were asked for) with the server's. If the page sent or received
    // anything meanwhile, something is in flight. A frame sent on a socket
    // that closed before the server read it is never handled, so while no
    // socket is open the counts are re-based instead.
    inFlight(mine, srv) {
        const c = this.page.counters;
        const o = this.offsets;

        if (c.sent !== mine.sent || c.received !== mine.received) {
            return true;
        }
        if (this.page.openSockets() === 0 && this.page.socketsInTransition() === 0) {
            if (mine.sent + o.sent !== srv.received || mine.received + o.received !== srv.sent) {
                o.sent = srv.received - mine.sent;
                o.received = srv.sent - mine.received;
                this.log('harness', [ `no socket open: frame counts re-based (offsets ${o.sent}/${o.received})` ]);
            }

            return false;
        }

        return mine.sent + o.sent !== srv.received || mine.received + o.received !== srv.sent;
    }

    // lostToClose handles counts that cannot match by waiting: frames
    // written to a socket that closed before they arrived (the server's
    // <close/> answer on a connection the library is dropping), or counts
    // ahead on the server (not this page's frames). When either holds and
    // the counts have stood still, mismatched, for STALL_MS of real time,
    // they are re-based. A page that is merely behind the server waits.
    lostToClose(mine, srv) {
        const c = this.page.counters;
        const o = this.offsets;
        const closed = c.closed !== this.closedAtRebase;
        const ahead = mine.sent + o.sent < srv.received || mine.received + o.received > srv.sent;

        if (!closed && !ahead) {
            this.stall = null;

            return false;
        }
        const key = `${mine.sent}/${mine.received}/${srv.received}/${srv.sent}`;

        if (!this.stall || this.stall.key !== key) {
            this.stall = {key, since: Date.now()};

            return false;
        }
        if (Date.now() - this.stall.since < STALL_MS) {
            return false;
        }
        this.offsets = {sent: srv.received - mine.sent, received: srv.sent - mine.received};
        this.closedAtRebase = c.closed;
        this.stall = null;
        this.log('harness', [ `frame counts re-based after standing still ${STALL_MS} ms (${closed ? 'a socket closed' : 'the server ahead'}): `
            + `page ${mine.sent}/${mine.received}, server ${srv.received}/${srv.sent}` ]);

        return true;
    }

    /** moveTo sets the fake clock to t without firing the timers due at t. */
    moveTo(t) {
        if (t <= this.clock.now) {
            return;
        }
        if (this.page.nextTimerAt() < t) {
            throw new Error(`internal: a timer is due at ${this.page.nextTimerAt()} before ${t}`);
        }
        this.clock.now = t;
    }

    // fireTimer fires the page's first due timer. An exception in it is the
    // page's (a browser reports it and goes on), not the harness's.
    fireTimer() {
        try {
            this.clock.next();
        } catch (e) {
            this.log('uncaught in a timer', [ e && e.stack || e ]);
        }
        this.timers++;
    }

    /**
     * run plays the plan to its end. At each virtual time, in this order and
     * one at a time with quiescence between: the server's items due, the
     * page's timers due, the plan's inputs due; then time moves to the
     * earliest of the page's next timer, the server's next item, the next
     * input and end_ms. The server's clock follows the page's lazily: it is
     * advanced when it has items due, before a fault or a moderator's action,
     * and before the page's next frame goes out (frames sent meanwhile are
     * held).
     */
    async run() {
        const {plan} = this;
        const inputs = plan.inputs;
        let idx = 0;
        let stuck = 0;

        this.page.setGate(() => this.serverAt >= this.now());
        const first = await this.next();

        await this.chooseMode(first);

        for (;;) {
            this.steps++;
            await this.quiesce();
            const now = this.now();
            const srvNext = this.known.next === null ? Infinity : this.known.next;

            if (srvNext <= now) {
                if (++stuck > MAX_STUCK_ADVANCES) {
                    throw new Error(`the server's next item stays at ${this.known.next} ms after ${MAX_STUCK_ADVANCES} advances to ${now} ms`);
                }
                await this.advance(now, true);
                continue;
            }
            stuck = 0;
            if (this.page.nextTimerAt() <= now) {
                this.fireTimer();
                continue;
            }
            if (idx < inputs.length && inputs[idx].t_ms <= now) {
                await this.play(inputs[idx++]);
                this.touch();
                continue;
            }
            if (now >= plan.endMs) {
                break;
            }
            const target = Math.min(this.page.nextTimerAt(), srvNext, idx < inputs.length ? inputs[idx].t_ms : Infinity, plan.endMs);

            this.moveTo(target);
            if (srvNext <= target) {
                await this.advance(target, true);
            }
        }
        await this.catchUp();

        return {endMs: this.now(), steps: this.steps, timers: this.timers, advances: this.advances};
    }

    // The inputs.

    async play(input) {
        const what = input.fault ? `fault ${input.fault}${input.reason ? ` (${input.reason})` : ''}` : input.action;

        this.log('harness', [ `t=${this.now()} input ${what}` ]);
        if (input.fault) {
            await this.catchUp();
            const op = {op: 'fault', fault: input.fault};

            if (input.reason !== undefined) {
                op.reason = input.reason;
            }
            await this.post(op);

            return;
        }
        if (MODERATOR_ACTIONS.includes(input.action)) {
            await this.catchUp();
            const op = {op: 'act', action: input.action};

            if (input.text !== undefined) {
                op.text = input.text;
            }
            await this.post(op);

            return;
        }
        try {
            this.appAction(input);
        } catch (e) {
            this.rejected(input.action, e);
        }
    }

    rejected(action, err) {
        const event = action === 'unlock' ? 'lock.rejected' : `${action}.rejected`;

        this.log('harness', [ `${event}: ${err && err.stack || err}` ]);
        this.record(event, [ err ], encode(err));
    }

    // promise attaches the rejection recorder to what an action returned.
    promise(action, p) {
        if (p && typeof p.then === 'function') {
            p.then(undefined, e => this.rejected(action, e));
        }
    }

    needConference(action) {
        if (!this.conference || this.conferenceLeft) {
            throw new Error(`harness: ${action} without a conference (join first)`);
        }

        return this.conference;
    }

    appAction(input) {
        const {plan} = this;

        switch (input.action) {
        case 'join':
            this.join(input.password);
            break;
        case 'leave': {
            const conf = this.needConference('leave');

            this.conferenceLeft = true;
            this.promise('leave', conf.leave());
            break;
        }
        case 'knock':
            this.promise('knock', this.needConference('knock').joinLobby(plan.displayName));
            break;
        case 'login': {
            const conf = this.needConference('login');

            if (typeof conf.authenticateAndUpgradeRole !== 'function') {
                throw new Error('harness: this library has no JitsiConference.authenticateAndUpgradeRole');
            }
            this.promise('login', conf.authenticateAndUpgradeRole({
                id: input.id !== undefined ? input.id : `user@${plan.domain}`,
                password: input.password !== undefined ? input.password : ''
            }));
            break;
        }
        case 'lock':
            this.promise('lock', this.needConference('lock').lock(input.password !== undefined ? input.password : ''));
            break;
        case 'unlock':
            this.promise('unlock', this.needConference('unlock').lock(''));
            break;
        case 'set-display-name':
            this.needConference('set-display-name').setDisplayName(input.text !== undefined ? input.text : '');
            break;
        case 'send-chat':
            this.needConference('send-chat').sendTextMessage(input.text !== undefined ? input.text : '');
            break;
        default:
            throw new Error(`harness: unknown action ${input.action}`);
        }
    }

    join(password) {
        const J = this.JitsiMeetJS;

        if (!this.connection || this.connectionDown) {
            // The first join, or one after the connection failed or was
            // disconnected: a new connection (what jitsi-meet does), then a
            // new conference on it.
            this.pendingPassword = password;
            if (!this.initialised) {
                J.init({});
                this.initialised = true;
            }
            const hosts = {domain: this.plan.domain, muc: this.plan.muc};

            if (this.plan.anonymousDomain !== undefined) {
                hosts.anonymousdomain = this.plan.anonymousDomain;
            }
            // The plan's JitsiConnection options first (deploymentInfo,
            // testing), then what the harness owns.
            const options = {...JSON.parse(JSON.stringify(this.plan.connectionOptions || {})), hosts, serviceUrl: this.ws};

            if (this.plan.conferenceRequestUrl !== undefined) {
                options.conferenceRequestUrl = this.plan.conferenceRequestUrl;
            }
            const connection = new J.JitsiConnection(null, this.plan.token === undefined ? null : this.plan.token, options);
            const conn = J.events.connection;

            this.connection = connection;
            this.connectionDown = false;
            this.established = false;
            this.conference = null;
            this.listenAll(connection, conn);
            connection.addEventListener(conn.CONNECTION_ESTABLISHED, () => {
                if (this.connection !== connection) {
                    return;
                }
                this.established = true;
                if (!this.conference) {
                    try {
                        this.startConference(this.pendingPassword);
                    } catch (e) {
                        this.rejected('join', e);
                    }
                }
            });
            for (const down of [ conn.CONNECTION_FAILED, conn.CONNECTION_DISCONNECTED ]) {
                connection.addEventListener(down, () => {
                    if (this.connection === connection) {
                        this.connectionDown = true;
                    }
                });
            }
            const how = this.plan.connectWithName ? {name: this.plan.room} : {};

            if (this.plan.credentials) {
                // connect({id, password}): an XMPP login.
                Object.assign(how, this.plan.credentials);
            }
            connection.connect(how);

            return;
        }
        if (!this.established) {
            this.pendingPassword = password;

            return;
        }
        if (!this.conference || this.conferenceLeft) {
            this.startConference(password);

            return;
        }
        this.conference.join(password);
    }

    startConference(password) {
        const J = this.JitsiMeetJS;
        // A copy: the library may write into its options.
        const conference = this.connection.initJitsiConference(this.plan.room, JSON.parse(JSON.stringify(this.plan.config)));

        this.conference = conference;
        this.conferenceLeft = false;
        this.listenAll(conference, J.events.conference);
        if (this.plan.displayName !== undefined) {
            conference.setDisplayName(this.plan.displayName);
        }
        conference.join(password);
    }
}

module.exports = {Driver, QuiescenceError};

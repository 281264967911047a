'use strict';

// The plan: what the harness plays against the library and the server side,
// at which virtual time. See README.md ("The plan").

/** Actions the application performs on the library API. */
const APP_ACTIONS = [ 'join', 'leave', 'knock', 'login', 'lock', 'unlock', 'send-chat', 'set-display-name' ];

/** Actions a moderator performs: they go to the server side. */
const MODERATOR_ACTIONS = [ 'approve', 'deny', 'kick', 'destroy' ];

const INPUT_KEYS = new Set([ 't_ms', 'action', 'fault', 'reason', 'password', 'text', 'id', 'cue' ]);

const DEFAULT_ROOM = 'room';

class PlanError extends Error {
    constructor(message) {
        super(message);
        this.name = 'PlanError';
    }
}

const isObject = v => typeof v === 'object' && v !== null && !Array.isArray(v);

function time(v, where) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new PlanError(`${where}: want a non-negative number of milliseconds, got ${JSON.stringify(v)}`);
    }

    return v;
}

function str(v, where, {optional = false, nonEmpty = false} = {}) {
    if (v === undefined && optional) {
        return undefined;
    }
    if (typeof v !== 'string') {
        throw new PlanError(`${where}: want a string, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    }
    if (nonEmpty && v === '') {
        throw new PlanError(`${where}: must not be empty`);
    }

    return v;
}

function parseInput(raw, i) {
    const where = `inputs[${i}]`;

    if (!isObject(raw)) {
        throw new PlanError(`${where}: want an object, got ${JSON.stringify(raw)}`);
    }
    for (const k of Object.keys(raw)) {
        if (!INPUT_KEYS.has(k)) {
            throw new PlanError(`${where}: unknown key ${JSON.stringify(k)} (known: ${[ ...INPUT_KEYS ].join(', ')})`);
        }
    }
    const input = {index: i, t_ms: time(raw.t_ms, `${where}.t_ms`)};

    // The Chromium tier's cue (chromium.js): play the action once the page
    // has recorded `records` events, `wait_ms` after the last of them, and
    // the deployment has played `server` faults and moderators' actions.
    if (raw.cue !== undefined) {
        if (!isObject(raw.cue) || !Number.isInteger(raw.cue.records) || raw.cue.records < 0) {
            throw new PlanError(`${where}.cue: want {"records": a count, "wait_ms": ms}`);
        }
        if (raw.cue.server !== undefined && (!Number.isInteger(raw.cue.server) || raw.cue.server < 0)) {
            throw new PlanError(`${where}.cue.server: want a count`);
        }
        input.cue = {records: raw.cue.records, waitMs: time(raw.cue.wait_ms, `${where}.cue.wait_ms`), server: raw.cue.server || 0};
    }
    const hasAction = raw.action !== undefined;
    const hasFault = raw.fault !== undefined;

    if (hasAction === hasFault) {
        throw new PlanError(`${where}: want exactly one of "action" and "fault"`);
    }
    if (hasFault) {
        input.fault = str(raw.fault, `${where}.fault`, {nonEmpty: true});
        input.reason = str(raw.reason, `${where}.reason`, {optional: true});
        for (const k of [ 'password', 'text', 'id' ]) {
            if (raw[k] !== undefined) {
                throw new PlanError(`${where}: a fault takes no ${k}`);
            }
        }

        return input;
    }
    const action = str(raw.action, `${where}.action`);

    if (!APP_ACTIONS.includes(action) && !MODERATOR_ACTIONS.includes(action)) {
        throw new PlanError(`${where}.action: unknown action ${JSON.stringify(action)} `
            + `(known: ${[ ...APP_ACTIONS, ...MODERATOR_ACTIONS ].join(', ')})`);
    }
    input.action = action;
    input.password = str(raw.password, `${where}.password`, {optional: true});
    input.text = str(raw.text, `${where}.text`, {optional: true});
    input.id = str(raw.id, `${where}.id`, {optional: true});
    if (raw.reason !== undefined) {
        throw new PlanError(`${where}: only a fault takes a reason`);
    }
    if (input.password !== undefined && ![ 'join', 'lock', 'login' ].includes(action)) {
        throw new PlanError(`${where}: ${action} takes no password`);
    }
    if (input.text !== undefined && ![ 'send-chat', 'set-display-name', 'kick', 'destroy', 'deny', 'approve' ].includes(action)) {
        throw new PlanError(`${where}: ${action} takes no text`);
    }
    if (input.id !== undefined && action !== 'login') {
        throw new PlanError(`${where}: only login takes an id`);
    }

    return input;
}

/**
 * parsePlan checks a decoded plan and returns it normalised: inputs sorted by
 * t_ms (stably: inputs at the same time keep the plan's order).
 *
 * @param {*} raw the decoded JSON
 * @returns {object} the plan
 * @throws {PlanError} when the plan is malformed
 */
function parsePlan(raw) {
    if (!isObject(raw)) {
        throw new PlanError('the plan must be a JSON object');
    }
    const domain = str(raw.domain, 'domain', {nonEmpty: true});
    const muc = str(raw.muc, 'muc', {nonEmpty: true});
    const room = raw.room === undefined ? DEFAULT_ROOM : str(raw.room, 'room', {nonEmpty: true});
    let displayName;
    let token;
    let credentials;

    if (raw.client !== undefined) {
        if (!isObject(raw.client)) {
            throw new PlanError('client: want an object');
        }
        displayName = str(raw.client.display_name, 'client.display_name', {optional: true});
        token = str(raw.client.token, 'client.token', {optional: true});
        // connect({id, password}): an XMPP login with credentials.
        const id = str(raw.client.id, 'client.id', {optional: true});
        const password = str(raw.client.password, 'client.password', {optional: true});

        if ((id === undefined) !== (password === undefined)) {
            throw new PlanError('client: want both id and password, or neither');
        }
        if (id !== undefined) {
            credentials = {id, password};
        }
    }
    const anonymousDomain = str(raw.anonymousdomain, 'anonymousdomain', {optional: true});
    // The deployment's conferenceRequestUrl: conference requests over HTTP.
    const conferenceRequestUrl = str(raw.conferenceRequestUrl, 'conferenceRequestUrl', {optional: true});
    // connect({name}): the conference request before the XMPP connection.
    if (raw.connectWithName !== undefined && typeof raw.connectWithName !== 'boolean') {
        throw new PlanError('connectWithName: want a boolean');
    }
    const connectWithName = raw.connectWithName === true;
    let config = {};

    if (raw.config !== undefined) {
        if (!isObject(raw.config)) {
            throw new PlanError('config: want an object (the conference options)');
        }
        config = raw.config;
    }
    let connectionOptions = {};

    if (raw.connection !== undefined) {
        if (!isObject(raw.connection)) {
            throw new PlanError('connection: want an object (JitsiConnection options)');
        }
        connectionOptions = raw.connection;
    }
    if (raw.end_ms === undefined) {
        throw new PlanError('end_ms: missing (the virtual time at which the run stops)');
    }
    const endMs = time(raw.end_ms, 'end_ms');
    // How many events the model recorded: the Chromium tier's end.
    const expectRecords = raw.expect_records === undefined ? undefined : time(raw.expect_records, 'expect_records');

    if (!Array.isArray(raw.inputs)) {
        throw new PlanError(`inputs: want an array, got ${raw.inputs === undefined ? 'nothing' : JSON.stringify(raw.inputs)}`);
    }
    const inputs = raw.inputs.map(parseInput);

    for (const input of inputs) {
        if (input.t_ms > endMs) {
            throw new PlanError(`inputs[${input.index}].t_ms: ${input.t_ms} is after end_ms ${endMs}`);
        }
    }
    inputs.sort((a, b) => a.t_ms - b.t_ms || a.index - b.index);

    return {domain, muc, room, displayName, token, credentials, anonymousDomain, conferenceRequestUrl, connectWithName, config,
        connectionOptions, inputs, endMs, expectRecords};
}

/**
 * parsePlanText decodes and checks a plan file's text.
 *
 * @param {string} text the file's content
 * @returns {object} the plan
 * @throws {PlanError} when it is not JSON or not a plan
 */
function parsePlanText(text) {
    let raw;

    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new PlanError(`not JSON: ${e.message}`);
    }

    return parsePlan(raw);
}

module.exports = {parsePlan, parsePlanText, PlanError, APP_ACTIONS, MODERATOR_ACTIONS, DEFAULT_ROOM};

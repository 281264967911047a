'use strict';

// Encodes the arguments of a lib-jitsi-meet event as JSON values. The bundle
// is minified (constructor names are mangled) and runs in jsdom's realm, so
// classes are recognised by duck typing and errors by their brand, never by
// name or instanceof. The rules are in README.md ("The argument encoding").

const MAX_DEPTH = 8;

const isFn = f => typeof f === 'function';

function isConference(v) {
    return isFn(v.getParticipants) && isFn(v.join);
}

function isParticipant(v) {
    return isFn(v.getId) && isFn(v.getRole);
}

function isJingleSession(v) {
    return typeof v.isP2P === 'boolean' && 'sid' in v;
}

function isTrack(v) {
    return isFn(v.getType) && isFn(v.isLocal) && isFn(v.getTrack);
}

function isError(v) {
    // The [[ErrorData]] brand: true for every realm's Error and its
    // subclasses (JitsiTrackError, DOMException's prototype chain aside).
    return Object.prototype.toString.call(v) === '[object Error]';
}

function isNode(v) {
    return typeof v.nodeType === 'number' && typeof v.nodeName === 'string';
}

function call(v, method) {
    try {
        return encode(v[method]());
    } catch (e) {
        return {$type: 'Error', message: String(e && e.message)};
    }
}

/**
 * encode turns one value into its JSON form.
 *
 * @param {*} v the value
 * @returns {*} a JSON-serialisable value
 */
function encode(v) {
    return enc(v, new Set(), 0);
}

function enc(v, seen, depth) {
    switch (typeof v) {
    case 'undefined':
        return {$undefined: true};
    case 'string':
    case 'boolean':
        return v;
    case 'number':
        return Number.isFinite(v) ? v : {$number: String(v)};
    case 'bigint':
        return {$bigint: String(v)};
    case 'symbol':
        return {$type: 'Symbol', description: v.description === undefined ? null : v.description};
    case 'function':
        return {$type: 'Function'};
    }
    if (v === null) {
        return null;
    }

    // Objects. The known library classes first: they are cyclic and large.
    if (isConference(v)) {
        return {$type: 'JitsiConference'};
    }
    if (isParticipant(v)) {
        return {$type: 'JitsiParticipant', id: call(v, 'getId'), role: call(v, 'getRole')};
    }
    if (isJingleSession(v)) {
        return {$type: 'JingleSessionPC', isP2P: v.isP2P};
    }
    if (isTrack(v)) {
        return {$type: 'JitsiTrack', type: call(v, 'getType'), isLocal: call(v, 'isLocal')};
    }
    if (Object.prototype.toString.call(v) === '[object DOMException]') {
        // What a browser's RTCPeerConnection rejects with (Chromium tier).
        return {$type: 'DOMException', name: String(v.name), message: String(v.message)};
    }
    if (isError(v)) {
        return {$type: 'Error', message: typeof v.message === 'string' ? v.message : enc(v.message, seen, depth + 1)};
    }
    if (isNode(v)) {
        let xml = null;

        if (typeof v.outerHTML === 'string') {
            xml = v.outerHTML;
        } else if (typeof v.textContent === 'string') {
            xml = v.textContent;
        }

        return {$type: 'Node', name: v.nodeName, xml};
    }
    if (seen.has(v)) {
        return {$type: 'Circular'};
    }
    if (depth >= MAX_DEPTH) {
        return {$type: 'Truncated'};
    }
    seen.add(v);
    try {
        const tag = Object.prototype.toString.call(v);

        if (Array.isArray(v)) {
            return Array.from(v, x => enc(x, seen, depth + 1));
        }
        if (tag === '[object Date]') {
            const ms = v.getTime();

            return {$type: 'Date', ms: Number.isFinite(ms) ? ms : null};
        }
        if (tag === '[object Map]') {
            return {$type: 'Map', entries: Array.from(v, ([k, x]) => [ enc(k, seen, depth + 1), enc(x, seen, depth + 1) ])};
        }
        if (tag === '[object Set]') {
            return {$type: 'Set', values: Array.from(v, x => enc(x, seen, depth + 1))};
        }
        if (tag === '[object Promise]') {
            return {$type: 'Promise'};
        }

        // Plain JSON: own enumerable string keys in insertion order (the
        // order Object.keys gives, as JSON.stringify does).
        const out = {};

        for (const k of Object.keys(v)) {
            let x;

            try {
                x = v[k];
            } catch (e) {
                x = e;
            }
            out[k] = enc(x, seen, depth + 1);
        }

        return out;
    } finally {
        seen.delete(v);
    }
}

/**
 * encodeArgs encodes a list of positional arguments.
 *
 * @param {Array} args the arguments
 * @returns {Array} their JSON forms
 */
function encodeArgs(args) {
    return Array.from(args, a => encode(a));
}

module.exports = {encode, encodeArgs};

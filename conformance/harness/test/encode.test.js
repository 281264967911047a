'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const vm = require('node:vm');

const {encode, encodeArgs} = require('../lib/encode');

// Minified classes: only their methods and fields say what they are.
function participant(id, role) {
    return {_id: id, _role: role, getId() {
        return this._id;
    }, getRole() {
        return this._role;
    }, getDisplayName: () => 'Bob'};
}

test('undefined and null stay apart', () => {
    assert.deepEqual(encode(undefined), {$undefined: true});
    assert.equal(encode(null), null);
    assert.deepEqual(encodeArgs([ 'conference.connectionError.membersOnly', undefined, false ]),
        [ 'conference.connectionError.membersOnly', {$undefined: true}, false ]);
    assert.deepEqual(encodeArgs([ false, null ]), [ false, null ]);
    assert.deepEqual(encodeArgs([]), []);
});

test('primitives are plain JSON; non-finite numbers are marked', () => {
    assert.equal(encode('x'), 'x');
    assert.equal(encode(0), 0);
    assert.equal(encode(-1.5), -1.5);
    assert.equal(encode(true), true);
    assert.deepEqual(encode(NaN), {$number: 'NaN'});
    assert.deepEqual(encode(Infinity), {$number: 'Infinity'});
    assert.deepEqual(encode(10n), {$bigint: '10'});
    assert.deepEqual(encode(() => 1), {$type: 'Function'});
});

test('a participant becomes a placeholder with its id and role', () => {
    assert.deepEqual(encode(participant('abcd1234', 'moderator')), {$type: 'JitsiParticipant', id: 'abcd1234', role: 'moderator'});
    assert.deepEqual(encodeArgs([ 'abcd1234', participant('abcd1234', 'none') ]),
        [ 'abcd1234', {$type: 'JitsiParticipant', id: 'abcd1234', role: 'none'} ]);
    // A participant whose role is not known yet.
    assert.deepEqual(encode(participant('p2', undefined)), {$type: 'JitsiParticipant', id: 'p2', role: {$undefined: true}});
});

test('the conference, a Jingle session and a track become placeholders', () => {
    const conference = {getParticipants: () => [], join() {}, getRole: () => 'moderator', getId: () => 'x', room: {}};

    assert.deepEqual(encode(conference), {$type: 'JitsiConference'});
    const session = {sid: 'abc', isP2P: false, peerconnection: {}};

    session.self = session;
    assert.deepEqual(encode(session), {$type: 'JingleSessionPC', isP2P: false});
    assert.deepEqual(encode({sid: 's', isP2P: true}), {$type: 'JingleSessionPC', isP2P: true});
    const track = {getType: () => 'audio', isLocal: () => false, getTrack: () => ({})};

    assert.deepEqual(encode(track), {$type: 'JitsiTrack', type: 'audio', isLocal: false});
});

test('errors, from any realm, become their message', () => {
    assert.deepEqual(encode(new Error('You are not moderator.')), {$type: 'Error', message: 'You are not moderator.'});
    assert.deepEqual(encode(new TypeError('t')), {$type: 'Error', message: 't'});
    const foreign = vm.runInNewContext('new Error("from the page")');

    assert.ok(!(foreign instanceof Error));
    assert.deepEqual(encode(foreign), {$type: 'Error', message: 'from the page'});

    class Minified extends Error {}
    assert.deepEqual(encode(new Minified('m')), {$type: 'Error', message: 'm'});
});

test('nested objects keep insertion order and the same rules inside', () => {
    const v = {z: 1, a: undefined, m: null, p: participant('p1', 'participant'), list: [ undefined, null, {k: 'v'} ], f() {}};
    const got = encode(v);

    assert.deepEqual(Object.keys(got), [ 'z', 'a', 'm', 'p', 'list', 'f' ]);
    assert.deepEqual(got, {
        z: 1,
        a: {$undefined: true},
        m: null,
        p: {$type: 'JitsiParticipant', id: 'p1', role: 'participant'},
        list: [ {$undefined: true}, null, {k: 'v'} ],
        f: {$type: 'Function'}
    });
    assert.equal(JSON.stringify(encode({'support-terminate-restart': 'true'})), '{"support-terminate-restart":"true"}');
});

test('objects from the page realm are plain JSON too', () => {
    const o = vm.runInNewContext('({b: [1, undefined], a: {c: null}})');

    assert.deepEqual(encode(o), {b: [ 1, {$undefined: true} ], a: {c: null}});
});

test('cycles and depth are bounded; shared references are repeated', () => {
    const a = {name: 'a'};

    a.self = a;
    assert.deepEqual(encode(a), {name: 'a', self: {$type: 'Circular'}});
    const shared = {x: 1};

    assert.deepEqual(encode([ shared, shared ]), [ {x: 1}, {x: 1} ]);
    let deep = {};
    const root = deep;

    for (let i = 0; i < 20; i++) {
        deep.next = {};
        deep = deep.next;
    }
    assert.ok(JSON.stringify(encode(root)).includes('"$type":"Truncated"'));
});

test('maps, sets, dates and DOM-like nodes', () => {
    assert.deepEqual(encode(new Map([ [ 'k', undefined ] ])), {$type: 'Map', entries: [ [ 'k', {$undefined: true} ] ]});
    assert.deepEqual(encode(new Set([ 1 ])), {$type: 'Set', values: [ 1 ]});
    assert.deepEqual(encode(new Date(5)), {$type: 'Date', ms: 5});
    assert.deepEqual(encode({nodeType: 1, nodeName: 'error', outerHTML: '<error/>'}), {$type: 'Node', name: 'error', xml: '<error/>'});
});

test('a getter that throws does not break the record', () => {
    const o = {};

    Object.defineProperty(o, 'bad', {enumerable: true, get() {
        throw new Error('boom');
    }});
    assert.deepEqual(encode(o), {bad: {$type: 'Error', message: 'boom'}});
    const p = {getId() {
        throw new Error('gone');
    }, getRole: () => 'none'};

    assert.deepEqual(encode(p), {$type: 'JitsiParticipant', id: {$type: 'Error', message: 'gone'}, role: 'none'});
});

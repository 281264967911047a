'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const {parsePlan, parsePlanText, PlanError, DEFAULT_ROOM} = require('../lib/plan');

const base = () => ({domain: 'meet.example', muc: 'conference.meet.example', inputs: [], end_ms: 1000});

test('a full plan parses', () => {
    const plan = parsePlan({
        domain: 'meet.example',
        muc: 'conference.meet.example',
        room: 'room1',
        client: {display_name: 'Alice'},
        inputs: [
            {t_ms: 0, fault: 'no-password-given'},
            {t_ms: 0, action: 'join'},
            {t_ms: 500, action: 'join', password: 's3cret'},
            {t_ms: 600, fault: 'authorization-failure', reason: 'general'},
            {t_ms: 700, action: 'send-chat', text: 'hi'},
            {t_ms: 800, action: 'kick', text: 'bye'},
            {t_ms: 900, action: 'login', id: 'user@meet.example', password: 'pw'}
        ],
        end_ms: 1000
    });

    assert.equal(plan.room, 'room1');
    assert.equal(plan.displayName, 'Alice');
    assert.equal(plan.endMs, 1000);
    assert.deepEqual(plan.inputs.map(i => i.action || i.fault),
        [ 'no-password-given', 'join', 'join', 'authorization-failure', 'send-chat', 'kick', 'login' ]);
    assert.equal(plan.inputs[2].password, 's3cret');
    assert.equal(plan.inputs[1].password, undefined);
    assert.equal(plan.inputs[3].reason, 'general');
    assert.equal(plan.inputs[4].text, 'hi');
    assert.deepEqual(plan.config, {});
    assert.equal(plan.token, undefined);
});

test('the connection and conference options: token, anonymous domain, config', () => {
    const plan = parsePlan({...base(), client: {display_name: 'A', token: 'jwt'}, anonymousdomain: 'guest.meet.example',
        config: {p2p: {enabled: false}, enableIceRestart: true},
        inputs: [ {t_ms: 0, action: 'set-display-name', text: 'Alice'} ]});

    assert.equal(plan.token, 'jwt');
    assert.equal(plan.anonymousDomain, 'guest.meet.example');
    assert.deepEqual(plan.config, {p2p: {enabled: false}, enableIceRestart: true});
    assert.equal(plan.inputs[0].text, 'Alice');
    assert.throws(() => parsePlan({...base(), config: []}), /config: want an object/);
    assert.throws(() => parsePlan({...base(), client: {token: 5}}), /client.token: want a string/);
});

test('defaults: room, no display name, no inputs', () => {
    const plan = parsePlan(base());

    assert.equal(plan.room, DEFAULT_ROOM);
    assert.equal(plan.displayName, undefined);
    assert.deepEqual(plan.inputs, []);
});

test('inputs are sorted by time, stably', () => {
    const raw = base();

    raw.inputs = [
        {t_ms: 300, action: 'leave'},
        {t_ms: 0, fault: 'a'},
        {t_ms: 0, action: 'join'},
        {t_ms: 0, fault: 'b'}
    ];
    assert.deepEqual(parsePlan(raw).inputs.map(i => i.action || i.fault), [ 'a', 'join', 'b', 'leave' ]);
});

test('every action the model knows is accepted', () => {
    for (const action of [ 'join', 'leave', 'knock', 'login', 'lock', 'unlock', 'send-chat', 'set-display-name', 'approve', 'deny', 'kick', 'destroy' ]) {
        const raw = base();

        raw.inputs = [ {t_ms: 1, action} ];
        assert.equal(parsePlan(raw).inputs[0].action, action);
    }
});

const bad = [
    [ 'not an object', [], /JSON object/ ],
    [ 'no domain', {...base(), domain: undefined}, /domain: want a string/ ],
    [ 'empty muc', {...base(), muc: ''}, /muc: must not be empty/ ],
    [ 'no end_ms', {...base(), end_ms: undefined}, /end_ms: missing/ ],
    [ 'negative end_ms', {...base(), end_ms: -1}, /end_ms: want a non-negative number/ ],
    [ 'inputs not a list', {...base(), inputs: {}}, /inputs: want an array/ ],
    [ 'client not an object', {...base(), client: 'Alice'}, /client: want an object/ ],
    [ 'display name not a string', {...base(), client: {display_name: 1}}, /client.display_name: want a string/ ],
    [ 'no t_ms', {...base(), inputs: [ {action: 'join'} ]}, /inputs\[0\].t_ms/ ],
    [ 't_ms a string', {...base(), inputs: [ {t_ms: '5', action: 'join'} ]}, /inputs\[0\].t_ms/ ],
    [ 'after end_ms', {...base(), inputs: [ {t_ms: 1001, action: 'join'} ]}, /1001 is after end_ms 1000/ ],
    [ 'action and fault', {...base(), inputs: [ {t_ms: 0, action: 'join', fault: 'x'} ]}, /exactly one of/ ],
    [ 'neither', {...base(), inputs: [ {t_ms: 0} ]}, /exactly one of/ ],
    [ 'unknown action', {...base(), inputs: [ {t_ms: 0, action: 'dance'} ]}, /unknown action "dance"/ ],
    [ 'unknown key', {...base(), inputs: [ {t_ms: 0, action: 'join', pasword: 'x'} ]}, /unknown key "pasword"/ ],
    [ 'password on leave', {...base(), inputs: [ {t_ms: 0, action: 'leave', password: 'x'} ]}, /leave takes no password/ ],
    [ 'text on join', {...base(), inputs: [ {t_ms: 0, action: 'join', text: 'x'} ]}, /join takes no text/ ],
    [ 'reason on an action', {...base(), inputs: [ {t_ms: 0, action: 'join', reason: 'x'} ]}, /only a fault takes a reason/ ],
    [ 'password on a fault', {...base(), inputs: [ {t_ms: 0, fault: 'x', password: 'p'} ]}, /a fault takes no password/ ],
    [ 'empty fault', {...base(), inputs: [ {t_ms: 0, fault: ''} ]}, /fault: must not be empty/ ]
];

for (const [ name, raw, re ] of bad) {
    test(`refused: ${name}`, () => {
        assert.throws(() => parsePlan(raw), err => err instanceof PlanError && re.test(err.message));
    });
}

test('text that is not JSON is refused', () => {
    assert.throws(() => parsePlanText('{"domain":'), err => err instanceof PlanError && /not JSON/.test(err.message));
    assert.equal(parsePlanText(JSON.stringify(base())).domain, 'meet.example');
});

test('credentials and connection options', () => {
    const plan = parsePlan({...base(), client: {id: 'alice@meet.example', password: 'secret'},
        connection: {deploymentInfo: {shard: 'shard-a'}}});

    assert.deepEqual(plan.credentials, {id: 'alice@meet.example', password: 'secret'});
    assert.deepEqual(plan.connectionOptions, {deploymentInfo: {shard: 'shard-a'}});
    assert.equal(parsePlan(base()).credentials, undefined);
    assert.deepEqual(parsePlan(base()).connectionOptions, {});
    assert.throws(() => parsePlan({...base(), client: {id: 'alice@meet.example'}}), PlanError);
    assert.throws(() => parsePlan({...base(), connection: 'x'}), PlanError);
});

test('the Chromium tier\'s cues parse, and bad ones are refused', () => {
    const plan = parsePlan({...base(), expect_records: 12, inputs: [
        {t_ms: 0, fault: 'chat-message-invalid'},
        {t_ms: 400, action: 'send-chat', text: 'hi', cue: {records: 11, wait_ms: 40, server: 1}},
        {t_ms: 500, action: 'leave', cue: {records: 12, wait_ms: 0}}
    ]});

    assert.equal(plan.expectRecords, 12);
    assert.deepEqual(plan.inputs[1].cue, {records: 11, waitMs: 40, server: 1});
    assert.deepEqual(plan.inputs[2].cue, {records: 12, waitMs: 0, server: 0});
    for (const cue of [ {records: -1, wait_ms: 0}, {records: 1}, {records: 1, wait_ms: 0, server: 1.5}, 'soon' ]) {
        assert.throws(() => parsePlan({...base(), inputs: [ {t_ms: 0, action: 'join', cue} ]}), PlanError, JSON.stringify(cue));
    }
});

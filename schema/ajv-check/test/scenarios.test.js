'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { compile, scenarioFiles, check, root } = require('../check.js');

const { validate, warnings } = compile();

test('the schema compiles in ajv default (strict) mode without a warning', () => {
    assert.deepStrictEqual(warnings, []);
});

test('every bundled scenario is valid', () => {
    const files = scenarioFiles(path.join(root, 'scenarios'));
    assert.ok(files.length > 10, `only ${files.length} scenario files`);
    for (const f of files) {
        assert.deepStrictEqual(check(validate, fs.readFileSync(f, 'utf8')), [], path.relative(root, f));
    }
});

test('the parser test files that are good are valid', () => {
    const files = scenarioFiles(path.join(root, 'internal', 'scenario', 'testdata', 'good'));
    assert.ok(files.length > 0);
    for (const f of files) {
        assert.deepStrictEqual(check(validate, fs.readFileSync(f, 'utf8')), [], path.relative(root, f));
    }
});

// A wrong value or key gives one message that names it, not one per kind
// of step.
const bad = [
    ['a misspelt action', 'description: x\nsteps:\n  - action: jion\n', '/steps/0/action: must be equal to one of the allowed values'],
    ['an unknown cause', 'description: x\nsteps:\n  - fault: turn-unavailabel\n', '/steps/0/fault: must be equal to one of the allowed values'],
    ['an error where a cause is wanted', 'description: x\nsteps:\n  - fault: ICE_FAILED\n', '/steps/0/fault: must be equal to one of the allowed values'],
    ['a misspelt key', 'description: x\nsteps:\n  - action: join\n    pasword: x\n', '/steps/0: must NOT have additional properties'],
    ['wait for advance', 'description: x\nsteps:\n  - wait: 100\n', '/steps/0: must NOT have additional properties'],
    ['two kinds in a step', 'description: x\nsteps:\n  - action: join\n    fault: turn-unavailable\n', '/steps/0: must NOT have additional properties'],
    ['a password on knock', 'description: x\nsteps:\n  - action: knock\n    password: x\n', '/steps/0/action: must be equal to one of the allowed values'],
    ['a reason alone', 'description: x\nsteps:\n  - reason: general\n', "/steps/0: must have required property 'fault'"],
    ['a reason on another fault', 'description: x\nsteps:\n  - fault: turn-unavailable\n    reason: general\n', '/steps/0/fault: must be equal to one of the allowed values'],
    ['a wrong error value', 'description: x\nsteps:\n  - expect: {error: conference.passwordRequird}\n', '/steps/0/expect/error: must be equal to one of the allowed values'],
    ['within alone', 'description: x\nsteps:\n  - expect: {within: 5}\n', "/steps/0/expect: must have required property 'event'"],
    ['a wrong advance', 'description: x\nsteps:\n  - advance: soon\n', '/steps/0/advance: must be integer'],
];
for (const [name, src, want] of bad) {
    test(`one clear message: ${name}`, () => {
        assert.deepStrictEqual(check(validate, src), [want]);
    });
}

test('error takes the constant name too', () => {
    assert.deepStrictEqual(check(validate, 'description: x\nsteps:\n  - expect: {error: PASSWORD_REQUIRED}\n'), []);
});

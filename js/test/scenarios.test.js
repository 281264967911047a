// runScenario over every bundled scenario: the same records and verdict as the CLI's own runner
// (package scenario, run inside the same WebAssembly build), and the CLI's file:line:col messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario, runScenarioNative, ScenarioSyntaxError } from '../dist/index.js';
import { startConference } from '../examples/conference-handler.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
function walk(dir) {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name))
        : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [])).sort();
}
const files = walk(join(repo, 'scenarios'));
const key = (r) => JSON.stringify([r.t_ms, r.event, r.error, r.params, r.args, r.phase, r.state]);

test('there are bundled scenarios', () => assert.ok(files.length >= 50, `${files.length} files`));

for (const file of files) {
    const name = relative(repo, file);
    test(`runScenario ${name}: passes, with the CLI runner's records`, async () => {
        const text = readFileSync(file, 'utf8');
        const rep = await runScenario(text, {}, { filename: name });
        const nat = runScenarioNative(text, { filename: name });
        assert.equal(rep.pass, true, rep.reason);
        assert.equal(nat.pass, true, nat.reason);
        assert.deepEqual(rep.records.map(key), nat.records.map(key));
        assert.equal(rep.endMs, nat.end_ms);
        assert.ok(rep.expectations.every((e) => e.pass));
        rep.simulation.dispose();
    });
}

test('runScenario with the app\'s own handlers: it re-joins with the password itself', async () => {
    const name = 'scenarios/happy/password-then-join.yaml';
    const text = readFileSync(join(repo, name), 'utf8');
    const rep = await runScenario(text, (sim) => ({
        join: () => { startConference(sim.JitsiMeetJS, { askPassword: () => 's3cret' }); },
    }), { filename: name });
    assert.equal(rep.pass, true, rep.reason);
    const joins = rep.steps.filter((s) => s.step.startsWith('action join'));
    assert.deepEqual(joins.map((s) => s.by), ['hook', 'app']);
});

test('runScenario reports an expectation the app breaks, as the CLI words it', async () => {
    const name = 'scenarios/happy/password-then-join.yaml';
    const text = readFileSync(join(repo, name), 'utf8');
    // This app leaves on PASSWORD_REQUIRED instead of asking.
    const rep = await runScenario(text, (sim) => ({
        join: () => {
            const app = startConference(sim.JitsiMeetJS, { dialog: () => app.conference.leave() });
        },
    }), { filename: name });
    assert.equal(rep.pass, false);
    assert.match(rep.reason, /^scenarios\/happy\/password-then-join\.yaml:\d+:\d+: expect_quiet: want no further records, got 1 after the last match:\n {4}\d+ms conference\.beforeStatisticsDisposed \[password-required\]$/);
    assert.equal(rep.expectations.find((e) => !e.pass).step, 'expect_quiet');
});

test('bad YAML: the CLI\'s file:line:col messages', async () => {
    const text = 'steps:\n  - action: jion\n';
    await assert.rejects(runScenario(text, {}, { filename: 'bad.yaml' }), (e) => {
        assert.ok(e instanceof ScenarioSyntaxError);
        assert.deepEqual(e.problems, [
            'bad.yaml:1:1: missing description: say what the scenario shows',
            'bad.yaml:2:13: unknown action "jion" (did you mean "join"?)',
        ]);
        return true;
    });
});

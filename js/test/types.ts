// Type check of the published declarations (npm test runs tsc on this file; it is not run).
import {
    createSimulation, runScenario, replay, parseScenario, catalog,
    type Simulation, type ScenarioReport, type TraceRecord, type ScenarioApp, type FakeParticipant,
    type SimulationConfig, ScenarioSyntaxError,
} from '../dist/index.js';

const cfg: SimulationConfig = { room: { occupants: 1, lobby: true }, deployment: { p2p: true }, client: { display_name: 'A' }, profile: 'lib-jitsi-meet', seed: 7 };
const sim: Simulation = createSimulation(cfg);
const J = sim.JitsiMeetJS;
const conn = new J.JitsiConnection(null, null, {});
conn.addEventListener(J.events.connection.CONNECTION_ESTABLISHED, (id: string) => {
    const conf = conn.initJitsiConference('room', {});
    conf.on(J.events.conference.USER_JOINED, (_id: string, p: FakeParticipant) => p.getRole());
    conf.join(id);
});
conn.connect();
sim.inject('turn-unavailable', { reason: undefined });
sim.moderator.kick('bye');
const recs: TraceRecord[] = sim.records();
const firstEvent: string | undefined = recs[0]?.event;
const uninstall: () => void = sim.useFakeTimers({ now: 0, setTimeout: () => 1, clearTimeout: () => undefined });
uninstall();
const app: ScenarioApp = { join: ({ password }) => { void password; } };
const report: Promise<ScenarioReport> = runScenario('steps: []', app, { filename: 'x.yaml' });
const r = replay('{"header":{}}');
const evs: string[] = catalog.events;
const sc = parseScenario('steps: []');
const e: ScenarioSyntaxError = new ScenarioSyntaxError('x.yaml:1:1: bad');
void [firstEvent, report, r.JitsiMeetJS, evs, sc.steps.length, e.problems, sim.advance(1), sim.settle()];

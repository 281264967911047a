// A browser application's entry, bundled by test/browser.test.js with esbuild (platform
// browser, ESM) and run in a jsdom window with no Node globals. It imports the package by its
// name, as an application does, and plays a locked room closed-loop: PASSWORD_REQUIRED, its
// handler re-joins with the password, CONFERENCE_JOINED reaches the page's listener.
import { createSimulation } from '@jitsi-sim/confsim';

async function play() {
    const seen = [];
    const sim = createSimulation({ room: { occupants: 1, password: 's3cret' }, client: { display_name: 'Alice' } });
    const J = sim.JitsiMeetJS;
    J.init({});
    const connection = new J.JitsiConnection(null, null, {});
    let conference;
    connection.addEventListener(J.events.connection.CONNECTION_ESTABLISHED, () => {
        seen.push('CONNECTION_ESTABLISHED');
        conference = connection.initJitsiConference('room', {});
        conference.on(J.events.conference.CONFERENCE_FAILED, (error) => {
            seen.push(`CONFERENCE_FAILED ${error}`);
            if (error === J.errors.conference.PASSWORD_REQUIRED) {
                conference.join('s3cret');
            }
        });
        conference.on(J.events.conference.CONFERENCE_JOINED, () => {
            seen.push('CONFERENCE_JOINED');
            document.body.dataset.conference = 'joined';
        });
        conference.join();
    });
    connection.connect();
    await sim.settle();
    return {
        seen,
        joined: conference.isJoined(),
        state: sim.state(),
        passwordJoins: sim.calls.filter((c) => c.call === 'conference.join()' && c.input?.password === 's3cret').length,
        body: document.body.dataset.conference ?? null,
    };
}

// The harness awaits this; a browser page would just run it.
globalThis.confsimBrowserRun = play();

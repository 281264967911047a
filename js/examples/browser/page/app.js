// The example app in a real page: the same conference handling as ../../conference-handler.js,
// on the real lib-jitsi-meet. The test starts it with the deployment's connection options and
// reads what the user would have seen.
import { startConference } from './conference-handler.js';

const status = document.getElementById('status');

window.startApp = (opts) => {
    const J = window.JitsiMeetJS;
    J.init({});
    J.setLogLevel(J.logLevels.ERROR);
    const dialogs = [];
    // Every conference event with its time, for the test's measurements.
    const events = [];
    const init = J.JitsiConnection.prototype.initJitsiConference;
    J.JitsiConnection.prototype.initJitsiConference = function (...a) {
        const conference = init.apply(this, a);
        for (const name of Object.values(J.events.conference)) {
            conference.on(name, (...args) => events.push({ t: Math.round(performance.now()), name, arg: typeof args[0] === 'string' ? args[0] : undefined }));
        }
        return conference;
    };
    const app = startConference(J, {
        ...opts,
        askPassword: opts.password ? async () => opts.password : undefined,
        dialog: (key, detail) => {
            dialogs.push({ key, detail: detail === undefined ? null : JSON.parse(JSON.stringify(detail)) });
            status.textContent = key;
        },
    });
    window.appState = () => ({ joined: app.joined, left: app.left, errors: [...app.errors], dialogs, events });
};
status.textContent = 'ready';

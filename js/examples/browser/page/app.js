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
    const app = startConference(J, {
        ...opts,
        askPassword: opts.password ? async () => opts.password : undefined,
        dialog: (key, detail) => {
            dialogs.push({ key, detail: detail === undefined ? null : JSON.parse(JSON.stringify(detail)) });
            status.textContent = key;
        },
    });
    window.appState = () => ({ joined: app.joined, left: app.left, errors: [...app.errors], dialogs });
};
status.textContent = 'ready';

// An application's conference handling in the style of jitsi-meet's conference-failed middleware:
// it connects, joins, and reacts to the errors lib-jitsi-meet hands it: asks for the password and
// re-joins with it, knocks on the lobby, shows the dialogs, retries once as a visitor on a full
// room that supports visitors, and leaves on a fatal error. It only uses the JitsiMeetJS it is
// given: the real library in the app, the fake of @jitsi-sim/confsim in its tests.

/**
 * @param {any} JitsiMeetJS
 * @param {{
 *   room?: string,
 *   displayName?: string,
 *   askPassword?: () => string | undefined | Promise<string | undefined>,
 *   dialog?: (key: string, detail?: unknown) => void,
 *   visitorRetryMs?: number,
 *   connectionOptions?: object,
 *   conferenceOptions?: object,
 * }} opts
 */
export function startConference(JitsiMeetJS, opts = {}) {
    const { events, errors } = JitsiMeetJS;
    const E = errors.conference;
    const FATAL = [E.FOCUS_DISCONNECTED, E.FOCUS_LEFT, E.ICE_FAILED, E.OFFER_ANSWER_FAILED, E.VIDEOBRIDGE_NOT_AVAILABLE];
    const dialog = opts.dialog ?? (() => undefined);
    const app = { conference: undefined, connection: undefined, joined: false, left: false, visitorRetried: false, errors: [] };

    // connectionOptions: {serviceUrl, hosts} for the real library (a fake deployment's
    // connectionOptions, say); the fake JitsiMeetJS needs none.
    const connection = new JitsiMeetJS.JitsiConnection(null, null, opts.connectionOptions ?? {});
    app.connection = connection;
    connection.addEventListener(events.connection.CONNECTION_FAILED, (err) => {
        app.errors.push(err);
        dialog('connection.failed', err);
    });
    connection.addEventListener(events.connection.CONNECTION_ESTABLISHED, () => {
        // It comes again after a resumed XMPP stream: the conference goes on (jitsi-meet, too,
        // handles only the first).
        if (app.conference) {
            return;
        }
        const conference = connection.initJitsiConference(opts.room ?? 'room', opts.conferenceOptions ?? {});
        app.conference = conference;
        conference.on(events.conference.CONFERENCE_JOINED, () => { app.joined = true; });
        conference.on(events.conference.CONFERENCE_LEFT, () => { app.joined = false; app.left = true; });
        conference.on(events.conference.KICKED, (actor, reason) => {
            app.joined = false;
            dialog('kicked', { by: actor?.getId(), reason });
        });
        conference.on(events.conference.CONFERENCE_FAILED, async (err, ...params) => {
            app.errors.push(err);
            if (err === E.PASSWORD_REQUIRED) {
                const password = await opts.askPassword?.();
                if (password) {
                    conference.join(password);
                } else {
                    dialog('password.required');
                }
            } else if (err === E.MEMBERS_ONLY_ERROR) {
                conference.joinLobby(opts.displayName);
            } else if (err === E.CONFERENCE_ACCESS_DENIED) {
                dialog('lobby.joinRejected');
            } else if (err === E.CONFERENCE_MAX_USERS) {
                if (params[0]?.visitorsSupported === 'true' && !app.visitorRetried) {
                    app.visitorRetried = true;
                    setTimeout(() => conference.join(), opts.visitorRetryMs ?? 1000);
                } else {
                    dialog('maxUsersLimitReached');
                }
            } else if (FATAL.includes(err)) {
                dialog('reload', err);
                conference.leave();
            } else {
                dialog('conference.failed', err);
            }
        });
        conference.join();
    });
    connection.connect();
    return app;
}

'use strict';

// jQuery for the bundles that need it. Older lib-jitsi-meet builds (2021 and
// before, e.g. @lyno/lib-jitsi-meet 2.6726.2) declare jquery as a webpack
// external: their UMD header reads it as require("jquery"), define(["jquery"])
// or, in a page, the global `jquery` (`e.JitsiMeetJS=t(e.jquery)`); their
// code also uses `$` as a global (moderator.js: `/* global $ */`). Newer
// builds have no jQuery. The header says which: no guessing from the body.

const fs = require('fs');

// How much of the bundle's start is searched for the UMD header (it follows
// one license comment).
const HEADER_CHARS = 4096;

/**
 * needsJQuery tells from a bundle's UMD header whether it takes jquery as an
 * external.
 *
 * @param {string} bundle the bundle's text
 * @returns {boolean}
 */
function needsJQuery(bundle) {
    const head = bundle.slice(0, HEADER_CHARS);

    return /require\(\s*["']jquery["']\s*\)/.test(head)
        || /define\(\s*\[[^\]]*["']jquery["']/.test(head)
        || /\.jquery\s*\)/.test(head);
}

/**
 * jqueryPath is the jQuery file to load: the given one, or the harness's own
 * (the devDependency pinned in package.json).
 *
 * @param {string} [given] a path from --jquery
 * @returns {string}
 * @throws {Error} when neither exists
 */
function jqueryPath(given) {
    if (given) {
        if (!fs.existsSync(given)) {
            throw new Error(`--jquery ${given}: no such file`);
        }

        return given;
    }
    try {
        return require.resolve('jquery/dist/jquery.js');
    } catch (e) {
        throw new Error('this bundle needs jquery and the harness has none: run npm ci in conformance/harness, or pass --jquery FILE');
    }
}

/**
 * installJQuery evaluates jQuery in the window and sets the globals the
 * bundles read: `$` and `jQuery` (jQuery's own) and `jquery` (the UMD
 * external's name). jQuery's ready timer (a 0 ms setTimeout when the
 * document is already complete) is fired at once, so that the fake clock
 * starts the run with no timer of the harness's.
 *
 * @param {Window} w the jsdom window, fake timers installed
 * @param {object} clock the fake clock
 * @param {string} file the jQuery file
 * @returns {string} jQuery's version
 */
function installJQuery(w, clock, file) {
    const before = clock.countTimers();

    w.eval(fs.readFileSync(file, 'utf8'));
    if (typeof w.jQuery !== 'function' || typeof w.jQuery.fn !== 'object') {
        throw new Error(`${file} did not define window.jQuery`);
    }
    w.$ = w.jQuery;
    w.jquery = w.jQuery;
    if (clock.countTimers() > before) {
        clock.tick(0);
    }

    return w.jQuery.fn.jquery;
}

/**
 * stubPeerConnection gives an older bundle the global it reads when
 * JitsiMeetJS.init() runs (2021: RTCUtils.init stores RTCPeerConnection as
 * its RTCPeerConnectionType, a ReferenceError without one). Constructing it
 * throws the ReferenceError that the current library meets at its first
 * `new RTCPeerConnection`: the signalling tier still has no media.
 *
 * @param {Window} w the jsdom window
 */
function stubPeerConnection(w) {
    if (typeof w.RTCPeerConnection !== 'undefined') {
        return;
    }
    w.eval(`window.RTCPeerConnection = function RTCPeerConnection() {
        throw new ReferenceError('RTCPeerConnection is not defined');
    };`);
}

module.exports = {needsJQuery, jqueryPath, installJQuery, stubPeerConnection};

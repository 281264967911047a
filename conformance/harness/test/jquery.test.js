'use strict';

// jQuery for older bundles: detection from the UMD header, and the 2021
// package (a devDependency) loading and initialising in the page.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const {needsJQuery} = require('../lib/jquery');
const {createPage} = require('../lib/page');

const LYNO = path.resolve(__dirname, '../node_modules/@lyno/lib-jitsi-meet/lib-jitsi-meet.min.js');

test('needsJQuery reads the UMD header', () => {
    const old = '/*! license */\n!function(e,t){"object"==typeof exports&&"object"==typeof module?module.exports=t(require("jquery")):'
        + '"function"==typeof define&&define.amd?define(["jquery"],t):"object"==typeof exports?exports.JitsiMeetJS=t(require("jquery")):'
        + 'e.JitsiMeetJS=t(e.jquery)}(self,(function(e){return 1}));';
    const now = '/*! license */\n!function(e,t){"object"==typeof exports&&"object"==typeof module?module.exports=t():'
        + '"function"==typeof define&&define.amd?define([],t):"object"==typeof exports?exports.JitsiMeetJS=t():e.JitsiMeetJS=t()}(self,(()=>1));';

    assert.equal(needsJQuery(old), true);
    assert.equal(needsJQuery(now), false);
    // Only the header counts, not a mention deep in the body.
    assert.equal(needsJQuery(now + ' '.repeat(10000) + 'require("jquery")'), false);
});

test('the 2021 package loads with jQuery and initialises', {skip: !fs.existsSync(LYNO) && 'npm ci first'}, () => {
    const page = createPage({libraryPath: LYNO, url: 'http://127.0.0.1/', log: () => undefined});

    try {
        const J = page.JitsiMeetJS;

        assert.equal(page.jqueryVersion, '3.6.0');
        assert.equal(typeof page.window.$, 'function');
        assert.equal(page.window.jquery, page.window.jQuery);
        assert.equal(J.errors.conference.FOCUS_DISCONNECTED, 'conference.focusDisconnected');
        assert.equal(J.errors.conference.GRACEFUL_SHUTDOWN, 'conference.gracefulShutdown');
        // No timer of the harness's left on the clock.
        assert.equal(page.nextTimerAt(), Infinity);
        // init() reads RTCPeerConnection (RTCUtils.init): the stub is there,
        // and constructing it fails as a missing one would.
        J.init({});
        assert.throws(() => page.window.eval('new RTCPeerConnection()'), e => e.name === 'ReferenceError');
    } finally {
        page.close();
    }
});

test('a current bundle gets no jQuery and no RTCPeerConnection', () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'jq-'));
    const lib = path.join(dir, 'lib.js');

    fs.writeFileSync(lib, '!function(e,t){e.JitsiMeetJS=t()}(self,(()=>({version:"x"})));');
    const page = createPage({libraryPath: lib, url: 'http://127.0.0.1/', log: () => undefined});

    try {
        assert.equal(page.jqueryVersion, null);
        assert.equal(page.window.eval('typeof $ + typeof RTCPeerConnection'), 'undefinedundefined');
    } finally {
        page.close();
        fs.rmSync(dir, {recursive: true});
    }
});

'use strict';

// The Chromium tier's page side (chromium.js bundles it with esbuild): the
// same Driver as the jsdom tier, on the page's real clock, playing the
// application's actions when chromium.js says and keeping the records.

const {Driver} = require('./driver');

window.__harness = {
    start(plan, ws) {
        const t0 = performance.now();
        const records = [];
        const page = {
            clock: {get now() {
                return Math.round(performance.now() - t0);
            }},
            JitsiMeetJS: window.JitsiMeetJS
        };

        this.records = records;
        this.page = page;
        this.driver = new Driver({
            page,
            plan,
            ws,
            post: () => Promise.reject(new Error('the Chromium tier has no control client in the page')),
            emit: rec => records.push(rec),
            log: () => undefined
        });
    },

    /** play runs one application action now. */
    play(input) {
        try {
            this.driver.appAction(input);
        } catch (e) {
            this.driver.rejected(input.action, e);
        }
    },

    /** state: the clock, the records so far and the time of record k-1. */
    state(k) {
        return {
            now: this.page.clock.now,
            count: this.records.length,
            last: this.records.length ? this.records[this.records.length - 1].t_ms : 0,
            at: k > 0 && k <= this.records.length ? this.records[k - 1].t_ms : 0
        };
    },

    take() {
        return this.records;
    }
};

'use strict';

// The server side's control endpoint: one POST of a JSON op, one JSON answer.

class ControlError extends Error {
    constructor(message) {
        super(message);
        this.name = 'ControlError';
    }
}

/**
 * controlClient returns post(op), which POSTs op to url and resolves to the
 * decoded answer. Every request is bounded by timeoutMs of real time.
 *
 * @param {string} url the control URL
 * @param {object} [o] options
 * @param {number} [o.timeoutMs] the bound of one request
 * @param {function} [o.fetch] the fetch to use
 * @returns {function(object): Promise<object>} post
 */
function controlClient(url, {timeoutMs = 5000, fetch = globalThis.fetch} = {}) {
    let requests = 0;

    async function post(op) {
        requests++;
        let res;
        let body;

        try {
            res = await fetch(url, {
                method: 'POST',
                headers: {'content-type': 'application/json'},
                body: JSON.stringify(op),
                signal: AbortSignal.timeout(timeoutMs)
            });
            body = await res.text();
        } catch (e) {
            const why = e && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause && e.cause.message) || e.message;

            throw new ControlError(`control ${JSON.stringify(op.op)} at ${url}: ${why}`);
        }
        if (!res.ok) {
            throw new ControlError(`control ${JSON.stringify(op)} at ${url}: HTTP ${res.status}: ${body.trim().slice(0, 500)}`);
        }
        try {
            return body.trim() === '' ? {} : JSON.parse(body);
        } catch (e) {
            throw new ControlError(`control ${JSON.stringify(op.op)} at ${url}: answer is not JSON: ${body.slice(0, 200)}`);
        }
    }
    post.requests = () => requests;

    return post;
}

module.exports = {controlClient, ControlError};

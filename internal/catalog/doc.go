// Package catalog is the single source of truth for the conference errors of
// lib-jitsi-meet (JitsiConferenceErrors), the reasons of NOT_ALLOWED_ERROR
// (AUTH_ERROR_TYPES), the documented causes of every error, and the names of
// the conference and connection events that carry them.
//
// The facts (names, values, carrier events, parameters, the fatal set of
// jitsi-meet's isFatalJitsiConferenceError, what jitsi-meet marks recoverable)
// follow lib-jitsi-meet at commit 01daa07c3f8c (2026-08-20) and jitsi-meet's
// middlewares. The descriptions and cause texts are the project's own words.
// No other package spells an error value: they refer to the constants here.
package catalog

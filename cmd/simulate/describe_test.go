package main

import (
	"bytes"
	"strings"
	"testing"
)

// describe says which errors connect({name}) loses.
func TestDescribeSaysWhatConnectWithNameLoses(t *testing.T) {
	for name, lost := range map[string]bool{"AUTHENTICATION_REQUIRED": true, "RESERVATION_ERROR": true, "PASSWORD_REQUIRED": false} {
		var out, errb bytes.Buffer
		if code := run([]string{"describe", name}, &out, &errb); code != exitOK {
			t.Fatalf("describe %s: exit %d: %s", name, code, errb.String())
		}
		if got := strings.Contains(out.String(), "Lost with connect({name})"); got != lost {
			t.Errorf("describe %s: says it is lost with connect({name}): %t, want %t", name, got, lost)
		}
	}
}

// describe explains connection errors by name, value or a fault that
// reaches them, and finds the scenarios that end in them.
func TestDescribeConnectionErrors(t *testing.T) {
	for arg, want := range map[string][]string{
		"SERVER_ERROR":             {"SERVER_ERROR (connection.serverError)", "bosh-server-error (scenarios/connection/bosh-server-error.yaml, passes"},
		"connection.droppedError":  {"CONNECTION_DROPPED_ERROR", "prosody-restart", "server-shutdown (scenarios/connection/server-shutdown.yaml, passes"},
		"anonymous-login-disabled": {"PASSWORD_REQUIRED (connection.passwordRequired)", "anonymous-login-disabled (scenarios/connection/anonymous-login-disabled.yaml, passes"},
		"xmpp-unreachable":         {"CONNECTION_DROPPED_ERROR", "OTHER_ERROR", "resume-gives-up (scenarios/connection/resume-gives-up.yaml, passes"},
	} {
		var out, errb bytes.Buffer
		if code := run([]string{"describe", "--scenarios", "../../scenarios", arg}, &out, &errb); code != exitOK {
			t.Fatalf("describe %s: exit %d: %s", arg, code, errb.String())
		}
		for _, w := range want {
			w = strings.ReplaceAll(w, "scenarios/connection/", "../../scenarios/connection/")
			if !strings.Contains(out.String(), w) {
				t.Errorf("describe %s: no %q in:\n%s", arg, w, out.String())
			}
		}
	}
}

// errors lists the connection errors with their causes.
func TestErrorsListsConnectionErrors(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"errors"}, &out, &errb); code != exitOK {
		t.Fatalf("errors: exit %d: %s", code, errb.String())
	}
	for _, w := range []string{"Connection errors (JitsiConnectionErrors", "SERVER_ERROR", "connection.shardChangedError", "cause login-refused"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("errors: no %q", w)
		}
	}
}

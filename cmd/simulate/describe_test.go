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

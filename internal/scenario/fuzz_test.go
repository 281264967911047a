package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that every error is an
// ErrorList of "file:line:col: message" lines, and that a file it accepts
// is accepted again when parsed twice (no hidden state). The seed corpus is
// testdata/fuzz/FuzzParse plus the good fixtures and the bad cases of the
// unit tests.
func FuzzParse(f *testing.F) {
	good, _ := filepath.Glob("testdata/good/*.yaml")
	for _, p := range good {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, c := range append(append([]badCase{}, schemaExpressibleBad...), parserOnlyBad...) {
		f.Add([]byte(c.src))
	}
	// The hostile inputs of issue 13, the largest cut to 4 KiB so that
	// the fuzzer's mutations of them stay fast (cut, they still nest too
	// deeply, alias too often or hold too many steps).
	for _, c := range hostileInputs() {
		f.Add([]byte(c.src[:min(len(c.src), 4<<10)]))
	}
	for _, c := range carelessInputs {
		f.Add([]byte(c.src[:min(len(c.src), 4<<10)]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var sc *Scenario
		var err error
		done := make(chan struct{})
		go func() { sc, err = Parse("fuzz.yaml", data); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("Parse hangs on %q", data)
		}
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml:") || !errorLine.MatchString(line) {
					t.Fatalf("not file:line:col: message: %q", line)
				}
			}
			return
		}
		if sc == nil || sc.Description == "" {
			t.Fatalf("accepted without a description: %+v", sc)
		}
		if _, err := Parse("fuzz.yaml", data); err != nil {
			t.Fatalf("accepted once, rejected the second time: %v", err)
		}
	})
}

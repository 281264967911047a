package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The built command keeps its statuses through the child it runs in, and a
// crash of the Go runtime (which exits 2, the status of bad input) comes out
// as an internal failure, 3, with a pointer to a bug report.
func TestSupervisorStatuses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "simulate")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	status := func(env []string, args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stderr.String()
		}
		require.NoError(t, err)
		return 0, stderr.String()
	}
	code, _ := status(nil, "validate", filepath.Join("..", "..", "scenarios", "happy"))
	assert.Equal(t, exitOK, code)
	code, _ = status(nil, "validate", filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Equal(t, exitBadInput, code)
	code, msg := status([]string{crashTestEnv + "=stack-overflow"}, "version")
	assert.Equal(t, exitInternal, code)
	assert.Contains(t, msg, "fatal error: stack overflow")
	assert.Contains(t, msg, "simulate: internal failure: the Go runtime stopped the command")
}

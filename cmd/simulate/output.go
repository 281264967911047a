package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"syscall"
)

// The exit statuses beyond those of cli.go.
const (
	// exitInternal is a bug in simulate: a runtime panic or a fatal error
	// of the Go runtime (out of memory), never bad input.
	exitInternal = 3
	// exitBrokenPipe ends a command whose reader went away, quietly, with
	// the status of a Unix tool killed by SIGPIPE (128+13).
	exitBrokenPipe = 141
	// exitSIGINT and exitSIGTERM end an interrupted campaign (128+signal).
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// bugReport is the one line an internal failure prints.
const bugReport = "simulate: internal error (a bug in simulate, not in your input): %v\nPlease report it with the command line and its input files.\n"

// checkedWriter remembers the first error of the writer it wraps and
// drops every write after it, so that a command writes on as if nothing
// happened and the error is reported once, at the end.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(b)
	if err != nil {
		c.err = err
	}
	return n, err
}

// outputStatus turns a failed write to standard output into the command's
// status: a closed pipe ends quietly, any other failure is reported in one
// line and is exit status 2 (the output is not there).
func outputStatus(cmd string, err error, code int, stderr io.Writer) int {
	if err == nil {
		return code
	}
	if errors.Is(err, syscall.EPIPE) {
		return exitBrokenPipe
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	fmt.Fprintf(stderr, "%s: cannot write standard output: %v\n", cmd, err)
	return exitBadInput
}

// runChecked runs a command with its standard output checked and its
// panics turned into the internal-error status.
func runChecked(c command, args []string, stdout, stderr io.Writer) (code int) {
	out := &checkedWriter{w: stdout}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, bugReport, r)
			if os.Getenv("SIMULATE_TRACEBACK") != "" {
				stderr.Write(debug.Stack())
			}
			code = exitInternal
		}
	}()
	code = c.run(args, out, stderr)
	return outputStatus("simulate "+c.name, out.err, code, stderr)
}

// writeFileAtomic writes a file named by a flag through a temporary file
// in the same directory, renamed into place once complete: an interrupted
// or failed write never leaves half a file under the name.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Numeric flags are decimal: 010 is ten, and 0x10, 1_000 and +1 are
// refused (the flag package would read them as Go literals).

// uintFlag is a decimal unsigned flag.
type uintFlag struct{ v *uint64 }

func (f uintFlag) String() string {
	if f.v == nil {
		return ""
	}
	return strconv.FormatUint(*f.v, 10)
}

func (f uintFlag) Set(s string) error {
	x, err := parseDecimal(s, false)
	if err != nil {
		return err
	}
	*f.v = uint64(x)
	return nil
}

// intFlag is a decimal int flag.
type intFlag struct{ v *int }

func (f intFlag) String() string {
	if f.v == nil {
		return ""
	}
	return strconv.Itoa(*f.v)
}

func (f intFlag) Set(s string) error {
	x, err := parseDecimal(s, true)
	if err != nil {
		return err
	}
	if x > math.MaxInt || int64(x) < math.MinInt {
		return fmt.Errorf("%s is out of range", s)
	}
	*f.v = int(x)
	return nil
}

var decimal = regexp.MustCompile(`^-?[0-9]+$`)

// parseDecimal parses a decimal integer: an int64 when signed, else a
// uint64 (returned as its bits).
func parseDecimal(s string, signed bool) (int64, error) {
	if !decimal.MatchString(s) || (!signed && s[0] == '-') {
		if signed {
			return 0, fmt.Errorf("%q is not a decimal integer", s)
		}
		return 0, fmt.Errorf("%q is not a decimal integer, 0 or more", s)
	}
	if signed {
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is out of range", s)
		}
		return x, nil
	}
	x, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is out of range", s)
	}
	return int64(x), nil
}

// floatFlag is a decimal fraction: 0.5, .5, 1, 1e-3; not hex, inf or nan.
type floatFlag struct{ v *float64 }

func (f floatFlag) String() string {
	if f.v == nil {
		return ""
	}
	return strconv.FormatFloat(*f.v, 'g', -1, 64)
}

func (f floatFlag) Set(s string) error {
	x, err := parseFraction(s)
	if err != nil {
		return err
	}
	*f.v = x
	return nil
}

var fraction = regexp.MustCompile(`^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

func parseFraction(s string) (float64, error) {
	if !fraction.MatchString(s) {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	return strconv.ParseFloat(s, 64)
}

package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// IsScenarioFile reports whether a file name looks like a scenario file
// (*.yaml or *.yml).
func IsScenarioFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// Expand turns command line arguments into scenario file paths: a file is
// taken as it is and must be a regular *.yaml or *.yml file; "-" is
// standard input; a directory is searched recursively for *.yaml and *.yml
// files; and an argument with *, ? or [ that names no file is a glob
// pattern whose matching *.yaml and *.yml files and directories are taken
// (other files are passed over). A scenario file that is not a regular
// file (a FIFO, a device, a socket, a symbolic link to one) is refused,
// however it is named: reading it could block or never end. Paths come out
// in argument order, each directory's files in the lexical order of
// filepath.WalkDir, each file once, however it was named (by absolute
// cleaned path; the first spelling is kept), at most MaxFiles of them. An
// argument that names no scenario file is an error; names in messages are
// quoted (Quote).
func Expand(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) error {
		key := filepath.Clean(p)
		if abs, err := filepath.Abs(p); err == nil && p != Stdin {
			key = abs
		}
		if !seen[key] {
			if len(out) == MaxFiles {
				return fmt.Errorf("%s: more than %d scenario files, the limit of one command", Quote(p), MaxFiles)
			}
			seen[key] = true
			out = append(out, p)
		}
		return nil
	}
	for _, arg := range args {
		if arg == Stdin {
			if err := add(arg); err != nil {
				return nil, err
			}
			continue
		}
		// A name that exists is taken literally, whatever it holds.
		_, lerr := os.Lstat(arg)
		if lerr == nil || !strings.ContainsAny(arg, "*?[") {
			info, err := os.Stat(arg)
			switch {
			case err != nil:
				return nil, fileError(arg, err)
			case info.IsDir():
				found, err := scenarioFiles(arg)
				if err != nil {
					return nil, err
				}
				if len(found) == 0 {
					return nil, fmt.Errorf("%s: no scenario files (*.yaml, *.yml) in this directory", Quote(arg))
				}
				for _, p := range found {
					if err := add(p); err != nil {
						return nil, err
					}
				}
			case !info.Mode().IsRegular():
				return nil, notRegular(arg, info.Mode())
			case !IsScenarioFile(arg):
				return nil, fmt.Errorf("%s: not a scenario file: want a *.yaml or *.yml file", Quote(arg))
			default:
				if err := add(arg); err != nil {
					return nil, err
				}
			}
			continue
		}
		m, err := filepath.Glob(arg)
		if err != nil {
			return nil, fmt.Errorf("%s: bad pattern: %v", Quote(arg), err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no file matches the pattern", Quote(arg))
		}
		found := 0
		for _, p := range m {
			info, err := os.Stat(p)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				// A dangling symbolic link: not a scenario file.
			case err != nil:
				if IsScenarioFile(p) {
					return nil, fileError(p, err)
				}
			case info.IsDir():
				files, err := scenarioFiles(p)
				if err != nil {
					return nil, err
				}
				for _, f := range files {
					if err := add(f); err != nil {
						return nil, err
					}
				}
				found += len(files)
			case IsScenarioFile(p):
				if !info.Mode().IsRegular() {
					return nil, notRegular(p, info.Mode())
				}
				if err := add(p); err != nil {
					return nil, err
				}
				found++
			}
		}
		if found == 0 {
			return nil, fmt.Errorf("%s: no scenario files (*.yaml, *.yml) match the pattern", Quote(arg))
		}
	}
	return out, nil
}

// scenarioFiles lists the *.yaml and *.yml files under a directory. One
// that is not a regular file, or a symbolic link to one, is an error.
func scenarioFiles(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fileError(p, err)
		}
		if d.IsDir() || !IsScenarioFile(p) {
			return nil
		}
		if !d.Type().IsRegular() {
			info, err := os.Stat(p)
			switch {
			case err != nil:
				return fileError(p, err)
			case !info.Mode().IsRegular():
				return notRegular(p, info.Mode())
			}
		}
		if len(found) > MaxFiles {
			return fmt.Errorf("%s: more than %d scenario files, the limit of one command", Quote(dir), MaxFiles)
		}
		found = append(found, p)
		return nil
	})
	return found, err
}

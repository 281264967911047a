package scenario

import (
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
// taken as it is and must be a *.yaml or *.yml file; a directory is searched
// recursively for *.yaml and *.yml files; and an argument with *, ? or [ is
// a glob pattern whose matching *.yaml and *.yml files and directories are
// taken (other files are passed over). Paths come out in argument order,
// each directory's files in the lexical order of filepath.WalkDir, each
// file once, however it was named (by absolute cleaned path; the first
// spelling is kept). An argument that names no scenario file is an error.
func Expand(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		key := filepath.Clean(p)
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	for _, arg := range args {
		if !strings.ContainsAny(arg, "*?[") {
			info, err := os.Stat(arg)
			switch {
			case err != nil:
				return nil, fmt.Errorf("%s: no such file or directory", arg)
			case info.IsDir():
				found, err := scenarioFiles(arg)
				if err != nil {
					return nil, err
				}
				if len(found) == 0 {
					return nil, fmt.Errorf("%s: no scenario files (*.yaml, *.yml) in this directory", arg)
				}
				for _, p := range found {
					add(p)
				}
			case !IsScenarioFile(arg):
				return nil, fmt.Errorf("%s: not a scenario file: want a *.yaml or *.yml file", arg)
			default:
				add(arg)
			}
			continue
		}
		m, err := filepath.Glob(arg)
		if err != nil {
			return nil, fmt.Errorf("%s: bad pattern: %v", arg, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no file matches the pattern", arg)
		}
		found := 0
		for _, p := range m {
			info, err := os.Stat(p)
			switch {
			case err != nil:
				// A dangling symbolic link: not a scenario file.
			case info.IsDir():
				files, err := scenarioFiles(p)
				if err != nil {
					return nil, err
				}
				for _, f := range files {
					add(f)
				}
				found += len(files)
			case IsScenarioFile(p):
				add(p)
				found++
			}
		}
		if found == 0 {
			return nil, fmt.Errorf("%s: no scenario files (*.yaml, *.yml) match the pattern", arg)
		}
	}
	return out, nil
}

// scenarioFiles lists the *.yaml and *.yml files under a directory.
func scenarioFiles(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && IsScenarioFile(p) {
			found = append(found, p)
		}
		return nil
	})
	return found, err
}

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
// taken as it is, a directory is searched recursively for *.yaml and *.yml
// files, and an argument with *, ? or [ is a glob pattern whose matches are
// expanded the same way. Paths come out in argument order, each directory's
// files in the lexical order of filepath.WalkDir, without duplicates. An argument that names
// nothing is an error.
func Expand(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if c := filepath.Clean(p); !seen[c] {
			seen[c] = true
			out = append(out, p)
		}
	}
	for _, arg := range args {
		matches := []string{arg}
		if strings.ContainsAny(arg, "*?[") {
			m, err := filepath.Glob(arg)
			if err != nil {
				return nil, fmt.Errorf("%s: bad pattern: %v", arg, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no file matches the pattern", arg)
			}
			matches = m
		}
		for _, m := range matches {
			info, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("%s: no such file or directory", m)
			}
			if !info.IsDir() {
				add(m)
				continue
			}
			var found []string
			err = filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && IsScenarioFile(p) {
					found = append(found, p)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			if len(found) == 0 {
				return nil, fmt.Errorf("%s: no scenario files (*.yaml, *.yml) in this directory", m)
			}
			for _, p := range found {
				add(p)
			}
		}
	}
	return out, nil
}

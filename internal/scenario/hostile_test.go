package scenario

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostile are inputs a hostile or careless user wrote (issue 13): each must
// be refused fast, with its position, and little memory. want is the first
// error line after "NAME.yaml:".
type hostileCase struct {
	name, src, want string
}

func hostileInputs() []hostileCase {
	var anchors, aliases, bigSteps, params strings.Builder
	anchors.WriteString("description: x\nbogus: 1\nsteps:\n")
	for i := range 5000 {
		fmt.Fprintf(&anchors, "- advance: &a%d 1\n", i)
	}
	aliases.WriteString("description: x\nsteps:\n- advance: &a 1\n")
	for range MaxAliases + 1 {
		aliases.WriteString("- advance: *a\n")
	}
	bigSteps.WriteString("description: x\nsteps:\n")
	for range MaxSteps + 1 {
		bigSteps.WriteString("- settle: true\n")
	}
	params.WriteString("description: x\nsteps:\n")
	for range 2500 {
		params.WriteString("- expect_never: [a, b, c, d, e, f, g, h, i, j]\n")
	}
	return []hostileCase{
		{"nest-flow", "description: x\nsteps: " + strings.Repeat("[", 60_000) + strings.Repeat("]", 60_000) + "\n",
			fmt.Sprintf("2:%d: nesting deeper than 32 levels, the limit of a scenario file", 8+MaxDepth-1)},
		{"nest-flow-24k", "description: x\nsteps: " + strings.Repeat("[", 24_000) + strings.Repeat("]", 24_000) + "\n",
			"2:39: nesting deeper than 32 levels, the limit of a scenario file"},
		{"nest-flow-map", "description: x\nsteps: " + strings.Repeat("{a: ", 24_000) + strings.Repeat("}", 24_000) + "\n",
			"2:132: nesting deeper than 32 levels, the limit of a scenario file"},
		{"nest-block-compact", "description: x\nsteps:\n" + strings.Repeat("- ", 60_000) + "x\n",
			"3:63: nesting deeper than 32 levels, the limit of a scenario file"},
		{"nest-block-indent", "description: x\nsteps:\n" + blockNest(40), "35:34: nesting deeper than 32 levels, the limit of a scenario file"},
		{"nest-anchors", "description: x\nsteps: " + anchorNest(12_000), "2:189: nesting deeper than 32 levels, the limit of a scenario file"},
		{"too-large", "description: x\nsteps:\n" + strings.Repeat("- advance: 1\n", 1_000_000),
			"10083:11: the file is larger than 131072 bytes, the limit of a scenario file"},
		{"too-many-steps", bigSteps.String(), "5003:3: steps: more than 5000 steps, the limit of a scenario"},
		{"many-anchors", anchors.String(), "2:1: unknown key..."},
		{"too-many-aliases", aliases.String(), "1004:12: more than 1000 aliases, the limit of a scenario file"},
		{"many-bad-names", params.String(), `3:18: expect_never: "a" is neither an error value nor an event name`},
	}
}

// blockNest is n levels of block mappings, each indented one more.
func blockNest(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	return b.String()
}

// anchorNest is n nested flow sequences, each with an anchor.
func anchorNest(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "&a%d [", i)
	}
	return b.String() + strings.Repeat("]", n) + "\n"
}

// TestHostileInputsAreRefusedFast: every hostile input is refused with its
// position within a second and without taking much memory (the parser's
// memory grows with the square of the nesting depth, and steps, bytes and
// aliases multiply the work).
func TestHostileInputsAreRefusedFast(t *testing.T) {
	for _, c := range hostileInputs() {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Parse(c.name+".yaml", []byte(c.src))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("accepted or not an ErrorList: %v", err)
			}
			got, want := list[0].Error(), c.name+".yaml:"+c.want
			if p, ok := strings.CutSuffix(want, "..."); ok {
				if !strings.HasPrefix(got, p) {
					t.Errorf("got  %s\nwant %s", got, want)
				}
			} else if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if limit := 5 * time.Second; took > limit && !raceEnabled {
				t.Errorf("took %v", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 400<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
		})
	}
}

// TestNestingWithinTheLimitIsAccepted: the deepest scenario the format
// allows (a parameter object 16 levels deep) is well within the nesting
// limit, in flow and block style.
func TestNestingWithinTheLimitIsAccepted(t *testing.T) {
	obj := "1"
	for range maxParamDepth {
		obj = "{a: " + obj + "}"
	}
	src := "description: x\nsteps:\n  - expect:\n      error: conference.max_users\n      params:\n        visitorsSupported: " + obj + "\n"
	if _, err := Parse("deep.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("description: x\nsteps:\n  - expect:\n      error: conference.max_users\n      params:\n")
	indent := "        "
	b.WriteString(indent + "visitorsSupported:\n")
	for range maxParamDepth - 1 {
		indent += "  "
		b.WriteString(indent + "a:\n")
	}
	b.WriteString(indent + "  b: 1\n")
	if _, err := Parse("deep-block.yaml", []byte(b.String())); err != nil {
		t.Fatal(err)
	}
}

// TestByteOrderMark: a UTF-8 byte-order mark (editors write it) is not
// part of the first key.
func TestByteOrderMark(t *testing.T) {
	sc, err := Parse("bom.yaml", []byte("\uFEFFdescription: x\nsteps:\n  - action: join\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Description != "x" || len(sc.Steps) != 1 || sc.Steps[0].Pos.Line != 3 || sc.Steps[0].Pos.Col != 5 {
		t.Errorf("%+v", sc)
	}
}

// TestReadFileLimits: ReadFile refuses what is not a regular file before
// opening it (a FIFO would block for ever, a device never ends) and a file
// over the limit while reading it.
func TestReadFileLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("description: x\nsteps:\n"+strings.Repeat("- advance: 1\n", 30000)), 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.yaml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop.yaml")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{big, big + ":10083:11: the file is larger than 131072 bytes, the limit of a scenario file"},
		{zero, zero + ": a device, not a regular file; scenario files are regular files (use - for standard input)"},
		{loop, loop + ": too many levels of symbolic links"},
		{filepath.Join(dir, "none.yaml"), filepath.Join(dir, "none.yaml") + ": no such file or directory"},
	} {
		done := make(chan error, 1)
		go func() { _, err := Load(c.path); done <- err }()
		select {
		case err := <-done:
			if err == nil || err.Error() != c.want {
				t.Errorf("Load(%s): %v\nwant %s", c.path, err, c.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Load(%s) hangs", c.path)
		}
	}
}

// TestMessagesOnCarelessInput: each careless input gets a message that says
// what is wrong.
// carelessInputs are mistakes whose message said something else, or that
// were accepted (issue 13).
var carelessInputs = []badCase{
	{"tag-int", "description: x\nsteps:\n  - action: !!int join\n", `3:13: tag !!int is not supported: the only tag is !!str (a scalar read as a string)`},
	{"tag-custom", "description: !foo x\n", `1:14: tag !foo is not supported: the only tag is !!str (a scalar read as a string)`},
	{"invalid-utf8", "description: x\nname: \"a\xffb\"\n", `2:9: invalid UTF-8 (byte 0xff): a scenario file is UTF-8 text`},
	{"invalid-utf8-comment", "description: x # \xc3\n", `1:18: invalid UTF-8 (byte 0xc3): a scenario file is UTF-8 text`},
	{"tab-indent", "description: x\nsteps:\n\t- action: join\n", `3:1: YAML: found character TAB (YAML indents with spaces) that cannot start any token`},
	{"negative-seed", "description: x\nseed: -99999999999999999999\n", `2:7: seed: -99999999999999999999 is too small: want an integer from 0 to 18446744073709551615`},
	{"second-document-after-empty", "# c\n---\n---\ndescription: x\n", `4:1: a scenario file holds one YAML document; this is document 2 (the document before it is empty)`},
	{"third-document", "---\n---\n---\ndescription: x\n", `4:1: a scenario file holds one YAML document; this is document 3 (the 2 documents before it are empty)`},
	{"second-document-after-end", "description: x\n...\ndescription: y\n", `3:1: a scenario file holds one YAML document; this is document 2`},
	{"huge-key", "description: x\n" + strings.Repeat("k", 100<<10) + ": 1\n", `2:1: unknown key "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...`},
	{"huge-action", "description: x\nsteps:\n  - action: " + strings.Repeat("é", 1<<15) + "\n", `3:13: unknown action "ééééééééééééééééé...`},
}

func TestMessagesOnCarelessInput(t *testing.T) {
	for _, c := range carelessInputs {

		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.name+".yaml", []byte(c.src))
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("accepted or not an ErrorList: %v", err)
			}
			got, want := list[0].Error(), c.name+".yaml:"+c.want
			if p, ok := strings.CutSuffix(want, "..."); ok {
				if !strings.HasPrefix(got, p) || len(got) > 200 {
					t.Errorf("got  %.300s\nwant %s", got, want)
				}
			} else if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if len(err.Error()) > 20*(maxMessage+100) {
				t.Errorf("%d bytes of messages", len(err.Error()))
			}
		})
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"scenarios/a b.yaml": "scenarios/a b.yaml",
		"ünïcode.yaml":       "ünïcode.yaml",
		"a\x1b[31mred.yaml":  `"a\x1b[31mred.yaml"`,
		"a\nb.yaml":          `"a\nb.yaml"`,
		"a\xffb.yaml":        `"a\xffb.yaml"`,
		"a\u2028b.yaml":      `"a\u2028b.yaml"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"
)

// The limits on scenario input, so that a small or hostile file cannot take
// the machine (docs/scenario-format.md lists them). Each is checked before
// the work it bounds: the bytes while reading, the nesting and the aliases
// on the YAML tokens before the YAML parser builds anything (its memory
// grows with the square of the nesting depth), the steps before they are
// read, the files before any is parsed.
const (
	// MaxFileBytes bounds one scenario file.
	MaxFileBytes = 128 << 10
	// MaxDepth bounds the nesting of mappings and sequences, flow or block:
	// a scenario needs at most 5 levels plus those of a parameter object
	// (at most 16).
	MaxDepth = 32
	// MaxAliases bounds the aliases (*name) of one file.
	MaxAliases = 1000
	// MaxSteps bounds the steps of one scenario.
	MaxSteps = 5000
	// MaxFiles bounds the scenario files one command reads.
	MaxFiles = 10_000
)

// Stdin is the path that stands for standard input.
const Stdin = "-"

// stdinName is how standard input is named in messages.
const stdinName = "<stdin>"

// byteOrderMark is UTF-8's; editors may write it first.
const byteOrderMark = "\uFEFF"

// Quote returns a file name as messages print it: as it is, or quoted in Go
// syntax when it holds a control character, a Unicode line separator, an
// invalid UTF-8 byte or a character that is not printable, so that a name
// cannot inject terminal escapes or break a line.
func Quote(name string) string {
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool {
		return isControl(r) || !unicode.IsPrint(r) && r != ' '
	}) {
		return strconv.Quote(name)
	}
	return name
}

// fileError describes a failure to read or open a path, with the
// operating system's reason and the name quoted.
func fileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s: a symbolic link to a file that does not exist", Quote(path))
		}
		return fmt.Errorf("%s: no such file or directory", Quote(path))
	}
	return fmt.Errorf("%s: %v", Quote(path), err)
}

// notRegular explains why a path that is neither a regular file nor a
// directory is refused.
func notRegular(path string, mode fs.FileMode) error {
	what := "not a regular file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		what = "a FIFO (named pipe), not a regular file"
	case mode&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case mode&fs.ModeDevice != 0:
		what = "a device, not a regular file"
	}
	return fmt.Errorf("%s: %s; scenario files are regular files (use - for standard input)", Quote(path), what)
}

// ReadFile reads a scenario file (Stdin: standard input) of at most
// MaxFileBytes, refusing anything but a regular file (or standard input)
// before opening it. A file over the limit is refused while it is read,
// with the position where it crosses the limit, as an ErrorList.
func ReadFile(path string) (name string, data []byte, err error) {
	if path == Stdin {
		data, err := readBounded(stdinName, os.Stdin, MaxFileBytes)
		return stdinName, data, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return path, nil, fileError(path, err)
	}
	if !fi.Mode().IsRegular() {
		return path, nil, notRegular(path, fi.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		return path, nil, fileError(path, err)
	}
	defer f.Close()
	// The file may have been replaced between the two looks.
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		if err != nil {
			return path, nil, fileError(path, err)
		}
		return path, nil, notRegular(path, fi.Mode())
	}
	data, err = readBounded(path, f, MaxFileBytes)
	return path, data, err
}

// readBounded reads at most max bytes of r; more is an ErrorList naming
// where the limit is crossed.
func readBounded(name string, r io.Reader, max int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, fileError(name, err)
	}
	if len(data) > max {
		return nil, ErrorList{{offsetPos(name, data, max), fmt.Sprintf("the file is larger than %d bytes, the limit of a scenario file", max)}}
	}
	return data, nil
}

// offsetPos is the line and column (in characters) of a byte offset.
func offsetPos(name string, data []byte, off int) Pos {
	off = min(off, len(data))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return Pos{name, line, 1 + utf8.RuneCount(data[start:off])}
}

// checkText refuses what is not UTF-8 text, before the YAML library reads
// it: the first invalid byte is reported with its position.
func checkText(name string, data []byte) *Error {
	if utf8.Valid(data) {
		return nil
	}
	off := 0
	for off < len(data) {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		off += size
	}
	return &Error{offsetPos(name, data, off), fmt.Sprintf("invalid UTF-8 (byte 0x%02x): a scenario file is UTF-8 text", data[off])}
}

// checkTokens bounds the nesting depth and the aliases of a file on its
// YAML tokens, before the parser sees them. The depth counts flow
// collections ([ and {) and block levels: each sequence entry (-), explicit
// key (?) and mapping key opens one at its column, closed by a later one at
// a column to its left (or at the same column, but for a sequence written
// at its key's column).
func checkTokens(name string, toks token.Tokens) *Error {
	type level struct {
		col int
		seq bool
	}
	var stack []level
	flow, aliases := 0, 0
	at := func(tk *token.Token) Pos {
		if tk.Position == nil {
			return Pos{name, 1, 1}
		}
		return Pos{name, max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
	}
	for i, tk := range toks {
		if tk == nil {
			continue
		}
		switch tk.Type {
		case token.DocumentHeaderType, token.DocumentEndType:
			stack, flow = stack[:0], 0
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.AliasType:
			if aliases++; aliases > MaxAliases {
				return &Error{at(tk), fmt.Sprintf("more than %d aliases, the limit of a scenario file", MaxAliases)}
			}
			continue
		case token.SequenceEntryType, token.MappingKeyType:
			if flow == 0 && tk.Position != nil {
				c := tk.Position.Column
				for len(stack) > 0 {
					top := stack[len(stack)-1]
					if top.col > c || top.col == c && top.seq {
						stack = stack[:len(stack)-1]
						continue
					}
					break
				}
				stack = append(stack, level{c, true})
			}
		case token.MappingValueType:
			if flow == 0 && i > 0 && toks[i-1] != nil && toks[i-1].Position != nil {
				c := toks[i-1].Position.Column
				for len(stack) > 0 && stack[len(stack)-1].col >= c {
					stack = stack[:len(stack)-1]
				}
				stack = append(stack, level{c, false})
			}
		default:
			continue
		}
		if len(stack)+flow > MaxDepth {
			return &Error{at(tk), fmt.Sprintf("nesting deeper than %d levels, the limit of a scenario file", MaxDepth)}
		}
	}
	return nil
}

// checkDocuments refuses content in any YAML document but the first,
// naming the document, before the parser (which drops a document that
// follows an empty one) sees the tokens.
func checkDocuments(name string, toks token.Tokens) *Error {
	doc, open, content := 0, false, false
	for _, tk := range toks {
		if tk == nil {
			continue
		}
		switch tk.Type {
		case token.DocumentHeaderType:
			doc, open = doc+1, true
			continue
		case token.DocumentEndType:
			open = false
			continue
		case token.CommentType, token.SpaceType, token.DirectiveType:
			continue
		}
		if !open {
			doc, open = doc+1, true
		}
		if doc > 1 {
			msg := fmt.Sprintf("a scenario file holds one YAML document; this is document %d", doc)
			if !content {
				msg += fmt.Sprintf(" (the %s before it %s empty)", plural(doc-1, "document", "documents"), map[bool]string{true: "is", false: "are"}[doc == 2])
			}
			pos := Pos{name, 1, 1}
			if tk.Position != nil {
				pos = Pos{name, max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
			}
			return &Error{pos, msg}
		}
		content = true
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return strconv.Itoa(n) + " " + many
}

// quoteClip quotes a value for a message, clipped so that a huge value does
// not make a huge message.
func quoteClip(s string) string { return clip(strconv.Quote(s)) }

package catalog_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jitsi-sim/confsim/internal/catalog"
)

// declaredConsts returns the values of the constants of a type declared in
// events.go, in declaration order.
func declaredConsts(t *testing.T, typ string) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "events.go", nil, 0)
	require.NoError(t, err)
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == typ {
				for _, v := range vs.Values {
					lit := v.(*ast.BasicLit)
					out = append(out, lit.Value[1:len(lit.Value)-1])
				}
			}
		}
	}
	return out
}

func TestEventListsAreComplete(t *testing.T) {
	var events []string
	for _, e := range catalog.Events() {
		events = append(events, string(e))
	}
	assert.Equal(t, declaredConsts(t, "Event"), events)
	var conn []string
	for _, e := range catalog.ConnErrors() {
		conn = append(conn, string(e))
	}
	assert.Equal(t, declaredConsts(t, "ConnError"), conn)
}

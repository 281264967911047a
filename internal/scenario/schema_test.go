package scenario

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	yaml "github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/jitsi-sim/confsim/internal/catalog"
	"github.com/jitsi-sim/confsim/sim"
)

var update = flag.Bool("update", false, "rewrite schema/scenario.schema.json and other golden files")

const schemaPath = "../../schema/scenario.schema.json"

// TestSchemaFileUpToDate checks that the published schema is what Schema
// generates; go test ./internal/scenario -update rewrites it.
func TestSchemaFileUpToDate(t *testing.T) {
	want := Schema()
	if *update {
		if err := os.WriteFile(schemaPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date: run go test ./internal/scenario -run TestSchemaFileUpToDate -update", schemaPath)
	}
}

func publishedSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("schema: %s is not an object", strings.Join(path, "."))
		}
		v = m[p]
	}
	return v
}

func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("schema: want an object, got %T", v)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func sorted(xs []string) []string {
	out := slices.Clone(xs)
	sort.Strings(out)
	return slices.Compact(out)
}

func jsonTags(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); k != "" && k != "-" {
			out = append(out, k)
		}
	}
	return sorted(out)
}

// TestSchemaMatchesParser checks the published schema against the parser's
// keys and against the names of the model and the catalog, independently
// of how Schema builds it.
func TestSchemaMatchesParser(t *testing.T) {
	s := publishedSchema(t)
	props := get(t, s, "properties")
	if got, want := keys(t, props), sorted(topKeys); !slices.Equal(got, want) {
		t.Errorf("top-level keys: schema %v, parser %v", got, want)
	}
	for key, typ := range map[string]reflect.Type{
		"room": reflect.TypeFor[sim.Room](), "deployment": reflect.TypeFor[sim.Deployment](),
		"client": reflect.TypeFor[sim.Client](), "limits": reflect.TypeFor[sim.Limits](),
	} {
		if got, want := keys(t, get(t, props, key, "properties")), jsonTags(typ); !slices.Equal(got, want) {
			t.Errorf("%s keys: schema %v, %s json tags %v", key, got, typ, want)
		}
	}
	defs := get(t, s, "$defs")
	stepProps := get(t, defs, "step", "properties")
	stepKeysInSchema := keys(t, stepProps)
	actions := strs(get(t, stepProps, "action", "enum"))
	faults := strs(get(t, stepProps, "fault", "enum"))
	if got, want := sorted(stepKeysInSchema), sorted(stepKeys); !slices.Equal(got, want) {
		t.Errorf("step keys: schema %v, parser %v", got, want)
	}
	var simActions []string
	for _, a := range sim.Actions {
		simActions = append(simActions, string(a))
	}
	if got, want := sorted(actions), sorted(simActions); !slices.Equal(got, want) {
		t.Errorf("actions: schema %v, sim.Actions %v", got, want)
	}
	var causes []string
	for _, e := range catalog.Errors() {
		for _, c := range e.Causes {
			causes = append(causes, c.ID)
		}
	}
	for _, sig := range sim.Signals {
		causes = append(causes, sig.ID)
	}
	if got, want := sorted(faults), sorted(causes); !slices.Equal(got, want) {
		t.Errorf("faults: schema %v, catalog causes and sim signals %v", got, want)
	}
	if got, want := keys(t, get(t, defs, "expectation", "properties")), sorted(expectKeys); !slices.Equal(got, want) {
		t.Errorf("expect keys: schema %v, parser %v", got, want)
	}
	var profiles []string
	for _, p := range sim.Profiles {
		profiles = append(profiles, string(p))
	}
	if got := strs(get(t, props, "profile", "enum")); !slices.Equal(sorted(got), sorted(profiles)) {
		t.Errorf("profiles: schema %v, sim.Profiles %v", got, profiles)
	}
	var reasons []string
	for _, a := range catalog.AuthTypes() {
		reasons = append(reasons, a.Value)
	}
	if got := strs(get(t, stepProps, "reason", "enum")); !slices.Equal(sorted(got), sorted(reasons)) {
		t.Errorf("reasons: schema %v, catalog %v", got, reasons)
	}
	var values []string
	for _, e := range catalog.Errors() {
		values = append(values, e.Value)
	}
	got := strs(get(t, defs, "expectation", "properties", "error", "enum"))
	for _, v := range values {
		if !slices.Contains(got, v) {
			t.Errorf("error value %s is not in the schema", v)
		}
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validateYAML(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("YAML to JSON: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	return sch.Validate(inst)
}

// TestScenarioLibraryValidates checks every file in scenarios/ against the
// published schema and the parser.
func TestScenarioLibraryValidates(t *testing.T) {
	sch := compileSchema(t)
	paths, err := Expand([]string{"../../scenarios"})
	if err != nil {
		t.Skipf("no scenario library yet: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := validateYAML(t, sch, data); err != nil {
			t.Errorf("%s: schema: %v", p, err)
		}
		if _, err := Parse(p, data); err != nil {
			t.Errorf("parser: %v", err)
		}
	}
}

// TestSchemaAgreesWithParser feeds the same documents to the schema and the
// parser: the good ones pass both, and each bad one, whose problem a schema
// can express, fails both.
func TestSchemaAgreesWithParser(t *testing.T) {
	sch := compileSchema(t)
	good, err := filepath.Glob("testdata/good/*.yaml")
	if err != nil || len(good) == 0 {
		t.Fatalf("no testdata/good files: %v", err)
	}
	for _, p := range good {
		data, _ := os.ReadFile(p)
		if err := validateYAML(t, sch, data); err != nil {
			t.Errorf("%s: schema rejects a good file: %v", p, err)
		}
		if _, err := Parse(p, data); err != nil {
			t.Errorf("parser rejects a good file: %v", err)
		}
	}
	for _, c := range schemaExpressibleBad {
		data := []byte(c.src)
		if err := validateYAML(t, sch, data); err == nil {
			t.Errorf("%s: the schema accepts a bad file:\n%s", c.name, c.src)
		}
		if _, err := Parse(c.name+".yaml", data); err == nil {
			t.Errorf("%s: the parser accepts a bad file:\n%s", c.name, c.src)
		}
	}
}

// TestSchemaRejectsControlCharacters: the name is one line without control
// characters; the description may span lines but has no other control
// characters (as the parser says).
func TestSchemaRejectsControlCharacters(t *testing.T) {
	sch := compileSchema(t)
	for _, c := range []struct {
		doc string
		ok  bool
	}{
		{`{"name": "a b", "description": "one\ntwo\tthree"}`, true},
		{`{"name": "a\nb", "description": "x"}`, false},
		{`{"name": "a\u0000b", "description": "x"}`, false},
		{`{"name": "a\u2028b", "description": "x"}`, false},
		{`{"name": "a\u0085b", "description": "x"}`, false},
		{`{"description": "a\u0000b"}`, false},
		{`{"description": "a\rb"}`, false},
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); (err == nil) != c.ok {
			t.Errorf("%s: valid %v, want %v", c.doc, err == nil, c.ok)
		}
	}
}

// TestEveryIntegerKeyIsBounded: every integer key of room, deployment,
// client and limits has a range of its own in the parser, and the published
// schema has the same range.
func TestEveryIntegerKeyIsBounded(t *testing.T) {
	s := publishedSchema(t)
	for typ, name := range configNames {
		for _, f := range configFields(typ) {
			if f.kind != reflect.Int && f.kind != reflect.Int64 {
				continue
			}
			r, ok := intRanges[name+"."+f.key]
			if !ok {
				t.Errorf("%s.%s: no range in intRanges", name, f.key)
				continue
			}
			p := get(t, s, "properties", name, "properties", f.key)
			if get(t, p, "minimum") != float64(r.min) || get(t, p, "maximum") != float64(r.max) {
				t.Errorf("%s.%s: schema %v, parser %v", name, f.key, p, r)
			}
		}
	}
	defs := get(t, s, "$defs")
	for _, p := range []any{get(t, defs, "step", "properties", "advance"), get(t, defs, "expectation", "properties", "within")} {
		if get(t, p, "maximum") != float64(MaxWaitMs) {
			t.Errorf("advance/within: schema %v, parser at most %d", p, MaxWaitMs)
		}
	}
}

// TestSchemaDescribesEveryValue: editors show a description beside every
// action, cause, signal, reason, event and error value they complete.
func TestSchemaDescribesEveryValue(t *testing.T) {
	s := publishedSchema(t)
	if s["$id"] != "https://raw.githubusercontent.com/jitsi-sim/confsim/main/schema/scenario.schema.json" || !strings.HasSuffix(SchemaID, "/"+strings.TrimPrefix(schemaPath, "../../")) {
		t.Errorf("$id %v: want the raw address of %s in the repository", s["$id"], schemaPath)
	}
	defs := get(t, s, "$defs")
	for _, p := range []any{
		get(t, defs, "step", "properties", "action"), get(t, defs, "step", "properties", "fault"),
		get(t, defs, "step", "properties", "reason"), get(t, defs, "step", "properties", "expect_never", "items"),
		get(t, defs, "expectation", "properties", "event"), get(t, defs, "expectation", "properties", "error"),
		get(t, s, "properties", "profile"),
	} {
		values := strs(get(t, p, "enum"))
		docs := strs(get(t, p, "markdownEnumDescriptions"))
		if len(docs) != len(values) {
			t.Errorf("%v: %d descriptions for %d values", values, len(docs), len(values))
			continue
		}
		if get(t, p, "markdownDescription") == nil {
			t.Errorf("%v: no markdownDescription", values)
		}
		for i, v := range values {
			if strings.TrimSpace(docs[i]) == "" {
				t.Errorf("%s: no description", v)
			}
		}
	}
	for _, a := range sim.Actions {
		if actionDocs[a] == "" {
			t.Errorf("action %s: no entry in actionDocs", a)
		}
	}
	for _, c := range catalog.ConnErrors() {
		if connErrorDocs[c] == "" {
			t.Errorf("connection error %s: no entry in connErrorDocs", c)
		}
	}
}

// TestSchemaStepsUseIfThen: no oneOf (whose every branch reports), and no
// union type (ajv's strict mode warns of it).
func TestSchemaStepsUseIfThen(t *testing.T) {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"oneOf"`)) {
		t.Error("the schema uses oneOf")
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["type"].([]any); ok {
				t.Errorf("a union type: %v", x)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(publishedSchema(t))
}

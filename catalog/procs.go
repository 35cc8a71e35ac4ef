package catalog

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// procsTSV and operatorsTSV hold PostgreSQL 15's built-in functions and
// operators: pg_proc's and pg_operator's rows of pg_catalog as COPY text
// under a header line, each with its comment in a last column. gensystem
// writes them (testdata/regen.sh).
//
//go:embed pg_proc.tsv
var procsTSV string

//go:embed pg_operator.tsv
var operatorsTSV string

// castsTSV holds PostgreSQL 15's casts, pg_cast's rows, the same way.
//
//go:embed pg_cast.tsv
var castsTSV string

// The catalogs whose rows procsTSV and operatorsTSV hold, as the classoid
// of their comments.
const (
	procClassOID     = 1255
	operatorClassOID = 2617
	castClassOID     = 2605
)

// eachProc calls fn with each built-in function's columns by name (nil for
// NULL) and its comment.
func eachProc(fn func(cols map[string]any, description string)) { eachRow(procsTSV, fn) }

// eachRow calls fn with the columns by name (nil for NULL) and the comment
// of each row of a static catalog file.
func eachRow(tsv string, fn func(cols map[string]any, description string)) {
	header, lines := tsvLines(tsv)
	cols := make(map[string]any, len(header))
	for _, line := range lines {
		description := ""
		for i, field := range strings.Split(line, "\t") {
			var v any
			if field != `\N` {
				v = copyUnescape(field)
			}
			if header[i] == "description" {
				if v != nil {
					description = v.(string)
				}
				continue
			}
			cols[header[i]] = v
		}
		fn(cols, description)
	}
}

// tsvLines splits a static catalog file into its header's column names and
// its data lines.
func tsvLines(tsv string) (header, lines []string) {
	lines = strings.Split(strings.TrimSuffix(tsv, "\n"), "\n")
	return strings.Split(lines[0], "\t"), lines[1:]
}

// builtinRows holds the rows the built-in functions and operators put in
// the system tables: pg_proc's, pg_operator's, and pg_description's for
// their comments. They never change, so they are built once and shared by
// every build of the system tables (rows.static), which adds only the
// system columns.
type builtinRows struct {
	procs, operators, casts, descriptions arrow.RecordBatch
}

// newBuiltinRows reads procsTSV and operatorsTSV in one pass each,
// straight into Arrow builders.
func newBuiltinRows() (*builtinRows, error) {
	descRel := systemIndex[[2]string{PgCatalog, "pg_description"}]
	descs := array.NewRecordBuilder(memory.DefaultAllocator, descRel.schemaOf())
	defer descs.Release()
	procs, err := readStatic(procsTSV, "pg_proc", procClassOID, descs)
	if err != nil {
		return nil, err
	}
	ops, err := readStatic(operatorsTSV, "pg_operator", operatorClassOID, descs)
	if err != nil {
		procs.Release()
		return nil, err
	}
	casts, err := readStatic(castsTSV, "pg_cast", castClassOID, descs)
	if err != nil {
		procs.Release()
		ops.Release()
		return nil, err
	}
	return &builtinRows{procs: procs, operators: ops, casts: casts, descriptions: descs.NewRecordBatch()}, nil
}

// readStatic reads the rows of system relation rel from tsv, and appends
// their comments (class classOID) to descs.
func readStatic(tsv, rel string, classOID int64, descs *array.RecordBuilder) (arrow.RecordBatch, error) {
	rb := array.NewRecordBuilder(memory.DefaultAllocator, systemIndex[[2]string{PgCatalog, rel}].schemaOf())
	defer rb.Release()
	schema := rb.Schema()
	header, lines := tsvLines(tsv)
	// Where each field of a line goes: a column, or -1 for the comment.
	target := make([]int, len(header))
	for i, name := range header {
		target[i] = -1
		if j := schema.FieldIndices(name); len(j) == 1 {
			target[i] = j[0]
		}
	}
	for _, line := range lines {
		fields := strings.Split(line, "\t")
		for i, field := range fields {
			j := target[i]
			if j < 0 {
				continue
			}
			var v any
			if field != `\N` {
				s := copyUnescape(field)
				v = s
				if list, ok := schema.Field(j).Type.(*arrow.ListType); ok {
					v = arrayValue(s, list.Elem())
				}
			}
			if err := appendValue(rb.Field(j), v); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", rel, header[i], err)
			}
		}
		if d := fields[len(fields)-1]; header[len(header)-1] == "description" && d != `\N` {
			kv := map[string]any{"objoid": parseOID(fields[0]), "classoid": classOID, "objsubid": 0, "description": copyUnescape(d)}
			for j, f := range descs.Schema().Fields() {
				if err := appendValue(descs.Field(j), kv[f.Name]); err != nil {
					return nil, fmt.Errorf("pg_description.%s: %w", f.Name, err)
				}
			}
		}
	}
	return rb.NewRecordBatch(), nil
}

func fillProc(b *systemBuilder, r *rows) {
	r.static = append(r.static, b.builtins.procs)
}

func fillOperator(b *systemBuilder, r *rows) {
	r.static = append(r.static, b.builtins.operators)
}

func fillCast(b *systemBuilder, r *rows) {
	r.static = append(r.static, b.builtins.casts)
}

// procSignature is what pg_get_function_result and _arguments print of a
// built-in function.
type procSignature struct {
	result, arguments string
}

// builtinIndex answers lookups over the built-in functions and operators:
// regproc names and OIDs, signatures, comments. It is built in one pass
// over procsTSV and operatorsTSV on first use (builtinLookups) and never
// changes.
type builtinIndex struct {
	procNames    map[int64]string
	procOIDs     map[string]int64 // the lowest OID of an overloaded name
	signatures   map[int64]procSignature
	descriptions map[[2]int64]string // by class OID and object OID
}

var builtinLookups = sync.OnceValue(func() *builtinIndex {
	x := &builtinIndex{procNames: make(map[int64]string), procOIDs: make(map[string]int64),
		signatures: make(map[int64]procSignature), descriptions: make(map[[2]int64]string)}
	eachProc(func(cols map[string]any, description string) {
		oid := int64(parseOID(cols["oid"].(string)))
		name := cols["proname"].(string)
		x.procNames[oid] = name
		if o, ok := x.procOIDs[name]; !ok || oid < o {
			x.procOIDs[name] = oid
		}
		x.signatures[oid] = signatureOf(cols)
		if description != "" {
			x.descriptions[[2]int64{procClassOID, oid}] = description
		}
	})
	eachRow(operatorsTSV, func(cols map[string]any, description string) {
		if description != "" {
			x.descriptions[[2]int64{operatorClassOID, int64(parseOID(cols["oid"].(string)))}] = description
		}
	})
	return x
})

// signatureOf is what pg_get_function_result and _arguments print of the
// function whose pg_proc columns are cols.
func signatureOf(cols map[string]any) procSignature {
	str := func(name string) string {
		s, _ := cols[name].(string)
		return s
	}
	types := splitArrayLiteral(str("proargtypes"))
	if all := str("proallargtypes"); all != "" {
		types = splitArrayLiteral(all)
	}
	var modes, names []string
	if s := str("proargmodes"); s != "" {
		modes = splitArrayLiteral(s)
	}
	if s := str("proargnames"); s != "" {
		names = splitArrayLiteral(s)
	}
	// PostgreSQL 15 lists OUT arguments in the identity too: it
	// differs from the arguments by their defaults only, which
	// riffq leaves out.
	var args, table []string
	for i, t := range types {
		typ := TypeDisplayName(int64(parseOID(t)))
		if i < len(names) && names[i] != "" {
			typ = QuoteIdent(names[i]) + " " + typ
		}
		mode := "i"
		if i < len(modes) {
			mode = modes[i]
		}
		switch mode {
		case "t":
			table = append(table, typ)
			continue
		case "o":
			typ = "OUT " + typ
		case "b":
			typ = "INOUT " + typ
		case "v":
			typ = "VARIADIC " + typ
		}
		args = append(args, typ)
	}
	result := TypeDisplayName(int64(parseOID(str("prorettype"))))
	switch {
	case len(table) > 0:
		result = "TABLE(" + strings.Join(table, ", ") + ")"
	case str("proretset") == "t":
		result = "SETOF " + result
	}
	return procSignature{result, strings.Join(args, ", ")}
}

// ProcSignature is pg_get_function_result (fn "pg_get_function_result"),
// pg_get_function_arguments or pg_get_function_identity_arguments of a
// built-in function. Argument defaults are left out.
func ProcSignature(oid int64, fn string) (string, bool) {
	sig, ok := builtinLookups().signatures[oid]
	switch fn {
	case "pg_get_function_result":
		return sig.result, ok
	}
	return sig.arguments, ok
}

// BuiltinDescription is obj_description(oid, class) of a built-in function
// (class "pg_proc"), operator ("pg_operator") or type ("pg_type"); class
// "" tries each.
func BuiltinDescription(oid int64, class string) (string, bool) {
	m := builtinLookups().descriptions
	if class == "" || class == "pg_proc" {
		if d, ok := m[[2]int64{procClassOID, oid}]; ok {
			return d, true
		}
	}
	if class == "" || class == "pg_operator" {
		if d, ok := m[[2]int64{operatorClassOID, oid}]; ok {
			return d, true
		}
	}
	if class == "" || class == "pg_type" {
		d, ok := builtinTypeComments[oid]
		return d, ok
	}
	return "", false
}

func parseOID(s string) uint32 {
	var n uint32
	for _, c := range s {
		n = n*10 + uint32(c-'0')
	}
	return n
}

// arrayValue reads an array literal ({a,"b c"}) as the list a catalog
// column of element type elem holds.
func arrayValue(s string, elem arrow.DataType) any {
	items := splitArrayLiteral(s)
	switch elem.ID() {
	case arrow.INT16, arrow.INT32, arrow.INT64:
		out := make([]int64, len(items))
		for i, it := range items {
			out[i] = int64(parseOID(it))
		}
		return out
	}
	return items
}

// splitArrayLiteral splits a one-dimensional array literal into its
// elements, unquoting quoted ones.
func splitArrayLiteral(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if s == "" {
		return []string{}
	}
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}

// copyUnescape undoes COPY text format's backslash escapes.
func copyUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// IsBuiltinOperator reports whether PostgreSQL 15 has an operator named
// name (for some types): the difference between an operator riffq lacks
// and one that does not exist.
func IsBuiltinOperator(name string) bool {
	for line := range strings.Lines(operatorsTSV) {
		_, rest, _ := strings.Cut(line, "\t")
		if op, _, _ := strings.Cut(rest, "\t"); op == name {
			return true
		}
	}
	return false
}

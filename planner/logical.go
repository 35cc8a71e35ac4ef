package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
)

// Plan is a node of a logical plan: what to compute, not how. The binder
// builds it from the parse tree, optimizer rules rewrite it, and the physical
// planner lowers it to engine operators.
type Plan interface {
	// Schema is the node's output.
	Schema() *arrow.Schema
	// Inputs are the node's children.
	Inputs() []Plan
	// String describes the node on one line.
	String() string
}

// Scan reads a catalog table.
type Scan struct {
	Table *catalog.Table
	// Projection lists the table columns read, nil for all.
	Projection []int
	// Filters are conjuncts over the table's full schema that the provider
	// accepted; Exact reports which ones it applies fully.
	Filters []expr.Expr
	Exact   []bool
	// Limit is the most rows needed, -1 for all.
	Limit int64

	schema struct {
		table      *arrow.Schema
		projection []int
		out        *arrow.Schema
	}
}

// OneRow produces one row without columns (SELECT without FROM).
type OneRow struct{}

// Filter keeps rows where Predicate is true.
type Filter struct {
	Input     Plan
	Predicate expr.Expr
}

// Project computes Exprs over each input row.
type Project struct {
	Input Plan
	Exprs []expr.Expr
	Names []string
	// View, when not 0, is the OID of the view whose columns the
	// projection passes on: clients see them as the view's (origins).
	View   uint32
	schema exprMemo
}

// Aggregate groups by GroupBy and computes Aggs; its output is the group
// keys followed by the aggregates.
type Aggregate struct {
	Input   Plan
	GroupBy []expr.Expr
	Aggs    []*expr.Aggregate
	Names   []string
	schema  exprMemo
}

// SortKey orders by an input column.
type SortKey struct {
	Column     int
	Desc       bool
	NullsFirst bool
}

// Sort orders its input. Fetch, when positive, is how many rows of the
// result are needed (a LIMIT above).
type Sort struct {
	Input Plan
	Keys  []SortKey
	Fetch int64
}

// JoinType is the kind of a join. The engine's join operators define it;
// the logical plan shares it so that lowering needs no translation.
type JoinType = engine.JoinType

// Join types.
const (
	InnerJoin = engine.InnerJoin
	LeftJoin  = engine.LeftJoin
	RightJoin = engine.RightJoin
	FullJoin  = engine.FullJoin
	SemiJoin  = engine.SemiJoin
	AntiJoin  = engine.AntiJoin
)

// Join combines Left and Right rows for which On (over the left columns
// followed by the right ones; nil for every pair) is true, padding
// unmatched rows with NULLs in outer joins. Semi and anti joins output
// the left rows with and without such a pair.
type Join struct {
	Left, Right Plan
	Type        JoinType
	On          expr.Expr
	schema      schemaMemo
}

// DistinctOn keeps the first row of each run of rows with equal Keys
// columns in its input, which is sorted on them first (SELECT DISTINCT ON).
type DistinctOn struct {
	Input Plan
	Keys  []int
}

func (d *DistinctOn) Schema() *arrow.Schema { return d.Input.Schema() }
func (d *DistinctOn) Inputs() []Plan        { return []Plan{d.Input} }
func (d *DistinctOn) String() string        { return fmt.Sprintf("DistinctOn: keys=%v", d.Keys) }

// RecursiveUnion is WITH RECURSIVE's UNION [ALL]: the Anchor's rows, then
// Recursive run over the previous iteration's rows (its WorkTableScan)
// until an iteration yields none; Distinct drops rows seen before.
type RecursiveUnion struct {
	Anchor, Recursive Plan
	Table             *engine.WorkTable
	Distinct          bool
}

func (r *RecursiveUnion) Schema() *arrow.Schema { return r.Table.Schema }
func (r *RecursiveUnion) Inputs() []Plan        { return []Plan{r.Anchor, r.Recursive} }
func (r *RecursiveUnion) String() string {
	return fmt.Sprintf("RecursiveUnion: %s distinct=%v", r.Table.Name, r.Distinct)
}

// WorkTableScan reads the previous iteration's rows in the recursive term
// of a RecursiveUnion.
type WorkTableScan struct {
	Table *engine.WorkTable
}

func (w *WorkTableScan) Schema() *arrow.Schema { return w.Table.Schema }
func (*WorkTableScan) Inputs() []Plan          { return nil }
func (w *WorkTableScan) String() string        { return "WorkTableScan: " + w.Table.Name }

// Lateral joins each Left row with the rows Right yields for it (a
// LATERAL subquery or function in FROM): Right reads the Left columns in
// Outer through OuterRefs and is planned again for each distinct tuple of
// them. On, over Left's columns then Right's, keeps pairs; a LeftJoin
// pads Left rows without one.
type Lateral struct {
	Left, Right Plan
	Outer       []expr.Expr
	Type        JoinType
	On          expr.Expr
	schema      schemaMemo
}

func (l *Lateral) Schema() *arrow.Schema {
	left, right := l.Left.Schema(), l.Right.Schema()
	return l.schema.get(left, right, func() *arrow.Schema {
		fields := append([]arrow.Field{}, left.Fields()...)
		for _, f := range right.Fields() {
			f.Nullable = true
			fields = append(fields, f)
		}
		return arrow.NewSchema(fields, nil)
	})
}

// schemaMemo keeps the schema a node derived from its inputs' schemas, so
// that the optimizer's rules, which ask for schemas over and over while
// they walk a tree, do not rebuild a deep join's schema at every level.
// The inputs' schemas are the key: rules replace inputs rather than edit
// them, and an input that changed yields a different schema.
type schemaMemo struct {
	left, right, out *arrow.Schema
}

func (m *schemaMemo) get(left, right *arrow.Schema, build func() *arrow.Schema) *arrow.Schema {
	if m.out == nil || m.left != left || m.right != right {
		m.left, m.right, m.out = left, right, build()
	}
	return m.out
}

// Inputs holds only Left: Right is a template, planned per row.
func (l *Lateral) Inputs() []Plan { return []Plan{l.Left} }
func (l *Lateral) String() string {
	return fmt.Sprintf("Lateral: %d outer=[%s] on %v", l.Type, joinExprs(l.Outer), l.On)
}

// Limit skips Offset rows and returns at most Count (all when negative).
type Limit struct {
	Input         Plan
	Offset, Count int64
	// WithTies (FETCH FIRST n ROWS WITH TIES) also returns the rows after
	// the last counted one that tie with it in the Sort under the Limit.
	WithTies bool
}

func (s *Scan) Schema() *arrow.Schema {
	table := s.Table.Provider.Schema()
	m := &s.schema
	if m.out == nil || m.table != table || (m.projection == nil) != (s.Projection == nil) || !slices.Equal(m.projection, s.Projection) {
		m.table, m.projection, m.out = table, slices.Clone(s.Projection), sources.ProjectSchema(table, s.Projection)
	}
	return m.out
}
func (OneRow) Schema() *arrow.Schema    { return noColumns }
func (f *Filter) Schema() *arrow.Schema { return f.Input.Schema() }
func (p *Project) Schema() *arrow.Schema {
	return p.schema.get(p.Input.Schema(), p.Exprs, nil, p.Names)
}
func (s *Sort) Schema() *arrow.Schema  { return s.Input.Schema() }
func (l *Limit) Schema() *arrow.Schema { return l.Input.Schema() }
func (a *Aggregate) Schema() *arrow.Schema {
	return a.schema.get(a.Input.Schema(), a.GroupBy, a.Aggs, a.Names)
}

// exprMemo keeps the schema of a node's output expressions (Project's,
// Aggregate's), keyed by the input's schema and the expressions' types,
// catalog types and names: rules rewrite expressions in place, but a
// rewrite that keeps all of them keeps the schema.
type exprMemo struct {
	input   *arrow.Schema
	types   []arrow.DataType
	pgTypes []string
	names   []string
	out     *arrow.Schema
}

// get returns the schema of exprs followed by aggs over input, named by
// names. A plain column reference keeps the catalog type its input column
// has (pgtypes.TypeMetadata), as a PostgreSQL column keeps its type.
func (m *exprMemo) get(input *arrow.Schema, exprs []expr.Expr, aggs []*expr.Aggregate, names []string) *arrow.Schema {
	n := len(exprs) + len(aggs)
	typeOf := func(i int) (arrow.DataType, string) {
		if i >= len(exprs) {
			// min and max of an oid column are oids (PostgreSQL has
			// no min(name): it takes min(text)).
			a := aggs[i-len(exprs)]
			if a.Func == expr.Min || a.Func == expr.Max {
				if c, ok := a.Arg.(*expr.Column); ok && c.Index < input.NumFields() {
					if pg := pgtypes.Annotation(input.Field(c.Index)); pg == "oid" || isBpcharType(pg) {
						return a.DataType(), pg
					}
				}
				if pg := bpcharAnnotation(a.Arg); pg != "" {
					return a.DataType(), pg
				}
			}
			return a.DataType(), ""
		}
		e := exprs[i]
		if c, ok := e.(*expr.Column); ok && c.Index < input.NumFields() {
			return e.DataType(), pgtypes.Annotation(input.Field(c.Index))
		}
		if pg := declaredType(e); pg != "" {
			return e.DataType(), pg
		}
		return e.DataType(), bpcharAnnotation(e)
	}
	if m.out != nil && m.input == input && len(m.types) == n && slices.Equal(m.names, names) {
		same := true
		for i := range n {
			if t, pg := typeOf(i); t != m.types[i] || pg != m.pgTypes[i] {
				same = false
				break
			}
		}
		if same {
			return m.out
		}
	}
	m.input = input
	m.types = make([]arrow.DataType, n)
	m.pgTypes = make([]string, n)
	fields := make([]arrow.Field, n)
	for i := range n {
		m.types[i], m.pgTypes[i] = typeOf(i)
		fields[i] = arrow.Field{Name: names[i], Type: m.types[i], Nullable: true}
		if m.pgTypes[i] != "" {
			fields[i] = pgtypes.Annotate(fields[i], m.pgTypes[i])
		}
	}
	m.names, m.out = slices.Clone(names), arrow.NewSchema(fields, nil)
	return m.out
}

func (*Scan) Inputs() []Plan        { return nil }
func (OneRow) Inputs() []Plan       { return nil }
func (f *Filter) Inputs() []Plan    { return []Plan{f.Input} }
func (p *Project) Inputs() []Plan   { return []Plan{p.Input} }
func (a *Aggregate) Inputs() []Plan { return []Plan{a.Input} }
func (s *Sort) Inputs() []Plan      { return []Plan{s.Input} }
func (l *Limit) Inputs() []Plan     { return []Plan{l.Input} }
func (j *Join) Inputs() []Plan      { return []Plan{j.Left, j.Right} }
func (j *Join) String() string      { return fmt.Sprintf("Join: %d on %v", j.Type, j.On) }

func (s *Scan) String() string {
	return fmt.Sprintf("Scan: %s.%s projection=%v filters=%v limit=%d", s.Table.Schema, s.Table.Name, s.Projection, s.Filters, s.Limit)
}
func (OneRow) String() string     { return "OneRow" }
func (f *Filter) String() string  { return "Filter: " + f.Predicate.String() }
func (p *Project) String() string { return "Project: " + joinExprs(p.Exprs) }
func (a *Aggregate) String() string {
	aggs := make([]expr.Expr, len(a.Aggs))
	for i, ag := range a.Aggs {
		aggs[i] = ag
	}
	return fmt.Sprintf("Aggregate: groupBy=[%s] aggs=[%s]", joinExprs(a.GroupBy), joinExprs(aggs))
}
func (s *Sort) String() string { return fmt.Sprintf("Sort: %v fetch=%d", s.Keys, s.Fetch) }
func (l *Limit) String() string {
	if l.WithTies {
		return fmt.Sprintf("Limit: offset=%d count=%d with ties", l.Offset, l.Count)
	}
	return fmt.Sprintf("Limit: offset=%d count=%d", l.Offset, l.Count)
}

func joinExprs(es []expr.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func (j *Join) Schema() *arrow.Schema {
	if j.Type.LeftOnly() {
		return j.Left.Schema()
	}
	left, right := j.Left.Schema(), j.Right.Schema()
	return j.schema.get(left, right, func() *arrow.Schema {
		fields := append(append([]arrow.Field{}, left.Fields()...), right.Fields()...)
		for i := range fields {
			fields[i].Nullable = true
		}
		return arrow.NewSchema(fields, nil)
	})
}

// Union concatenates its parts, which have the same column types.
type Union struct {
	Parts []Plan

	schema unionMemo
}

// unionMemo keeps a Union's schema for the parts' schemas it was made
// from: working out the declared types reads every part, which only a
// union whose first part declares some needs (parts is nil otherwise).
type unionMemo struct {
	first *arrow.Schema
	parts []*arrow.Schema
	out   *arrow.Schema
}

// noColumns is the schema of a row without columns, shared so that the
// schemas memoized over OneRow stay valid (it is never modified).
var noColumns = arrow.NewSchema(nil, nil)

func (u *Union) Schema() *arrow.Schema {
	m := &u.schema
	first := u.Parts[0].Schema()
	if m.out != nil && m.first == first && m.parts == nil {
		return m.out
	}
	fields := append([]arrow.Field{}, first.Fields()...)
	orig := make([][]columnOrigin, len(u.Parts)) // each part's, read once if needed
	declared := func(j, i int, schema *arrow.Schema) string {
		return schemaDeclared(schema, i, func() []columnOrigin {
			if orig[j] == nil {
				orig[j] = origins(u.Parts[j])
			}
			return orig[j]
		})
	}
	first0 := make([]string, len(fields))
	for i := range fields {
		first0[i] = declared(0, i, first)
	}
	var parts []*arrow.Schema
	if slices.ContainsFunc(first0, func(d string) bool { return d != "" }) {
		parts = make([]*arrow.Schema, len(u.Parts))
		for i, p := range u.Parts {
			parts[i] = p.Schema()
		}
		if m.out != nil && slices.Equal(m.parts, parts) {
			return m.out
		}
	}
	decls := make([]string, len(u.Parts))
	untyped := make([]bool, len(u.Parts))
	for i := range fields {
		fields[i].Nullable = true
		fields[i] = pgtypes.Unannotate(fields[i])
		if first0[i] == "" {
			continue // the first part decides: none
		}
		for j := range u.Parts {
			decls[j] = declared(j, i, parts[j])
		}
		// A declared type stays as PostgreSQL's set operations keep it;
		// character columns of different lengths are bpchar.
		if pg := commonDeclared(decls, untyped, fields[i].Type); pg != "" {
			fields[i] = pgtypes.Annotate(fields[i], pg)
		}
	}
	*m = unionMemo{first: first, parts: parts, out: arrow.NewSchema(fields, nil)}
	return m.out
}
func (u *Union) String() string { return "Union" }
func (u *Union) Inputs() []Plan { return u.Parts }

// TableFunc is a set-returning function in FROM (generate_series,
// unnest): its arguments are evaluated once, without input columns.
type TableFunc struct {
	Func string
	Args []expr.Expr
	Out  *arrow.Schema
	// Ordinality adds the row number, counting from 1, as a last column
	// (WITH ORDINALITY).
	Ordinality bool
}

func (t *TableFunc) Schema() *arrow.Schema { return t.Out }
func (*TableFunc) Inputs() []Plan          { return nil }
func (t *TableFunc) String() string        { return "TableFunc: " + t.Func + "(" + joinExprs(t.Args) + ")" }

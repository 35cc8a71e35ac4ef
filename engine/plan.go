// Package engine executes physical plans: trees of operators that stream
// Arrow record batches from table scans up to the client.
//
// An operator's Execute returns an array.RecordReader; pulling from the root
// reader pulls batches through the tree. Blocking operators (sort,
// aggregate) consume their input on the first pull.
package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/sources"
)

// Plan is a physical operator.
type Plan interface {
	// Schema is the schema of the batches Execute yields.
	Schema() *arrow.Schema
	// Execute starts the operator. The reader stops with ctx's error once
	// ctx is done.
	Execute(ctx context.Context) (array.RecordReader, error)
	// Children are the operator's inputs.
	Children() []Plan
	// String describes the operator on one line, for EXPLAIN.
	String() string
}

// Explain renders a plan tree, one operator per line, children indented,
// then the plans of the subqueries an operator evaluates (see subplans).
func Explain(p Plan) string {
	var sb strings.Builder
	var n int
	var walk func(p Plan, depth int)
	walk = func(p Plan, depth int) {
		sb.WriteString(strings.Repeat("  ", depth))
		sb.WriteString(p.String())
		sb.WriteByte('\n')
		for _, c := range p.Children() {
			walk(c, depth+1)
		}
		writeSubplans(&sb, p, depth+1, &n, walk)
	}
	walk(p, 0)
	return sb.String()
}

// writeSubplans renders, below an operator, each subquery its
// expressions evaluate, numbered across the plan as PostgreSQL numbers
// its SubPlans: the label, then an uncorrelated subquery's plan through
// walk, or a correlated one's description (it is planned per outer row).
func writeSubplans(sb *strings.Builder, p Plan, depth int, n *int, walk func(Plan, int)) {
	for _, q := range subqueries(p) {
		*n++
		kind := map[expr.SubqueryKind]string{expr.ScalarSubquery: "scalar", expr.ExistsSubquery: "EXISTS",
			expr.InSubquery: "IN", expr.ArraySubquery: "ARRAY"}[q.Kind]
		fmt.Fprintf(sb, "%sSubPlan %d (%s", strings.Repeat("  ", depth), *n, kind)
		plan, ok := q.Plan.(Plan)
		switch {
		case q.Correlated != nil:
			fmt.Fprintf(sb, ", correlated, planned per outer row): %s\n", q.Correlated)
		case ok:
			sb.WriteString(")\n")
			walk(plan, depth+1)
		default:
			fmt.Fprintf(sb, "): %s\n", q.Plan)
		}
	}
}

// subqueries returns the subqueries among the expressions p evaluates,
// outermost first.
func subqueries(p Plan) []*expr.Subquery {
	var es []expr.Expr
	switch p := p.(type) {
	case *Filter:
		es = []expr.Expr{p.Predicate}
	case *Project:
		es = p.Exprs
	case *HashJoin:
		es = append(append(append(es, p.LeftKeys...), p.RightKeys...), p.Filter)
	case *Aggregate:
		es = append(es, p.GroupBy...)
		for _, a := range p.Aggs {
			es = append(append(es, a.Operands()...), a.Filter)
		}
	case interface{ Unwrap() Plan }:
		return subqueries(p.Unwrap()) // a plan relabeled or measured
	}
	var qs []*expr.Subquery
	for _, e := range es {
		if e == nil {
			continue
		}
		expr.Walk(e, func(e expr.Expr) bool {
			if q, ok := e.(*expr.Subquery); ok {
				qs = append(qs, q)
				return false // its own subqueries show under its plan
			}
			return true
		})
	}
	return qs
}

// Scan reads a table through its provider.
type Scan struct {
	Table    string // qualified name, for EXPLAIN
	Provider sources.TableProvider
	Request  sources.ScanRequest
	schema   *arrow.Schema
}

// NewScan returns a scan of provider with the given request.
func NewScan(table string, p sources.TableProvider, req sources.ScanRequest) *Scan {
	return &Scan{Table: table, Provider: p, Request: req, schema: sources.ProjectSchema(p.Schema(), req.Projection)}
}

func (s *Scan) Schema() *arrow.Schema { return s.schema }
func (s *Scan) Children() []Plan      { return nil }

func (s *Scan) String() string {
	var parts []string
	names := make([]string, len(s.schema.Fields()))
	for i, f := range s.schema.Fields() {
		names[i] = f.Name
	}
	parts = append(parts, "projection=["+strings.Join(names, ", ")+"]")
	if len(s.Request.Filters) > 0 {
		fs := make([]string, len(s.Request.Filters))
		for i, f := range s.Request.Filters {
			fs[i] = f.String()
		}
		parts = append(parts, "filters=["+strings.Join(fs, ", ")+"]")
	}
	if s.Request.Limit >= 0 {
		parts = append(parts, fmt.Sprintf("limit=%d", s.Request.Limit))
	}
	return fmt.Sprintf("Scan: %s %s", s.Table, strings.Join(parts, " "))
}

// scanPrefetch is how many batches a scan decodes ahead of its consumer.
const scanPrefetch = 2

func (s *Scan) Execute(ctx context.Context) (array.RecordReader, error) {
	rdr, err := s.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", s.Table, err)
	}
	if !rdr.Schema().Equal(s.schema) {
		// Providers own their field metadata; present the planned schema.
		return batchio.NewReader(s.schema, func() (arrow.RecordBatch, error) {
			if !rdr.Next() {
				return nil, rdr.Err()
			}
			b := rdr.RecordBatch()
			return array.NewRecordBatch(s.schema, b.Columns(), b.NumRows()), nil
		}, rdr.Release), nil
	}
	return rdr, nil
}

// open starts the provider's scan: its partitions, when it has more
// than one, read on every core and concatenated in order (and cut at the
// limit, which each part applies alone); otherwise one scan, decoding on
// another core while the operators above (and the wire encoder) work on
// the previous batch.
func (s *Scan) open(ctx context.Context) (array.RecordReader, error) {
	if pp, ok := s.Provider.(sources.Partitioner); ok {
		parts, err := pp.Partitions(ctx, s.Request)
		if err != nil {
			return nil, err
		}
		if len(parts) > 1 {
			opens := make([]func() (array.RecordReader, error), len(parts))
			for i, p := range parts {
				opens[i] = func() (array.RecordReader, error) { return p.Scan(ctx) }
			}
			rdr := batchio.Concat(s.schema, opens, runtime.GOMAXPROCS(0), scanPrefetch)
			if s.Request.Limit >= 0 {
				rdr = limitReader(rdr, s.Request.Limit)
			}
			return rdr, nil
		}
	}
	rdr, err := s.Provider.Scan(ctx, s.Request)
	if err != nil {
		return nil, err
	}
	return batchio.Prefetch(rdr, scanPrefetch), nil
}

// limitReader stops r after limit rows.
func limitReader(r array.RecordReader, limit int64) array.RecordReader {
	return batchio.NewReader(r.Schema(), func() (arrow.RecordBatch, error) {
		if limit <= 0 || !r.Next() {
			return nil, r.Err()
		}
		b := r.RecordBatch()
		if b.NumRows() > limit {
			b = b.NewSlice(0, limit)
		} else {
			b.Retain()
		}
		limit -= b.NumRows()
		return b, nil
	}, r.Release)
}

// OneRow yields a single row with no columns: the input of a SELECT without
// FROM.
type OneRow struct{}

// noColumns is OneRow's schema; schemas are immutable, so one serves all.
var noColumns = arrow.NewSchema(nil, nil)

func (OneRow) Schema() *arrow.Schema { return noColumns }
func (OneRow) Children() []Plan      { return nil }
func (OneRow) String() string        { return "OneRow" }

func (o OneRow) Execute(context.Context) (array.RecordReader, error) {
	done := false
	schema := o.Schema()
	return batchio.NewReader(schema, func() (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		done = true
		return array.NewRecordBatch(schema, nil, 1), nil
	}, nil), nil
}

// Filter keeps the rows for which Predicate is true.
type Filter struct {
	Input     Plan
	Predicate expr.Expr
}

func (f *Filter) Schema() *arrow.Schema { return f.Input.Schema() }
func (f *Filter) Children() []Plan      { return []Plan{f.Input} }
func (f *Filter) String() string        { return "Filter: " + f.Predicate.String() }

func (f *Filter) Execute(ctx context.Context) (array.RecordReader, error) {
	filter, err := filterStage(f.Predicate)
	if err != nil {
		return nil, err
	}
	return filterInput(ctx, f.Input, filter)
}

// compileConjuncts compiles the conjuncts of a filter's predicate in the
// order they are evaluated: those that cannot fail first, the cheapest
// first by conjunctCost; then those that may fail (mayFail) in the order
// written, so that each runs after every conjunct written before it, which
// may guard it (`s ~ '^[0-9]+$' AND s::int > 5` casts only digits); then
// those with subqueries, the costliest, as PostgreSQL orders them.
func compileConjuncts(predicate expr.Expr) ([]evaluator, error) {
	var safe, failing, subqueries []expr.Expr
	for _, c := range expr.Conjuncts(predicate) {
		switch {
		case expr.HasSubquery(c):
			subqueries = append(subqueries, c)
		case mayFail(c):
			failing = append(failing, c)
		default:
			safe = append(safe, c)
		}
	}
	slices.SortStableFunc(safe, func(a, b expr.Expr) int { return conjunctCost(a) - conjunctCost(b) })
	return compileAll(slices.Concat(safe, failing, subqueries))
}

// filterConjuncts keeps the rows of b for which every predicate is true,
// evaluating each over the rows the ones before it kept: the costlier
// conjuncts see fewer rows, and, as in PostgreSQL, `x <> 0 AND 1 / x > 1`
// divides only where x is not zero.
func filterConjuncts(ctx context.Context, b arrow.RecordBatch, preds []evaluator) (arrow.RecordBatch, error) {
	b.Retain()
	for _, pred := range preds {
		d, err := pred(ctx, b)
		if err != nil {
			b.Release()
			return nil, err
		}
		out, err := applyFilter(ctx, b, d)
		d.Release()
		b.Release()
		if err != nil {
			return nil, err
		}
		if b = out; b.NumRows() == 0 {
			break
		}
	}
	return b, nil
}

// conjunctCost ranks a filter's conjuncts, cheapest first: comparisons of
// fixed-width values, then of strings and calls, then pattern matches, then
// subqueries. Conjuncts of one rank keep the query's order, which guards
// the later ones as PostgreSQL's order does.
func conjunctCost(e expr.Expr) int {
	cost := 0
	expr.Walk(e, func(e expr.Expr) bool {
		switch n := e.(type) {
		case *expr.Subquery:
			cost += 1000
			return false
		case *expr.Call:
			switch n.Func {
			case "like", "ilike", "regex", "iregex":
				cost += 20
			default:
				cost += 5
			}
		case *expr.Binary:
			// AND and OR cost nothing of their own, as in PostgreSQL's
			// cost_qual_eval: id IN (1, 6), an OR of two comparisons,
			// ranks with i8 * 2 > 0 and keeps its place before it.
			if n.Op != expr.And && n.Op != expr.Or {
				cost++
			}
		case *expr.Cast:
			cost++
		case *expr.Column:
			if id := n.Type.ID(); id == arrow.STRING || id == arrow.LARGE_STRING || id == arrow.BINARY {
				cost += 2
			}
		}
		return true
	})
	return cost
}

func applyFilter(ctx context.Context, b arrow.RecordBatch, d compute.Datum) (arrow.RecordBatch, error) {
	switch v := d.(type) {
	case *compute.ScalarDatum:
		if bs, ok := v.Value.(*scalar.Boolean); ok && bs.IsValid() && bs.Value {
			b.Retain()
			return b, nil
		}
		return b.NewSlice(0, 0), nil
	case *compute.ArrayDatum:
		mask := v.MakeArray()
		defer mask.Release()
		return filterBatch(ctx, b, mask)
	}
	return nil, fmt.Errorf("filter: unexpected datum %s", d.Kind())
}

// Project computes one output column per expression.
type Project struct {
	Input  Plan
	Exprs  []expr.Expr
	schema *arrow.Schema
	// row is the one row of constants over OneRow, built with the plan
	// (SELECT 1, a row of VALUES): a plan a session keeps answers from it
	// without evaluating anything. Project holds one reference for good.
	row arrow.RecordBatch
}

// NewProject returns a projection of input to exprs, named names.
func NewProject(input Plan, exprs []expr.Expr, names []string) *Project {
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		fields[i] = arrow.Field{Name: names[i], Type: e.DataType(), Nullable: true}
	}
	p := &Project{Input: input, Exprs: exprs, schema: arrow.NewSchema(fields, nil)}
	if _, ok := input.(OneRow); ok {
		p.row = constantRow(exprs, p.schema)
	}
	return p
}

// constantRow is the row exprs yield when every one is a literal, nil
// otherwise.
func constantRow(exprs []expr.Expr, schema *arrow.Schema) arrow.RecordBatch {
	cols := make([]arrow.Array, len(exprs))
	defer releaseAll(cols)
	for i, e := range exprs {
		lit, ok := e.(*expr.Literal)
		if !ok {
			return nil
		}
		a, err := broadcast(lit.Value, 1)
		if err != nil {
			return nil
		}
		cols[i] = a
	}
	return array.NewRecordBatch(schema, cols, 1)
}

func (p *Project) Schema() *arrow.Schema { return p.schema }
func (p *Project) Children() []Plan      { return []Plan{p.Input} }

func (p *Project) String() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		parts[i] = e.String()
		if name := p.schema.Field(i).Name; name != e.String() {
			parts[i] += " AS " + name
		}
	}
	return "Project: " + strings.Join(parts, ", ")
}

func (p *Project) Execute(ctx context.Context) (array.RecordReader, error) {
	if p.row != nil {
		return array.NewRecordReader(p.schema, []arrow.RecordBatch{p.row})
	}
	project, err := projectStage(p.Exprs, p.schema)
	if err != nil {
		return nil, err
	}
	in, err := p.Input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	return batchio.NewReader(p.schema, func() (arrow.RecordBatch, error) {
		if !in.Next() {
			return nil, in.Err()
		}
		return project(ctx, in.RecordBatch())
	}, in.Release), nil
}

// Limit skips Offset rows and then yields at most Count rows (all when
// Count < 0).
type Limit struct {
	Input         Plan
	Offset, Count int64
	// Ties, when set, are the columns the input is sorted by: the rows
	// after the last counted one that equal it there come too (FETCH
	// FIRST n ROWS WITH TIES).
	Ties []int
}

func (l *Limit) Schema() *arrow.Schema { return l.Input.Schema() }
func (l *Limit) Children() []Plan      { return []Plan{l.Input} }

func (l *Limit) String() string {
	if len(l.Ties) > 0 {
		return fmt.Sprintf("Limit: offset=%d count=%d with ties", l.Offset, l.Count)
	}
	return fmt.Sprintf("Limit: offset=%d count=%d", l.Offset, l.Count)
}

func (l *Limit) Execute(ctx context.Context) (array.RecordReader, error) {
	in, err := l.Input.Execute(ctx)
	if err != nil {
		return nil, err
	}
	if len(l.Ties) > 0 && l.Count >= 0 {
		return l.withTies(in), nil
	}
	skip, left := l.Offset, l.Count
	return batchio.NewReader(l.Schema(), func() (arrow.RecordBatch, error) {
		for left != 0 && in.Next() {
			b := in.RecordBatch()
			n := b.NumRows()
			if skip >= n {
				skip -= n
				continue
			}
			end := n
			if left >= 0 && end-skip > left {
				end = skip + left
			}
			out := b.NewSlice(skip, end)
			skip = 0
			if left > 0 {
				left -= out.NumRows()
			}
			return out, nil
		}
		return nil, in.Err()
	}, in.Release), nil
}

// withTies is Limit's reader for FETCH FIRST n ROWS WITH TIES: past the
// Count rows it goes on while the rows equal the last one in l.Ties.
func (l *Limit) withTies(in array.RecordReader) array.RecordReader {
	skip, left := l.Offset, l.Count
	var last []scalar.Scalar // the last counted row's keys, once Count rows are out
	done := false
	// tied returns the end of the run of rows from start that equal last.
	tied := func(b arrow.RecordBatch, start int64) (int64, error) {
		for i := start; i < b.NumRows(); i++ {
			for k, c := range l.Ties {
				v, err := scalar.GetScalar(b.Column(c), int(i))
				if err != nil {
					return 0, err
				}
				if !scalar.Equals(v, last[k]) {
					return i, nil
				}
			}
		}
		return b.NumRows(), nil
	}
	return batchio.NewReader(l.Schema(), func() (arrow.RecordBatch, error) {
		for !done && in.Next() {
			b := in.RecordBatch()
			n := b.NumRows()
			if last != nil {
				end, err := tied(b, 0)
				if err != nil {
					return nil, err
				}
				done = end < n
				if end == 0 {
					break
				}
				return b.NewSlice(0, end), nil
			}
			if skip >= n {
				skip -= n
				continue
			}
			end := min(n, skip+left)
			left -= end - skip
			if left == 0 {
				if end == skip { // FETCH FIRST 0 ROWS
					done = true
					break
				}
				last = make([]scalar.Scalar, len(l.Ties))
				for k, c := range l.Ties {
					v, err := scalar.GetScalar(b.Column(c), int(end-1))
					if err != nil {
						return nil, err
					}
					last[k] = v
				}
				var err error
				if end, err = tied(b, end); err != nil {
					return nil, err
				}
				done = end < n
			}
			out := b.NewSlice(skip, end)
			skip = 0
			return out, nil
		}
		return nil, in.Err()
	}, in.Release)
}

// filterBatch keeps the rows of b where mask is true (NULL is false); a
// mask that keeps every row returns b itself, uncopied.
func filterBatch(ctx context.Context, b arrow.RecordBatch, mask arrow.Array) (arrow.RecordBatch, error) {
	m, ok := mask.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("filter: mask is %s, not boolean", mask.DataType())
	}
	if m.NullN() == 0 && (m.Len() == 0 || bitutil.CountSetBits(m.Data().Buffers()[1].Bytes(), m.Data().Offset(), m.Len()) == m.Len()) {
		b.Retain()
		return b, nil
	}
	return take.Rows(ctx, b, selectedRows(m))
}

// selectedRows lists the rows where m is true (not NULL, not false),
// reading the bitmaps a word at a time.
func selectedRows(m *array.Boolean) []int32 {
	n, off := m.Len(), m.Data().Offset()
	rows := make([]int32, 0, n)
	if n == 0 {
		return rows
	}
	vals := m.Data().Buffers()[1].Bytes()
	var valid []byte
	if m.NullN() > 0 {
		valid = m.NullBitmapBytes()
	}
	if off%8 != 0 {
		for i := range n {
			if m.IsValid(i) && m.Value(i) {
				rows = append(rows, int32(i))
			}
		}
		return rows
	}
	vals = vals[off/8:]
	if valid != nil {
		valid = valid[off/8:]
	}
	for base := 0; base < n; base += 64 {
		w := bitWord(vals, base)
		if valid != nil {
			w &= bitWord(valid, base)
		}
		if left := n - base; left < 64 {
			w &= 1<<left - 1
		}
		for w != 0 {
			rows = append(rows, int32(base+bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
	return rows
}

// bitWord reads the 64 bits of an Arrow bitmap from bit i (a multiple of
// 64), with zeros past its end.
func bitWord(bitmap []byte, i int) uint64 {
	at := i / 8
	if at+8 <= len(bitmap) {
		return binary.LittleEndian.Uint64(bitmap[at:])
	}
	var w uint64
	for k := 0; at+k < len(bitmap); k++ {
		w |= uint64(bitmap[at+k]) << (8 * k)
	}
	return w
}

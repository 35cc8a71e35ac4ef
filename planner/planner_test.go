package planner

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// pushdownTable is a provider that declares filters on column a with = as
// support, and records the scan requests it receives.
type pushdownTable struct {
	*sources.MemTable
	support  sources.FilterSupport
	requests []sources.ScanRequest
}

func (p *pushdownTable) SupportsFilters(filters []expr.Expr) []sources.FilterSupport {
	out := make([]sources.FilterSupport, len(filters))
	for i, f := range filters {
		if b, ok := f.(*expr.Binary); ok && b.Op == expr.Eq {
			if c, ok := b.Left.(*expr.Column); ok && c.Index == 0 {
				out[i] = p.support
			}
		}
	}
	return out
}

func (p *pushdownTable) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	p.requests = append(p.requests, req)
	return p.MemTable.Scan(ctx, req)
}

func newTestPlanner(t *testing.T, support sources.FilterSupport) (*Planner, *pushdownTable) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "c", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	bld.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 1, 3}, nil)
	bld.Field(1).(*array.StringBuilder).AppendValues([]string{"x", "y", "z", "w"}, nil)
	bld.Field(2).(*array.Float64Builder).AppendValues([]float64{0.5, 1.5, 2.5, 3.5}, nil)
	rec := bld.NewRecordBatch()
	mem, err := sources.NewMemTable(schema, rec)
	if err != nil {
		t.Fatal(err)
	}
	tbl := &pushdownTable{MemTable: mem, support: support}
	cat := catalog.New("db")
	if err := cat.AddTable("", "", "t", tbl, catalog.TableInfo{}); err != nil {
		t.Fatal(err)
	}
	return &Planner{Catalog: cat}, tbl
}

func planSQL(t *testing.T, p *Planner, sql string) (engine.Plan, error) {
	t.Helper()
	stmts, err := Parse(sql)
	if err != nil {
		return nil, err
	}
	q, err := p.Plan(context.Background(), testSession{}, stmts[0], nil)
	if err != nil {
		return nil, err
	}
	return q.Plan, nil
}

func TestPushdown(t *testing.T) {
	cases := []struct {
		name    string
		support sources.FilterSupport
		sql     string
		plan    string
		rows    int64
		req     sources.ScanRequest // what the provider must receive
	}{
		{
			name: "projection only", support: sources.Unsupported,
			sql:  "SELECT c FROM t",
			plan: "Project: t.c AS c\n  Scan: public.t projection=[c]\n",
			rows: 4, req: sources.ScanRequest{Projection: []int{2}, Limit: -1},
		},
		{
			name: "count(*) reads no column", support: sources.Unsupported,
			sql:  "SELECT count(*) FROM t",
			plan: "Project: count(*) AS count\n  Aggregate: groupBy=[] aggs=[count(*)]\n    Scan: public.t projection=[]\n",
			rows: 1, req: sources.ScanRequest{Projection: []int{}, Limit: -1},
		},
		{
			name: "unsupported filter stays in the engine", support: sources.Unsupported,
			sql:  "SELECT b FROM t WHERE a = 1 LIMIT 1",
			plan: "Limit: offset=0 count=1\n  Project: t.b AS b\n    Filter: (t.a = 1)\n      Scan: public.t projection=[a, b]\n",
			rows: 1, req: sources.ScanRequest{Projection: []int{0, 1}, Limit: -1},
		},
		{
			name: "inexact filter goes to the scan and stays", support: sources.Inexact,
			sql:  "SELECT b FROM t WHERE a = 1 AND c > 1 LIMIT 1",
			plan: "Limit: offset=0 count=1\n  Project: t.b AS b\n    Filter: ((t.a = 1) AND (t.c > 1))\n      Scan: public.t projection=[a, b, c] filters=[(t.a = 1)]\n",
			rows: 1, req: sources.ScanRequest{Projection: []int{0, 1, 2}, Limit: -1},
		},
		{
			name: "exact filter leaves the plan and lets the limit through", support: sources.Exact,
			sql:  "SELECT b FROM t WHERE a = 1 LIMIT 1 OFFSET 1",
			plan: "Limit: offset=1 count=1\n  Project: t.b AS b\n    Scan: public.t projection=[b] filters=[(t.a = 1)] limit=2\n",
			rows: 1, req: sources.ScanRequest{Projection: []int{1}, Limit: 2},
		},
		{
			// The sort keeps the top two rows; the scan reads everything.
			name: "sort stops limit pushdown, keeps top-K", support: sources.Unsupported,
			sql:  "SELECT a FROM t ORDER BY c DESC LIMIT 2",
			plan: "Project: a\n  Limit: offset=0 count=2\n    Sort: ?sort? DESC NULLS FIRST fetch=2\n      Project: t.a AS a, t.c AS ?sort?\n        Scan: public.t projection=[a, c]\n",
			rows: 2, req: sources.ScanRequest{Projection: []int{0, 2}, Limit: -1},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, tbl := newTestPlanner(t, c.support)
			plan, err := planSQL(t, p, c.sql)
			if err != nil {
				t.Fatal(err)
			}
			if got := engine.Explain(plan); got != c.plan {
				t.Errorf("plan:\n%s\nwant:\n%s", got, c.plan)
			}
			rdr, err := plan.Execute(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			for rdr.Next() {
				n += rdr.RecordBatch().NumRows()
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			rdr.Release()
			if c.support != sources.Exact && n != c.rows {
				t.Errorf("rows = %d, want %d", n, c.rows)
			}
			if len(tbl.requests) != 1 {
				t.Fatalf("provider scanned %d times", len(tbl.requests))
			}
			got := tbl.requests[0]
			if !equalInts(got.Projection, c.req.Projection) || got.Limit != c.req.Limit {
				t.Errorf("scan request projection=%v limit=%d, want projection=%v limit=%d", got.Projection, got.Limit, c.req.Projection, c.req.Limit)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBindErrors(t *testing.T) {
	cases := []struct {
		sql, code string
		pos       int
	}{
		{"SELECT zz FROM t", pgerror.UndefinedColumn, 8},
		{"SELECT a FROM nope", pgerror.UndefinedTable, 15},
		{"SELECT q.a FROM t", pgerror.UndefinedTable, 8},
		{"SELECT a, count(*) FROM t", pgerror.GroupingError, 8},
		{"SELECT a FROM t WHERE b", pgerror.DatatypeMismatch, 23},
		{"SELECT a FROM t WHERE a = 'x'", pgerror.InvalidTextRepresentation, 27},
		{"SELECT a + b FROM t", pgerror.UndefinedFunction, 10},
		{"SELECT a FROM t ORDER BY 3", pgerror.InvalidColumnReference, 26},
		{"SELECT DISTINCT ON (a) a FROM t ORDER BY b", pgerror.InvalidColumnReference, 21},
		{"SELECT a FROM t t1, t t2", pgerror.AmbiguousColumn, 8},
		{"SELECT a FROM t WHERE a = $1", "42P02", 27},
		{"SELECT a || a FROM t", pgerror.UndefinedFunction, 10},
		// Two-dimensional arrays are refused, not taken for arrays of arrays.
		{"SELECT ARRAY[ARRAY[1, 2], ARRAY[a, a]] FROM t", pgerror.FeatureNotSupported, 8},
		// A subquery reads a query two levels out; the name must exist there.
		{"SELECT a FROM t t1 WHERE EXISTS (SELECT 1 FROM t t2 WHERE EXISTS (SELECT 1 FROM t t3 WHERE t3.a = t1.nope))", pgerror.UndefinedColumn, 99},
	}
	for _, c := range cases {
		p, _ := newTestPlanner(t, sources.Unsupported)
		_, err := planSQL(t, p, c.sql)
		pe := pgerror.From(err)
		if err == nil {
			t.Errorf("%s: no error, want %s", c.sql, c.code)
			continue
		}
		if pe.Code != c.code || pe.Position != c.pos {
			t.Errorf("%s: got %v (position %d), want %s at %d", c.sql, err, pe.Position, c.code, c.pos)
		}
	}
}

func TestParseSplitsStatements(t *testing.T) {
	stmts, err := Parse("SELECT 1; SELECT 'a;b'; ")
	if err != nil || len(stmts) != 2 {
		t.Fatalf("got %d statements, %v", len(stmts), err)
	}
	_, err = Parse("SELECT 1; SELEC 2")
	if pe := pgerror.From(err); pe.Code != pgerror.SyntaxError || pe.Position != 11 {
		t.Errorf("syntax error: got %v at %d", err, pe.Position)
	}
	if !strings.Contains(pgerror.From(err).Message, `"SELEC"`) {
		t.Errorf("message %q does not name the token", pgerror.From(err).Message)
	}
}

// testSession is a session without settings.
type testSession struct{}

func (testSession) Activity() []catalog.Activity { return nil }
func (testSession) Database() string             { return "db" }
func (testSession) Setting(name string) (string, string, error) {
	return "", "", pgerror.New("42704", "unrecognized configuration parameter %q", name)
}
func (testSession) SetSetting(string, string, bool, bool) error { return nil }
func (testSession) Settings() [][3]string                       { return nil }

// TestJoinPlan checks that WHERE conjuncts of a comma join become hash keys
// and single-table filters go below the join.
func TestJoinPlan(t *testing.T) {
	p, _ := newTestPlanner(t, sources.Unsupported)
	plan, err := planSQL(t, p, "SELECT t1.b, t2.c FROM t t1, t t2 WHERE t1.a = t2.a AND t2.c > 1 AND t1.b <> t2.b")
	if err != nil {
		t.Fatal(err)
	}
	want := `Project: t1.b AS b, t2.c AS c
  HashJoin: Inner on=[t1.a = t2.a] filter=(t1.b <> t2.b)
    Scan: public.t projection=[a, b]
    Filter: (t2.c > 1)
      Scan: public.t projection=[a, b, c]
`
	if got := engine.Explain(plan); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
}

func (testSession) UserName() string   { return "tester" }
func (testSession) BackendPID() uint32 { return 7 }

// TestReusable checks which plans a session may keep and run again: only
// queries without parameter values, system tables or values fixed per
// statement.
func TestReusable(t *testing.T) {
	p, _ := newTestPlanner(t, sources.Unsupported)
	view := &catalog.View{SQL: "CREATE VIEW v_now AS SELECT now() AS at", Definition: "SELECT now() AS at",
		Schema: arrow.NewSchema([]arrow.Field{{Name: "at", Type: typeTimestamptz, Nullable: true}}, nil)}
	if err := p.Catalog.AddView("db", "", "v_now", view, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sql    string
		params []scalar.Scalar
		want   bool
	}{
		{"SELECT 1", nil, true},
		{"SELECT a, count(*) FROM t WHERE b <> 'x' GROUP BY a", nil, true},
		{"SELECT * FROM t WHERE a IN (SELECT a FROM t WHERE c > 1)", nil, true},
		{"SELECT * FROM t WHERE a = $1", []scalar.Scalar{scalar.NewInt32Scalar(1)}, false},
		{"SELECT now()", nil, false},
		{"SELECT a FROM t WHERE c < extract(epoch FROM CURRENT_TIMESTAMP)", nil, false},
		{"SELECT current_setting('application_name', true)", nil, false},
		{"SELECT relname FROM pg_catalog.pg_class", nil, false},
		{"SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_namespace)", nil, false},
		{"SELECT * FROM v_now", nil, false},
		{"SET application_name = 'x'", nil, false},
		{"EXPLAIN SELECT 1", nil, false},
	}
	for _, tt := range tests {
		stmts, err := Parse(tt.sql)
		if err != nil {
			t.Fatal(err)
		}
		q, err := p.Plan(context.Background(), testSession{}, stmts[0], tt.params)
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		if q.Reusable != tt.want {
			t.Errorf("%s: Reusable = %v, want %v", tt.sql, q.Reusable, tt.want)
		}
	}
}

// Package planner turns SQL text into executable plans: it parses with
// PostgreSQL's grammar (pg_query), binds names and types against the
// catalog into a logical plan, optimizes it, and lowers it to engine
// operators.
package planner

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/pgerror"
)

// Planner plans statements against a catalog.
type Planner struct {
	Catalog *catalog.Catalog
}

// Query is a planned statement.
type Query struct {
	// Plan yields the statement's rows; nil for a statement without rows.
	Plan engine.Plan
	// Tag is the command tag's verb: "SELECT", "EXPLAIN", ...
	Tag string
}

// Plan plans one statement for a session connected to database db.
func (p *Planner) Plan(ctx context.Context, db string, stmt Statement) (*Query, error) {
	switch {
	case stmt.Node.GetSelectStmt() != nil:
		plan, err := p.planSelect(db, stmt.SQL, stmt.Node.GetSelectStmt())
		if err != nil {
			return nil, err
		}
		return &Query{Plan: plan, Tag: "SELECT"}, nil
	case stmt.Node.GetExplainStmt() != nil:
		ex := stmt.Node.GetExplainStmt()
		sel := ex.Query.GetSelectStmt()
		if sel == nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "EXPLAIN supports SELECT only")
		}
		for _, o := range ex.Options {
			if name := o.GetDefElem().GetDefname(); name != "verbose" && name != "costs" {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "EXPLAIN option %s is not supported yet", strings.ToUpper(name))
			}
		}
		plan, err := p.planSelect(db, stmt.SQL, sel)
		if err != nil {
			return nil, err
		}
		return &Query{Plan: &explain{plan: plan}, Tag: "EXPLAIN"}, nil
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "%s is not supported yet", statementName(stmt.Node))
}

func (p *Planner) planSelect(db, sql string, s *pg_query.SelectStmt) (engine.Plan, error) {
	b := &binder{sql: sql, cat: p.Catalog, db: db}
	logical, err := b.bindSelect(s)
	if err != nil {
		return nil, err
	}
	if logical, err = Optimize(logical); err != nil {
		return nil, err
	}
	return Physical(logical)
}

// statementName names a statement kind for "not supported" errors:
// the parse node "insert_stmt" becomes "INSERT".
func statementName(n *pg_query.Node) string {
	m := n.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().Get(0))
	if fd == nil {
		return "this statement"
	}
	name := strings.TrimSuffix(string(fd.Name()), "_stmt")
	return strings.ToUpper(strings.ReplaceAll(name, "_", " "))
}

// explain is the plan of EXPLAIN: one text row per operator line.
type explain struct {
	plan engine.Plan
}

var explainSchema = arrow.NewSchema([]arrow.Field{{Name: "QUERY PLAN", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)

func (e *explain) Schema() *arrow.Schema   { return explainSchema }
func (e *explain) Children() []engine.Plan { return nil }
func (e *explain) String() string          { return "Explain" }

func (e *explain) Execute(context.Context) (array.RecordReader, error) {
	lines := strings.Split(strings.TrimRight(engine.Explain(e.plan), "\n"), "\n")
	done := false
	return batchio.NewReader(explainSchema, func() (arrow.RecordBatch, error) {
		if done {
			return nil, nil
		}
		done = true
		b := array.NewStringBuilder(memory.DefaultAllocator)
		defer b.Release()
		b.AppendValues(lines, nil)
		col := b.NewArray()
		defer col.Release()
		return array.NewRecordBatch(explainSchema, []arrow.Array{col}, int64(len(lines))), nil
	}, nil), nil
}

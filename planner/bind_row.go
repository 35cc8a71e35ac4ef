package planner

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// wholeRow binds a reference to table's whole row: a record of its
// columns, named as they are.
func (b *binder) wholeRow(sc *scope, table string, loc int32) (expr.Expr, error) {
	if sc == nil || !contains(sc.tables, table) {
		return nil, b.errorf(pgerror.UndefinedTable, loc, "missing FROM-clause entry for table %q", table)
	}
	var args []expr.Expr
	var fields []arrow.Field
	for i, c := range sc.cols {
		if c.table != table {
			continue
		}
		if c.funcValue {
			// A function returning a scalar: its row is its value.
			return &expr.Column{Index: i, Name: c.table + "." + c.name, Type: c.typ}, nil
		}
		args = append(args, &expr.Column{Index: i, Name: c.table + "." + c.name, Type: c.typ})
		fields = append(fields, arrow.Field{Name: c.name, Type: c.typ, Nullable: true})
	}
	return &expr.Call{Func: "row", Args: args, Type: arrow.StructOf(fields...)}, nil
}

// rowOf is the anonymous record of args.
func rowOf(args []expr.Expr) *expr.Call {
	fields := make([]arrow.Field, len(args))
	for i, a := range args {
		fields[i] = arrow.Field{Name: fmt.Sprintf("f%d", i+1), Type: a.DataType(), Nullable: true}
	}
	return &expr.Call{Func: "row", Args: args, Type: arrow.StructOf(fields...)}
}

// bindRow binds ROW(a, b, ...) and (a, b, ...): an anonymous record whose
// fields are f1, f2, ... as in PostgreSQL.
func (b *binder) bindRow(r *pg_query.RowExpr, ectx exprContext) (expr.Expr, error) {
	nodes := r.Args
	if ectx.scope != nil && slices.ContainsFunc(nodes, func(n *pg_query.Node) bool {
		cr := n.GetColumnRef()
		return cr != nil && isStar(cr) && len(cr.Fields) == 2
	}) {
		// ROW(t.*) holds t's columns, not t's record.
		targets := make([]*pg_query.Node, len(nodes))
		for i, n := range nodes {
			targets[i] = pg_query.MakeResTargetNodeWithVal(n, nodeLocation(n))
		}
		expanded, _, _, err := b.expandTargets(targets, ectx.scope)
		if err != nil {
			return nil, err
		}
		nodes = expanded
	}
	args, err := b.bindExprs(nodes, ectx)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		args[i] = unpadded(b.resolveUnknown(a)) // a character field keeps its padding
	}
	return rowOf(args), nil
}

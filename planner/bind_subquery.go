package planner

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// bindSubLink binds a subquery used as a value: (SELECT ...), EXISTS
// (SELECT ...), x IN (SELECT ...), x op ANY/ALL (SELECT ...) and
// ARRAY(SELECT ...).
// sublinkColumn makes, of a subquery returning n columns, the scalar
// subquery of its column col (1-based): SELECT cCOL FROM (sub) AS s(c1,
// ..., cN). A row compared with a subquery, (a, b) = (SELECT x, y ...),
// and SET (a, b) = (SELECT ...) compare or assign one such subquery per
// column (each runs the subquery; one row or none, as the whole would).
func sublinkColumn(sl *pg_query.SubLink, col, n int) *pg_query.Node {
	var names []*pg_query.Node
	for i := range n {
		names = append(names, pg_query.MakeStrNode(fmt.Sprintf("c%d", i+1)))
	}
	from := &pg_query.Node{Node: &pg_query.Node_RangeSubselect{RangeSubselect: &pg_query.RangeSubselect{
		Subquery: sl.Subselect,
		Alias:    &pg_query.Alias{Aliasname: "subquery_row", Colnames: names},
	}}}
	target := pg_query.MakeResTargetNodeWithVal(pg_query.MakeColumnRefNode([]*pg_query.Node{pg_query.MakeStrNode(fmt.Sprintf("c%d", col))}, -1), -1)
	sel := &pg_query.SelectStmt{TargetList: []*pg_query.Node{target}, FromClause: []*pg_query.Node{from},
		Op: pg_query.SetOperation_SETOP_NONE, LimitOption: pg_query.LimitOption_LIMIT_OPTION_DEFAULT}
	return &pg_query.Node{Node: &pg_query.Node_SubLink{SubLink: &pg_query.SubLink{
		SubLinkType: pg_query.SubLinkType_EXPR_SUBLINK,
		Subselect:   &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}},
		Location:    sl.Location,
	}}}
}

// rowOfSublink rewrites (SELECT x, y ...) compared with a row of n values
// into a row of per-column scalar subqueries (sublinkColumn); nil when
// node is not such a subquery.
func (b *binder) rowOfSublink(node *pg_query.Node, n int, loc int32) (*pg_query.Node, error) {
	sl := node.GetSubLink()
	if sl == nil || sl.SubLinkType != pg_query.SubLinkType_EXPR_SUBLINK || sl.Subselect == nil {
		return nil, nil
	}
	if sel := sl.Subselect.GetSelectStmt(); sel != nil && sel.Op == pg_query.SetOperation_SETOP_NONE && len(sel.ValuesLists) == 0 {
		switch {
		case len(sel.TargetList) > n:
			return nil, b.errorf(pgerror.SyntaxError, loc, "subquery has too many columns")
		case len(sel.TargetList) < n:
			return nil, b.errorf(pgerror.SyntaxError, loc, "subquery has too few columns")
		}
	}
	row := &pg_query.RowExpr{Location: -1}
	for i := range n {
		row.Args = append(row.Args, sublinkColumn(sl, i+1, n))
	}
	return &pg_query.Node{Node: &pg_query.Node_RowExpr{RowExpr: row}}, nil
}

func (b *binder) bindSubLink(sl *pg_query.SubLink, ectx exprContext) (expr.Expr, error) {
	sel := sl.Subselect.GetSelectStmt()
	if sel == nil {
		return nil, b.unsupported(sl.Location, "this subquery is not supported")
	}
	op := ""
	if len(sl.OperName) > 0 {
		op = sl.OperName[len(sl.OperName)-1].GetString_().GetSval()
	}
	if sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK || sl.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK && op != "=" && op != "" {
		// x op ANY/ALL (SELECT y ...) is x op ANY/ALL (ARRAY(SELECT y
		// ...)): the array's comparison has SQL's three-valued logic.
		if sl.Testexpr.GetRowExpr() != nil {
			if sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK && op == "<>" {
				// (a, b) <> ALL (SELECT ...) is NOT ((a, b) IN (SELECT ...)),
				// NULLs and all.
				in := proto.Clone(sl).(*pg_query.SubLink)
				in.SubLinkType, in.OperName = pg_query.SubLinkType_ANY_SUBLINK, nil
				e, err := b.bindSubLink(in, ectx)
				if err != nil {
					return nil, err
				}
				return &expr.Not{Input: e}, nil
			}
			return nil, b.unsupported(sl.Location, "a row compared with ANY or ALL (subquery) is not supported yet")
		}
		kind := pg_query.A_Expr_Kind_AEXPR_OP_ANY
		if sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK {
			kind = pg_query.A_Expr_Kind_AEXPR_OP_ALL
		}
		arr := &pg_query.Node{Node: &pg_query.Node_SubLink{SubLink: &pg_query.SubLink{SubLinkType: pg_query.SubLinkType_ARRAY_SUBLINK, Subselect: sl.Subselect, Location: sl.Location}}}
		return b.bindAExpr(&pg_query.A_Expr{Kind: kind, Name: sl.OperName, Lexpr: sl.Testexpr, Rexpr: arr, Location: sl.Location}, ectx)
	}
	// lefts is what x IN (SELECT ...) tests: x, or each value of a row
	// (a, b) IN (SELECT x, y ...).
	var lefts []expr.Expr
	if sl.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK {
		nodes := []*pg_query.Node{sl.Testexpr}
		if row := sl.Testexpr.GetRowExpr(); row != nil {
			nodes = row.Args
		}
		var err error
		if lefts, err = b.bindExprs(nodes, ectx); err != nil {
			return nil, err
		}
	}
	b.outer = append(b.outer, ectx.scope)
	corr := &correlation{ctx: ectx}
	b.correlations = append(b.correlations, corr)
	logical, err := b.bindSelect(sel)
	b.outer = b.outer[:len(b.outer)-1]
	b.correlations = b.correlations[:len(b.correlations)-1]
	if err != nil {
		return nil, err
	}
	schema := logical.Schema()
	out := &expr.Subquery{}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		out.Kind, out.Type = expr.ExistsSubquery, typeBool
	case pg_query.SubLinkType_EXPR_SUBLINK:
		if schema.NumFields() != 1 {
			return nil, b.errorf(pgerror.SyntaxError, sl.Location, "subquery must return only one column")
		}
		out.Kind, out.Type = expr.ScalarSubquery, schema.Field(0).Type
		b.setDeclared(out, planDeclared(logical, 0))
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		if schema.NumFields() != 1 {
			return nil, b.errorf(pgerror.SyntaxError, sl.Location, "subquery must return only one column")
		}
		out.Kind, out.Type = expr.ArraySubquery, arrow.ListOf(schema.Field(0).Type)
	case pg_query.SubLinkType_ANY_SUBLINK:
		switch {
		case schema.NumFields() > len(lefts):
			return nil, b.errorf(pgerror.SyntaxError, sl.Location, "subquery has too many columns")
		case schema.NumFields() < len(lefts):
			return nil, b.errorf(pgerror.SyntaxError, sl.Location, "subquery has too few columns")
		}
		types := make([]arrow.DataType, len(lefts))
		for i, left := range lefts {
			col := schema.Field(i).Type
			if isBareNull(left) {
				left = &expr.Literal{Value: scalar.MakeNullScalar(col)} // takes the column's type
			}
			ct := commonType(b.resolveUnknown(left).DataType(), col)
			if u, ok := left.(*unknownLit); ok {
				ct = col
				if left, err = b.resolveAs(u, ct); err != nil {
					return nil, err
				}
			}
			if ct == nil {
				return nil, b.errorf(pgerror.UndefinedFunction, sl.Location, "operator does not exist: %s = %s", typeName(left.DataType()), typeName(col)).
					WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
			}
			if lefts[i], err = b.cast(left, ct, sl.Location); err != nil {
				return nil, err
			}
			types[i] = ct
		}
		if logical, err = b.castColumns(logical, types); err != nil {
			return nil, err
		}
		left := lefts[0]
		if sl.Testexpr.GetRowExpr() != nil {
			// A row tests against the subquery's rows as records (the
			// engine compares them field by field, with SQL's NULLs).
			left = rowOf(lefts)
			var cols []expr.Expr
			for i, f := range logical.Schema().Fields() {
				cols = append(cols, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
			}
			logical = &Project{Input: logical, Exprs: []expr.Expr{rowOf(cols)}, Names: []string{"row"}}
		}
		out.Kind, out.Left, out.Type = expr.InSubquery, left, typeBool
	default:
		return nil, b.unsupported(sl.Location, "this kind of subquery is not supported yet")
	}
	if b.describeOnly {
		// Preparing needs only the types; the plan is built when it runs.
		out.Plan = describePlan{schema}
		return out, nil
	}
	if len(corr.outer) > 0 {
		out.Outer = corr.outer
		out.Correlated = &correlatedPlan{logical: logical}
		return out, nil
	}
	opt, err := Optimize(logical)
	if err != nil {
		return nil, err
	}
	if out.Plan, err = Physical(opt); err != nil {
		return nil, err
	}
	return out, nil
}

// describePlan stands in for a subquery's plan while a statement is only
// described.
type describePlan struct{ schema *arrow.Schema }

func (d describePlan) Schema() *arrow.Schema { return d.schema }

func (d describePlan) String() string { return "subquery" }

func (d describePlan) Execute(context.Context) (array.RecordReader, error) {
	return nil, pgerror.New(pgerror.InternalError, "a described statement cannot run")
}

package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
)

// A select-list item that casts to a type with a modifier,
// 1.5::numeric(5,2) or 'a'::varchar(10), or to a type riffq holds in a
// plainer one (name, oid), reports that type to the client
// (RowDescription's type and typmod, what JDBC's getPrecision and
// psycopg's description read), as PostgreSQL does; any other expression
// of a numeric type reports none. riffq's types carry no modifiers, so the
// planner marks such an item with the catalog type it declares: a call
// the engine evaluates as its argument, whose type the result column
// takes (pgtypes.TypeMetadata).

// declaredTypeFunc is the engine function that marks its argument as of a
// declared catalog type.
const declaredTypeFunc = "declared_type"

// declare marks e, the value of select-list item n, with the type n's
// cast declares, if any.
func declare(e expr.Expr, n *pg_query.Node) expr.Expr {
	if returnsName(n) {
		return &expr.Call{Func: declaredTypeFunc, Args: []expr.Expr{e, &expr.Literal{Value: scalar.NewStringScalar("name")}}, Type: e.DataType()}
	}
	if fc := n.GetFuncCall(); fc != nil && (funcName(fc) == "pg_sleep" || engine.IsAdvisoryLockFunc(funcName(fc)) && e.DataType().ID() == arrow.STRING) {
		// void, whose values riffq holds as empty strings.
		return &expr.Call{Func: declaredTypeFunc, Args: []expr.Expr{e, &expr.Literal{Value: scalar.NewStringScalar("void")}}, Type: e.DataType()}
	}
	tc := n.GetTypeCast()
	if tc == nil || len(tc.TypeName.GetArrayBounds()) > 0 || len(tc.TypeName.GetNames()) == 0 {
		return e
	}
	names := tc.TypeName.Names
	mods := tc.TypeName.Typmods
	mod := func(i int) int32 { return mods[i].GetAConst().GetIval().GetIval() }
	var typ string
	switch names[len(names)-1].GetString_().GetSval() {
	case "numeric", "decimal":
		switch len(mods) {
		case 1:
			typ = fmt.Sprintf("numeric(%d,0)", mod(0))
		case 2:
			typ = fmt.Sprintf("numeric(%d,%d)", mod(0), mod(1))
		}
	case "varchar":
		typ = "character varying"
		if len(mods) == 1 {
			typ = fmt.Sprintf("character varying(%d)", mod(0))
		}
	case "name", "oid":
		typ = names[len(names)-1].GetString_().GetSval()
	}
	if typ == "" {
		return e
	}
	return &expr.Call{Func: declaredTypeFunc, Args: []expr.Expr{e, &expr.Literal{Value: scalar.NewStringScalar(typ)}}, Type: e.DataType()}
}

// returnsName reports whether n calls a function whose result type is
// name: current_user and its kin, current_database(), current_schema().
func returnsName(n *pg_query.Node) bool {
	if f := n.GetSqlvalueFunction(); f != nil {
		switch f.Op {
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg_query.SQLValueFunctionOp_SVFOP_USER,
			pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE,
			pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
			return true
		}
		return false
	}
	fc := n.GetFuncCall()
	if fc == nil || len(fc.Args) > 0 || len(fc.Funcname) == 0 {
		return false
	}
	switch fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval() {
	case "current_database", "current_schema", "current_user", "session_user":
		return true
	}
	return false
}

// declaredType is the catalog type a select-list item declares, "" for
// one that declares none.
func declaredType(e expr.Expr) string {
	v, _ := markerArg(e, declaredTypeFunc)
	s, ok := v.(*scalar.String)
	if !ok {
		return ""
	}
	return string(s.Data())
}

package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
)

// bindTemplateParse binds the functions that read a string with a to_char
// template: to_date(text, text) → date, to_timestamp(text, text) →
// timestamptz and to_number(text, text) → numeric. to_number's result
// takes the scale of the digits it reads, so it is a numeric with a scale
// per value; to_timestamp reads a string without an offset in the
// session's TimeZone when the query runs (fold_constants leaves it to
// then). The one-argument to_timestamp(double precision) is left to
// bindDateConstructor.
func (b *binder) bindTemplateParse(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	var out arrow.DataType
	switch name {
	case "to_date":
		out = typeDate
	case "to_timestamp":
		out = typeTimestamptz
	case "to_number":
		out = pgtypes.Numeric()
	default:
		return nil, false, nil
	}
	if len(fc.Args) != 2 || (len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog") {
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	// Both arguments are text: a string literal or parameter becomes text,
	// other string types are cast to it, and anything else has no
	// implicit cast to text in PostgreSQL.
	bound := make([]expr.Expr, len(args))
	for i, a := range args {
		a = b.resolveUnknown(a)
		if category(a.DataType()) != catString {
			return nil, true, b.noFunction(fc, name, args...)
		}
		if bound[i], err = b.cast(a, typeText, fc.Location); err != nil {
			return nil, true, err
		}
	}
	return &expr.Call{Func: name, Args: bound, Type: out}, true, nil
}

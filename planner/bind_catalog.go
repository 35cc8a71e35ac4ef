package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
)

// bindCatalogFunc binds the system information functions of clients'
// catalog queries. Most become plain expressions at bind time, since their
// answers follow from the catalog riffq holds (one owner role, every object
// readable); format_type and a few text functions run in the engine.
func (b *binder) bindCatalogFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	arity, known := catalogFuncs[name]
	if !known {
		return nil, false, nil
	}
	args := make([]expr.Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := b.bindExpr(a, ectx)
		if err != nil {
			return nil, true, err
		}
		args[i] = e
	}
	if len(args) < arity[0] || len(args) > arity[1] {
		return nil, true, b.noFunction(fc, name, args...)
	}
	// oidArg binds argument i as an OID (bigint in riffq's catalog).
	oidArg := func(i int) (expr.Expr, error) { return b.cast(b.resolveUnknown(args[i]), typeInt8, fc.Location) }
	textLit := func(s string) expr.Expr { return &expr.Literal{Value: scalar.NewStringScalar(s)} }
	nullText := &expr.Literal{Value: scalar.MakeNullScalar(typeText)}
	boolLit := func(v bool) expr.Expr { return &expr.Literal{Value: scalar.NewBooleanScalar(v)} }
	eq := func(e expr.Expr, v int64) expr.Expr {
		return &expr.Binary{Op: expr.Eq, Left: e, Right: &expr.Literal{Value: scalar.NewInt64Scalar(v)}, Type: typeBool}
	}
	switch name {
	case "pg_table_is_visible":
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		var in expr.Expr = boolLit(false)
		for _, v := range b.cat.VisibleRelations(b.db) {
			in = &expr.Binary{Op: expr.Or, Left: in, Right: eq(oid, int64(v)), Type: typeBool}
		}
		return strictNull(oid, in, typeBool), true, nil
	case "pg_type_is_visible", "pg_function_is_visible", "pg_opclass_is_visible", "pg_operator_is_visible",
		"pg_collation_is_visible", "pg_conversion_is_visible", "pg_ts_config_is_visible":
		// Every type and function riffq knows lives in pg_catalog.
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		return strictNull(oid, boolLit(true), typeBool), true, nil
	case "pg_get_userbyid":
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		unknown := &expr.Call{Func: "concat", Args: []expr.Expr{textLit("unknown (OID="), &expr.Cast{Input: oid, Type: typeText}, textLit(")")}, Type: typeText}
		return &expr.Case{Whens: []expr.When{
			{Cond: eq(oid, catalog.OwnerOID), Result: textLit(catalog.OwnerName)},
			{Cond: eq(oid, catalog.DatabaseOwnerOID), Result: textLit(catalog.DatabaseOwnerName)},
		}, Else: strictNull(oid, unknown, typeText), Type: typeText}, true, nil
	case "pg_encoding_to_char":
		enc, err := b.cast(b.resolveUnknown(args[0]), typeInt4, fc.Location)
		if err != nil {
			return nil, true, err
		}
		six := &expr.Binary{Op: expr.Eq, Left: enc, Right: &expr.Literal{Value: scalar.NewInt32Scalar(6)}, Type: typeBool}
		return &expr.Case{Whens: []expr.When{{Cond: six, Result: textLit("UTF8")}}, Else: strictNull(enc, textLit(""), typeText), Type: typeText}, true, nil
	case "obj_description", "col_description", "shobj_description", "pg_get_expr", "pg_get_constraintdef",
		"pg_get_indexdef", "pg_get_viewdef", "pg_get_triggerdef", "pg_get_ruledef", "pg_get_statisticsobjdef_columns",
		"pg_get_partkeydef", "pg_get_function_result", "pg_get_function_arguments", "pg_get_function_identity_arguments":
		// riffq has no comments, defaults, constraints, indexes, views,
		// triggers, rules or functions of its own: nothing to describe.
		return nullText, true, nil
	case "has_table_privilege", "has_schema_privilege", "has_database_privilege", "has_column_privilege",
		"has_function_privilege", "has_any_column_privilege", "has_sequence_privilege", "has_type_privilege",
		"has_language_privilege", "has_tablespace_privilege", "has_foreign_data_wrapper_privilege", "has_server_privilege":
		// Every session may read everything; riffq grants nothing else.
		return boolLit(true), true, nil
	case "pg_is_in_recovery":
		return boolLit(false), true, nil
	case "pg_relation_size", "pg_total_relation_size", "pg_table_size", "pg_indexes_size", "pg_database_size":
		return &expr.Literal{Value: scalar.NewInt64Scalar(0)}, true, nil
	case "format_type":
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		mod, err := b.cast(b.resolveUnknown(args[1]), typeInt4, fc.Location)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: []expr.Expr{oid, mod}, Type: typeText}, true, nil
	case "pg_size_pretty":
		n, err := b.cast(b.resolveUnknown(args[0]), typeInt8, fc.Location)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: []expr.Expr{n}, Type: typeText}, true, nil
	case "quote_ident":
		s, err := b.cast(b.resolveUnknown(args[0]), typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: []expr.Expr{s}, Type: typeText}, true, nil
	case "array_to_string":
		if _, ok := args[0].DataType().(arrow.ListLikeType); !ok {
			return nil, true, b.noFunction(fc, name, args...)
		}
		for i := 1; i < len(args); i++ {
			var err error
			if args[i], err = b.cast(b.resolveUnknown(args[i]), typeText, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: name, Args: args, Type: typeText}, true, nil
	}
	return nil, false, nil
}

// catalogFuncs are the functions bindCatalogFunc binds, with their least
// and most arguments.
var catalogFuncs = map[string][2]int{
	"pg_table_is_visible": {1, 1}, "pg_type_is_visible": {1, 1}, "pg_function_is_visible": {1, 1},
	"pg_opclass_is_visible": {1, 1}, "pg_operator_is_visible": {1, 1}, "pg_collation_is_visible": {1, 1},
	"pg_conversion_is_visible": {1, 1}, "pg_ts_config_is_visible": {1, 1},
	"pg_get_userbyid": {1, 1}, "pg_encoding_to_char": {1, 1},
	"obj_description": {1, 2}, "col_description": {2, 2}, "shobj_description": {2, 2},
	"pg_get_expr": {2, 3}, "pg_get_constraintdef": {1, 2}, "pg_get_indexdef": {1, 3}, "pg_get_viewdef": {1, 2},
	"pg_get_triggerdef": {1, 2}, "pg_get_ruledef": {1, 2}, "pg_get_statisticsobjdef_columns": {1, 1},
	"pg_get_partkeydef": {1, 1}, "pg_get_function_result": {1, 1}, "pg_get_function_arguments": {1, 1},
	"pg_get_function_identity_arguments": {1, 1},
	"has_table_privilege":                {2, 3}, "has_schema_privilege": {2, 3}, "has_database_privilege": {2, 3},
	"has_column_privilege": {3, 4}, "has_function_privilege": {2, 3}, "has_any_column_privilege": {2, 3},
	"has_sequence_privilege": {2, 3}, "has_type_privilege": {2, 3}, "has_language_privilege": {2, 3},
	"has_tablespace_privilege": {2, 3}, "has_foreign_data_wrapper_privilege": {2, 3}, "has_server_privilege": {2, 3},
	"pg_is_in_recovery": {0, 0},
	"pg_relation_size":  {1, 2}, "pg_total_relation_size": {1, 1}, "pg_table_size": {1, 1}, "pg_indexes_size": {1, 1},
	"pg_database_size": {1, 1},
	"format_type":      {2, 2}, "pg_size_pretty": {1, 1}, "quote_ident": {1, 1}, "array_to_string": {2, 3},
}

// strictNull is e, or NULL when arg is NULL: functions declared STRICT in
// PostgreSQL return NULL for a NULL argument.
func strictNull(arg, e expr.Expr, t arrow.DataType) expr.Expr {
	if lit, ok := arg.(*expr.Literal); ok && lit.Value.IsValid() {
		return e
	}
	return &expr.Case{Whens: []expr.When{{Cond: &expr.IsNull{Input: arg}, Result: &expr.Literal{Value: scalar.MakeNullScalar(t)}}}, Else: e, Type: t}
}

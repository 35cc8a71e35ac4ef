package planner

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// bindCatalogFunc binds the system information functions of clients'
// catalog queries. Most become plain expressions at bind time, since their
// answers follow from the catalog riffq holds (one owner role, every object
// readable); format_type and a few text functions run in the engine.
func (b *binder) bindCatalogFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	switch name {
	case "to_regclass", "to_regtype", "to_regnamespace", "to_regrole", "to_regproc", "to_regprocedure":
		e, err := b.bindToReg(fc, strings.TrimPrefix(name, "to_"), ectx)
		return e, true, err
	}
	arity, known := catalogFuncs[name]
	if !known {
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	if len(args) < arity[0] || len(args) > arity[1] {
		return nil, true, b.noFunction(fc, name, args...)
	}
	// oidArg binds argument i as an OID (bigint in riffq's catalog); a
	// regproc column, which holds a function's name, gives its OID.
	oidArg := func(i int) (expr.Expr, error) {
		a := b.resolveUnknown(args[i])
		if _, isConst := args[i].(*unknownLit); !isConst && category(a.DataType()) == catString {
			return &expr.Call{Func: "text_to_oid", Args: []expr.Expr{a}, Type: typeInt8}, nil
		}
		return b.cast(a, typeInt8, fc.Location)
	}
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
		visible := b.cat.VisibleRelations(b.db)
		// The session's temporary tables come first on its search path.
		if temp := b.tempSchema(); temp != "" {
			for _, r := range b.cat.RelationNames(b.db) {
				if r.Schema == temp { // its tables and their indexes
					visible = append(visible, r.OID)
				}
			}
		}
		for _, v := range visible {
			in = &expr.Binary{Op: expr.Or, Left: in, Right: eq(oid, int64(v)), Type: typeBool}
		}
		return strictNull(oid, in, typeBool), true, nil
	case "pg_type_is_visible", "pg_function_is_visible", "pg_opclass_is_visible", "pg_operator_is_visible",
		"pg_collation_is_visible", "pg_conversion_is_visible", "pg_ts_config_is_visible", "pg_statistics_obj_is_visible",
		"pg_opfamily_is_visible", "pg_ts_dict_is_visible", "pg_ts_parser_is_visible", "pg_ts_template_is_visible":
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
		return b.roleName(oid, strictNull(oid, unknown, typeText)), true, nil
	case "acldefault":
		// The privileges an object of kind args[0] has while its ACL is
		// NULL: its owner's, and some everyone's (pg_dump compares ACLs
		// with them). An unknown owner shows as its OID, as in
		// PostgreSQL.
		kind, err := b.cast(b.resolveUnknown(args[0]), typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		owner, err := oidArg(1)
		if err != nil {
			return nil, true, err
		}
		name := b.roleName(owner, &expr.Cast{Input: owner, Type: typeText})
		return &expr.Call{Func: "acldefault", Args: []expr.Expr{kind, name}, Type: arrow.ListOf(typeText)}, true, nil
	case "pg_encoding_to_char":
		enc, err := b.cast(b.resolveUnknown(args[0]), typeInt4, fc.Location)
		if err != nil {
			return nil, true, err
		}
		six := &expr.Binary{Op: expr.Eq, Left: enc, Right: &expr.Literal{Value: scalar.NewInt32Scalar(6)}, Type: typeBool}
		return &expr.Case{Whens: []expr.When{{Cond: six, Result: textLit("UTF8")}}, Else: strictNull(enc, textLit(""), typeText), Type: typeText}, true, nil
	case "pg_char_to_encoding":
		// UTF8 is the only encoding: its number, -1 for any other name.
		name, err := b.cast(b.resolveUnknown(args[0]), typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		utf8 := &expr.Call{Func: "upper", Args: []expr.Expr{name}, Type: typeText}
		isUTF8 := &expr.Binary{Op: expr.Eq, Left: utf8, Right: textLit("UTF8"), Type: typeBool}
		return &expr.Case{Whens: []expr.When{{Cond: isUTF8, Result: &expr.Literal{Value: scalar.NewInt32Scalar(6)}}},
			Else: strictNull(name, &expr.Literal{Value: scalar.NewInt32Scalar(-1)}, typeInt4), Type: typeInt4}, true, nil
	case "getdatabaseencoding", "pg_client_encoding":
		return textLit("UTF8"), true, nil
	case "obj_description":
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		class := ""
		if len(args) == 2 {
			u, ok := args[1].(*unknownLit)
			if !ok || u.param > 0 {
				return nullText, true, nil
			}
			class = u.text
			if i := strings.LastIndexByte(class, '.'); i >= 0 {
				class = class[i+1:]
			}
		}
		var whens []expr.When
		for _, d := range b.cat.Descriptions(b.db) {
			if d.SubID == 0 && (class == "" || class == d.Class) {
				whens = append(whens, expr.When{Cond: eq(oid, int64(d.ObjOID)), Result: textLit(d.Text)})
			}
		}
		// The built-in functions', operators' and types' comments, too
		// many for a CASE, come from the engine.
		var procs expr.Expr = nullText
		if class == "" || class == "pg_proc" || class == "pg_operator" || class == "pg_type" {
			procs = &expr.Call{Func: "builtin_description", Args: []expr.Expr{oid, textLit(class)}, Type: typeText}
		}
		if len(whens) == 0 {
			return procs, true, nil
		}
		return &expr.Case{Whens: whens, Else: procs, Type: typeText}, true, nil
	case "pg_typeof":
		// The argument's type, known here. PostgreSQL's result is a
		// regtype; riffq's is its text (the same when printed).
		if len(args) != 1 {
			return nil, true, b.noFunction(fc, name, args...)
		}
		if _, ok := args[0].(*unknownLit); ok || isBareNull(args[0]) {
			return textLit("unknown"), true, nil
		}
		if returnsName(fc.Args[0]) {
			return textLit("name"), true, nil
		}
		if isBpchar(args[0]) {
			return textLit("character"), true, nil
		}
		if col, ok := args[0].(*expr.Column); ok && b.pgTypes[col] != "" {
			// The column's catalog type (information_schema's domains
			// included), without a varchar's length.
			name, _, _ := strings.Cut(b.pgTypes[col], "(")
			return textLit(name), true, nil
		}
		if ref, ok := args[0].(*aggRef); ok && (ref.agg.Func == expr.Min || ref.agg.Func == expr.Max) {
			// min and max of an oid column are oids (there is no
			// min(name): it is min(text)).
			if col, ok := ref.agg.Arg.(*expr.Column); ok && b.pgTypes[col] == "oid" {
				return textLit("oid"), true, nil
			}
		}
		return textLit(typeName(args[0].DataType())), true, nil
	case "pg_get_indexdef", "pg_get_constraintdef":
		// The keys of the tables that declare them (in-memory tables,
		// sources.KeyProvider); nothing else has indexes or constraints.
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		var whens []expr.When
		for _, k := range b.cat.Keys(b.db) {
			if name == "pg_get_constraintdef" {
				if k.ConstraintOID != 0 {
					whens = append(whens, expr.When{Cond: eq(oid, int64(k.ConstraintOID)), Result: textLit(k.ConstraintDef())})
				}
				continue
			}
			if k.Definition != "" {
				continue // no index
			}
			def := textLit(k.IndexDef(false))
			if len(args) == 3 {
				// The pretty flag, when a constant (it is in clients'
				// queries).
				if lit, ok := args[2].(*expr.Literal); ok && lit.Value.IsValid() && lit.Value.String() == "true" {
					def = textLit(k.IndexDef(true))
				} else if u, ok := args[2].(*unknownLit); ok && (u.text == "t" || u.text == "true") {
					def = textLit(k.IndexDef(true))
				}
			}
			if len(args) >= 2 {
				// pg_get_indexdef(index, column, pretty): column 0 is
				// the whole definition, column n the key's n-th column.
				col, err := b.cast(b.resolveUnknown(args[1]), typeInt4, fc.Location)
				if err != nil {
					return nil, true, err
				}
				cw := []expr.When{}
				for i, c := range k.Columns {
					cw = append(cw, expr.When{Cond: &expr.Binary{Op: expr.Eq, Left: col, Right: &expr.Literal{Value: scalar.NewInt32Scalar(int32(i + 1))}, Type: typeBool}, Result: textLit(catalog.QuoteIdent(c))})
				}
				zero := &expr.Binary{Op: expr.Eq, Left: col, Right: &expr.Literal{Value: scalar.NewInt32Scalar(0)}, Type: typeBool}
				def = &expr.Case{Whens: append([]expr.When{{Cond: zero, Result: def}}, cw...), Else: textLit(""), Type: typeText}
			}
			whens = append(whens, expr.When{Cond: eq(oid, int64(k.IndexOID)), Result: def})
		}
		if len(whens) == 0 {
			return nullText, true, nil
		}
		return &expr.Case{Whens: whens, Else: nullText, Type: typeText}, true, nil
	case "pg_get_expr":
		// The expressions riffq's catalog holds (pg_attrdef.adbin) are
		// SQL text already.
		e, err := b.cast(b.resolveUnknown(args[0]), typeText, fc.Location)
		return e, true, err
	case "pg_describe_object":
		// The description of a relation or a schema, as PostgreSQL's
		// error messages name them; NULL for other objects.
		class, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		oid, err := oidArg(1)
		if err != nil {
			return nil, true, err
		}
		var whens []expr.When
		and := func(a, b expr.Expr) expr.Expr { return &expr.Binary{Op: expr.And, Left: a, Right: b, Type: typeBool} }
		for _, t := range b.cat.Tables(b.db) {
			kind := "table"
			if t.View != nil {
				kind = "view"
			}
			whens = append(whens, expr.When{Cond: and(eq(class, 1259), eq(oid, int64(t.OID))), Result: textLit(kind + " " + catalog.QuoteIdent(t.Name))})
		}
		for o, name := range b.cat.SchemaNames(b.db) {
			whens = append(whens, expr.When{Cond: and(eq(class, 2615), eq(oid, int64(o))), Result: textLit("schema " + catalog.QuoteIdent(name))})
		}
		return &expr.Case{Whens: whens, Else: nullText, Type: typeText}, true, nil
	case "pg_get_viewdef":
		// The query of a view made with CREATE VIEW.
		if u, ok := args[0].(*unknownLit); ok && u.param == 0 {
			// pg_get_viewdef(text) takes the view's name.
			tc := &pg_query.TypeCast{Arg: fc.Args[0], Location: fc.Location,
				TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("regclass")}, Typemod: -1}}
			if args[0], err = b.bindExpr(&pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: tc}}, ectx); err != nil {
				return nil, true, err
			}
		}
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		// pg_get_viewdef(view, pretty) prints only the parentheses
		// needed; pg_get_viewdef(view, wrap column) is pretty too.
		var pretty expr.Expr = &expr.Literal{Value: scalar.NewBooleanScalar(false)}
		if len(args) == 2 {
			if pretty, err = b.cast(b.resolveUnknown(args[1]), typeBool, fc.Location); err != nil || category(args[1].DataType()) == catNumeric {
				pretty, err = &expr.Literal{Value: scalar.NewBooleanScalar(true)}, nil
			}
		}
		var whens []expr.When
		for _, t := range b.cat.Tables(b.db) {
			if t.View != nil {
				def := &expr.Case{Whens: []expr.When{{Cond: pretty, Result: textLit(t.View.Pretty)}}, Else: textLit(t.View.Definition), Type: typeText}
				whens = append(whens, expr.When{Cond: eq(oid, int64(t.OID)), Result: def})
			}
		}
		if len(whens) == 0 {
			return nullText, true, nil
		}
		return &expr.Case{Whens: whens, Else: nullText, Type: typeText}, true, nil
	case "col_description":
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		col, err := b.cast(b.resolveUnknown(args[1]), typeInt4, fc.Location)
		if err != nil {
			return nil, true, err
		}
		var whens []expr.When
		for _, d := range b.cat.Descriptions(b.db) {
			if d.SubID != 0 {
				sub := &expr.Binary{Op: expr.Eq, Left: col, Right: &expr.Literal{Value: scalar.NewInt32Scalar(d.SubID)}, Type: typeBool}
				cond := &expr.Binary{Op: expr.And, Left: eq(oid, int64(d.ObjOID)), Right: sub, Type: typeBool}
				whens = append(whens, expr.When{Cond: cond, Result: textLit(d.Text)})
			}
		}
		if len(whens) == 0 {
			return nullText, true, nil
		}
		return &expr.Case{Whens: whens, Else: nullText, Type: typeText}, true, nil
	case "pg_get_function_result", "pg_get_function_arguments", "pg_get_function_identity_arguments":
		// The built-in functions' signatures, from pg_proc's rows.
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: []expr.Expr{oid}, Type: typeText}, true, nil
	case "pg_postmaster_start_time", "pg_conf_load_time":
		start := b.cat.StartTime().UTC().Truncate(time.Microsecond).UnixMicro()
		return &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(start), typeTimestamptz)}, true, nil
	case "pg_stat_get_numscans", "pg_stat_get_tuples_returned", "pg_stat_get_tuples_fetched":
		// riffq keeps no access statistics.
		oid, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		return strictNull(oid, &expr.Literal{Value: scalar.NewInt64Scalar(0)}, typeInt8), true, nil
	case "pg_get_function_sqlbody":
		// Built-in functions have no SQL body.
		return nullText, true, nil
	case "pg_indexam_has_property":
		// The properties of the access methods riffq lists (pg_am),
		// as PostgreSQL 15 reports them.
		am, err := oidArg(0)
		if err != nil {
			return nil, true, err
		}
		prop, err := b.cast(b.resolveUnknown(args[1]), typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		has := map[int64][]string{403: {"can_order", "can_unique", "can_multi_col", "can_exclude", "can_include"}, 405: {"can_exclude"}}
		known := []string{"can_order", "can_unique", "can_multi_col", "can_exclude", "can_include"}
		var whens []expr.When
		for _, amOID := range []int64{403, 405} {
			for _, p := range known {
				cond := &expr.Binary{Op: expr.And, Left: eq(am, amOID), Right: &expr.Binary{Op: expr.Eq, Left: prop, Right: textLit(p), Type: typeBool}, Type: typeBool}
				whens = append(whens, expr.When{Cond: cond, Result: boolLit(slices.Contains(has[amOID], p))})
			}
		}
		return &expr.Case{Whens: whens, Else: &expr.Literal{Value: scalar.MakeNullScalar(typeBool)}, Type: typeBool}, true, nil
	case "encode":
		data, err := b.cast(b.resolveUnknown(args[0]), typeBytea, fc.Location)
		if err != nil {
			return nil, true, err
		}
		format, err := b.cast(b.resolveUnknown(args[1]), typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "encode", Args: []expr.Expr{data, format}, Type: typeText}, true, nil
	case "decode":
		text, err := b.cast(b.resolveUnknown(args[0]), typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		format, err := b.cast(b.resolveUnknown(args[1]), typeText, fc.Location)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "decode", Args: []expr.Expr{text, format}, Type: typeBytea}, true, nil
	case "pg_get_serial_sequence":
		if e, ok := b.bindSerialSequence(args); ok {
			return e, true, nil
		}
		return nullText, true, nil
	case "shobj_description", "pg_get_triggerdef", "pg_get_ruledef", "pg_get_statisticsobjdef_columns",
		"pg_get_partkeydef":
		// riffq has no shared objects with comments, triggers, rules or
		// partitioned tables: nothing to describe.
		return nullText, true, nil
	case "has_table_privilege", "has_schema_privilege", "has_database_privilege", "has_column_privilege",
		"has_function_privilege", "has_any_column_privilege", "has_sequence_privilege", "has_type_privilege",
		"has_language_privilege", "has_tablespace_privilege", "has_foreign_data_wrapper_privilege", "has_server_privilege":
		// Every session may read everything; riffq grants nothing else.
		return boolLit(true), true, nil
	case "current_schemas":
		// The schemas of the search path that exist, after the implicit
		// ones (the session's temporary schema, pg_catalog) when asked.
		schemas := b.pathSchemas()
		implicit := false
		if lit, ok := args[0].(*unknownLit); ok && lit.param == 0 && (lit.text == "t" || lit.text == "true") {
			implicit = true
		} else if l, ok := args[0].(*expr.Literal); ok && l.Value.IsValid() && l.Value.(*scalar.Boolean).Value {
			implicit = true
		}
		if implicit && !slices.Contains(schemas, catalog.PgCatalog) {
			schemas = append([]string{catalog.PgCatalog}, schemas...)
		}
		if temp := b.tempSchema(); implicit && temp != "" && b.hasSchema(temp) {
			schemas = append([]string{temp}, schemas...)
		}
		bld := array.NewStringBuilder(memory.DefaultAllocator)
		defer bld.Release()
		bld.AppendValues(schemas, nil)
		values := bld.NewArray()
		defer values.Release()
		return &expr.Literal{Value: scalar.NewListScalar(values)}, true, nil
	case "pg_tablespace_location":
		return textLit(""), true, nil
	case "txid_current":
		// riffq's transaction counter is its catalog's version: it is
		// also what the catalog tables' xmin holds.
		return &expr.Literal{Value: scalar.NewInt64Scalar(int64(b.cat.Version()))}, true, nil
	case "age":
		if category(args[0].DataType()) == catDateTime || len(args) == 2 {
			e, err := b.bindAge(fc, args)
			return e, true, err
		}
		// age(xid): how many transactions ago. Only an xid (a catalog
		// column, or a literal read as one) has an age: age(1) does not
		// exist, as in PostgreSQL.
		x := b.resolveUnknown(args[0])
		notXID := false
		switch a := args[0].(type) {
		case *expr.Literal:
			notXID = a.DataType().ID() != arrow.INT64 // age(1); '5'::xid folds to a bigint
		case *expr.Column:
			notXID = b.pgTypes[a] != "xid"
		}
		if category(x.DataType()) != catNumeric || len(args) != 1 || notXID {
			return nil, true, b.noFunction(fc, name, args...)
		}
		x, err := b.cast(x, typeInt8, fc.Location)
		if err != nil {
			return nil, true, err
		}
		now := &expr.Literal{Value: scalar.NewInt64Scalar(int64(b.cat.Version()))}
		return &expr.Cast{Input: &expr.Binary{Op: expr.Sub, Left: now, Right: x, Type: typeInt8}, Type: typeInt4}, true, nil
	case "pg_is_in_recovery", "pg_relation_is_publishable":
		// Not a standby; nothing is published.
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
	case "array_length", "array_upper", "array_lower", "cardinality":
		if _, ok := args[0].DataType().(*arrow.ListType); !ok {
			return nil, true, b.noFunction(fc, name, args...)
		}
		if name == "cardinality" {
			if len(args) != 1 {
				return nil, true, b.noFunction(fc, name, args...)
			}
		} else {
			if len(args) != 2 {
				return nil, true, b.noFunction(fc, name, args...)
			}
			var err error
			if args[1], err = b.cast(b.resolveUnknown(args[1]), typeInt4, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: name, Args: args, Type: typeInt4}, true, nil
	case "json_build_object":
		if len(args)%2 != 0 {
			return nil, true, b.errorf(pgerror.InvalidParameterValue, fc.Location, "argument list must have even number of elements").
				WithHint("The arguments of json_build_object() must consist of alternating keys and values.")
		}
		for i, a := range args {
			args[i] = b.resolveUnknown(a)
			if args[i].DataType().ID() == arrow.NULL {
				args[i] = &expr.Literal{Value: scalar.MakeNullScalar(typeText)}
			}
		}
		jt, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
		if len(args) == 0 {
			e, err := b.cast(&expr.Literal{Value: scalar.NewStringScalar("{}")}, jt, fc.Location)
			return e, true, err
		}
		return &expr.Call{Func: name, Args: args, Type: jt}, true, nil
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
	"pg_describe_object": {3, 3}, "pg_table_is_visible": {1, 1}, "pg_type_is_visible": {1, 1}, "pg_function_is_visible": {1, 1}, "pg_statistics_obj_is_visible": {1, 1},
	"pg_opclass_is_visible": {1, 1}, "pg_operator_is_visible": {1, 1}, "pg_collation_is_visible": {1, 1},
	"pg_conversion_is_visible": {1, 1}, "pg_ts_config_is_visible": {1, 1}, "pg_opfamily_is_visible": {1, 1},
	"pg_ts_dict_is_visible": {1, 1}, "pg_ts_parser_is_visible": {1, 1}, "pg_ts_template_is_visible": {1, 1},
	"pg_get_userbyid": {1, 1}, "acldefault": {2, 2}, "pg_encoding_to_char": {1, 1}, "pg_char_to_encoding": {1, 1},
	"getdatabaseencoding": {0, 0}, "pg_client_encoding": {0, 0},
	"obj_description": {1, 2}, "col_description": {2, 2}, "shobj_description": {2, 2},
	"pg_get_expr": {2, 3}, "pg_get_constraintdef": {1, 2}, "pg_get_indexdef": {1, 3}, "pg_get_viewdef": {1, 2},
	"pg_typeof":         {1, 1},
	"pg_get_triggerdef": {1, 2}, "pg_get_ruledef": {1, 2}, "pg_get_statisticsobjdef_columns": {1, 1},
	"pg_get_partkeydef": {1, 1}, "pg_get_function_result": {1, 1}, "pg_get_function_arguments": {1, 1},
	"pg_get_function_identity_arguments": {1, 1}, "pg_get_serial_sequence": {2, 2},
	"has_table_privilege": {2, 3}, "has_schema_privilege": {2, 3}, "has_database_privilege": {2, 3},
	"has_column_privilege": {3, 4}, "has_function_privilege": {2, 3}, "has_any_column_privilege": {2, 3},
	"has_sequence_privilege": {2, 3}, "has_type_privilege": {2, 3}, "has_language_privilege": {2, 3},
	"has_tablespace_privilege": {2, 3}, "has_foreign_data_wrapper_privilege": {2, 3}, "has_server_privilege": {2, 3},
	"current_schemas": {1, 1}, "pg_tablespace_location": {1, 1}, "txid_current": {0, 0}, "age": {1, 2},
	"pg_is_in_recovery": {0, 0}, "pg_relation_is_publishable": {1, 1},
	"pg_relation_size": {1, 2}, "pg_total_relation_size": {1, 1}, "pg_table_size": {1, 1}, "pg_indexes_size": {1, 1},
	"pg_database_size": {1, 1},
	"array_length":     {2, 2}, "array_upper": {2, 2}, "array_lower": {2, 2}, "cardinality": {1, 1},
	"json_build_object": {0, 100},
	"format_type":       {2, 2}, "pg_size_pretty": {1, 1}, "quote_ident": {1, 1}, "array_to_string": {2, 3},
	"pg_postmaster_start_time": {0, 0}, "pg_conf_load_time": {0, 0}, "pg_stat_get_numscans": {1, 1},
	"pg_stat_get_tuples_returned": {1, 1}, "pg_stat_get_tuples_fetched": {1, 1}, "pg_get_function_sqlbody": {1, 1},
	"pg_indexam_has_property": {2, 2}, "encode": {2, 2}, "decode": {2, 2},
}

// strictNull is e, or NULL when arg is NULL: functions declared STRICT in
// PostgreSQL return NULL for a NULL argument.
func strictNull(arg, e expr.Expr, t arrow.DataType) expr.Expr {
	if lit, ok := arg.(*expr.Literal); ok && lit.Value.IsValid() {
		return e
	}
	return &expr.Case{Whens: []expr.When{{Cond: &expr.IsNull{Input: arg}, Result: &expr.Literal{Value: scalar.MakeNullScalar(t)}}}, Else: e, Type: t}
}

// bindRegCast binds casts to oid and the reg* types, which riffq's catalog
// holds as bigint OIDs: a name constant ('pg_class'::regclass,
// 'integer'::regtype, 'public'::regnamespace, 'postgres'::regrole) is looked
// up now, a number passes through. (PostgreSQL prints a reg* value as the
// object's name; here it stays a number.)
func (b *binder) bindRegCast(tc *pg_query.TypeCast, ectx exprContext) (expr.Expr, bool, error) {
	names := tc.TypeName.Names
	if len(names) == 0 {
		return nil, false, nil
	}
	kind := names[len(names)-1].GetString_().GetSval()
	switch kind {
	case "oid", "regclass", "regtype", "regnamespace", "regrole", "regproc", "regprocedure", "regoper", "regoperator", "regconfig", "regdictionary", "regcollation":
	default:
		return nil, false, nil
	}
	if len(tc.TypeName.ArrayBounds) > 0 {
		// oid[] and reg*[]: arrays of OIDs (bigint[] here).
		in, err := b.bindExpr(tc.Arg, ectx)
		if err != nil {
			return nil, true, err
		}
		e, err := b.cast(in, arrow.ListOf(typeInt8), tc.Location)
		return e, true, err
	}
	in, err := b.bindExpr(tc.Arg, ectx)
	if err != nil {
		return nil, true, err
	}
	u, isConst := in.(*unknownLit)
	if isConst && (u.param > 0 || kind == "oid") {
		// $1::oid, '16385'::oid: an OID, given as a number. $1::regtype
		// and its kin take a name (or a number) as text: psycopg 3's
		// TypeInfo.fetch sends 'uuid'.
		if kind != "oid" && u.param > 0 {
			// Only described here: the value is read when the statement
			// runs, as the text literal below.
			e, err := b.resolveAs(u, typeText)
			if err != nil {
				return nil, true, err
			}
			e, err = b.cast(e, typeInt8, tc.Location)
			return e, true, err
		}
		if u.param == 0 {
			// An OID constant, read as PostgreSQL's oidin reads it: an
			// unsigned 32-bit number, negative ones from -2^31 wrapping
			// ('-1' is 4294967295).
			n, err := strconv.ParseInt(strings.TrimSpace(u.text), 10, 64)
			switch {
			case err != nil && errors.Is(err, strconv.ErrRange), err == nil && (n > math.MaxUint32 || n < math.MinInt32):
				return nil, true, b.errorf(pgerror.NumericValueOutOfRange, u.loc, "value \"%s\" is out of range for type oid", u.text)
			case err != nil:
				return nil, true, b.errorf(pgerror.InvalidTextRepresentation, u.loc, "invalid input syntax for type oid: \"%s\"", u.text)
			case n < 0:
				n += 1 << 32
			}
			return &expr.Literal{Value: scalar.NewInt64Scalar(n)}, true, nil
		}
		e, err := b.resolveAs(u, typeInt8)
		return e, true, err
	}
	if lit, ok := in.(*expr.Literal); ok && lit.Value.IsValid() && category(lit.DataType()) == catString && kind != "oid" {
		// A text value known when the statement is planned (a
		// parameter's): read as the name it holds, as a constant is.
		u, isConst = &unknownLit{text: lit.Value.(*scalar.String).String(), loc: -1}, true
	}
	if lit, ok := in.(*expr.Literal); ok && !lit.Value.IsValid() {
		return &expr.Literal{Value: scalar.MakeNullScalar(typeInt8)}, true, nil
	}
	if !isConst {
		in = b.resolveUnknown(in)
		isProc := kind == "regproc" || kind == "regprocedure"
		switch cat := category(in.DataType()); {
		case cat == catString && kind == "oid":
			// A regproc column (a name here) or numeric text.
			return &expr.Call{Func: "text_to_oid", Args: []expr.Expr{in}, Type: typeInt8}, true, nil
		case cat == catString && isProc:
			return in, true, nil // regproc is the function's name already
		case cat == catString && kind == "regclass":
			// A name read at run time: the relations it may name go
			// along, unqualified ones in search-path order.
			var dir strings.Builder
			for _, visible := range []string{b.tempSchema(), catalog.PgCatalog, catalog.DefaultSchema, ""} {
				for _, r := range b.cat.RelationNames(b.db) {
					switch {
					case visible == "":
						fmt.Fprintf(&dir, "%s\x1f%s\t%d\n", r.Schema, r.Name, r.OID)
					case r.Schema == visible:
						fmt.Fprintf(&dir, "\x1f%s\t%d\n", r.Name, r.OID)
					}
				}
			}
			return &expr.Call{Func: "regclass_in", Args: []expr.Expr{in, &expr.Literal{Value: scalar.NewStringScalar(dir.String())}}, Type: typeInt8}, true, nil
		case cat == catNumeric && isProc:
			e, err := b.cast(in, typeInt8, tc.Location)
			if err != nil {
				return nil, true, err
			}
			return &expr.Call{Func: "proc_name", Args: []expr.Expr{e}, Type: typeText}, true, nil
		case cat != catNumeric:
			return nil, true, b.unsupported(tc.Location, "casting %s to %s is not supported yet", typeName(in.DataType()), kind)
		}
		e, err := b.cast(in, typeInt8, tc.Location)
		return e, true, err
	}
	oid := func(v int64) (expr.Expr, bool, error) {
		return &expr.Literal{Value: scalar.NewInt64Scalar(v)}, true, nil
	}
	if n, err := strconv.ParseInt(u.text, 10, 64); err == nil {
		return oid(n) // a numeric string is an OID
	}
	parts, err := catalog.SplitQualifiedName(u.text)
	if err != nil {
		return nil, true, b.errorf(pgerror.InvalidTextRepresentation, u.loc, "%s", err.Error())
	}
	last := parts[len(parts)-1]
	switch kind {
	case "regclass":
		schema := ""
		if len(parts) == 2 {
			schema = parts[0]
		}
		if t, ok := b.lookupTable(schema, last); ok && len(parts) <= 2 {
			return oid(int64(t.OID))
		}
		// Indexes are relations too.
		for _, r := range b.cat.RelationNames(b.db) {
			if r.Name == last && len(parts) <= 2 && (r.Schema == schema || schema == "" && (r.Schema == catalog.DefaultSchema || r.Schema == b.tempSchema())) {
				return oid(int64(r.OID))
			}
		}
		return nil, true, b.errorf(pgerror.UndefinedTable, u.loc, "relation %q does not exist", u.text)
	case "regtype":
		if t, ok := catalog.TypeOID(strings.Join(strings.Fields(strings.ToLower(u.text)), " ")); ok {
			return oid(t)
		}
		if t, ok := catalog.TypeOID(last); ok && (len(parts) == 1 || parts[0] == catalog.PgCatalog) {
			return oid(t)
		}
		return nil, true, b.errorf("42704", u.loc, "type %q does not exist", u.text)
	case "regnamespace":
		if o, ok := b.cat.SchemaOID(b.db, last); ok && len(parts) == 1 {
			return oid(int64(o))
		}
		return nil, true, b.errorf("3F000", u.loc, "schema %q does not exist", u.text)
	case "regrole":
		switch last {
		case catalog.OwnerName:
			return oid(catalog.OwnerOID)
		case catalog.DatabaseOwnerName:
			return oid(catalog.DatabaseOwnerOID)
		}
		return nil, true, b.errorf("42704", u.loc, "role %q does not exist", u.text)
	}
	if kind == "regproc" || kind == "regprocedure" {
		// riffq's catalog holds regproc columns as the function's name.
		return &expr.Literal{Value: scalar.NewStringScalar(last)}, true, nil
	}
	// riffq has no operators or text search objects of its own in the
	// catalog.
	return nil, true, b.errorf(pgerror.UndefinedFunction, u.loc, "%s %q does not exist", strings.TrimPrefix(kind, "reg"), u.text)
}

// bindRegText binds x::regclass::text and its regtype, regnamespace and
// regrole kin: riffq holds reg* values as OIDs, and PostgreSQL prints them
// as the object's name, which the cast to text gives here.
func (b *binder) bindRegText(tc *pg_query.TypeCast, ectx exprContext) (expr.Expr, bool, error) {
	if isRegtypeArray(tc.Arg) && len(tc.TypeName.ArrayBounds) > 0 {
		// x::regtype[]::text[], or a COALESCE of such arrays, as pgcli
		// lists function signatures: the types' names.
		to, err := resolveTypeName(tc.TypeName, b.sql)
		if err != nil || !arrow.TypeEqual(to, arrow.ListOf(typeText)) {
			return nil, false, nil
		}
		oids, err := b.bindExpr(tc.Arg, ectx)
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "regtype_names", Args: []expr.Expr{oids}, Type: to}, true, nil
	}
	inner := tc.Arg.GetTypeCast()
	if inner == nil || len(inner.TypeName.Names) == 0 {
		return nil, false, nil
	}
	kind := inner.TypeName.Names[len(inner.TypeName.Names)-1].GetString_().GetSval()
	if len(inner.TypeName.ArrayBounds) > 0 || len(tc.TypeName.ArrayBounds) > 0 {
		return nil, false, nil
	}
	switch kind {
	case "regclass", "regtype", "regnamespace", "regrole":
	default:
		return nil, false, nil
	}
	to, err := resolveTypeName(tc.TypeName, b.sql)
	if err != nil || !arrow.TypeEqual(to, typeText) {
		return nil, false, nil
	}
	oid, _, err := b.bindRegCast(inner, ectx)
	if err != nil {
		return nil, true, err
	}
	name, err := b.regName(kind, oid)
	return name, true, err
}

// printRegNames makes the columns a statement's select list casts to
// regclass, regtype, regnamespace or regrole print as PostgreSQL prints
// them, the object's name: riffq holds reg* values as OIDs, which is what
// comparisons, joins and ORDER BY inside the query use, so the names are
// computed last, above any sort (the columns' type is then text where
// PostgreSQL's is the reg* type). Plain selects without * only.
func (b *binder) printRegNames(s *pg_query.SelectStmt, plan Plan) (Plan, error) {
	kinds := make(map[int]string)
	for i, n := range s.TargetList {
		rt := n.GetResTarget()
		if rt == nil {
			return plan, nil
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && isStar(cr) {
			return plan, nil
		}
		if fc := rt.Val.GetFuncCall(); fc != nil && len(fc.Funcname) > 0 {
			// to_regclass(...) and the like print as names too.
			switch name := funcName(fc); name {
			case "to_regclass", "to_regtype", "to_regnamespace", "to_regrole":
				kinds[i] = strings.TrimPrefix(name, "to_")
			}
			continue
		}
		tc := rt.Val.GetTypeCast()
		if tc == nil || len(tc.TypeName.ArrayBounds) > 0 || len(tc.TypeName.Names) == 0 {
			continue
		}
		switch kind := tc.TypeName.Names[len(tc.TypeName.Names)-1].GetString_().GetSval(); kind {
		case "regclass", "regtype", "regnamespace", "regrole":
			kinds[i] = kind
		}
	}
	schema := plan.Schema()
	if len(kinds) == 0 || schema.NumFields() != len(s.TargetList) {
		return plan, nil
	}
	exprs := make([]expr.Expr, schema.NumFields())
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		col := &expr.Column{Index: i, Name: f.Name, Type: f.Type}
		exprs[i], names[i] = col, f.Name
		if kind, ok := kinds[i]; ok && f.Type.ID() == arrow.INT64 {
			e, err := b.regName(kind, col)
			if err != nil {
				return nil, err
			}
			exprs[i] = e
		}
	}
	return &Project{Input: plan, Exprs: exprs, Names: names}, nil
}

// isRegtypeArray reports whether n is a regtype[] expression: a cast to
// regtype[], or a COALESCE of them.
func isRegtypeArray(n *pg_query.Node) bool {
	if tc := n.GetTypeCast(); tc != nil {
		names := tc.TypeName.Names
		return len(tc.TypeName.ArrayBounds) > 0 && len(names) > 0 && names[len(names)-1].GetString_().GetSval() == "regtype"
	}
	if c := n.GetCoalesceExpr(); c != nil && len(c.Args) > 0 {
		for _, a := range c.Args {
			if !isRegtypeArray(a) {
				return false
			}
		}
		return true
	}
	return false
}

// regName is the name PostgreSQL prints for reg* value oid: a relation's
// (qualified when not on the search path), a type's as format_type gives
// it, a schema's or a role's; an OID that names nothing prints as itself.
func (b *binder) regName(kind string, oid expr.Expr) (expr.Expr, error) {
	text := func(s string) expr.Expr { return &expr.Literal{Value: scalar.NewStringScalar(s)} }
	if kind == "regtype" {
		return strictNull(oid, &expr.Call{Func: "regtype_name", Args: []expr.Expr{oid}, Type: typeText}, typeText), nil
	}
	names := make(map[int64]string)
	switch kind {
	case "regclass":
		temp := b.tempSchema()
		for _, r := range b.cat.RelationNames(b.db) {
			name := catalog.QuoteIdent(r.Name)
			if r.Schema != catalog.PgCatalog && r.Schema != catalog.DefaultSchema && r.Schema != temp {
				name = catalog.QuoteIdent(r.Schema) + "." + name
			}
			names[int64(r.OID)] = name
		}
	case "regnamespace":
		for oid, name := range b.cat.SchemaNames(b.db) {
			names[int64(oid)] = catalog.QuoteIdent(name)
		}
	case "regrole":
		names[catalog.OwnerOID] = catalog.OwnerName
		names[catalog.DatabaseOwnerOID] = catalog.DatabaseOwnerName
	}
	if lit, ok := oid.(*expr.Literal); ok {
		if !lit.Value.IsValid() {
			return &expr.Literal{Value: scalar.MakeNullScalar(typeText)}, nil
		}
		n := lit.Value.(*scalar.Int64).Value
		if name, ok := names[n]; ok {
			return text(name), nil
		}
		return text(strconv.FormatInt(n, 10)), nil
	}
	whens := make([]expr.When, 0, len(names))
	for _, o := range slices.Sorted(maps.Keys(names)) {
		cond := &expr.Binary{Op: expr.Eq, Left: oid, Right: &expr.Literal{Value: scalar.NewInt64Scalar(o)}, Type: typeBool}
		whens = append(whens, expr.When{Cond: cond, Result: text(names[o])})
	}
	return &expr.Case{Whens: whens, Else: &expr.Cast{Input: oid, Type: typeText}, Type: typeText}, nil
}

// bindToReg binds to_regclass(name) and its kin: the object's OID as the
// cast to kind gives it, or NULL where the cast would fail because the
// object does not exist. The name must be a constant here.
func (b *binder) bindToReg(fc *pg_query.FuncCall, kind string, ectx exprContext) (expr.Expr, error) {
	if len(fc.Args) != 1 || fc.Args[0].GetAConst().GetSval() == nil {
		args, err := b.bindExprs(fc.Args, ectx)
		if err != nil {
			return nil, err
		}
		if len(fc.Args) == 1 {
			return nil, b.unsupported(fc.Location, "to_%s of anything but a constant name is not supported yet", kind)
		}
		return nil, b.noFunction(fc, "to_"+kind, args...)
	}
	cast := &pg_query.TypeCast{Arg: fc.Args[0], TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode(kind)}, Location: -1}, Location: fc.Location}
	e, _, err := b.bindRegCast(cast, ectx)
	var pe *pgerror.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgerror.UndefinedTable, "42704", "3F000", pgerror.UndefinedFunction, "42725":
			return &expr.Literal{Value: scalar.MakeNullScalar(typeInt8)}, nil
		}
	}
	return e, err
}

// sessionUsers lists the users connected now (this session's included),
// sorted, once each, without postgres: the roles pg_roles shows besides
// it.
func (b *binder) sessionUsers() []string {
	if b.sess == nil {
		return nil
	}
	users := []string{b.sess.UserName()}
	for _, a := range b.sess.Activity() {
		users = append(users, a.User)
	}
	slices.Sort(users)
	return slices.DeleteFunc(slices.Compact(users), func(u string) bool { return u == catalog.OwnerName })
}

// roleName is the name of the role whose OID oid gives: postgres,
// pg_database_owner or a connected user (riffq's roles), else unknown.
func (b *binder) roleName(oid, unknown expr.Expr) expr.Expr {
	is := func(v uint32) expr.Expr {
		return &expr.Binary{Op: expr.Eq, Left: oid, Right: &expr.Literal{Value: scalar.NewInt64Scalar(int64(v))}, Type: typeBool}
	}
	text := func(s string) expr.Expr { return &expr.Literal{Value: scalar.NewStringScalar(s)} }
	whens := []expr.When{
		{Cond: is(catalog.OwnerOID), Result: text(catalog.OwnerName)},
		{Cond: is(catalog.DatabaseOwnerOID), Result: text(catalog.DatabaseOwnerName)},
	}
	for _, u := range b.sessionUsers() {
		whens = append(whens, expr.When{Cond: is(catalog.RoleOID(u)), Result: text(u)})
	}
	b.volatile = true // the connected users change
	return &expr.Case{Whens: whens, Else: unknown, Type: typeText}
}

package planner

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

var (
	typeJSON  = func() arrow.DataType { t, _ := extensions.NewJSONType(arrow.BinaryTypes.String); return t }()
	typeJSONB = arrow.DataType(pgtypes.JSONB())
)

// isJSONType reports whether dt is json or jsonb.
func isJSONType(dt arrow.DataType) bool {
	ext, ok := dt.(arrow.ExtensionType)
	return ok && (ext.ExtensionName() == "arrow.json" || ext.ExtensionName() == "riffq.jsonb")
}

func isJSONB(dt arrow.DataType) bool {
	ext, ok := dt.(arrow.ExtensionType)
	return ok && ext.ExtensionName() == "riffq.jsonb"
}

// containerOps are the operators of json, jsonb and arrays, by name.
var containerOps = map[string]bool{"->": true, "->>": true, "#>": true, "#>>": true, "#-": true, "@>": true, "<@": true, "&&": true, "?": true, "?|": true, "?&": true}

// bindContainerOp binds json's field and path operators (-> ->> #> #>>,
// for json and jsonb), jsonb's containment and existence operators (@> <@
// ? ?| ?&), and the arrays' containment and overlap (@> <@ &&).
func (b *binder) bindContainerOp(ae *pg_query.A_Expr, op string, ectx exprContext) (expr.Expr, error) {
	l, r, err := b.bindOperands(ae, ectx)
	if err != nil {
		return nil, err
	}
	if _, ok := l.(*unknownLit); ok {
		if _, ok := r.(*unknownLit); ok {
			return nil, b.errorf("42725", ae.Location, "operator is not unique: unknown %s unknown", op).
				WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
		}
	}
	if u, ok := l.(*unknownLit); ok {
		if l, err = b.resolveAs(u, typeJSONB); err != nil {
			return nil, err
		}
	}
	lt := l.DataType()
	noOp := func() error {
		return b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: %s %s %s", typeName(lt), op, typeName(b.resolveUnknown(r).DataType())).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	textList := arrow.ListOf(typeText)
	switch op {
	case "->", "->>":
		if !isJSONType(lt) {
			return nil, noOp()
		}
		switch {
		case numericRank(r.DataType()) >= 1 && numericRank(r.DataType()) <= 3: // an integer: an array index
			if r, err = b.cast(r, typeInt4, ae.Location); err != nil {
				return nil, err
			}
		case category(b.resolveUnknown(r).DataType()) == catString:
			if r, err = b.cast(r, typeText, ae.Location); err != nil {
				return nil, err
			}
		default:
			return nil, noOp()
		}
		if op == "->" {
			return &expr.Call{Func: "json_field", Args: []expr.Expr{l, r}, Type: lt}, nil
		}
		return &expr.Call{Func: "json_field_text", Args: []expr.Expr{l, r}, Type: typeText}, nil
	case "#-":
		if !isJSONB(lt) {
			return nil, noOp()
		}
		if r, err = b.cast(r, textList, ae.Location); err != nil {
			return nil, err
		}
		return &expr.Call{Func: "jsonb_delete_path", Args: []expr.Expr{l, r}, Type: typeJSONB}, nil
	case "#>", "#>>":
		if !isJSONType(lt) {
			return nil, noOp()
		}
		if r, err = b.cast(r, textList, ae.Location); err != nil {
			return nil, err
		}
		if op == "#>" {
			return &expr.Call{Func: "json_path", Args: []expr.Expr{l, r}, Type: lt}, nil
		}
		return &expr.Call{Func: "json_path_text", Args: []expr.Expr{l, r}, Type: typeText}, nil
	case "@>", "<@", "&&":
		if ll, isList := lt.(*arrow.ListType); isList {
			// Array containment and overlap, of two arrays.
			if _, ok := r.(*unknownLit); !ok && r.DataType().ID() != arrow.LIST && r.DataType().ID() != arrow.NULL {
				return nil, noOp()
			}
			if r, err = b.cast(r, ll, ae.Location); err != nil {
				return nil, err
			}
			if !arrow.TypeEqual(r.DataType(), ll) {
				return nil, noOp()
			}
			switch op {
			case "<@":
				return &expr.Call{Func: "array_contains_all", Args: []expr.Expr{r, l}, Type: typeBool}, nil
			case "&&":
				return &expr.Call{Func: "array_overlap", Args: []expr.Expr{l, r}, Type: typeBool}, nil
			}
			return &expr.Call{Func: "array_contains_all", Args: []expr.Expr{l, r}, Type: typeBool}, nil
		}
		if op == "&&" {
			return nil, noOp()
		}
		if u, ok := r.(*unknownLit); ok {
			if r, err = b.resolveAs(u, typeJSONB); err != nil {
				return nil, err
			}
		}
		if !isJSONB(lt) || !isJSONB(r.DataType()) {
			return nil, noOp()
		}
		if op == "<@" {
			l, r = r, l
		}
		return &expr.Call{Func: "jsonb_contains", Args: []expr.Expr{l, r}, Type: typeBool}, nil
	}
	// ? ?| ?&
	if !isJSONB(lt) {
		return nil, noOp()
	}
	want, fn := arrow.DataType(typeText), "jsonb_exists"
	if op != "?" {
		want, fn = textList, map[string]string{"?|": "jsonb_exists_any", "?&": "jsonb_exists_all"}[op]
	}
	if r, err = b.cast(r, want, ae.Location); err != nil {
		return nil, err
	}
	return &expr.Call{Func: fn, Args: []expr.Expr{l, r}, Type: typeBool}, nil
}

// bindJSONBEdit binds jsonb - key (text, text[] or an integer index) and
// jsonb || jsonb; ok is false when neither operand makes it a jsonb
// operator.
func (b *binder) bindJSONBEdit(ae *pg_query.A_Expr, op string, l, r expr.Expr) (expr.Expr, bool, error) {
	_, lUnknown := l.(*unknownLit)
	_, rUnknown := r.(*unknownLit)
	var err error
	switch {
	case op == "-" && isJSONType(l.DataType()) && !isJSONB(l.DataType()):
		return nil, true, b.errorf(pgerror.UndefinedFunction, ae.Location, "operator does not exist: json - %s", map[bool]string{true: "unknown", false: typeName(r.DataType())}[rUnknown]).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	case op == "-" && isJSONB(l.DataType()) && !lUnknown:
		switch rt := b.resolveUnknown(r).DataType(); {
		case numericRank(rt) >= 1 && numericRank(rt) <= 3:
			r, err = b.cast(r, typeInt4, ae.Location)
		case rUnknown || category(rt) == catString:
			r, err = b.cast(r, typeText, ae.Location)
		case arrow.TypeEqual(rt, arrow.ListOf(typeText)):
		default:
			return nil, false, nil
		}
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "jsonb_delete", Args: []expr.Expr{l, r}, Type: typeJSONB}, true, nil
	case op == "||" && (isJSONB(l.DataType()) && !lUnknown && (rUnknown || isJSONB(r.DataType())) ||
		isJSONB(r.DataType()) && !rUnknown && lUnknown):
		if l, err = b.cast(l, typeJSONB, ae.Location); err != nil {
			return nil, true, err
		}
		if r, err = b.cast(r, typeJSONB, ae.Location); err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "jsonb_concat", Args: []expr.Expr{l, r}, Type: typeJSONB}, true, nil
	}
	return nil, false, nil
}

// bindJSONFunc binds the json functions riffq implements; ok is false for
// other names.
func (b *binder) bindJSONFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	switch name {
	case "row_to_json":
		return b.bindRowToJSON(fc, ectx)
	case "json_build_array", "jsonb_build_array":
		args, err := b.bindExprs(fc.Args, ectx)
		if err != nil {
			return nil, true, err
		}
		for i, a := range args {
			if args[i] = b.resolveUnknown(a); args[i].DataType().ID() == arrow.NULL {
				args[i] = &expr.Literal{Value: scalar.MakeNullScalar(typeText)}
			}
		}
		t := typeJSON
		if name == "jsonb_build_array" {
			t = typeJSONB
		}
		if len(args) == 0 {
			e, err := b.cast(&expr.Literal{Value: scalar.NewStringScalar("[]")}, t, fc.Location)
			return e, true, err
		}
		return &expr.Call{Func: name, Args: args, Type: t}, true, nil
	case "json_extract_path", "jsonb_extract_path", "json_extract_path_text", "jsonb_extract_path_text":
		// f(doc, VARIADIC path) is doc #> ARRAY[path] (#>> for _text).
		if len(fc.Args) < 2 {
			args, err := b.bindExprs(fc.Args, ectx)
			if err != nil {
				return nil, true, err
			}
			return nil, true, b.noFunction(fc, name, args...)
		}
		op := "#>"
		if strings.HasSuffix(name, "_text") {
			op = "#>>"
		}
		doc := fc.Args[0]
		if name[4] == 'b' {
			doc = &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: doc, TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("jsonb")}, Location: -1}, Location: -1}}}
		} else {
			doc = &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: doc, TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("json")}, Location: -1}, Location: -1}}}
		}
		path := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{
			Arg:      &pg_query.Node{Node: &pg_query.Node_AArrayExpr{AArrayExpr: &pg_query.A_ArrayExpr{Elements: fc.Args[1:], Location: fc.Location}}},
			TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("text")}, ArrayBounds: []*pg_query.Node{pg_query.MakeIntNode(-1)}, Location: -1}, Location: -1}}}
		e, err := b.bindAExpr(&pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP, Name: []*pg_query.Node{pg_query.MakeStrNode(op)}, Lexpr: doc, Rexpr: path, Location: fc.Location}, ectx)
		return e, true, err
	case "to_json", "to_jsonb", "json_typeof", "jsonb_typeof", "json_array_length", "jsonb_array_length", "jsonb_build_object",
		"json_elements", "json_elements_text", "json_keys", "jsonb_strip_nulls", "jsonb_pretty", "jsonb_set", "jsonb_insert":
	default:
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	for i, a := range args {
		if i == 2 && (name == "jsonb_set" || name == "jsonb_insert") {
			a = typedNull(a, typeJSONB)
		}
		args[i] = b.resolveUnknown(a)
	}
	if len(args) != 1 && name != "jsonb_build_object" && (name != "jsonb_set" && name != "jsonb_insert" || len(args) < 3 || len(args) > 4) {
		return nil, true, b.noFunction(fc, name, args...)
	}
	jsonArg := func(t arrow.DataType) error {
		if lit, ok := args[0].(*expr.Literal); ok && lit.Value.DataType().ID() == arrow.STRING {
			args[0], err = b.cast(lit, t, fc.Location)
			return err
		}
		if !isJSONType(args[0].DataType()) || (t == typeJSONB) != isJSONB(args[0].DataType()) {
			return b.noFunction(fc, name, args...)
		}
		return nil
	}
	switch name {
	case "to_json":
		return &expr.Call{Func: name, Args: args, Type: typeJSON}, true, nil
	case "to_jsonb":
		return &expr.Call{Func: name, Args: args, Type: typeJSONB}, true, nil
	case "json_typeof", "jsonb_typeof":
		t := typeJSON
		if name == "jsonb_typeof" {
			t = typeJSONB
		}
		if err := jsonArg(t); err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "json_typeof", Args: args, Type: typeText}, true, nil
	case "json_array_length", "jsonb_array_length":
		t := typeJSON
		if name == "jsonb_array_length" {
			t = typeJSONB
		}
		if err := jsonArg(t); err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "json_array_length", Args: args, Type: typeInt4}, true, nil
	case "jsonb_strip_nulls", "jsonb_pretty":
		if err := jsonArg(typeJSONB); err != nil {
			return nil, true, err
		}
		t := typeJSONB
		if name == "jsonb_pretty" {
			t = typeText
		}
		return &expr.Call{Func: name, Args: args, Type: t}, true, nil
	case "jsonb_set", "jsonb_insert":
		// jsonb_set(target, path text[], new_value [, create_missing]),
		// jsonb_insert(target, path text[], new_value [, insert_after])
		if err := jsonArg(typeJSONB); err != nil {
			return nil, true, err
		}
		want := []arrow.DataType{nil, arrow.ListOf(typeText), typeJSONB, typeBool}
		for i := 1; i < len(args); i++ {
			args[i] = typedNull(args[i], want[i])
			if lit, ok := args[i].(*expr.Literal); ok && lit.Value.DataType().ID() == arrow.STRING && lit.Value.IsValid() {
				// A constant written as text reads as the parameter's type.
				v, err := parseLiteral(string(lit.Value.(*scalar.String).Data()), want[i])
				if err != nil {
					return nil, true, pgerror.From(err).WithPosition(position(b.sql, fc.Location))
				}
				args[i] = &expr.Literal{Value: v}
			} else if i == 3 {
				if args[i], err = b.cast(args[i], want[i], fc.Location); err != nil {
					return nil, true, err
				}
			}
			if !arrow.TypeEqual(args[i].DataType(), want[i]) {
				return nil, true, b.noFunction(fc, name, args...)
			}
		}
		return &expr.Call{Func: name, Args: args, Type: typeJSONB}, true, nil
	case "jsonb_build_object":
		if len(args)%2 != 0 {
			return nil, true, b.errorf(pgerror.InvalidParameterValue, fc.Location, "argument list must have even number of elements").
				WithHint("The arguments of jsonb_build_object() must consist of alternating keys and values.")
		}
		if len(args) == 0 {
			e, err := b.cast(&expr.Literal{Value: scalar.NewStringScalar("{}")}, typeJSONB, fc.Location)
			return e, true, err
		}
		return &expr.Call{Func: name, Args: args, Type: typeJSONB}, true, nil
	}
	return nil, false, nil
}

// bindRowToJSON binds row_to_json(record [, pretty]): to_json of a
// record, its fields on lines of their own when pretty.
func (b *binder) bindRowToJSON(fc *pg_query.FuncCall, ectx exprContext) (expr.Expr, bool, error) {
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	if len(args) == 0 || len(args) > 2 || args[0].DataType().ID() != arrow.STRUCT {
		return nil, true, b.noFunction(fc, "row_to_json", args...)
	}
	if len(args) == 2 {
		pretty, err := b.cast(b.resolveUnknown(args[1]), typeBool, nodeLocation(fc.Args[1]))
		if err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: "row_to_json", Args: []expr.Expr{args[0], pretty}, Type: typeJSON}, true, nil
	}
	return &expr.Call{Func: "to_json", Args: args, Type: typeJSON}, true, nil
}

// setFuncAsArray rewrites the set-returning functions the engine computes
// as one array per row, to be unnested: json[b]_array_elements[_text],
// json[b]_object_keys and regexp_matches. It returns the array and the
// output column's name.
func (b *binder) setFuncAsArray(fc *pg_query.FuncCall, name string, args []expr.Expr) (expr.Expr, string, bool, error) {
	var fn, col string
	switch name {
	case "regexp_matches":
		// Each match is a text[]; without the g flag there is at most one.
		if len(args) < 2 || len(args) > 3 {
			return nil, "", true, b.noFunction(fc, name, args...)
		}
		for i, a := range args {
			if category(a.DataType()) != catString {
				return nil, "", true, b.noFunction(fc, name, args...)
			}
			var err error
			if args[i], err = b.cast(a, typeText, fc.Location); err != nil {
				return nil, "", true, err
			}
		}
		return &expr.Call{Func: "regexp_matches_all", Args: args, Type: arrow.ListOf(arrow.ListOf(typeText))}, name, true, nil
	case "json_array_elements", "jsonb_array_elements":
		fn, col = "json_elements", "value"
	case "json_array_elements_text", "jsonb_array_elements_text":
		fn, col = "json_elements_text", "value"
	case "json_object_keys", "jsonb_object_keys":
		fn, col = "json_keys", name
	case "string_to_table", "regexp_split_to_table":
		// string_to_table(s, delimiter [, null string]) is
		// unnest(string_to_array(...)); regexp_split_to_table(s,
		// pattern [, flags]) unnest(regexp_split_to_array(...)).
		if len(args) < 2 || len(args) > 3 {
			return nil, "", true, b.noFunction(fc, name, args...)
		}
		for i, a := range args {
			var err error
			if args[i], err = b.cast(a, typeText, fc.Location); err != nil {
				return nil, "", true, err
			}
		}
		fn := "string_to_array"
		if name == "regexp_split_to_table" {
			fn = "regexp_split_to_array"
		}
		return &expr.Call{Func: fn, Args: args, Type: arrow.ListOf(typeText)}, name, true, nil
	default:
		return nil, "", false, nil
	}
	if len(args) != 1 {
		return nil, "", true, b.noFunction(fc, name, args...)
	}
	want := typeJSON
	if name[4] == 'b' { // jsonb_...
		want = typeJSONB
	}
	arg := args[0]
	var err error
	switch {
	case arg.DataType().ID() == arrow.STRING:
		if arg, err = b.cast(arg, want, fc.Location); err != nil {
			return nil, "", true, err
		}
	case !isJSONType(arg.DataType()) || isJSONB(arg.DataType()) != isJSONB(want):
		return nil, "", true, b.noFunction(fc, name, args...)
	}
	elem := arg.DataType()
	if fn != "json_elements" {
		elem = typeText
	}
	return &expr.Call{Func: fn, Args: []expr.Expr{arg}, Type: arrow.ListOf(elem)}, col, true, nil
}

// bindJSONEach binds json[b]_each[_text](object) in FROM: a row per key,
// with columns key and value (json, jsonb or text).
func (b *binder) bindJSONEach(rf *pg_query.RangeFunction, fc *pg_query.FuncCall, name string, args []expr.Expr) (Plan, *scope, error) {
	if len(args) != 1 {
		return nil, nil, b.noFunction(fc, name, args...)
	}
	doc := typeJSON
	if strings.HasPrefix(name, "jsonb") {
		doc = typeJSONB
	}
	arg := args[0]
	if u, ok := arg.(*unknownLit); ok {
		var err error
		if arg, err = b.resolveAs(u, doc); err != nil {
			return nil, nil, err
		}
	}
	if !arrow.TypeEqual(arg.DataType(), doc) {
		return nil, nil, b.noFunction(fc, name, arg)
	}
	value := doc
	if strings.HasSuffix(name, "_text") {
		value = typeText
	}
	fields := []arrow.Field{{Name: "key", Type: typeText, Nullable: true}, {Name: "value", Type: value, Nullable: true}}
	if rf.Ordinality {
		fields = append(fields, arrow.Field{Name: "ordinality", Type: typeInt8})
	}
	alias := name
	var colnames []*pg_query.Node
	if rf.Alias != nil {
		alias, colnames = rf.Alias.Aliasname, rf.Alias.Colnames
	}
	schema := arrow.NewSchema(fields, nil)
	return &TableFunc{Func: name, Args: []expr.Expr{arg}, Out: schema, Ordinality: rf.Ordinality}, tableScope(alias, schema, colnames), nil
}

// bindJSONToRecord binds json[b]_to_record[set](doc) AS alias(col type,
// ...) as the query it amounts to: each column is the document's field
// of its name (NULL when missing), from the field's text — json and jsonb
// columns take the field itself — over the document, or over each element
// of the array it is for the recordset functions.
func (b *binder) bindJSONToRecord(rf *pg_query.RangeFunction, fc *pg_query.FuncCall, name string) (Plan, *scope, error) {
	if len(rf.Coldeflist) == 0 {
		return nil, nil, b.errorf(pgerror.SyntaxError, fc.Location, "a column definition list is required for functions returning \"record\"")
	}
	if len(fc.Args) != 1 {
		return nil, nil, b.noFunction(fc, name)
	}
	docType := "jsonb"
	if strings.HasPrefix(name, "json_") {
		docType = "json"
	}
	str := func(s string) *pg_query.Node { return pg_query.MakeStrNode(s) }
	docRef := func() *pg_query.Node { return pg_query.MakeColumnRefNode([]*pg_query.Node{str("*doc*")}, -1) }
	var targets []*pg_query.Node
	for _, n := range rf.Coldeflist {
		cd := n.GetColumnDef()
		if cd == nil || cd.TypeName == nil {
			return nil, nil, b.unsupported(fc.Location, "this column definition is not supported")
		}
		op := "->>"
		if names := cd.TypeName.Names; len(names) > 0 && len(cd.TypeName.ArrayBounds) == 0 {
			if t := names[len(names)-1].GetString_().GetSval(); t == "json" || t == "jsonb" {
				op = "->"
			}
		}
		field := &pg_query.Node{Node: &pg_query.Node_AExpr{AExpr: &pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP,
			Name: []*pg_query.Node{str(op)}, Lexpr: docRef(), Rexpr: pg_query.MakeAConstStrNode(cd.Colname, -1), Location: -1}}}
		cast := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: field, TypeName: cd.TypeName, Location: -1}}}
		targets = append(targets, pg_query.MakeResTargetNodeWithNameAndVal(cd.Colname, cast, -1))
	}
	// The document, cast to its type, as the one column of a one-row
	// query, or the elements of its array.
	docCast := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: fc.Args[0],
		TypeName: &pg_query.TypeName{Names: []*pg_query.Node{str(docType)}, Typemod: -1, Location: -1}, Location: -1}}}
	simple := func(s *pg_query.SelectStmt) *pg_query.SelectStmt {
		s.Op, s.LimitOption = pg_query.SetOperation_SETOP_NONE, pg_query.LimitOption_LIMIT_OPTION_DEFAULT
		return s
	}
	inner := simple(&pg_query.SelectStmt{TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithNameAndVal("*doc*", docCast, -1)}})
	if strings.HasSuffix(name, "set") {
		elems := &pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: &pg_query.FuncCall{
			Funcname: []*pg_query.Node{str(docType + "_array_elements")}, Args: []*pg_query.Node{docCast}, Location: fc.Location}}}
		inner = simple(&pg_query.SelectStmt{
			TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithNameAndVal("*doc*", pg_query.MakeColumnRefNode([]*pg_query.Node{str("value")}, -1), -1)},
			FromClause: []*pg_query.Node{{Node: &pg_query.Node_RangeFunction{RangeFunction: &pg_query.RangeFunction{
				Functions: []*pg_query.Node{pg_query.MakeListNode([]*pg_query.Node{elems, {}})}}}}},
		})
	}
	sel := simple(&pg_query.SelectStmt{TargetList: targets, FromClause: []*pg_query.Node{{Node: &pg_query.Node_RangeSubselect{RangeSubselect: &pg_query.RangeSubselect{
		Subquery: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: inner}},
		Alias:    &pg_query.Alias{Aliasname: "*rec*"}}}}}})
	plan, err := b.bindSelect(sel)
	if err != nil {
		return nil, nil, err
	}
	alias := name
	var colnames []*pg_query.Node
	if rf.Alias != nil {
		alias, colnames = rf.Alias.Aliasname, rf.Alias.Colnames
	}
	return plan, tableScope(alias, plan.Schema(), colnames), nil
}

package planner

import (
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/riffq/riffq/catalog"
	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

func (b *binder) bindFuncCall(fc *pg_query.FuncCall, ectx exprContext) (expr.Expr, error) {
	fc = b.withoutVoidParams(fc)
	name := funcName(fc)
	if len(fc.Funcname) == 2 {
		// schema.f(): the schema must exist before anything else.
		if err := b.schemaExists(fc.Funcname[0].GetString_().GetSval(), fc.Location); err != nil {
			return nil, err
		}
	}
	if fc.Over != nil {
		return b.bindWindow(fc, name, ectx)
	}
	if _, ok := windowFuncs[name]; ok && len(fc.Funcname) == 1 && !fc.AggWithinGroup {
		return nil, b.errorf(pgerror.WrongObjectType, fc.Location, "window function %s requires an OVER clause", name)
	}
	switch name {
	case "nextval", "currval", "setval":
		return b.bindSequenceFunc(fc, name, ectx)
	}
	if !isAggregateName(name) {
		if e, ok, err := b.bindScalarFunc(fc, name, ectx); ok || err != nil {
			return e, err
		}
		if len(fc.Args) == 1 && !fc.AggStar && !fc.FuncVariadic && len(fc.AggOrder) == 0 {
			// A type's name called as a function is a cast, as in
			// PostgreSQL: date(ts), int4('5'), text(42).
			tn := &pg_query.TypeName{Names: fc.Funcname, Typemod: -1, Location: fc.Location}
			if _, err := resolveTypeName(tn, b.sql); err == nil {
				return b.bindCast(&pg_query.TypeCast{Arg: fc.Args[0], TypeName: tn, Location: fc.Location}, ectx)
			}
		}
		args, err := b.bindExprs(fc.Args, ectx)
		if err != nil {
			return nil, err
		}
		if isSRFCall(&pg_query.Node{Node: &pg_query.Node_FuncCall{FuncCall: fc}}) {
			// Set-returning functions run as select-list items and in
			// FROM; inside an expression (generate_series(1, 3)::text)
			// they are not supported yet.
			if ectx.clause != "" && ectx.clause != "SELECT" {
				return nil, b.errorf(pgerror.FeatureNotSupported, fc.Location, "set-returning functions are not allowed in %s", ectx.clause)
			}
			return nil, b.unsupported(fc.Location, "set-returning function %s inside an expression is not supported yet", name)
		}
		return nil, b.noFunction(fc, name, args...)
	}
	// An aggregate where this query allows none may still be one of an
	// enclosing query's, which its arguments tell (see outerAggregate).
	var notHere error
	if ectx.clause == "aggregate function calls" {
		notHere = b.errorf(pgerror.GroupingError, fc.Location, "aggregate function calls cannot be nested")
	} else if ectx.aggs == nil {
		clause := ectx.clause
		if clause == "" {
			clause = "this context"
		}
		notHere = b.errorf(pgerror.GroupingError, fc.Location, "aggregate functions are not allowed in %s", clause)
	}
	mayBeOuter := len(b.correlations) > 0 && ectx.clause != "window function calls" && !fc.AggWithinGroup
	if notHere != nil && !mayBeOuter {
		return nil, notHere
	}
	if fc.Over != nil {
		return nil, b.unsupported(fc.Location, "window functions are not supported yet")
	}
	// Binding the arguments registers the enclosing query's columns they
	// read; an aggregate that turns out to belong to that query unbinds
	// them (see outerAggregate).
	mark := b.markCorrelations()
	var filter expr.Expr
	if fc.AggFilter != nil {
		var err error
		if filter, err = b.bindPredicate(fc.AggFilter, exprContext{scope: ectx.scope, clause: "FILTER"}); err != nil {
			return nil, err
		}
	}
	switch name {
	case "every":
		name = "bool_and"
	case "stddev":
		name = "stddev_samp"
	case "variance":
		name = "var_samp"
	}
	if fc.AggStar {
		if name != "count" {
			return nil, b.errorf(pgerror.SyntaxError, fc.Location, "%s(*) specified, but %s is not an aggregate function", name, name)
		}
		if mayBeOuter && outerOnly(filter) {
			level := b.aggregateLevel(filter)
			b.restoreCorrelations(mark)
			return b.outerAggregate(fc, level)
		}
		if notHere != nil {
			return nil, notHere
		}
		return ectx.aggs.add(&expr.Aggregate{Func: expr.CountStar, Type: typeInt8, Filter: filter}), nil
	}
	orderedSet := name == "percentile_cont" || name == "percentile_disc" || name == "mode"
	if orderedSet != fc.AggWithinGroup {
		// As in PostgreSQL, no function takes these arguments.
		var nodes []*pg_query.Node
		nodes = append(nodes, fc.Args...)
		if fc.AggWithinGroup {
			for _, o := range fc.AggOrder {
				nodes = append(nodes, o.GetSortBy().Node)
			}
		}
		args, err := b.bindExprs(nodes, exprContext{scope: ectx.scope, clause: "aggregate function calls"})
		if err != nil {
			return nil, err
		}
		return nil, b.noFunction(fc, name, args...)
	}
	if orderedSet {
		return b.bindOrderedSet(fc, name, ectx, filter)
	}
	nargs := 1
	if name == "string_agg" || isTwoArgAgg(name) {
		nargs = 2
	}
	if name == "count" && len(fc.Args) == 0 {
		return nil, b.errorf(pgerror.WrongObjectType, fc.Location, "count(*) must be used to call a parameterless aggregate function")
	}
	if len(fc.Args) != nargs {
		args, err := b.bindExprs(fc.Args, exprContext{scope: ectx.scope, clause: "aggregate function calls"})
		if err != nil {
			return nil, err
		}
		return nil, b.noFunction(fc, name, args...)
	}
	// Aggregate arguments cannot themselves contain aggregates, except an
	// aggregate used as a window function over a grouped query's rows.
	argCtx := exprContext{scope: ectx.scope, clause: "aggregate function calls"}
	if ectx.argAggs != nil {
		argCtx = exprContext{scope: ectx.scope, aggs: ectx.argAggs, clause: "window function calls"}
	}
	arg, err := b.bindExpr(fc.Args[0], argCtx)
	if err != nil {
		return nil, err
	}
	var delim expr.Expr
	if nargs == 2 {
		if delim, err = b.bindExpr(fc.Args[1], argCtx); err != nil {
			return nil, err
		}
	}
	if mayBeOuter && outerOnly(arg, delim, filter) {
		// PostgreSQL computes such an aggregate in the enclosing query,
		// over its rows, and the subquery reads the result.
		level := b.aggregateLevel(arg, delim, filter)
		b.restoreCorrelations(mark)
		return b.outerAggregate(fc, level)
	}
	if notHere != nil {
		return nil, notHere
	}
	if isTwoArgAgg(name) {
		// Both arguments travel as one row (see expr.JSONObjectAgg).
		if arg, err = b.aggArgRow(name, arg, delim, fc); err != nil {
			return nil, err
		}
		delim = nil
	} else if delim != nil {
		delim = b.resolveUnknown(delim)
	}
	if name == "bool_and" || name == "bool_or" {
		// Their one signature types an untyped argument: bool_and(NULL).
		if u, ok := arg.(*unknownLit); ok {
			if arg, err = b.resolveAs(u, typeBool); err != nil {
				return nil, err
			}
		}
		arg = typedNull(arg, typeBool)
	}
	arg = b.resolveUnknown(arg)
	if orderSensitiveAggs[name] && fc.AggDistinct && len(fc.AggOrder) == 0 {
		// PostgreSQL sorts a DISTINCT aggregate's input, so its values
		// come out in ascending order.
		fc = proto.Clone(fc).(*pg_query.FuncCall)
		fc.AggOrder = []*pg_query.Node{{Node: &pg_query.Node_SortBy{SortBy: &pg_query.SortBy{Node: fc.Args[0], Location: -1}}}}
	}
	order, ownOrder, err := b.bindAggOrder(fc, ectx, argCtx, arg)
	if err != nil {
		return nil, err
	}
	in := arg.DataType()
	var out arrow.DataType
	switch expr.AggFunc(name) {
	case expr.Count:
		out = typeInt8
	case expr.Sum:
		switch rank := numericRank(in); {
		case rank == 1 || rank == 2:
			out = typeInt8
		case rank == 3:
			out = &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}
		case in.ID() == arrow.DECIMAL128:
			out = &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: in.(*arrow.Decimal128Type).Scale}
		case rank == 5:
			out = typeFloat4
		case rank == 6:
			out = typeFloat8
		case isPerValueNumeric(in):
			out = pgtypes.Numeric()
		case in.ID() == arrow.INTERVAL_MONTH_DAY_NANO:
			out = typeInterval
		}
	case expr.Avg:
		switch rank := numericRank(in); {
		case rank >= 1 && rank <= 3, in.ID() == arrow.DECIMAL128, isPerValueNumeric(in):
			out = pgtypes.Numeric()
		case rank >= 5:
			out = typeFloat8
		case in.ID() == arrow.INTERVAL_MONTH_DAY_NANO:
			out = typeInterval
		}
	case expr.Min, expr.Max:
		if in.ID() != arrow.BOOL && in.ID() != arrow.NULL && in.ID() != arrow.BINARY { // PostgreSQL has no min(bytea)
			out = in
		}
	case expr.BoolAnd, expr.BoolOr:
		if in.ID() == arrow.BOOL {
			out = typeBool
		}
	case expr.StddevSamp, expr.StddevPop, expr.VarSamp, expr.VarPop:
		switch rank := numericRank(in); {
		case rank == 5 || rank == 6:
			out = typeFloat8
		case rank > 0 || isPerValueNumeric(in):
			out = pgtypes.Numeric()
		}
	case expr.StringAgg:
		if category(in) == catString && delim != nil && category(delim.DataType()) == catString {
			out = typeText
			if _, constant := foldConstant(delim).(*expr.Literal); !constant {
				// A delimiter read per row: each value is preceded by
				// its own row's (the first one's is dropped), so both
				// travel as one row, as the two-argument aggregates'.
				arg, delim = rowOf([]expr.Expr{arg, delim}), nil
			}
		}
	case expr.BitAnd, expr.BitOr, expr.BitXor:
		if r := numericRank(in); r >= 1 && r <= 3 {
			out = in
		}
	case expr.RegrCount:
		out = typeInt8
	case expr.Corr, expr.CovarPop, expr.CovarSamp, expr.RegrAvgX, expr.RegrAvgY, expr.RegrIntercept,
		expr.RegrR2, expr.RegrSlope, expr.RegrSxx, expr.RegrSxy, expr.RegrSyy:
		out = typeFloat8
	case expr.JSONAgg, expr.JSONObjectAgg:
		out = typeJSON
	case expr.JSONBAgg, expr.JSONBObjectAgg:
		out = typeJSONB
	case expr.ArrayAgg:
		if _, nested := in.(*arrow.ListType); !nested && in.ID() != arrow.NULL {
			out = arrow.ListOf(in)
		}
	}
	if out == nil {
		return nil, b.noFunction(fc, name, arg)
	}
	if agg := expr.AggFunc(name); (agg == expr.Min || agg == expr.Max) && isBpchar(arg) {
		// min and max of a character value are the padded value, a
		// character value too.
		return asBpchar(ectx.aggs.add(&expr.Aggregate{Func: agg, Arg: unpadded(arg), Type: out, Distinct: fc.AggDistinct, Filter: filter})), nil
	}
	return ectx.aggs.add(&expr.Aggregate{Func: expr.AggFunc(name), Arg: arg, Type: out, Distinct: fc.AggDistinct, Filter: filter, Delimiter: delim, Order: order, OrderBy: ownOrder}), nil
}

// outerOnly reports whether es (nil ones aside) read an enclosing query's
// row and nothing of their own query's.
func outerOnly(es ...expr.Expr) bool {
	outer, own := false, false
	for _, e := range es {
		if e == nil {
			continue
		}
		expr.Walk(e, func(e expr.Expr) bool {
			switch e.(type) {
			case *expr.OuterRef:
				outer = true
			case *expr.Column:
				own = true
			}
			return true
		})
	}
	return outer && !own
}

// aggregateLevel is the depth in b.outer of the query an aggregate over
// only enclosing queries' columns es belongs to: as in PostgreSQL, the
// nearest of the queries whose columns it reads.
func (b *binder) aggregateLevel(es ...expr.Expr) int {
	corr := b.correlations[len(b.correlations)-1]
	level := 0
	for _, e := range es {
		if e == nil {
			continue
		}
		expr.Walk(e, func(e expr.Expr) bool {
			if r, ok := e.(*expr.OuterRef); ok {
				for k, x := range corr.refs {
					if x == r {
						level = max(level, k.depth)
					}
				}
			}
			return true
		})
	}
	return level
}

// outerAggregate binds fc as an aggregate of the enclosing query at depth
// level, where it is computed over that query's rows (or groups), and
// returns the result as an outer value of the query being bound, handed
// down through each query between as outerRef does for columns.
func (b *binder) outerAggregate(fc *pg_query.FuncCall, level int) (expr.Expr, error) {
	outer, corrs := b.outer, b.correlations
	ctx := corrs[level].ctx
	if ctx.aggs == nil && ctx.mayGroup {
		return nil, &regroupError{scope: ctx.scope, err: b.errorf(pgerror.GroupingError, fc.Location, "aggregate of an enclosing query found ungrouped")}
	}
	b.outer, b.correlations = outer[:level], corrs[:level]
	e, err := b.bindFuncCall(fc, ctx)
	b.outer, b.correlations = outer, corrs
	if err != nil {
		return nil, err
	}
	for _, c := range corrs[level:] {
		e = c.add(e, fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval())
	}
	return e, nil
}

// aggArgRow makes the row of a two-argument aggregate's arguments: the
// statistics take double precision (y, x), as PostgreSQL's do.
func (b *binder) aggArgRow(name string, x, y expr.Expr, fc *pg_query.FuncCall) (expr.Expr, error) {
	args := []expr.Expr{x, y}
	if name == "json_object_agg" || name == "jsonb_object_agg" {
		args[0], args[1] = b.resolveUnknown(x), b.resolveUnknown(y)
	} else {
		for i, a := range args {
			_, unknown := a.(*unknownLit)
			if !unknown && category(a.DataType()) != catNumeric && a.DataType().ID() != arrow.NULL && !isPerValueNumeric(a.DataType()) {
				return nil, b.noFunction(fc, name, b.resolveUnknown(x), b.resolveUnknown(y))
			}
			var err error
			if args[i], err = b.cast(a, typeFloat8, nodeLocation(fc.Args[i])); err != nil {
				return nil, err
			}
		}
	}
	return rowOf(args), nil
}

// bindOrderedSet binds percentile_cont(fraction), percentile_disc(fraction)
// and mode() WITHIN GROUP (ORDER BY value): the input is sorted by the
// ordering, whose value is the aggregate's argument.
func (b *binder) bindOrderedSet(fc *pg_query.FuncCall, name string, ectx exprContext, filter expr.Expr) (expr.Expr, error) {
	want := 1
	if name == "mode" {
		want = 0
	}
	if len(fc.Args) != want || len(fc.AggOrder) != 1 {
		return nil, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s with %d arguments does not exist", name, len(fc.Args)+len(fc.AggOrder))
	}
	if fc.AggDistinct {
		return nil, b.errorf(pgerror.SyntaxError, fc.Location, "cannot use DISTINCT with WITHIN GROUP")
	}
	argCtx := exprContext{scope: ectx.scope, clause: "aggregate function calls"}
	arg, err := b.bindExpr(fc.AggOrder[0].GetSortBy().Node, argCtx)
	if err != nil {
		return nil, err
	}
	arg = b.resolveUnknown(arg)
	out := arg.DataType()
	agg := &expr.Aggregate{Func: expr.AggFunc(name), Filter: filter}
	if want == 1 {
		// The fraction is evaluated once; it may not read the rows.
		frac, err := b.bindExpr(fc.Args[0], exprContext{scope: &scope{}, clause: "the fraction of " + name})
		if err != nil {
			return nil, err
		}
		want := arrow.DataType(typeFloat8)
		if _, isList := frac.DataType().(*arrow.ListType); isList {
			// An array of fractions gives an array of percentiles.
			want = arrow.ListOf(typeFloat8)
		}
		if agg.Fraction, err = b.cast(frac, want, nodeLocation(fc.Args[0])); err != nil {
			return nil, err
		}
	}
	if name == "percentile_cont" {
		if category(out) != catNumeric && !isPerValueNumeric(out) {
			return nil, b.noFunction(fc, name, arg)
		}
		if arg, err = b.cast(arg, typeFloat8, fc.Location); err != nil {
			return nil, err
		}
		out = typeFloat8
	}
	// The aggregate sorts its values itself: only the direction matters
	// (NULLs are left out).
	sb := fc.AggOrder[0].GetSortBy()
	if agg.Desc, _, err = b.orderDirection(sb); err != nil {
		return nil, err
	}
	if agg.Fraction != nil && agg.Fraction.DataType().ID() == arrow.LIST {
		out = arrow.ListOf(out)
	}
	agg.Arg, agg.Type, agg.Order = arg, out, arg.String()
	if agg.Desc {
		agg.Order += " DESC"
	}
	return ectx.aggs.add(agg), nil
}

// orderSensitiveAggs are the aggregates whose result shows the order of
// their input.
var orderSensitiveAggs = map[string]bool{"array_agg": true, "string_agg": true, "json_agg": true, "jsonb_agg": true}

// bindAggOrder binds an aggregate's ORDER BY and returns its text. The
// first ordering of a query goes to its collector: the planner sorts the
// aggregate's input by it. An aggregate ordering differently gets its keys
// back (own) and sorts its rows itself.
func (b *binder) bindAggOrder(fc *pg_query.FuncCall, ectx, argCtx exprContext, arg expr.Expr) (text string, own []expr.SortExpr, err error) {
	if len(fc.AggOrder) == 0 {
		return "", nil, nil
	}
	var keys []orderKey
	var parts []string
	for _, n := range fc.AggOrder {
		sb := n.GetSortBy()
		e, err := b.bindExpr(sb.Node, argCtx)
		if err != nil {
			return "", nil, err
		}
		e = b.resolveUnknown(e)
		// DISTINCT keeps each value's first row in the sorted input, so
		// the ordering may only use the value itself, as in PostgreSQL.
		if fc.AggDistinct && e.String() != arg.String() {
			return "", nil, b.errorf(pgerror.InvalidColumnReference, nodeLocation(sb.Node), "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list")
		}
		desc, nullsFirst, err := b.orderDirection(sb)
		if err != nil {
			return "", nil, err
		}
		keys = append(keys, orderKey{e: e, desc: desc, nullsFirst: nullsFirst})
		part := e.String()
		if desc {
			part += " DESC"
		}
		if nullsFirst != desc {
			part += map[bool]string{true: " NULLS FIRST", false: " NULLS LAST"}[nullsFirst]
		}
		parts = append(parts, part)
	}
	text = strings.Join(parts, ", ")
	aggs := ectx.aggs
	if aggs.orderText == "" || aggs.orderText == text {
		aggs.order, aggs.orderText = keys, text
		return text, nil, nil
	}
	for _, k := range keys {
		own = append(own, expr.SortExpr{Expr: k.e, Desc: k.desc, NullsFirst: k.nullsFirst})
	}
	return text, own, nil
}

// bindScalarFunc binds the scalar functions the engine implements; ok is
// false for other names.
func (b *binder) bindScalarFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if name == "num_nulls" || name == "num_nonnulls" {
		e, err := b.bindNullCount(fc, name, ectx)
		return e, true, err
	}
	if def, ok := rewrittenFuncs[name]; ok && len(fc.Args) == def.args {
		e, err := b.bindRewrite(def.sql, fc.Args, ectx)
		return e, true, err
	}
	if name == "overlaps" && len(fc.Args) == 4 {
		e, err := b.bindOverlaps(fc, ectx)
		return e, true, err
	}
	if e, ok, err := b.bindSessionFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindTimezone(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindTemplateParse(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindToChar(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindDateConstructor(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindDateFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindTextMathFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindMathFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindCatalogFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindJSONFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.bindArrayFunc(fc, name, ectx); ok || err != nil {
		return e, ok, err
	}
	switch name {
	case "lower", "upper", "length", "char_length", "character_length", "abs":
	default:
		return nil, false, nil
	}
	if len(fc.Args) != 1 || fc.AggStar || fc.AggDistinct {
		return nil, false, nil
	}
	arg, err := b.bindExpr(fc.Args[0], ectx)
	if err != nil {
		return nil, true, err
	}
	if u, ok := arg.(*unknownLit); ok {
		t := arrow.DataType(typeText)
		if name == "abs" {
			t = typeFloat8
		}
		if arg, err = b.resolveAs(u, t); err != nil {
			return nil, true, err
		}
	}
	if arg.DataType().ID() == arrow.NULL { // a bare NULL: text, or float8 for abs
		t := arrow.DataType(typeText)
		if name == "abs" {
			t = typeFloat8
		}
		arg = &expr.Literal{Value: scalar.MakeNullScalar(t)}
	}
	noFunc := func() (expr.Expr, bool, error) { return nil, true, b.noFunction(fc, name, arg) }
	switch name {
	case "abs":
		if isPerValueNumeric(arg.DataType()) {
			// Each value keeps its scale: CASE WHEN x < 0 THEN 0 - x ELSE x END.
			zero := &expr.Literal{Value: scalar.NewInt32Scalar(0)}
			neg, err := b.binary(expr.Sub, zero, arg, fc.Location)
			if err != nil {
				return nil, true, err
			}
			lt, err := b.binary(expr.Lt, arg, zero, fc.Location)
			if err != nil {
				return nil, true, err
			}
			return &expr.Case{Whens: []expr.When{{Cond: lt, Result: neg}}, Else: arg, Type: arg.DataType()}, true, nil
		}
		switch arg.DataType().ID() {
		case arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
			return &expr.Call{Func: name, Args: []expr.Expr{arg}, Type: arg.DataType()}, true, nil
		}
		return noFunc()
	case "length", "char_length", "character_length":
		if name == "length" && category(arg.DataType()) == catBinary {
			return &expr.Call{Func: "bytea_length", Args: []expr.Expr{arg}, Type: typeInt4}, true, nil
		}
		if category(arg.DataType()) != catString {
			return noFunc()
		}
		return &expr.Call{Func: "length", Args: []expr.Expr{arg}, Type: typeInt4}, true, nil
	}
	if category(arg.DataType()) != catString {
		return noFunc()
	}
	return &expr.Call{Func: name, Args: []expr.Expr{arg}, Type: typeText}, true, nil
}

var sqlValueNames = map[pg_query.SQLValueFunctionOp]string{
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE: "current_date", pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP: "current_timestamp",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp", pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP: "localtimestamp",
	pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N: "localtimestamp", pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME: "current_time",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N: "current_time", pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME: "localtime",
	pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N: "localtime", pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE: "current_role",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER: "current_user", pg_query.SQLValueFunctionOp_SVFOP_USER: "current_user",
	pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER: "session_user", pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG: "current_catalog",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA: "current_schema",
}

// bindSQLValueFunction binds CURRENT_USER, CURRENT_DATE and the other
// keyword functions; their values are fixed for the statement.
func (b *binder) bindSQLValueFunction(f *pg_query.SQLValueFunction) (expr.Expr, error) {
	user := ""
	if b.sess != nil {
		user = b.sess.UserName()
	}
	ts := b.now.UTC().Truncate(time.Microsecond)
	switch f.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP,
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP,
		pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME,
		pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N:
		b.volatile = true
	}
	switch f.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg_query.SQLValueFunctionOp_SVFOP_USER,
		pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:
		return &expr.Literal{Value: scalar.NewStringScalar(user)}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		return &expr.Literal{Value: scalar.NewStringScalar(b.db)}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		return &expr.Literal{Value: scalar.NewStringScalar(catalog.DefaultSchema)}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
		// The session's date: now() in its TimeZone, when it runs.
		now := &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(ts.UnixMicro()), typeTimestamptz)}
		return &expr.Cast{Input: now, Type: typeDate}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:
		return &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(ts.UnixMicro()), typeTimestamptz)}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N:
		// CURRENT_TIMESTAMP(p) rounds to p fractional digits.
		now := &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(ts.UnixMicro()), typeTimestamptz)}
		if f.Typmod >= 0 && f.Typmod < 6 {
			return foldConstant(&expr.Call{Func: "round_fraction", Args: []expr.Expr{now, &expr.Literal{Value: scalar.NewInt32Scalar(f.Typmod)}}, Type: typeTimestamptz}), nil
		}
		return now, nil
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		now := &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(ts.UnixMicro()), typeTimestamptz)}
		return &expr.Cast{Input: now, Type: typeTimestamp}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N:
		now := &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(ts.UnixMicro()), typeTimestamptz)}
		return &expr.Cast{Input: now, Type: typeTime}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:
		// The session's time of day and UTC offset, when it runs.
		var now expr.Expr = &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(ts.UnixMicro()), typeTimestamptz)}
		if f.Op == pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N && f.Typmod >= 0 && f.Typmod < 6 {
			now = &expr.Call{Func: "round_fraction", Args: []expr.Expr{now, &expr.Literal{Value: scalar.NewInt32Scalar(f.Typmod)}}, Type: typeTimestamptz}
		}
		return &expr.Cast{Input: now, Type: pgtypes.Timetz()}, nil
	}
	return nil, b.unsupported(f.Location, "%s is not supported yet", strings.ToUpper(sqlValueNames[f.Op]))
}

// bindSessionFunc binds the functions clients call to learn about the
// server and session: version(), current_database(), current_schema(),
// current_setting(), pg_backend_pid(), now().
func (b *binder) bindSessionFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	text := func(s string) (expr.Expr, bool, error) {
		return &expr.Literal{Value: scalar.NewStringScalar(s)}, true, nil
	}
	switch {
	case name == "version" && len(fc.Args) == 0:
		v := "15.0"
		if b.sess != nil {
			if _, sv, err := b.sess.Setting("server_version"); err == nil && sv != "" {
				v = strings.Fields(sv)[0]
			}
		}
		return text("PostgreSQL " + v + " (riffq) on " + runtime.GOARCH + "-" + runtime.GOOS + ", compiled by " + runtime.Version() + ", 64-bit")
	case name == "current_database" && len(fc.Args) == 0:
		return text(b.db)
	case name == "current_schema" && len(fc.Args) == 0:
		// The first schema of search_path that exists (JDBC's
		// getSchema, after setSchema or currentSchema=...).
		if schemas := b.pathSchemas(); len(schemas) > 0 {
			return text(schemas[0])
		}
		return &expr.Literal{Value: scalar.MakeNullScalar(typeText)}, true, nil
	case name == "pg_backend_pid" && len(fc.Args) == 0:
		pid := uint32(0)
		if b.sess != nil {
			pid = b.sess.BackendPID()
		}
		return &expr.Literal{Value: scalar.NewInt32Scalar(int32(pid))}, true, nil
	case (name == "now" || name == "transaction_timestamp" || name == "statement_timestamp") && len(fc.Args) == 0:
		b.volatile = true
		t := b.now // the transaction's
		if name == "statement_timestamp" && !b.stmtNow.IsZero() {
			t = b.stmtNow
		}
		return &expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(t.UTC().Truncate(time.Microsecond).UnixMicro()), typeTimestamptz)}, true, nil
	case name == "current_setting" && (len(fc.Args) == 1 || len(fc.Args) == 2):
		arg, err := b.bindExpr(fc.Args[0], ectx)
		if err != nil {
			return nil, true, err
		}
		u, ok := arg.(*unknownLit)
		if b.sess == nil {
			return nil, true, b.unsupported(fc.Location, "current_setting() needs a session")
		}
		if !ok || u.param > 0 {
			// A name read at run time (psql's \dconfig passes
			// pg_settings.name): each setting's value, chosen by name.
			b.volatile = true
			name, err := b.cast(b.resolveUnknown(arg), typeText, fc.Location)
			if err != nil {
				return nil, true, err
			}
			lower := &expr.Call{Func: "lower", Args: []expr.Expr{name}, Type: typeText}
			var whens []expr.When
			for _, st := range b.sess.Settings() {
				cond := &expr.Binary{Op: expr.Eq, Left: lower, Right: &expr.Literal{Value: scalar.NewStringScalar(strings.ToLower(st[0]))}, Type: typeBool}
				whens = append(whens, expr.When{Cond: cond, Result: &expr.Literal{Value: scalar.NewStringScalar(st[1])}})
			}
			return &expr.Case{Whens: whens, Else: &expr.Literal{Value: scalar.MakeNullScalar(typeText)}, Type: typeText}, true, nil
		}
		b.volatile = true
		_, v, err := b.sess.Setting(u.text)
		if err != nil {
			if len(fc.Args) == 2 { // missing_ok
				return &expr.Literal{Value: scalar.MakeNullScalar(typeText)}, true, nil
			}
			return nil, true, err
		}
		return text(v)
	case name == "pg_sleep" && len(fc.Args) == 1:
		arg, err := b.bindExpr(fc.Args[0], ectx)
		if err != nil {
			return nil, true, err
		}
		if arg, err = b.cast(b.resolveUnknown(arg), typeFloat8, fc.Location); err != nil {
			return nil, true, err
		}
		b.volatile = true
		return &expr.Call{Func: "pg_sleep", Args: []expr.Expr{arg}, Type: typeText}, true, nil
	case (name == "pg_cancel_backend" && len(fc.Args) == 1) || (name == "pg_terminate_backend" && (len(fc.Args) == 1 || len(fc.Args) == 2)):
		// The server's sessions are reached when the query runs
		// (engine.WithBackendSignal). pg_terminate_backend's timeout,
		// how long to wait for the session to end, is not waited.
		args, err := b.bindExprs(fc.Args, ectx)
		if err != nil {
			return nil, true, err
		}
		want := []arrow.DataType{typeInt4, typeInt8}
		for i := range args {
			if args[i], err = b.cast(b.resolveUnknown(args[i]), want[i], fc.Location); err != nil {
				return nil, true, err
			}
		}
		b.volatile = true
		return &expr.Call{Func: name, Args: args[:1], Type: typeBool}, true, nil
	case engine.IsAdvisoryLockFunc(name):
		// The server's lock table is reached when the query runs
		// (engine.WithAdvisoryLocks). A key is a bigint or two integers.
		args, err := b.bindExprs(fc.Args, ectx)
		if err != nil {
			return nil, true, err
		}
		var want []arrow.DataType
		switch {
		case name == "pg_advisory_unlock_all" && len(args) == 0:
		case name != "pg_advisory_unlock_all" && len(args) == 1:
			want = []arrow.DataType{typeInt8}
		case name != "pg_advisory_unlock_all" && len(args) == 2:
			want = []arrow.DataType{typeInt4, typeInt4}
		default:
			return nil, true, b.noFunction(fc, name, args...)
		}
		for i := range args {
			if args[i], err = b.cast(b.resolveUnknown(args[i]), want[i], fc.Location); err != nil {
				return nil, true, err
			}
		}
		b.volatile = true
		var typ arrow.DataType = typeText // void, which riffq holds as empty strings
		if strings.HasPrefix(name, "pg_try_") || strings.HasPrefix(name, "pg_advisory_unlock") && name != "pg_advisory_unlock_all" {
			typ = typeBool
		}
		return &expr.Call{Func: name, Args: args, Type: typ}, true, nil
	case name == "set_config" && len(fc.Args) == 3:
		return b.bindSetConfig(fc, ectx)
	}
	return nil, false, nil
}

// bindSetConfig binds set_config(name, value, is_local) of constants: the
// setting changes when the statement is planned to run (not when it is
// only described), as SET would, and the call is the new value.
func (b *binder) bindSetConfig(fc *pg_query.FuncCall, ectx exprContext) (expr.Expr, bool, error) {
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	constant := func(e expr.Expr, t arrow.DataType) (scalar.Scalar, bool) {
		c, err := b.cast(b.resolveUnknown(e), t, fc.Location)
		if err != nil {
			return nil, false
		}
		lit, ok := foldConstant(c).(*expr.Literal)
		if !ok || !lit.Value.IsValid() {
			return nil, false
		}
		return lit.Value, true
	}
	name, ok1 := constant(args[0], typeText)
	value, ok2 := constant(args[1], typeText)
	local, ok3 := constant(args[2], typeBool)
	if !ok1 || !ok2 || !ok3 {
		// Values read per row cannot change the session from the
		// engine: the call fails if a row reaches it. pg_dump calls
		// set_config(name, ...) FROM pg_settings WHERE name = a setting
		// riffq does not have, which reaches none.
		for i, t := range []arrow.DataType{typeText, typeText, typeBool} {
			if args[i], err = b.cast(b.resolveUnknown(args[i]), t, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: "set_config_per_row", Args: args, Type: typeText}, true, nil
	}
	if b.sess == nil {
		return nil, true, b.unsupported(fc.Location, "set_config() needs a session")
	}
	b.volatile = true
	n := name.(*scalar.String).String()
	if !b.describeOnly {
		if err := b.sess.SetSetting(n, value.(*scalar.String).String(), local.(*scalar.Boolean).Value, false); err != nil {
			return nil, true, err
		}
	}
	_, v, err := b.sess.Setting(n)
	if err != nil {
		return nil, true, err
	}
	return &expr.Literal{Value: scalar.NewStringScalar(v)}, true, nil
}

// noFunction is PostgreSQL's error for a call that no function matches;
// untyped constants show as "unknown", as they do there.
func (b *binder) noFunction(fc *pg_query.FuncCall, name string, args ...expr.Expr) *pgerror.Error {
	types := make([]string, len(args))
	for i, a := range args {
		types[i] = "unknown"
		if _, ok := a.(*unknownLit); !ok {
			types[i] = typeName(a.DataType())
		}
	}
	return b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s(%s) does not exist", name, strings.Join(types, ", ")).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

// withoutVoidParams is fc without its arguments that are parameters
// declared void: PostgreSQL leaves them out of a function call, and
// pgJDBC sends a CallableStatement's OUT parameter as one.
func (b *binder) withoutVoidParams(fc *pg_query.FuncCall) *pg_query.FuncCall {
	isVoid := func(n *pg_query.Node) bool {
		pr := n.GetParamRef()
		if pr == nil || pr.Number < 1 {
			return false
		}
		t := b.params.typeOf(int(pr.Number))
		return t != nil && t.ID() == arrow.NULL
	}
	if !slices.ContainsFunc(fc.Args, isVoid) {
		return fc
	}
	out := proto.Clone(fc).(*pg_query.FuncCall)
	out.Args = slices.DeleteFunc(out.Args, isVoid)
	return out
}

// isBareNull reports whether e is a NULL constant without a type, which
// takes the type a function's parameter has, as PostgreSQL's unknown does.
func isBareNull(e expr.Expr) bool {
	lit, ok := e.(*expr.Literal)
	return ok && lit.Value.DataType().ID() == arrow.NULL
}

// typedNull is e, or when e is a bare NULL a NULL of type t, the type of
// the parameter it stands for.
func typedNull(e expr.Expr, t arrow.DataType) expr.Expr {
	if isBareNull(e) && t.ID() != arrow.NULL {
		return &expr.Literal{Value: scalar.MakeNullScalar(t)}
	}
	return e
}

// isUnknownText reports whether e is an untyped literal that is not a
// number: PostgreSQL resolves it as text.
func isUnknownText(e expr.Expr) bool {
	u, ok := e.(*unknownLit)
	return ok && u.param == 0
}

// bindByteaHash binds sha224, sha256, sha384 and sha512 of bytea, and md5
// of bytea or text.
func (b *binder) bindByteaHash(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	switch name {
	case "sha224", "sha256", "sha384", "sha512", "md5":
	default:
		return nil, false, nil
	}
	if len(fc.Args) != 1 {
		return nil, false, nil
	}
	arg, err := b.bindExpr(fc.Args[0], ectx)
	if err != nil {
		return nil, true, err
	}
	if name == "md5" {
		// The digest's hex text, of text or of bytea.
		if u, ok := arg.(*unknownLit); ok {
			if arg, err = b.resolveAs(u, typeText); err != nil {
				return nil, true, err
			}
		}
		if arg.DataType().ID() == arrow.NULL { // a bare NULL is unknown, read as text
			arg = &expr.Literal{Value: scalar.MakeNullScalar(typeText)}
		}
		switch category(arg.DataType()) {
		case catBinary:
			return &expr.Call{Func: "bytea_md5", Args: []expr.Expr{arg}, Type: typeText}, true, nil
		case catString:
			return &expr.Call{Func: "md5", Args: []expr.Expr{arg}, Type: typeText}, true, nil
		}
		return nil, true, b.noFunction(fc, name, arg)
	}
	if u, ok := arg.(*unknownLit); ok {
		if arg, err = b.resolveAs(u, typeBytea); err != nil {
			return nil, true, err
		}
	}
	if category(arg.DataType()) != catBinary {
		return nil, true, b.noFunction(fc, name, arg)
	}
	return &expr.Call{Func: "bytea_" + name, Args: []expr.Expr{arg}, Type: typeBytea}, true, nil
}

// bindNullCount binds num_nulls(...) and num_nonnulls(...): how many
// arguments, of any types, are (not) NULL.
func (b *binder) bindNullCount(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, error) {
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, b.noFunction(fc, name)
	}
	one, zero := &expr.Literal{Value: scalar.NewInt32Scalar(1)}, &expr.Literal{Value: scalar.NewInt32Scalar(0)}
	var sum expr.Expr
	for _, a := range args {
		test := &expr.IsNull{Input: b.resolveUnknown(a), Negated: name == "num_nonnulls"}
		term := &expr.Case{Whens: []expr.When{{Cond: test, Result: one}}, Else: zero, Type: typeInt4}
		if sum == nil {
			sum = term
		} else {
			sum = &expr.Binary{Op: expr.Add, Left: sum, Right: term, Type: typeInt4}
		}
	}
	return foldConstant(sum), nil
}

// rewrittenFuncs are functions written as SQL over other ones, their
// arguments $1, $2, ...: arrays are one-dimensional with subscripts from
// 1 here, so their dimensions are the bounds.
var rewrittenFuncs = map[string]struct {
	args int
	sql  string
}{
	"array_dims":    {1, "'[' || array_lower($1, 1) || ':' || array_upper($1, 1) || ']'"},
	"array_ndims":   {1, "CASE WHEN array_length($1, 1) IS NOT NULL THEN 1 END"},
	"array_replace": {3, "CASE WHEN $1 IS NOT NULL THEN ARRAY(SELECT CASE WHEN e IS NOT DISTINCT FROM $2 THEN $3 ELSE e END FROM unnest($1) WITH ORDINALITY u(e, o) ORDER BY o) END"},
	"array_fill":    {2, "CASE WHEN $2 IS NOT NULL THEN ARRAY(SELECT $1 FROM generate_series(1, ($2)[1])) END"},
	"array_to_json": {1, "to_json($1)"},
}

// bindRewrite binds the expression sql with $n standing for args[n-1].
func (b *binder) bindRewrite(sql string, args []*pg_query.Node, ectx exprContext) (expr.Expr, error) {
	stmts, err := Parse("SELECT " + sql)
	if err != nil {
		return nil, err
	}
	e := proto.Clone(stmts[0].Node.GetSelectStmt().TargetList[0].GetResTarget().Val).(*pg_query.Node)
	var subst func(n *pg_query.Node)
	subst = func(n *pg_query.Node) {
		if p := n.GetParamRef(); p != nil && int(p.Number) <= len(args) {
			n.Node = args[p.Number-1].Node
			return
		}
		replaceChildren(n, subst)
	}
	subst(e)
	return b.bindExpr(e, ectx)
}

// overlapsSQL is (s1, e1) OVERLAPS (s2, e2) as PostgreSQL's
// overlaps_timestamp decides it: each pair ordered (a NULL end leaves the
// start alone and the end unknown), then the starts compared; $1..$4 are
// the two periods' bounds.
const overlapsSQL = `CASE
	WHEN least($1, $2) IS NULL OR least($3, $4) IS NULL THEN NULL
	WHEN least($1, $2) > least($3, $4) THEN CASE
		WHEN $3 IS NULL OR $4 IS NULL THEN NULL
		WHEN least($1, $2) < greatest($3, $4) THEN true
		WHEN $1 IS NULL OR $2 IS NULL THEN NULL
		ELSE false END
	WHEN least($1, $2) < least($3, $4) THEN CASE
		WHEN $1 IS NULL OR $2 IS NULL THEN NULL
		WHEN least($3, $4) < greatest($1, $2) THEN true
		WHEN $3 IS NULL OR $4 IS NULL THEN NULL
		ELSE false END
	ELSE CASE WHEN $1 IS NULL OR $2 IS NULL OR $3 IS NULL OR $4 IS NULL THEN NULL ELSE true END
END`

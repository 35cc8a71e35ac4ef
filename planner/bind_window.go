package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// WindowFunc is one window function call: Func over Args, in the window
// the Window node sorts its input into.
type WindowFunc struct {
	Func string
	Args []expr.Expr
	Type arrow.DataType
	// Agg is set for aggregates used as window functions.
	Agg *expr.Aggregate
	// Frame is the rows aggregates and first_value, last_value and
	// nth_value see.
	Frame engine.WindowFrame
}

func (w *WindowFunc) String() string {
	over := "()"
	if w.Frame != engine.DefaultFrame {
		over = "(" + w.Frame.String() + ")"
	}
	if w.Agg != nil {
		return w.Agg.String() + " OVER " + over
	}
	return fmt.Sprintf("%s(%s) OVER %s", w.Func, joinExprs(w.Args), over)
}

// Window computes window functions over its input, which is sorted by
// Partition then Order keys (columns of the input); its output is the input
// columns followed by one column per function.
type Window struct {
	Input     Plan
	Partition []int
	Order     []SortKey
	Funcs     []*WindowFunc
}

func (w *Window) Schema() *arrow.Schema {
	fields := append([]arrow.Field{}, w.Input.Schema().Fields()...)
	for i, f := range w.Funcs {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("window%d", i), Type: f.Type, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

func (w *Window) Inputs() []Plan { return []Plan{w.Input} }
func (w *Window) String() string {
	return fmt.Sprintf("Window: partition=%v order=%v funcs=%v", w.Partition, w.Order, w.Funcs)
}

// winRef stands for a window function call until the window stage is built.
type winRef struct {
	i    int
	call *winCall
}

func (w *winRef) DataType() arrow.DataType { return w.call.fn.Type }
func (w *winRef) String() string           { return w.call.fn.String() }

// winCall is a bound window function call with its window.
type winCall struct {
	fn        *WindowFunc
	partition []expr.Expr
	order     []expr.Expr
	desc      []bool
	nullsLast []bool
	key       string // the window's partitioning and ordering, shared by calls sorted alike
}

// winCollector gathers a query's window function calls.
type winCollector struct {
	calls []*winCall
	// defs are the query's WINDOW clause, by name.
	defs map[string]*pg_query.WindowDef
}

// windowFuncs are the window functions proper, with their result types
// (nil: the type of their first argument).
var windowFuncs = map[string]arrow.DataType{
	"row_number": typeInt8, "rank": typeInt8, "dense_rank": typeInt8,
	"percent_rank": typeFloat8, "cume_dist": typeFloat8, "ntile": typeInt4,
	"lag": nil, "lead": nil, "first_value": nil, "last_value": nil, "nth_value": nil,
}

// bindWindow binds f(...) OVER window, where the window is written out or
// names one of the WINDOW clause.
func (b *binder) bindWindow(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, error) {
	if ectx.wins == nil {
		clause := ectx.clause
		if clause == "" {
			clause = "this context"
		}
		if clause == "aggregate function calls" {
			return nil, b.errorf(pgerror.GroupingError, fc.Location, "aggregate function calls cannot contain window function calls")
		}
		return nil, b.errorf("42P20", fc.Location, "window functions are not allowed in %s", clause)
	}
	over, err := b.resolveWindow(fc.Over, ectx.wins.defs, 0)
	if err != nil {
		return nil, err
	}
	inner := exprContext{scope: ectx.scope, aggs: ectx.aggs, clause: "window function calls"}
	call := &winCall{}
	for _, p := range over.PartitionClause {
		e, err := b.bindExpr(p, inner)
		if err != nil {
			return nil, err
		}
		call.partition = append(call.partition, b.resolveUnknown(e))
	}
	for _, n := range over.OrderClause {
		sb := n.GetSortBy()
		e, err := b.bindExpr(sb.Node, inner)
		if err != nil {
			return nil, err
		}
		call.order = append(call.order, b.resolveUnknown(e))
		desc, nullsFirst, err := b.orderDirection(sb)
		if err != nil {
			return nil, err
		}
		call.desc = append(call.desc, desc)
		call.nullsLast = append(call.nullsLast, !nullsFirst)
	}
	call.key = fmt.Sprint(call.partition, call.order, call.desc, call.nullsLast)
	frame, err := b.bindFrame(over, call, inner)
	if err != nil {
		return nil, err
	}
	args, err := b.bindExprs(fc.Args, inner)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		args[i] = b.resolveUnknown(a)
	}
	if fc.AggWithinGroup {
		return nil, b.errorf(pgerror.FeatureNotSupported, fc.Location, "OVER is not supported for ordered-set aggregate %s", name)
	}
	keepsNulls := map[string]bool{"array_agg": true, "json_agg": true, "jsonb_agg": true, "json_object_agg": true, "jsonb_object_agg": true}
	if fc.AggFilter != nil && isAggregateName(name) && !keepsNulls[name] && !fc.AggDistinct && len(fc.AggOrder) == 0 {
		// FILTER (WHERE c) of an aggregate that skips NULLs is the
		// aggregate of CASE WHEN c THEN x END.
		fc = proto.Clone(fc).(*pg_query.FuncCall)
		when := func(v *pg_query.Node) *pg_query.Node {
			return &pg_query.Node{Node: &pg_query.Node_CaseExpr{CaseExpr: &pg_query.CaseExpr{Args: []*pg_query.Node{
				{Node: &pg_query.Node_CaseWhen{CaseWhen: &pg_query.CaseWhen{Expr: fc.AggFilter, Result: v, Location: -1}}}}, Location: -1}}}
		}
		if fc.AggStar {
			fc.AggStar, fc.Args = false, []*pg_query.Node{when(&pg_query.Node{Node: &pg_query.Node_AConst{AConst: &pg_query.A_Const{Val: &pg_query.A_Const_Ival{Ival: &pg_query.Integer{Ival: 1}}, Location: -1}}})}
		} else {
			for i, a := range fc.Args {
				if i == 0 || isTwoArgAgg(name) {
					fc.Args[i] = when(a)
				}
			}
		}
		fc.AggFilter = nil
		if args, err = b.bindExprs(fc.Args, inner); err != nil {
			return nil, err
		}
		for i, a := range args {
			args[i] = b.resolveUnknown(a)
		}
	}
	if fc.AggFilter != nil || fc.AggDistinct || len(fc.AggOrder) > 0 {
		return nil, b.unsupported(fc.Location, "DISTINCT, ORDER BY and FILTER in window functions are not supported yet")
	}
	fn := &WindowFunc{Func: name, Args: args, Frame: frame}
	if t, ok := windowFuncs[name]; ok {
		fn.Type = t
		switch name {
		case "nth_value":
			if len(args) != 2 {
				return nil, b.noFunction(fc, name, args...)
			}
			fn.Type = args[0].DataType()
			if args[1], err = b.cast(args[1], typeInt4, fc.Location); err != nil {
				return nil, err
			}
		case "lag", "lead", "first_value", "last_value":
			if len(args) == 0 || len(args) > 3 || (name == "first_value" || name == "last_value") && len(args) != 1 {
				return nil, b.noFunction(fc, name, args...)
			}
			if len(args) == 3 && !untypedConstant(fc.Args[2]) {
				// lag(anycompatible, integer, anycompatible): the value and
				// its default meet at their common type (an integer
				// column with a default of 0.5 gives numeric); a quoted
				// default or NULL takes the value's type.
				ct, err := b.commonResultType([]expr.Expr{args[0], args[2]}, []int32{nodeLocation(fc.Args[0]), nodeLocation(fc.Args[2])}, name)
				if err != nil {
					return nil, err
				}
				if args[0], err = b.castResult(args[0], ct, fc.Location); err != nil {
					return nil, err
				}
			}
			fn.Type = args[0].DataType()
			for i := 1; i < len(args); i++ {
				want := typeInt4
				if i == 2 {
					want = fn.Type
				}
				var err error
				if args[i], err = b.cast(args[i], want, fc.Location); err != nil {
					return nil, err
				}
			}
		case "ntile":
			if len(args) != 1 {
				return nil, b.noFunction(fc, name, args...)
			}
			var err error
			if args[0], err = b.cast(args[0], typeInt4, fc.Location); err != nil {
				return nil, err
			}
		default:
			if len(args) != 0 {
				return nil, b.noFunction(fc, name, args...)
			}
		}
	} else if isAggregateName(name) {
		// Bound as an aggregate of its own, over the window's rows.
		coll := &aggCollector{}
		aggCtx := exprContext{scope: ectx.scope, aggs: coll, argAggs: ectx.aggs, clause: "window function calls"}
		plain := &pg_query.FuncCall{Funcname: fc.Funcname, Args: fc.Args, AggStar: fc.AggStar, Location: fc.Location}
		if _, err := b.bindFuncCall(plain, aggCtx); err != nil {
			return nil, err
		}
		fn.Agg = coll.aggs[0]
		fn.Type = fn.Agg.Type
	} else {
		return nil, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s does not exist", name)
	}
	call.fn = fn
	ectx.wins.calls = append(ectx.wins.calls, call)
	return &winRef{i: len(ectx.wins.calls) - 1, call: call}, nil
}

// untypedConstant reports whether n is a quoted constant or NULL, which
// take their type from context.
func untypedConstant(n *pg_query.Node) bool {
	c := n.GetAConst()
	return c != nil && (c.GetSval() != nil || c.GetIsnull())
}

// Frame option bits of a WindowDef (PostgreSQL's FRAMEOPTION_*).
const (
	frameNonDefault        = 0x00001
	frameRange             = 0x00002
	frameRows              = 0x00004
	frameGroups            = 0x00008
	frameStartUnbounded    = 0x00020
	frameEndUnbounded      = 0x00100
	frameStartCurrentRow   = 0x00200
	frameEndCurrentRow     = 0x00400
	frameStartPreceding    = 0x00800
	frameEndPreceding      = 0x01000
	frameStartFollowing    = 0x02000
	frameEndFollowing      = 0x04000
	frameExcludeCurrentRow = 0x08000
	frameExcludeGroup      = 0x10000
	frameExcludeTies       = 0x20000
)

// resolveWindow returns the window an OVER clause means: a WINDOW clause
// entry by name (OVER w), or a written-out window that may copy a named
// one's partitioning and ordering (OVER (w ORDER BY ...)), as PostgreSQL
// allows.
func (b *binder) resolveWindow(over *pg_query.WindowDef, defs map[string]*pg_query.WindowDef, depth int) (*pg_query.WindowDef, error) {
	named := over.Name != "" && over.Refname == "" && len(over.PartitionClause) == 0 && len(over.OrderClause) == 0 && over.FrameOptions&frameNonDefault == 0
	lookup := func(name string) (*pg_query.WindowDef, error) {
		def, ok := defs[name]
		if !ok || depth > len(defs) {
			return nil, b.errorf("42704", over.Location, "window %q does not exist", name)
		}
		return b.resolveWindow(def, defs, depth+1)
	}
	if named && depth == 0 {
		return lookup(over.Name)
	}
	if over.Refname == "" {
		return over, nil
	}
	ref, err := lookup(over.Refname)
	if err != nil {
		return nil, err
	}
	switch {
	case len(over.PartitionClause) > 0:
		return nil, b.errorf("42P20", over.Location, "cannot override PARTITION BY clause of window %q", over.Refname)
	case len(over.OrderClause) > 0 && len(ref.OrderClause) > 0:
		return nil, b.errorf("42P20", over.Location, "cannot override ORDER BY clause of window %q", over.Refname)
	case ref.FrameOptions&frameNonDefault != 0:
		return nil, b.errorf("42P20", over.Location, "cannot copy window %q because it has a frame clause", over.Refname)
	}
	merged := &pg_query.WindowDef{
		PartitionClause: ref.PartitionClause, OrderClause: over.OrderClause,
		FrameOptions: over.FrameOptions, StartOffset: over.StartOffset, EndOffset: over.EndOffset, Location: over.Location,
	}
	if len(merged.OrderClause) == 0 {
		merged.OrderClause = ref.OrderClause
	}
	return merged, nil
}

// bindFrame binds a window's frame clause (the default frame without one).
func (b *binder) bindFrame(over *pg_query.WindowDef, call *winCall, ectx exprContext) (engine.WindowFrame, error) {
	opts := over.FrameOptions
	if opts&frameNonDefault == 0 {
		return engine.DefaultFrame, nil
	}
	fr := engine.WindowFrame{Mode: engine.FrameRange}
	mode := "RANGE"
	switch {
	case opts&frameRows != 0:
		fr.Mode, mode = engine.FrameRows, "ROWS"
	case opts&frameGroups != 0:
		fr.Mode, mode = engine.FrameGroups, "GROUPS"
		if len(call.order) == 0 {
			return fr, b.errorf("42P20", over.Location, "GROUPS mode requires an ORDER BY clause")
		}
	}
	offset := func(n *pg_query.Node) (expr.Expr, error) {
		if n == nil {
			return nil, nil
		}
		e, err := b.bindExpr(n, exprContext{scope: &scope{}, clause: mode})
		if err != nil {
			if pe, ok := err.(*pgerror.Error); ok && pe.Code == pgerror.UndefinedColumn {
				return nil, b.errorf("42P10", nodeLocation(n), "argument of %s must not contain variables", mode)
			}
			return nil, err
		}
		if fr.Mode != engine.FrameRange {
			return b.cast(e, typeInt8, nodeLocation(n))
		}
		if len(call.order) != 1 {
			return nil, b.errorf("42P20", over.Location, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
		}
		col := call.order[0].DataType()
		var want arrow.DataType
		switch col.ID() {
		case arrow.INT16, arrow.INT32, arrow.INT64:
			want = typeInt8
		case arrow.FLOAT32, arrow.FLOAT64:
			want = typeFloat8
		case arrow.DECIMAL128:
			if e.DataType().ID() == arrow.DECIMAL128 {
				return e, nil
			}
			want = typeInt8
		case arrow.DATE32, arrow.TIMESTAMP:
			want = typeInterval
		}
		if ul, ok := e.(*unknownLit); ok && want != nil {
			return b.cast(ul, want, nodeLocation(n))
		}
		if want == nil {
			return nil, b.errorf(pgerror.FeatureNotSupported, nodeLocation(n), "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", typeName(col))
		}
		if !rangeOffsetType(e.DataType(), want) {
			return nil, b.errorf(pgerror.FeatureNotSupported, nodeLocation(n), "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s", typeName(col), typeName(e.DataType()))
		}
		return b.cast(e, want, nodeLocation(n))
	}
	bound := func(unbounded, current, preceding int32, off *pg_query.Node) (engine.FrameBound, error) {
		switch {
		case opts&unbounded != 0 && unbounded == frameStartUnbounded:
			return engine.FrameBound{Kind: engine.UnboundedPreceding}, nil
		case opts&unbounded != 0:
			return engine.FrameBound{Kind: engine.UnboundedFollowing}, nil
		case opts&current != 0:
			return engine.FrameBound{Kind: engine.CurrentRow}, nil
		}
		e, err := offset(off)
		if err != nil {
			return engine.FrameBound{}, err
		}
		if opts&preceding != 0 {
			return engine.FrameBound{Kind: engine.OffsetPreceding, Offset: e}, nil
		}
		return engine.FrameBound{Kind: engine.OffsetFollowing, Offset: e}, nil
	}
	var err error
	if fr.Start, err = bound(frameStartUnbounded, frameStartCurrentRow, frameStartPreceding, over.StartOffset); err != nil {
		return fr, err
	}
	if fr.End, err = bound(frameEndUnbounded, frameEndCurrentRow, frameEndPreceding, over.EndOffset); err != nil {
		return fr, err
	}
	switch {
	case opts&frameExcludeCurrentRow != 0:
		fr.Exclude = engine.ExcludeCurrentRow
	case opts&frameExcludeGroup != 0:
		fr.Exclude = engine.ExcludeGroup
	case opts&frameExcludeTies != 0:
		fr.Exclude = engine.ExcludeTies
	}
	return fr, nil
}

// rangeOffsetType reports whether a RANGE offset of type t goes with an
// ordering column whose offsets are of type want.
func rangeOffsetType(t, want arrow.DataType) bool {
	switch want.ID() {
	case arrow.INT64:
		return t.ID() == arrow.INT16 || t.ID() == arrow.INT32 || t.ID() == arrow.INT64
	case arrow.FLOAT64:
		switch t.ID() {
		case arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
			return true
		}
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return t.ID() == arrow.INTERVAL_MONTH_DAY_NANO
	}
	return false
}

// windowStage puts a Window node over input for each distinct window of
// the query's window calls: a Project adds the window's keys and its
// functions' arguments as columns, a Sort orders by the keys, and the
// Window appends the functions. Each stage keeps the columns before it, so
// the select list's window calls become columns of the last stage.
func (b *binder) windowStage(input Plan, exprs []expr.Expr, wins *winCollector, grouped bool, groups []expr.Expr) (Plan, []expr.Expr, error) {
	post := func(e expr.Expr) (expr.Expr, error) {
		if grouped {
			return b.overAggregate(e, groups)
		}
		return e, nil
	}
	colOf := make([]int, len(wins.calls)) // each call's output column
	done := make([]bool, len(wins.calls))
	for first := range wins.calls {
		if done[first] {
			continue
		}
		win := wins.calls[first]
		base := input.Schema()
		var pexprs []expr.Expr
		var pnames []string
		for i, f := range base.Fields() {
			pexprs = append(pexprs, &expr.Column{Index: i, Name: f.Name, Type: f.Type})
			pnames = append(pnames, f.Name)
		}
		addCol := func(e expr.Expr) (*expr.Column, error) {
			e, err := post(e)
			if err != nil {
				return nil, err
			}
			pexprs = append(pexprs, e)
			pnames = append(pnames, e.String())
			i := len(pexprs) - 1
			return &expr.Column{Index: i, Name: pnames[i], Type: e.DataType()}, nil
		}
		w := &Window{}
		var sortKeys []SortKey
		for _, p := range win.partition {
			c, err := addCol(p)
			if err != nil {
				return nil, nil, err
			}
			w.Partition = append(w.Partition, c.Index)
			sortKeys = append(sortKeys, SortKey{Column: c.Index})
		}
		for k, o := range win.order {
			c, err := addCol(o)
			if err != nil {
				return nil, nil, err
			}
			key := SortKey{Column: c.Index, Desc: win.desc[k], NullsFirst: !win.nullsLast[k]}
			w.Order = append(w.Order, key)
			sortKeys = append(sortKeys, key)
		}
		var members []int
		for i, c := range wins.calls {
			if done[i] || c.key != win.key {
				continue
			}
			done[i] = true
			members = append(members, i)
			fn := *c.fn
			fn.Args = nil
			for _, a := range c.fn.Args {
				col, err := addCol(a)
				if err != nil {
					return nil, nil, err
				}
				fn.Args = append(fn.Args, col)
			}
			if c.fn.Agg != nil {
				agg := *c.fn.Agg
				if agg.Arg != nil {
					col, err := addCol(agg.Arg)
					if err != nil {
						return nil, nil, err
					}
					agg.Arg = col
				}
				fn.Agg = &agg
			}
			w.Funcs = append(w.Funcs, &fn)
		}
		var plan Plan = &Project{Input: input, Exprs: pexprs, Names: pnames}
		if len(sortKeys) > 0 {
			plan = &Sort{Input: plan, Keys: sortKeys}
		}
		w.Input = plan
		for k, i := range members {
			colOf[i] = len(pexprs) + k
		}
		input = w
	}
	out := make([]expr.Expr, len(exprs))
	for i, e := range exprs {
		out[i] = expr.Transform(e, func(n expr.Expr) (expr.Expr, bool) {
			if r, ok := n.(*winRef); ok {
				return &expr.Column{Index: colOf[r.i], Name: r.String(), Type: r.DataType()}, true
			}
			return n, false
		})
	}
	return input, out, nil
}

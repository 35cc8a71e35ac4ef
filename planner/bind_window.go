package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	pg_query "github.com/pganalyze/pg_query_go/v6"

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
}

func (w *WindowFunc) String() string {
	if w.Agg != nil {
		return w.Agg.String() + " OVER ()"
	}
	return fmt.Sprintf("%s(%s) OVER ()", w.Func, joinExprs(w.Args))
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
	key       string // the window's text, to check all calls share it
}

// winCollector gathers a query's window function calls.
type winCollector struct {
	calls []*winCall
}

// windowFuncs are the window functions proper, with their result types
// (nil: the type of their first argument).
var windowFuncs = map[string]arrow.DataType{
	"row_number": typeInt8, "rank": typeInt8, "dense_rank": typeInt8,
	"percent_rank": typeFloat8, "cume_dist": typeFloat8, "ntile": typeInt4,
	"lag": nil, "lead": nil, "first_value": nil, "last_value": nil,
}

// bindWindow binds f(...) OVER (PARTITION BY ... ORDER BY ...). Frames other
// than the default, named windows and different windows in one query are
// not supported yet.
func (b *binder) bindWindow(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, error) {
	if ectx.wins == nil {
		clause := ectx.clause
		if clause == "" {
			clause = "this context"
		}
		return nil, b.errorf("42P20", fc.Location, "window functions are not allowed in %s", clause)
	}
	over := fc.Over
	if over.Name != "" || over.Refname != "" {
		return nil, b.unsupported(fc.Location, "named windows are not supported yet")
	}
	// FrameOptions' lowest bit (FRAMEOPTION_NONDEFAULT) marks a frame
	// clause; only the default frame is supported yet.
	if over.FrameOptions&1 != 0 {
		return nil, b.unsupported(fc.Location, "window frames other than the default are not supported yet")
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
		desc := sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC
		call.desc = append(call.desc, desc)
		nullsLast := !desc
		switch sb.SortbyNulls {
		case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
			nullsLast = false
		case pg_query.SortByNulls_SORTBY_NULLS_LAST:
			nullsLast = true
		}
		call.nullsLast = append(call.nullsLast, nullsLast)
	}
	call.key = fmt.Sprint(call.partition, call.order, call.desc, call.nullsLast)
	args, err := b.bindExprs(fc.Args, inner)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		args[i] = b.resolveUnknown(a)
	}
	if fc.AggFilter != nil || fc.AggDistinct || len(fc.AggOrder) > 0 {
		return nil, b.unsupported(fc.Location, "DISTINCT, ORDER BY and FILTER in window functions are not supported yet")
	}
	fn := &WindowFunc{Func: name, Args: args}
	if t, ok := windowFuncs[name]; ok {
		fn.Type = t
		switch name {
		case "lag", "lead", "first_value", "last_value":
			if len(args) == 0 || len(args) > 3 || (name == "first_value" || name == "last_value") && len(args) != 1 {
				return nil, b.noFunction(fc, name, args...)
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
		if len(call.order) > 0 && !runningAggregate(fn.Agg) {
			return nil, b.unsupported(fc.Location, "%s over an ordered window is not supported yet", name)
		}
	} else {
		return nil, b.errorf(pgerror.UndefinedFunction, fc.Location, "function %s does not exist", name)
	}
	call.fn = fn
	ectx.wins.calls = append(ectx.wins.calls, call)
	return &winRef{i: len(ectx.wins.calls) - 1, call: call}, nil
}

// runningAggregate reports whether the engine computes a over an ordered
// window (a running aggregate over the rows up to the current row's peers).
func runningAggregate(a *expr.Aggregate) bool {
	switch a.Func {
	case expr.CountStar, expr.Count:
		return true
	case expr.Sum:
		// sum(bigint) is numeric: not computed running yet.
		switch a.Arg.DataType().ID() {
		case arrow.INT16, arrow.INT32, arrow.FLOAT32, arrow.FLOAT64:
			return true
		}
	case expr.Min, expr.Max:
		switch a.Arg.DataType().ID() {
		case arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64:
			return true
		}
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

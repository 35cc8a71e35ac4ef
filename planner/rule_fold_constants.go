package planner

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtypes"
)

// foldConstants evaluates the operators, casts and functions whose
// arguments are all constants once, at plan time, instead of once per
// batch (and, for some kernels, once per row): `date '1994-01-01' +
// interval '1' year` becomes a timestamp constant a scan can use, `0.06 -
// 0.01` a numeric one. An expression whose evaluation fails stays as it
// is, so the error, if any, comes when the query runs it.
type foldConstants struct{}

func (foldConstants) name() string { return "fold_constants" }

func (foldConstants) apply(p Plan) (Plan, error) {
	// Clients repeat the same constant expressions in every branch of a
	// UNION (DataGrip's age($n::xid) guards): each is evaluated once.
	f := folder{memo: make(map[string]expr.Expr)}
	return f.plan(p)
}

// folder folds one plan's constants, remembering what each constant
// expression folded to.
type folder struct {
	memo map[string]expr.Expr
}

func (f folder) plan(p Plan) (Plan, error) {
	ins := p.Inputs()
	if len(ins) > 0 {
		newIns := make([]Plan, len(ins))
		for i, in := range ins {
			var err error
			if newIns[i], err = f.plan(in); err != nil {
				return nil, err
			}
		}
		p = withInputs(p, newIns)
	}
	return mapExprs(p, f.expr)
}

func (f folder) expr(e expr.Expr) expr.Expr {
	return expr.Rewrite(e, func(e expr.Expr) expr.Expr {
		if c, ok := e.(*expr.Case); ok {
			return foldCase(c)
		}
		if !foldable(e) {
			return unwrapDateCast(e)
		}
		key := foldKey(e)
		if folded, ok := f.memo[key]; ok {
			return folded
		}
		folded := e
		if v, err := engine.EvalConstant(context.Background(), e); err == nil && arrow.TypeEqual(v.DataType(), e.DataType()) {
			folded = &expr.Literal{Value: v}
		}
		f.memo[key] = folded
		return folded
	})
}

// holdsZoned reports whether values of dt hold a timestamptz, in arrays
// and records too.
func holdsZoned(dt arrow.DataType) bool {
	switch t := dt.(type) {
	case *arrow.ListType:
		return holdsZoned(t.Elem())
	case *arrow.StructType:
		for _, f := range t.Fields() {
			if holdsZoned(f.Type) {
				return true
			}
		}
		return false
	}
	return zoned(dt)
}

// foldable reports whether e is an operator over constants only. Calls
// without arguments (now(), random-like functions) are left alone.
func foldable(e expr.Expr) bool {
	var args []expr.Expr
	switch n := e.(type) {
	case *expr.Binary:
		args = []expr.Expr{n.Left, n.Right}
	case *expr.Cast:
		if zoned(n.Input.DataType()) || zoned(n.Type) || pgtypes.IsTimetz(n.Type) {
			return false // the value depends on the session's TimeZone
		}
		args = []expr.Expr{n.Input}
	case *expr.Negate:
		args = []expr.Expr{n.Input}
	case *expr.Not:
		args = []expr.Expr{n.Input}
	case *expr.IsNull:
		args = []expr.Expr{n.Input}
	case *expr.Call:
		if n.Sequence != nil {
			return false // changes or reads a sequence when it runs
		}
		if n.Func == bpcharPadFunc || n.Func == declaredTypeFunc {
			return false // a result column's type is read from it
		}
		if volatileFunc(n.Func) {
			return false // its value is the call's (pg_sleep waits then)
		}
		if strings.HasPrefix(n.Func, "json") || strings.HasPrefix(n.Func, "to_json") || n.Func == "row_to_json" {
			for _, a := range n.Args {
				if holdsZoned(a.DataType()) {
					return false // JSON prints it in the session's TimeZone
				}
			}
		}
		if (n.Func == "to_char" || n.Func == "age") && zoned(n.Args[0].DataType()) ||
			(n.Func == "ts_pl_interval" || n.Func == "ts_mi_interval" || n.Func == "date_trunc") && zoned(n.Type) ||
			n.Func == "to_timestamp" && len(n.Args) == 2 {
			return false // computed in the session's TimeZone
		}
		args = n.Args
	default:
		return false
	}
	if len(args) == 0 {
		return false
	}
	for _, a := range args {
		if _, ok := a.(*expr.Literal); !ok {
			return false
		}
	}
	return true
}

// unwrapDateCast turns CAST(d AS timestamp) <op> T, where d is a date and
// T a timestamp at midnight, into d <op> date(T): the comparison means the
// same, and reads the column itself, so it reaches a scan's filters (a
// date plus an interval is a timestamp, so TPC-H's date ranges arrive in
// this form).
func unwrapDateCast(e expr.Expr) expr.Expr {
	b, ok := e.(*expr.Binary)
	if !ok || !b.Op.IsComparison() {
		return e
	}
	c, lit, flipped := dateCastSide(b.Left, b.Right)
	if c == nil {
		if c, lit, _ = dateCastSide(b.Right, b.Left); c == nil {
			return e
		}
		flipped = true
	}
	ts, ok := lit.Value.(*scalar.Timestamp)
	if !ok || !ts.IsValid() {
		return e
	}
	const microsPerDay = 86_400_000_000
	us := int64(ts.Value)
	if us%microsPerDay != 0 {
		return e
	}
	d := &expr.Literal{Value: scalar.NewDate32Scalar(arrow.Date32(us / microsPerDay))}
	if flipped {
		return &expr.Binary{Op: b.Op, Left: d, Right: c.Input, Type: b.Type}
	}
	return &expr.Binary{Op: b.Op, Left: c.Input, Right: d, Type: b.Type}
}

// dateCastSide matches x as CAST(date AS timestamp) and y as a constant.
func dateCastSide(x, y expr.Expr) (*expr.Cast, *expr.Literal, bool) {
	c, ok := x.(*expr.Cast)
	if !ok || c.Input.DataType().ID() != arrow.DATE32 {
		return nil, nil, false
	}
	t, ok := c.Type.(*arrow.TimestampType)
	if !ok || t.TimeZone != "" || t.Unit != arrow.Microsecond {
		return nil, nil, false
	}
	lit, ok := y.(*expr.Literal)
	if !ok {
		return nil, nil, false
	}
	return c, lit, false
}

// foldCase drops the branches of a CASE whose condition is a constant false
// or NULL, and stops at one whose condition is a constant true: clients'
// catalog queries nest CASEs over parameters (coalesce(nullif(greatest(
// $1, -1), -1), ...)) that bind to constants.
func foldCase(c *expr.Case) expr.Expr {
	var whens []expr.When
	for _, w := range c.Whens {
		lit, ok := w.Cond.(*expr.Literal)
		if !ok {
			whens = append(whens, w)
			continue
		}
		b, isBool := lit.Value.(*scalar.Boolean)
		switch {
		case !lit.Value.IsValid() || isBool && !b.Value:
			continue // never taken
		case isBool && len(whens) == 0:
			return castResult(w.Result, c.Type)
		case isBool:
			// Taken whenever reached: it ends the CASE.
			return &expr.Case{Whens: whens, Else: w.Result, Type: c.Type}
		}
		whens = append(whens, w)
	}
	if len(whens) == len(c.Whens) {
		return c
	}
	if len(whens) == 0 {
		if c.Else == nil {
			return &expr.Literal{Value: scalar.MakeNullScalar(c.Type)}
		}
		return castResult(c.Else, c.Type)
	}
	return &expr.Case{Whens: whens, Else: c.Else, Type: c.Type}
}

// castResult is a CASE's result as the CASE's type (they match, bar a
// NULL literal typed otherwise).
func castResult(e expr.Expr, t arrow.DataType) expr.Expr {
	if e == nil {
		return &expr.Literal{Value: scalar.MakeNullScalar(t)}
	}
	if arrow.TypeEqual(e.DataType(), t) {
		return e
	}
	if lit, ok := e.(*expr.Literal); ok && !lit.Value.IsValid() {
		return &expr.Literal{Value: scalar.MakeNullScalar(t)}
	}
	return &expr.Cast{Input: e, Type: t}
}

// zoned reports whether t is timestamptz, whose text form is the session's
// business: constants of it are not folded into text at plan time.
func zoned(t arrow.DataType) bool {
	ts, ok := t.(*arrow.TimestampType)
	return ok && ts.TimeZone != ""
}

// foldKey identifies a constant expression for the memo: its text, its
// type and its constants' types, since the text alone does not tell
// to_hex(-1) of an integer from that of a bigint.
func foldKey(e expr.Expr) string {
	var sb strings.Builder
	sb.WriteString(e.String())
	sb.WriteString("::")
	sb.WriteString(e.DataType().String())
	expr.Walk(e, func(x expr.Expr) bool {
		if l, ok := x.(*expr.Literal); ok {
			sb.WriteByte('|')
			sb.WriteString(l.DataType().String())
		}
		return true
	})
	return sb.String()
}

package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// paramSet holds the parameters ($1, $2, ...) of a statement: their types,
// declared or inferred while binding, and when the statement runs, their
// values.
type paramSet struct {
	types  []arrow.DataType
	values []scalar.Scalar // nil while preparing
}

func newParams(types []arrow.DataType, values []scalar.Scalar) *paramSet {
	return &paramSet{types: append([]arrow.DataType{}, types...), values: values}
}

// infer records the type of parameter n (1-based) unless it is known.
func (p *paramSet) infer(n int, t arrow.DataType) {
	for len(p.types) < n {
		p.types = append(p.types, nil)
	}
	if p.types[n-1] == nil {
		if _, ok := t.(*arrow.ListType); ok {
			t = castTarget(arrow.BinaryTypes.String, t) // numeric[]: each element its own scale
		}
		p.types[n-1] = t
	}
}

func (p *paramSet) typeOf(n int) arrow.DataType {
	if n <= len(p.types) {
		return p.types[n-1]
	}
	return nil
}

// resolved returns the parameter types, text for any still unknown, as
// PostgreSQL resolves an unknown parameter in a select list.
func (p *paramSet) resolved() []arrow.DataType {
	out := make([]arrow.DataType, len(p.types))
	for i, t := range p.types {
		if t == nil {
			t = typeText
		}
		out[i] = t
	}
	return out
}

// paramExpr is a typed parameter while a statement is prepared; a statement
// that runs has the parameter's value in its place.
type paramExpr struct {
	n   int
	typ arrow.DataType
}

func (p *paramExpr) DataType() arrow.DataType { return p.typ }
func (p *paramExpr) String() string           { return fmt.Sprintf("$%d", p.n) }

// bindParam binds $n: its value when the statement runs, a placeholder of
// its type while preparing, or an untyped placeholder whose type the
// context decides.
func (b *binder) bindParam(pr *pg_query.ParamRef) (expr.Expr, error) {
	n := int(pr.Number)
	switch {
	case b.params.values != nil:
		if n < 1 || n > len(b.params.values) {
			return nil, b.errorf("42P02", pr.Location, "there is no parameter $%d", n)
		}
		return &expr.Literal{Value: b.params.values[n-1]}, nil
	case !b.describeOnly:
		return nil, b.errorf("42P02", pr.Location, "there is no parameter $%d", n)
	}
	if t := b.params.typeOf(n); t != nil {
		return &paramExpr{n: n, typ: t}, nil
	}
	b.params.infer(n, nil)
	return &unknownLit{param: n, loc: pr.Location}, nil
}

// resolveAs gives an untyped constant or parameter the type t.
func (b *binder) resolveAs(u *unknownLit, t arrow.DataType) (expr.Expr, error) {
	if t.ID() == arrow.NULL {
		// Against a bare NULL ('a' = NULL): text, as PostgreSQL
		// resolves unknown against unknown.
		t = arrow.BinaryTypes.String
	}
	if u.param > 0 {
		b.params.infer(u.param, t)
		return &paramExpr{n: u.param, typ: b.params.typeOf(u.param)}, nil
	}
	if _, ok := t.(*arrow.ListType); ok {
		t = castTarget(arrow.BinaryTypes.String, t) // numeric[]: each element its own scale
	}
	in := pgtext.Input{Now: b.now}
	if ts, ok := t.(*arrow.TimestampType); ok && ts.TimeZone != "" || pgtypes.IsTimetz(t) || pgtext.Relative(u.text) {
		// Without an offset, the text is a wall-clock time in the
		// session's TimeZone ('today' is its day): the plan holds for
		// that zone (and day) only.
		in.Loc = b.location()
		b.volatile = true
	}
	if pgtext.OrderDependent(u.text) {
		in.Order = b.dateOrder() // 03/04/2024 reads as DateStyle says
		b.volatile = true
	}
	s, err := pgtext.ParseWith(u.text, t, in)
	if err != nil {
		return nil, pgerror.From(err).WithPosition(position(b.sql, u.loc))
	}
	return &expr.Literal{Value: s}, nil
}

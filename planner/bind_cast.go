package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// bindCast binds CAST(x AS type) and x::type: a cast PostgreSQL has, the
// type's modifier applied (applyTypmod). The result declares the type
// (declaredOf) where its Arrow type does not say it all.
func (b *binder) bindCast(tc *pg_query.TypeCast, ectx exprContext) (expr.Expr, error) {
	out, err := b.castValue(tc, ectx)
	if err != nil {
		return nil, err
	}
	t := castDeclared(tc.TypeName)
	switch {
	case b.declaredOf(out) == t, isBpchar(out):
		// Character values are bpchar.go's.
	case t == "":
		// x::varchar(2)::text is text: the cast stays, so that the value
		// it casts does not declare its type for it.
		out = &expr.Cast{Input: out, Type: out.DataType()}
	default:
		if c, ok := out.(*expr.Column); ok {
			// This reference, cast, declares t; the column's other
			// references keep the column's type.
			cp := *c
			if loc, ok := b.colLoc[c]; ok {
				b.colLoc[&cp] = loc
			}
			out = &cp
		}
		b.setDeclared(out, t)
	}
	return out, nil
}

// castValue binds the value of a cast.
func (b *binder) castValue(tc *pg_query.TypeCast, ectx exprContext) (expr.Expr, error) {
	if e, ok, err := b.bindRegText(tc, ectx); ok || err != nil {
		return e, err
	}
	if e, ok, err := b.bindRegCast(tc, ectx); ok || err != nil {
		return e, err
	}
	to, err := resolveTypeName(tc.TypeName, b.sql)
	if err != nil {
		return nil, err
	}
	if ae := tc.Arg.GetAArrayExpr(); ae != nil && len(ae.Elements) == 0 {
		// ARRAY[]::type[]: the cast gives the empty array its type.
		if list, ok := to.(*arrow.ListType); ok {
			values := array.MakeArrayOfNull(memory.DefaultAllocator, list.Elem(), 0)
			defer values.Release()
			return &expr.Literal{Value: scalar.NewListScalar(values)}, nil
		}
	}
	in, err := b.bindExpr(tc.Arg, ectx)
	if err != nil {
		return nil, err
	}
	if q, ok := intervalQualifier(tc.TypeName); ok {
		return b.castQualifiedInterval(in, q, tc.Location)
	}
	if col, ok := in.(*expr.Column); ok && to.ID() == arrow.STRING && (b.pgTypes[col] == "int2vector" || b.pgTypes[col] == "oidvector") {
		// int2vector and oidvector print their items separated by
		// spaces (pg_index.indkey::text is "1 3").
		return &expr.Call{Func: "array_to_string", Args: []expr.Expr{col, &expr.Literal{Value: scalar.NewStringScalar(" ")}}, Type: typeText}, nil
	}
	if !castExists(in.DataType(), to) {
		return nil, b.errorf("42846", tc.Location, "cannot cast type %s to %s", typeName(in.DataType()), typeName(to))
	}
	out, err := b.cast(in, to, tc.Location)
	if err == nil {
		out = applyTypmod(out, tc.TypeName)
	}
	if names := tc.TypeName.GetNames(); isBpchar(out) && names[len(names)-1].GetString_().GetSval() != "bpchar" {
		// char(n)::text is the text without the padding, for good: the
		// select list does not peel it (bpchar.go).
		return &expr.Cast{Input: out, Type: out.DataType()}, err
	}
	if col, ok := out.(*expr.Column); ok && err == nil && b.pgTypes[col] != "" {
		// relname::text is text, though riffq holds a name as text
		// already: the cast stays, so that the column's catalog type
		// does not reach the result (pgtypes.TypeMetadata).
		names := tc.TypeName.GetNames()
		target := names[len(names)-1].GetString_().GetSval()
		if b.pgTypes[col] != target && b.pgTypes[col] != `"`+target+`"` {
			return &expr.Cast{Input: col, Type: col.Type}, nil
		}
	}
	return out, err
}

// castExists reports whether PostgreSQL has a cast from one type to the
// other, for the pairs riffq's engine would otherwise attempt through
// their bytes or numbers: bytea becomes only text, dates and times are
// not numbers (nor numbers dates), and of the numbers only integer
// converts to and from boolean.
func castExists(from, to arrow.DataType) bool {
	fc, tc := category(from), category(to)
	switch {
	case from.ID() == arrow.BOOL && tc == catNumeric:
		return to.ID() == arrow.INT32 // boolean casts to integer only
	case to.ID() == arrow.BOOL && fc == catNumeric:
		return from.ID() == arrow.INT32
	case fc == catBinary:
		return tc == catBinary || tc == catString
	case fc == catDateTime || from.ID() == arrow.TIME64 || from.ID() == arrow.INTERVAL_MONTH_DAY_NANO:
		return tc != catNumeric && tc != catBinary
	case fc == catNumeric:
		return tc != catDateTime && to.ID() != arrow.TIME64 && to.ID() != arrow.INTERVAL_MONTH_DAY_NANO && tc != catBinary
	}
	return true
}

// applyTypmod applies what a cast's type modifier adds to its type, which
// riffq's types do not carry: varchar(n) keeps the first n characters,
// char(n) keeps n and pads to n (bpchar.go), time(p), timestamp(p) and
// timestamptz(p) round to p fractional digits.
func applyTypmod(e expr.Expr, tn *pg_query.TypeName) expr.Expr {
	if len(tn.ArrayBounds) > 0 || len(tn.Names) == 0 {
		return e
	}
	name := tn.Names[len(tn.Names)-1].GetString_().GetSval()
	if name == "bpchar" && len(tn.Typmods) == 0 && e.DataType().ID() == arrow.STRING {
		return toBpchar(e, -1)
	}
	if len(tn.Typmods) != 1 {
		return e
	}
	n := tn.Typmods[0].GetAConst().GetIval().GetIval()
	lit := &expr.Literal{Value: scalar.NewInt32Scalar(n)}
	switch name {
	case "varchar":
		return foldConstant(&expr.Call{Func: "left", Args: []expr.Expr{e, lit}, Type: e.DataType()})
	case "bpchar":
		// char(n), and a bare char, which is char(1).
		if e.DataType().ID() == arrow.STRING {
			return toBpchar(e, n)
		}
	case "time", "timestamp", "timestamptz":
		if n >= 0 && n < 6 {
			return foldConstant(&expr.Call{Func: "round_fraction", Args: []expr.Expr{e, lit}, Type: e.DataType()})
		}
	}
	return e
}

// cast converts e to type to, folding constants at plan time.
func (b *binder) cast(e expr.Expr, to arrow.DataType, loc int32) (expr.Expr, error) {
	if u, ok := e.(*unknownLit); ok {
		return b.resolveAs(u, to)
	}
	to = castTarget(e.DataType(), to)
	if arrow.TypeEqual(e.DataType(), to) {
		return e, nil
	}
	if lit, ok := e.(*expr.Literal); ok {
		from := lit.Value.DataType()
		switch {
		case engine.ZonedCast(from, to), zoned(from) && to.ID() == arrow.STRING:
			// An instant to the session's wall clock or its text, or
			// back: computed when the statement runs, in its TimeZone.
			b.volatile = true
			return &expr.Cast{Input: e, Type: to}, nil
		case from.ID() == arrow.STRING && lit.Value.IsValid() && (zoned(to) || pgtypes.IsTimetz(to) || sessionText(string(lit.Value.(*scalar.String).Data()), to)):
			// Text without an offset is a time in the session's zone;
			// 03/04/2024 reads in its DateStyle, 'today' is its day.
			b.volatile = true
			s, err := pgtext.ParseWith(string(lit.Value.(*scalar.String).Data()), to, pgtext.Input{Loc: b.location(), Now: b.now, Order: b.dateOrder()})
			if err != nil {
				return nil, pgerror.From(err).WithPosition(position(b.sql, loc))
			}
			return &expr.Literal{Value: s}, nil
		}
	}
	if lit, ok := e.(*expr.Literal); ok {
		// Folded now; PostgreSQL reports a failing cast of a constant
		// without a position, as it happens at run time there.
		s, err := castScalar(lit.Value, to)
		if err != nil {
			return nil, err
		}
		return &expr.Literal{Value: s}, nil
	}
	if _, ok := e.DataType().(*pgtypes.NumericType); ok {
		// Values with their own scales (avg, quotients) convert to
		// floats, integers, decimals and text.
		switch {
		case numericRank(to) > 0, to.ID() == arrow.STRING:
		default:
			return nil, b.unsupported(loc, "casting numeric to %s is not supported yet", typeName(to))
		}
	}
	return &expr.Cast{Input: e, Type: to}, nil
}

// sessionText reports whether text read as a date, timestamp or time
// depends on the session (its DateStyle, its day).
func sessionText(text string, to arrow.DataType) bool {
	switch to.ID() {
	case arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		return pgtext.OrderDependent(text) || pgtext.Relative(text)
	}
	return false
}

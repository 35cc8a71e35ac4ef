package planner

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/expr"
)

// The date/time functions beyond date_trunc and extract: to_char,
// make_date, make_timestamp, to_timestamp(epoch) and age.

// bindToChar binds to_char(value, template) over dates, timestamps,
// intervals and numbers; a date is formatted as the timestamp of its
// midnight.
func (b *binder) bindToChar(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if name != "to_char" || len(fc.Args) != 2 || (len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog") {
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	v, tmpl := args[0], b.resolveUnknown(args[1])
	if _, ok := v.(*unknownLit); ok {
		second := "unknown"
		if _, ok := args[1].(*unknownLit); !ok {
			second = typeName(tmpl.DataType())
		}
		return nil, true, b.errorf("42725", fc.Location, "function to_char(unknown, %s) is not unique", second).
			WithHint("Could not choose a best candidate function. You might need to add explicit type casts.")
	}
	if category(tmpl.DataType()) != catString {
		return nil, true, b.noFunction(fc, name, args...)
	}
	switch v.DataType().ID() {
	case arrow.DATE32:
		if v, err = b.cast(v, typeTimestamp, fc.Location); err != nil {
			return nil, true, err
		}
	case arrow.TIMESTAMP, arrow.INTERVAL_MONTH_DAY_NANO:
	default:
		// to_char(int4 | int8 | numeric | float4 | float8): the engine
		// picks PostgreSQL's variant by the value's type (int2 formats as
		// int4 does), so the value is passed as is.
		if numericRank(v.DataType()) == 0 && !isPerValueNumeric(v.DataType()) {
			return nil, true, b.noFunction(fc, name, args...)
		}
	}
	return &expr.Call{Func: name, Args: []expr.Expr{v, tmpl}, Type: typeText}, true, nil
}

// bindDateConstructor binds make_date(year, month, day),
// make_timestamp(year, month, day, hour, min, sec) and
// to_timestamp(seconds since the epoch).
func (b *binder) bindDateConstructor(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	var kinds string
	var out arrow.DataType
	switch name {
	case "make_date":
		kinds, out = "iii", typeDate
	case "make_timestamp":
		kinds, out = "iiiiif", typeTimestamp
	case "to_timestamp":
		if len(fc.Args) != 1 {
			return nil, false, nil
		}
		kinds, out = "f", typeTimestamptz
	default:
		return nil, false, nil
	}
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	if len(args) != len(kinds) {
		return nil, true, b.noFunction(fc, name, args...)
	}
	for i, a := range args {
		want, maxRank := arrow.DataType(typeInt4), 2
		if kinds[i] == 'f' {
			want, maxRank = typeFloat8, 6
		}
		if u, ok := a.(*unknownLit); ok {
			if args[i], err = b.resolveAs(u, want); err != nil {
				return nil, true, err
			}
			continue
		}
		if r := numericRank(a.DataType()); r == 0 || r > maxRank {
			if a.DataType().ID() != arrow.NULL {
				return nil, true, b.noFunction(fc, name, args...)
			}
		}
		if args[i], err = b.cast(a, want, fc.Location); err != nil {
			return nil, true, err
		}
	}
	return &expr.Call{Func: name, Args: args, Type: out}, true, nil
}

// bindAge binds age(t1, t2) and age(t), which is age from midnight today
// (in the session's time zone). Dates count as timestamps at midnight;
// the timestamptz variant applies when either side has a time zone.
func (b *binder) bindAge(fc *pg_query.FuncCall, args []expr.Expr) (expr.Expr, error) {
	zoned := false
	for _, a := range args {
		if t, ok := a.DataType().(*arrow.TimestampType); ok && t.TimeZone != "" {
			if _, unknown := a.(*unknownLit); !unknown {
				zoned = true
			}
		}
	}
	typ := arrow.DataType(typeTimestamp)
	if zoned {
		typ = typeTimestamptz
	}
	if len(args) == 1 {
		b.volatile = true
		loc := time.UTC
		if b.sess != nil {
			if _, tz, err := b.sess.Setting("TimeZone"); err == nil {
				if l, err := time.LoadLocation(tz); err == nil {
					loc = l
				}
			}
		}
		y, m, d := b.now.In(loc).Date()
		midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
		if !zoned {
			midnight = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
		args = append([]expr.Expr{&expr.Literal{Value: scalar.NewTimestampScalar(arrow.Timestamp(midnight.UnixMicro()), typ)}}, args...)
	}
	for i, a := range args {
		var err error
		if u, ok := a.(*unknownLit); ok {
			if args[i], err = b.resolveAs(u, typ); err != nil {
				return nil, err
			}
			continue
		}
		if category(a.DataType()) != catDateTime {
			return nil, b.noFunction(fc, "age", args...)
		}
		if args[i], err = b.cast(a, typ, fc.Location); err != nil {
			return nil, err
		}
	}
	return &expr.Call{Func: "age", Args: args, Type: typeInterval}, nil
}

package planner

import (
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
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
	case arrow.TIME64:
		// There is no to_char(time): PostgreSQL casts the time to an
		// interval, implicitly.
		if v, err = b.cast(v, typeInterval, fc.Location); err != nil {
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
	switch name {
	case "date_bin", "justify_hours", "justify_days", "justify_interval", "isfinite", "make_interval", "clock_timestamp":
		return b.bindIntervalFunc(fc, name, ectx)
	}
	var kinds string
	var out arrow.DataType
	switch name {
	case "make_date":
		kinds, out = "iii", typeDate
	case "make_timestamp":
		kinds, out = "iiiiif", typeTimestamp
	case "make_timestamptz":
		return b.bindMakeTimestamptz(fc, ectx)
	case "make_time":
		kinds, out = "iif", typeTime
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

// bindMakeTimestamptz binds make_timestamptz(year, month, day, hour, min,
// sec[, zone]): the wall-clock time make_timestamp gives, read in zone or
// else in the session's TimeZone.
func (b *binder) bindMakeTimestamptz(fc *pg_query.FuncCall, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Args) != 6 && len(fc.Args) != 7 {
		return nil, true, b.errorf(pgerror.UndefinedFunction, fc.Location, "function make_timestamptz with %d arguments does not exist", len(fc.Args))
	}
	wallCall := &pg_query.FuncCall{Funcname: []*pg_query.Node{pg_query.MakeStrNode("make_timestamp")}, Args: fc.Args[:6], Location: fc.Location}
	wall, _, err := b.bindDateConstructor(wallCall, "make_timestamp", ectx)
	if err != nil {
		return nil, true, err
	}
	if len(fc.Args) == 6 {
		e, err := b.cast(wall, typeTimestamptz, fc.Location)
		return e, true, err
	}
	zone, err := b.bindExpr(fc.Args[6], ectx)
	if err != nil {
		return nil, true, err
	}
	if u, ok := zone.(*unknownLit); ok && u.param == 0 && (strings.HasPrefix(u.text, "+") || strings.HasPrefix(u.text, "-")) {
		// A numeric offset here is ISO 8601's, east of UTC, as in a
		// timestamp's text; AT TIME ZONE reads it the POSIX way.
		zone = &unknownLit{text: negateOffset(u.text), loc: u.loc}
	}
	if zone, err = b.cast(b.resolveUnknown(zone), typeText, fc.Location); err != nil {
		return nil, true, err
	}
	return &expr.Call{Func: "timezone", Args: []expr.Expr{zone, wall}, Type: typeTimestamptz}, true, nil
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
				if l, ok := pgtext.LoadZone(tz); ok {
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

// makeIntervalParams are make_interval's parameters, in order, as named
// arguments may give them.
var makeIntervalParams = []string{"years", "months", "weeks", "days", "hours", "mins", "secs"}

// bindIntervalFunc binds date_bin, justify_hours/days/interval, isfinite,
// make_interval (positional or named arguments) and clock_timestamp.
func (b *binder) bindIntervalFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if len(fc.Funcname) == 2 && fc.Funcname[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false, nil
	}
	if name == "make_interval" {
		return b.bindMakeInterval(fc, ectx)
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	noFunc := func() (expr.Expr, bool, error) { return nil, true, b.noFunction(fc, name, args...) }
	asInterval := func(i int) error {
		if u, ok := args[i].(*unknownLit); ok {
			args[i], err = b.resolveAs(u, typeInterval)
			return err
		}
		if isBareNull(args[i]) {
			args[i] = &expr.Literal{Value: scalar.MakeNullScalar(typeInterval)}
			return nil
		}
		if args[i].DataType().ID() != arrow.INTERVAL_MONTH_DAY_NANO {
			return b.noFunction(fc, name, args...)
		}
		return nil
	}
	switch name {
	case "clock_timestamp":
		if len(args) != 0 {
			return noFunc()
		}
		return &expr.Call{Func: name, Type: typeTimestamptz}, true, nil
	case "isfinite":
		// Dates and timestamps may be infinite; riffq's intervals are
		// not.
		if len(args) != 1 {
			return noFunc()
		}
		a := args[0]
		if u, ok := a.(*unknownLit); ok {
			if a, err = b.resolveAs(u, typeTimestamptz); err != nil {
				return nil, true, err
			}
		}
		if category(a.DataType()) != catDateTime && a.DataType().ID() != arrow.INTERVAL_MONTH_DAY_NANO {
			return noFunc()
		}
		if a.DataType().ID() == arrow.DATE32 || a.DataType().ID() == arrow.TIMESTAMP {
			return &expr.Call{Func: name, Args: []expr.Expr{a}, Type: typeBool}, true, nil
		}
		return &expr.Case{Whens: []expr.When{{Cond: &expr.IsNull{Input: a}, Result: &expr.Literal{Value: scalar.MakeNullScalar(typeBool)}}},
			Else: &expr.Literal{Value: scalar.NewBooleanScalar(true)}, Type: typeBool}, true, nil
	case "date_bin":
		if len(args) != 3 {
			return noFunc()
		}
		if err := asInterval(0); err != nil {
			return nil, true, err
		}
		// Both timestamps take one type: timestamptz when either is one.
		typ := arrow.DataType(typeTimestamp)
		for _, a := range args[1:] {
			if t, ok := a.DataType().(*arrow.TimestampType); ok && t.TimeZone != "" {
				if _, unknown := a.(*unknownLit); !unknown {
					typ = typeTimestamptz
				}
			}
		}
		for i := 1; i < 3; i++ {
			if u, ok := args[i].(*unknownLit); ok {
				if args[i], err = b.resolveAs(u, typ); err != nil {
					return nil, true, err
				}
				continue
			}
			if args[i].DataType().ID() != arrow.TIMESTAMP && args[i].DataType().ID() != arrow.DATE32 {
				return noFunc()
			}
			if args[i], err = b.cast(args[i], typ, fc.Location); err != nil {
				return nil, true, err
			}
		}
		return &expr.Call{Func: name, Args: args, Type: typ}, true, nil
	}
	// justify_*
	if len(args) != 1 {
		return noFunc()
	}
	if err := asInterval(0); err != nil {
		return nil, true, err
	}
	return &expr.Call{Func: name, Args: args, Type: typeInterval}, true, nil
}

// bindMakeInterval binds make_interval: its seven parameters, each
// defaulting to 0, by position or by name (days => 3).
func (b *binder) bindMakeInterval(fc *pg_query.FuncCall, ectx exprContext) (expr.Expr, bool, error) {
	args := make([]expr.Expr, len(makeIntervalParams))
	named := false
	for i, n := range fc.Args {
		pos, node := i, n
		if na := n.GetNamedArgExpr(); na != nil {
			named = true
			pos = slices.Index(makeIntervalParams, na.Name)
			if pos < 0 {
				return nil, true, b.errorf(pgerror.UndefinedFunction, fc.Location, "function make_interval(%s => unknown) does not exist", na.Name).
					WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
			}
			node = na.Arg
		} else if named {
			return nil, true, b.errorf(pgerror.SyntaxError, fc.Location, "positional argument cannot follow named argument")
		}
		if pos >= len(args) || args[pos] != nil {
			return nil, true, b.errorf(pgerror.UndefinedFunction, fc.Location, "function make_interval with these arguments does not exist")
		}
		e, err := b.bindExpr(node, ectx)
		if err != nil {
			return nil, true, err
		}
		want, maxRank := arrow.DataType(typeInt4), 2
		if pos == len(args)-1 {
			want, maxRank = typeFloat8, 6
		}
		if u, ok := e.(*unknownLit); ok {
			if e, err = b.resolveAs(u, want); err != nil {
				return nil, true, err
			}
		} else if r := numericRank(e.DataType()); (r == 0 || r > maxRank) && e.DataType().ID() != arrow.NULL {
			return nil, true, b.noFunction(fc, "make_interval", e)
		}
		if args[pos], err = b.cast(e, want, fc.Location); err != nil {
			return nil, true, err
		}
	}
	for i, a := range args {
		if a == nil {
			v := scalar.Scalar(scalar.NewInt32Scalar(0))
			if i == len(args)-1 {
				v = scalar.NewFloat64Scalar(0)
			}
			args[i] = &expr.Literal{Value: v}
		}
	}
	return &expr.Call{Func: "make_interval", Args: args, Type: typeInterval}, true, nil
}

// dateArith binds + and - on dates, timestamps and intervals as PostgreSQL
// resolves them: date ± integer is a date, date - date an integer,
// timestamp ± interval a timestamp (a date becomes a timestamp), timestamp
// - timestamp an interval. ok is false for other operand types.
func (b *binder) dateArith(op expr.Op, l, r expr.Expr, loc int32) (expr.Expr, bool, error) {
	if op == expr.Mul || op == expr.Div {
		return b.intervalScale(op, l, r, loc)
	}
	if op != expr.Add && op != expr.Sub {
		return nil, false, nil
	}
	kind := func(e expr.Expr) string {
		if _, ok := e.(*unknownLit); ok {
			return "unknown"
		}
		switch t := e.DataType(); {
		case t.ID() == arrow.DATE32:
			return "date"
		case t.ID() == arrow.TIMESTAMP:
			return "timestamp"
		case t.ID() == arrow.INTERVAL_MONTH_DAY_NANO:
			return "interval"
		case t.ID() == arrow.TIME64:
			return "time"
		case numericRank(t) >= 1 && numericRank(t) <= 3:
			return "int"
		}
		return ""
	}
	lk, rk := kind(l), kind(r)
	// Commute interval + time and time + date.
	if op == expr.Add && (lk == "interval" && rk == "time" || lk == "time" && (rk == "date" || rk == "timestamp")) {
		l, r, lk, rk = r, l, rk, lk
	}
	// Commute interval + timestamp and integer + date.
	if op == expr.Add && (lk == "interval" && (rk == "timestamp" || rk == "date") || lk == "int" && rk == "date") {
		l, r, lk, rk = r, l, rk, lk
	}
	resolve := func(e expr.Expr, t arrow.DataType) (expr.Expr, error) {
		if u, ok := e.(*unknownLit); ok {
			return b.resolveAs(u, t)
		}
		return e, nil
	}
	var err error
	call := func(fn string, typ arrow.DataType) (expr.Expr, bool, error) {
		return &expr.Call{Func: fn, Args: []expr.Expr{l, r}, Type: typ}, true, nil
	}
	switch {
	case lk == "time" && (rk == "interval" || rk == "unknown" && op == expr.Add):
		if r, err = resolve(r, typeInterval); err != nil {
			return nil, true, err
		}
		return call(map[expr.Op]string{expr.Add: "time_pl_interval", expr.Sub: "time_mi_interval"}[op], typeTime)
	case lk == "time" && (rk == "time" || rk == "unknown") && op == expr.Sub:
		// time - 'text' is time - time, as PostgreSQL resolves it.
		if r, err = resolve(r, typeTime); err != nil {
			return nil, true, err
		}
		return call("time_mi_time", typeInterval)
	case lk == "date" && rk == "time" && op == expr.Add:
		return call("date_pl_time", typeTimestamp)
	case lk == "timestamp" && rk == "time":
		// timestamp ± time: the time as an interval (time's implicit
		// cast), as PostgreSQL resolves it.
		if r, err = b.cast(r, typeInterval, loc); err != nil {
			return nil, true, err
		}
		return call(map[expr.Op]string{expr.Add: "ts_pl_interval", expr.Sub: "ts_mi_interval"}[op], l.DataType())
	case lk == "date" && rk == "unknown" && op == expr.Add:
		// date + integer, + interval and + time all fit.
		return nil, true, b.errorf("42725", loc, "operator is not unique: date + unknown").
			WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
	case (lk == "date" || lk == "timestamp") && rk == "unknown" && op == expr.Sub:
		// The unknown is taken to be of the other operand's type, as
		// PostgreSQL first tries: date - date, timestamp - timestamp.
		if r, err = resolve(r, l.DataType()); err != nil {
			return nil, true, err
		}
		if lk == "date" {
			return call("date_mi", typeInt4)
		}
		return call("ts_mi", typeInterval)
	case lk == "date" && rk == "int":
		if r, err = resolve(r, typeInt4); err != nil {
			return nil, true, err
		}
		return call(map[expr.Op]string{expr.Add: "date_pli", expr.Sub: "date_mii"}[op], typeDate)
	case lk == "date" && rk == "date" && op == expr.Sub:
		return call("date_mi", typeInt4)
	case (lk == "timestamp" || lk == "date") && (rk == "interval" || rk == "unknown" && lk == "timestamp"):
		if r, err = resolve(r, typeInterval); err != nil {
			return nil, true, err
		}
		if lk == "date" {
			if l, err = b.cast(l, typeTimestamp, loc); err != nil {
				return nil, true, err
			}
		}
		return call(map[expr.Op]string{expr.Add: "ts_pl_interval", expr.Sub: "ts_mi_interval"}[op], l.DataType())
	case (lk == "timestamp" && (rk == "timestamp" || rk == "date") || lk == "date" && rk == "timestamp") && op == expr.Sub:
		// A date takes part as its midnight.
		ct := commonType(l.DataType(), r.DataType())
		if l, err = b.cast(l, ct, loc); err != nil {
			return nil, true, err
		}
		if r, err = b.cast(r, ct, loc); err != nil {
			return nil, true, err
		}
		return call("ts_mi", typeInterval)
	case lk == "interval" && (rk == "interval" || rk == "unknown") || lk == "unknown" && rk == "interval":
		if l, err = resolve(l, typeInterval); err != nil {
			return nil, true, err
		}
		if r, err = resolve(r, typeInterval); err != nil {
			return nil, true, err
		}
		return call(map[expr.Op]string{expr.Add: "interval_pl", expr.Sub: "interval_mi"}[op], typeInterval)
	}
	return nil, false, nil
}

// bindTimezone binds timezone(zone, t), which t AT TIME ZONE zone
// becomes: a timestamptz gives the wall-clock time in zone (a timestamp),
// a timestamp is read as wall-clock time in zone (a timestamptz).
func (b *binder) bindTimezone(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if name != "timezone" || len(fc.Args) != 2 {
		return nil, false, nil
	}
	args, err := b.bindExprs(fc.Args, ectx)
	if err != nil {
		return nil, true, err
	}
	zone, t := b.resolveUnknown(args[0]), args[1]
	if u, ok := t.(*unknownLit); ok {
		if t, err = b.resolveAs(u, typeTimestamptz); err != nil {
			return nil, true, err
		}
	}
	if t.DataType().ID() == arrow.DATE32 {
		if t, err = b.cast(t, typeTimestamptz, fc.Location); err != nil {
			return nil, true, err
		}
	}
	ts, ok := t.DataType().(*arrow.TimestampType)
	if category(zone.DataType()) != catString || !ok {
		return nil, true, b.noFunction(fc, name, zone, t)
	}
	out := arrow.DataType(typeTimestamptz)
	if ts.TimeZone != "" {
		out = typeTimestamp
	}
	return &expr.Call{Func: "timezone", Args: []expr.Expr{zone, t}, Type: out}, true, nil
}

// bindDateFunc binds date_trunc(unit, t), date_part(field, t) and
// EXTRACT(field FROM t) over dates and timestamps.
func (b *binder) bindDateFunc(fc *pg_query.FuncCall, name string, ectx exprContext) (expr.Expr, bool, error) {
	if name == "date_trunc" && len(fc.Args) == 3 {
		// date_trunc(unit, t, zone) truncates t as a wall-clock time in
		// zone: (date_trunc(unit, t::timestamptz AT TIME ZONE zone)) AT
		// TIME ZONE zone, a timestamp with time zone.
		args, err := b.bindExprs(fc.Args, ectx)
		if err != nil {
			return nil, true, err
		}
		if _, untyped := args[1].(*unknownLit); !untyped && category(args[1].DataType()) != catDateTime {
			return nil, true, b.noFunction(fc, name, args...)
		}
		call := func(fn string, args ...*pg_query.Node) *pg_query.Node {
			return pg_query.MakeFuncCallNode([]*pg_query.Node{pg_query.MakeStrNode("pg_catalog"), pg_query.MakeStrNode(fn)}, args, fc.Location)
		}
		t := &pg_query.Node{Node: &pg_query.Node_TypeCast{TypeCast: &pg_query.TypeCast{Arg: fc.Args[1],
			TypeName: &pg_query.TypeName{Names: []*pg_query.Node{pg_query.MakeStrNode("pg_catalog"), pg_query.MakeStrNode("timestamptz")}, Typemod: -1, Location: -1}, Location: -1}}}
		inner := call("date_trunc", fc.Args[0], call("timezone", fc.Args[2], t))
		e, err := b.bindExpr(call("timezone", fc.Args[2], inner), ectx)
		return e, true, err
	}
	if (name != "date_trunc" && name != "date_part" && name != "extract") || len(fc.Args) != 2 {
		return nil, false, nil
	}
	unit, err := b.bindExpr(fc.Args[0], ectx)
	if err != nil {
		return nil, true, err
	}
	unit = b.resolveUnknown(unit)
	t, err := b.bindExpr(fc.Args[1], ectx)
	if err != nil {
		return nil, true, err
	}
	if u, ok := t.(*unknownLit); ok {
		if t, err = b.resolveAs(u, typeTimestamptz); err != nil {
			return nil, true, err
		}
	}
	isInterval := t.DataType().ID() == arrow.INTERVAL_MONTH_DAY_NANO
	if t.DataType().ID() == arrow.TIME64 && name != "date_trunc" {
		// A time's fields are those of that time on 1970-01-01; the
		// date's fields are not a time's.
		if lit, ok := unit.(*expr.Literal); ok && lit.Value.IsValid() {
			f := strings.ToLower(string(lit.Value.(*scalar.String).Data()))
			switch engine.CanonicalUnit(f) {
			case "hour", "minute", "second", "milliseconds", "microseconds", "epoch":
			default:
				return nil, true, pgerror.New(pgerror.FeatureNotSupported, "unit \"%s\" not supported for type time without time zone", f)
			}
		}
		epoch := &expr.Literal{Value: scalar.NewDate32Scalar(0)}
		t = &expr.Call{Func: "date_pl_time", Args: []expr.Expr{epoch, t}, Type: typeTimestamp}
	}
	if category(unit.DataType()) != catString || category(t.DataType()) != catDateTime && !isInterval {
		return nil, true, b.noFunction(fc, name, unit, t)
	}
	isDate := t.DataType().ID() == arrow.DATE32
	// A timestamp with time zone is truncated and taken apart as the
	// session's wall clock shows it (its TimeZone), but for its epoch,
	// which is the instant's.
	var field string
	if lit, ok := unit.(*expr.Literal); ok && lit.Value.IsValid() {
		field = strings.ToLower(string(lit.Value.(*scalar.String).Data()))
	}
	wall := func(t expr.Expr) (expr.Expr, error) {
		if !zoned(t.DataType()) || field == "epoch" {
			return t, nil
		}
		return b.cast(t, typeTimestamp, fc.Location)
	}
	if zone := strings.TrimSpace(field); zoned(t.DataType()) && (zone == "timezone" || zone == "timezone_hour" || zone == "timezone_minute") && name != "date_trunc" {
		return b.zoneField(fc, name, zone, t)
	}
	switch name {
	case "date_trunc":
		if isInterval {
			return &expr.Call{Func: name, Args: []expr.Expr{unit, t}, Type: t.DataType()}, true, nil
		}
		if isDate {
			// date_trunc has no date variant: the date becomes a timestamptz.
			if t, err = b.cast(t, typeTimestamptz, fc.Location); err != nil {
				return nil, true, err
			}
		}
		if !zoned(t.DataType()) {
			return &expr.Call{Func: name, Args: []expr.Expr{unit, t}, Type: t.DataType()}, true, nil
		}
		if lit, ok := unit.(*expr.Literal); ok && lit.Value.IsValid() {
			switch engine.CanonicalUnit(strings.ToLower(string(lit.Value.(*scalar.String).Data()))) {
			case "hour", "minute", "second", "milliseconds", "microseconds":
				// Below a day the result keeps the value's UTC offset,
				// also where the wall clock shows that hour twice.
				return &expr.Call{Func: name, Args: []expr.Expr{unit, t}, Type: t.DataType()}, true, nil
			}
		}
		w, err := b.cast(t, typeTimestamp, fc.Location)
		if err != nil {
			return nil, true, err
		}
		trunc := &expr.Call{Func: name, Args: []expr.Expr{unit, w}, Type: typeTimestamp}
		return &expr.Cast{Input: trunc, Type: typeTimestamptz}, true, nil
	case "date_part":
		if t.DataType().ID() == arrow.DATE32 {
			// PostgreSQL has no date_part(text, date): the date is cast
			// to timestamp, whose hours are 0 (extract has one, which
			// refuses them).
			if t, err = b.cast(t, typeTimestamp, fc.Location); err != nil {
				return nil, true, err
			}
		}
		if t, err = wall(t); err != nil {
			return nil, true, err
		}
		return &expr.Call{Func: name, Args: []expr.Expr{unit, t}, Type: typeFloat8}, true, nil
	}
	if t, err = wall(t); err != nil {
		return nil, true, err
	}
	lit, ok := unit.(*expr.Literal)
	if !ok || !lit.Value.IsValid() {
		return nil, true, b.unsupported(fc.Location, "EXTRACT needs a constant field")
	}
	if !isDate && engine.CanonicalUnit(string(lit.Value.(*scalar.String).Data())) == "julian" {
		// PostgreSQL's is an exact fraction of a day, to any digits.
		return nil, true, b.unsupported(fc.Location, "extract(julian) of a timestamp is not supported yet; date_part('julian', ...) is")
	}
	scale := engine.ExtractScale(string(lit.Value.(*scalar.String).Data()), isDate)
	return &expr.Call{Func: name, Args: []expr.Expr{unit, t}, Type: &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: scale}}, true, nil
}

// zoneField binds extract / date_part of timezone, timezone_hour and
// timezone_minute of a timestamptz: the session's UTC offset at that
// instant (east positive), in seconds, or its hours and minutes (both
// with the offset's sign), as the wall clock's epoch less the instant's.
func (b *binder) zoneField(fc *pg_query.FuncCall, name, field string, t expr.Expr) (expr.Expr, bool, error) {
	w, err := b.cast(t, typeTimestamp, fc.Location)
	if err != nil {
		return nil, true, err
	}
	f8 := func(v float64) expr.Expr { return &expr.Literal{Value: scalar.NewFloat64Scalar(v)} }
	op := func(o expr.Op, l, r expr.Expr) expr.Expr {
		return &expr.Binary{Op: o, Left: l, Right: r, Type: typeFloat8}
	}
	trunc := func(e expr.Expr) expr.Expr { return &expr.Call{Func: "trunc", Args: []expr.Expr{e}, Type: typeFloat8} }
	epoch := func(e expr.Expr) expr.Expr {
		return &expr.Call{Func: "date_part", Args: []expr.Expr{&expr.Literal{Value: scalar.NewStringScalar("epoch")}, e}, Type: typeFloat8}
	}
	offset := op(expr.Sub, epoch(w), epoch(t))
	v := offset
	switch field {
	case "timezone_hour":
		v = trunc(op(expr.Div, offset, f8(3600)))
	case "timezone_minute":
		// The minutes beyond the hours, with the offset's sign.
		v = op(expr.Sub, trunc(op(expr.Div, offset, f8(60))), op(expr.Mul, trunc(op(expr.Div, offset, f8(3600))), f8(60)))
	}
	b.volatile = true // the session's TimeZone
	if name == "date_part" {
		return v, true, nil
	}
	e, err := b.cast(v, &arrow.Decimal128Type{Precision: maxNumericPrecision, Scale: 0}, fc.Location)
	return e, true, err
}

// bindOverlaps binds (start, end) OVERLAPS (start, end) of dates and
// timestamps; an end given as an interval is start + interval.
func (b *binder) bindOverlaps(fc *pg_query.FuncCall, ectx exprContext) (expr.Expr, error) {
	args := slices.Clone(fc.Args)
	for _, i := range []int{1, 3} {
		e, err := b.bindExpr(args[i], ectx)
		if err != nil {
			return nil, err
		}
		if e.DataType().ID() == arrow.INTERVAL_MONTH_DAY_NANO {
			args[i] = &pg_query.Node{Node: &pg_query.Node_AExpr{AExpr: &pg_query.A_Expr{Kind: pg_query.A_Expr_Kind_AEXPR_OP,
				Name: []*pg_query.Node{pg_query.MakeStrNode("+")}, Lexpr: args[i-1], Rexpr: args[i], Location: fc.Location}}}
		}
	}
	return b.bindRewrite(overlapsSQL, args, ectx)
}

// negateOffset flips the sign of a UTC offset written as text.
func negateOffset(v string) string {
	switch {
	case strings.HasPrefix(v, "-"):
		return "+" + v[1:]
	case strings.HasPrefix(v, "+"):
		return "-" + v[1:]
	}
	return "-" + v
}

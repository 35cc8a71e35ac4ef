package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
)

// compileFunc evaluates a scalar function by name.
func compileFunc(n *expr.Call) (evaluator, error) {
	args, err := compileAll(n.Args)
	if err != nil {
		return nil, err
	}
	if n.Sequence != nil {
		return compileSequenceFunc(n, args), nil
	}
	if IsAdvisoryLockFunc(n.Func) {
		return compileAdvisory(n.Func, args, n.Type), nil
	}
	var fn func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error)
	// atLoc, when set, makes fn for the session's time zone at each
	// evaluation.
	var atLoc func(loc *time.Location) func(memory.Allocator, []arrow.Array) (arrow.Array, error)
	switch n.Func {
	case "to_char":
		return compileToChar(args)
	case "age":
		ts, _ := n.Args[0].DataType().(*arrow.TimestampType)
		return compileAge(args, ts != nil && ts.TimeZone != ""), nil
	case "clock_timestamp":
		return compileClockTimestamp(n.Type), nil
	case "scale", "min_scale", "trim_scale":
		fn = numericScaleKernel(n.Func)
	case "pg_sleep":
		return compileSleep(args[0]), nil
	case "pg_cancel_backend", "pg_terminate_backend":
		return compileSignalBackend(args[0], n.Func == "pg_terminate_backend"), nil
	case "date_bin":
		out := n.Type
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) { return dateBinKernel(mem, in, out) }
	case "justify_hours", "justify_days", "justify_interval":
		name := n.Func
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return justifyKernel(mem, name, in[0])
		}
	case "make_interval":
		fn = makeIntervalKernel
	case "interval_mul", "interval_div", "interval_pl", "interval_mi":
		name := n.Func
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return intervalArithKernel(mem, name, in)
		}
	case "make_date":
		fn = makeDateKernel
	case "make_time":
		fn = makeTimeKernel
	case "bytea_concat":
		fn = byteaConcatKernel
	case "round_fraction":
		fn = roundFractionKernel
	case "make_timestamp":
		out := n.Type
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return makeTimestampKernel(mem, in, out)
		}
	case "to_timestamp":
		if len(n.Args) >= 2 { // to_timestamp(text, text), toparse.go
			return compileToTimestampText(args, n.Type)
		}
		out := n.Type
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return toTimestampKernel(mem, in, out)
		}
	case "to_date":
		fn = toDateKernel
	case "to_number":
		fn = toNumberKernel
	case "lower", "upper":
		upper := n.Func == "upper"
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return mapStrings(mem, in[0], func(s string) string { return asciiCase(s, upper) })
		}
	case "length", "char_length", "character_length":
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			s, ok := in[0].(*array.String)
			if !ok {
				return nil, fmt.Errorf("length of %s", in[0].DataType())
			}
			b := array.NewInt32Builder(mem)
			defer b.Release()
			for i := range s.Len() {
				if s.IsNull(i) {
					b.AppendNull()
				} else {
					b.Append(int32(utf8.RuneCountInString(s.Value(i))))
				}
			}
			return b.NewArray(), nil
		}
	case "abs":
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) { return absKernel(mem, in[0]) }
	case "isfinite":
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			b := array.NewBooleanBuilder(mem)
			defer b.Release()
			for i := range in[0].Len() {
				if in[0].IsNull(i) {
					b.AppendNull()
					continue
				}
				b.Append(infiniteAt(in[0], i) == 0)
			}
			return b.NewArray(), nil
		}
	case "date_trunc":
		if isZoned(n.Type) {
			return compileWithContext(args, func(ctx context.Context, in []arrow.Array, _ int) (arrow.Array, error) {
				return dateTruncKernel(memory.DefaultAllocator, in[0], in[1], sessionLocation(ctx))
			}), nil
		}
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return dateTruncKernel(mem, in[0], in[1], time.UTC)
		}
	case "date_part":
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return datePartKernel(mem, in[0], in[1], false, 0)
		}
	case "timezone":
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return timezoneKernel(mem, in[0], in[1])
		}
	case "extract":
		scale := n.Type.(*arrow.Decimal128Type).Scale
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return datePartKernel(mem, in[0], in[1], true, scale)
		}
	case "date_pli", "date_mi", "ts_pl_interval", "ts_mi", "date_mii", "ts_mi_interval":
		name, out := n.Func, n.Type
		sign := 1
		switch name {
		case "date_mii":
			name, sign = "date_pli", -1
		case "ts_mi_interval":
			name, sign = "ts_pl_interval", -1
		}
		if isZoned(out) && name == "ts_pl_interval" {
			return compileWithContext(args, func(ctx context.Context, in []arrow.Array, _ int) (arrow.Array, error) {
				return dateArithKernel(memory.DefaultAllocator, name, in[0], in[1], sign, out, sessionLocation(ctx))
			}), nil
		}
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return dateArithKernel(mem, name, in[0], in[1], sign, out, time.UTC)
		}
	case "time_pl_interval", "time_mi_interval", "time_mi_time", "date_pl_time":
		name, out := n.Func, n.Type
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return timeKernel(mem, name, in[0], in[1], out)
		}
	case "position", "strpos":
		fn = positionKernel
	case "row":
		st := n.Type.(*arrow.StructType)
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			if len(in) == 0 {
				// ROW() has no fields to take the row count from.
				return nil, pgerror.New(pgerror.FeatureNotSupported, "a record with no columns is not supported")
			}
			return array.NewStructArrayWithFields(in, st.Fields())
		}
	case "round", "trunc", "ceil", "ceiling", "floor":
		name, out := n.Func, n.Type
		scale := int32(0)
		if d, ok := out.(*arrow.Decimal128Type); ok {
			scale = d.Scale
		}
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return roundKernel(mem, name, in[0], scale, out)
		}
	case "round_scale", "trunc_scale":
		// round(numeric, n) and trunc(numeric, n) with n read per row:
		// each value gets scale n (0 when n < 0).
		trunc := n.Func == "trunc_scale"
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return roundToScales(mem, in[0], in[1], trunc)
		}
	case "like", "ilike":
		fold := n.Func == "ilike"
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return matchKernel(mem, in[0], in[1], fold, func(p string) (matcher, error) { return likeMatcher(p, fold) })
		}
	case "array_any", "array_all":
		// x op ANY/ALL (array): the comparison runs over every element
		// with x repeated, as one Binary, so it has the operator's own
		// semantics; then each row's results fold with SQL's
		// three-valued logic.
		lit, ok := n.Args[2].(*expr.Literal)
		if !ok {
			return nil, fmt.Errorf("%s: operator not constant", n.Func)
		}
		op := expr.Op(lit.Value.(*scalar.Int32).Value)
		list := n.Args[0].DataType().(*arrow.ListType)
		cmp, err := compile(&expr.Binary{Op: op, Left: &expr.Column{Index: 0, Type: n.Args[1].DataType()},
			Right: &expr.Column{Index: 1, Type: list.Elem()}, Type: arrow.FixedWidthTypes.Boolean})
		if err != nil {
			return nil, err
		}
		all := n.Func == "array_all"
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return arrayQuantified(mem, cmp, in[0].(array.ListLike), in[1], all)
		}
	case "regex", "iregex":
		fold := n.Func == "iregex"
		fn = func(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
			return matchKernel(mem, in[0], in[1], fold, func(p string) (matcher, error) { return posixRegexp(p, fold) })
		}
	default:
		if kernel := mathFunction(n.Func, n.Type); kernel != nil {
			return compileMath(args, kernel), nil
		}
		if fn = textFunction(n.Func); fn == nil {
			fn = catalogFunction(n.Func)
		}
		if fn == nil {
			fn = byteaFunction(n.Func)
		}
		if fn == nil && jsonFunction(n.Func, n.Type, time.UTC) != nil {
			// JSON renders timestamptz values in the session's TimeZone.
			name, out := n.Func, n.Type
			atLoc = func(loc *time.Location) func(memory.Allocator, []arrow.Array) (arrow.Array, error) {
				return jsonFunction(name, out, loc)
			}
		}
		if fn == nil && atLoc == nil {
			return nil, pgerror.New(pgerror.UndefinedFunction, "function %s is not implemented", n.Func)
		}
	}
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		in := make([]arrow.Array, len(args))
		defer func() { releaseAll(in) }()
		for i, a := range args {
			v, err := evalArray(ctx, a, b)
			if err != nil {
				return nil, err
			}
			in[i] = v
		}
		kernel := fn
		if atLoc != nil {
			kernel = atLoc(sessionLocation(ctx))
		}
		out, err := kernel(memory.DefaultAllocator, in)
		if err != nil {
			return nil, err
		}
		return compute.NewDatumWithoutOwning(out), nil
	}, nil
}

// asciiCase changes the case of ASCII letters only, as PostgreSQL's lower
// and upper do under the C locale.
func asciiCase(s string, upper bool) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case upper && c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case !upper && c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func mapStrings(mem memory.Allocator, a arrow.Array, f func(string) string) (arrow.Array, error) {
	s, ok := a.(*array.String)
	if !ok {
		return nil, fmt.Errorf("expected text, got %s", a.DataType())
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range s.Len() {
		if s.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(f(s.Value(i)))
		}
	}
	return b.NewArray(), nil
}

func absKernel(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	b := array.NewBuilder(mem, a.DataType())
	defer b.Release()
	for i := range a.Len() {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		switch v := a.(type) {
		case *array.Int16:
			if v.Value(i) == -1<<15 {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "smallint out of range")
			}
			b.(*array.Int16Builder).Append(max(v.Value(i), -v.Value(i)))
		case *array.Int32:
			if v.Value(i) == -1<<31 {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "integer out of range")
			}
			b.(*array.Int32Builder).Append(max(v.Value(i), -v.Value(i)))
		case *array.Int64:
			if v.Value(i) == -1<<63 {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "bigint out of range")
			}
			b.(*array.Int64Builder).Append(max(v.Value(i), -v.Value(i)))
		case *array.Float32:
			x := v.Value(i)
			if x < 0 || (x == 0 && 1/x < 0) {
				x = -x
			}
			b.(*array.Float32Builder).Append(x)
		case *array.Float64:
			x := v.Value(i)
			if x < 0 || (x == 0 && 1/x < 0) {
				x = -x
			}
			b.(*array.Float64Builder).Append(x)
		case *array.Decimal128:
			x := v.Value(i)
			if x.Sign() < 0 {
				x = x.Negate()
			}
			b.(*array.Decimal128Builder).Append(x)
		default:
			return nil, pgerror.New(pgerror.UndefinedFunction, "function abs(%s) does not exist", pgTypeName(a.DataType()))
		}
	}
	return b.NewArray(), nil
}

// matcher tests a string against a compiled pattern.
type matcher interface{ MatchString(string) bool }

// matchKernel matches each value against its pattern, compiled once per
// distinct pattern; fold matches ASCII case-insensitively.
func matchKernel(mem memory.Allocator, vals, pats arrow.Array, fold bool, compile func(string) (matcher, error)) (arrow.Array, error) {
	vs, ok1 := vals.(*array.String)
	ps, ok2 := pats.(*array.String)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("pattern match on %s and %s", vals.DataType(), pats.DataType())
	}
	cache := make(map[string]matcher)
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	for i := range vs.Len() {
		if vs.IsNull(i) || ps.IsNull(i) {
			b.AppendNull()
			continue
		}
		p := ps.Value(i)
		re, ok := cache[p]
		if !ok {
			var err error
			if re, err = compile(p); err != nil {
				return nil, err
			}
			cache[p] = re
		}
		v := vs.Value(i)
		if fold {
			v = asciiCase(v, false)
		}
		b.Append(re.MatchString(v))
	}
	return b.NewArray(), nil
}

// posixRegexp compiles a POSIX regular expression (the ~ operators). Go's
// RE2 syntax covers what clients send (anchors, classes, alternation,
// repetition); back-references and lookahead, which RE2 lacks, are an
// invalid regular expression here.
func posixRegexp(pattern string, fold bool) (*regexp.Regexp, error) {
	if fold {
		pattern = asciiCase(pattern, false)
	}
	pattern, err := areToRE2(pattern)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile("(?s)" + pattern)
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = string(se.Code)
			if pg, ok := regexpErrors[se.Code]; ok {
				msg = pg
			}
		}
		return nil, pgerror.New("2201B", "invalid regular expression: %s", msg)
	}
	return re, nil
}

// regexpErrors are PostgreSQL's words for the syntax errors it shares with
// Go's regular expressions.
var regexpErrors = map[syntax.ErrorCode]string{
	syntax.ErrMissingParen:          "parentheses () not balanced",
	syntax.ErrUnexpectedParen:       "parentheses () not balanced",
	syntax.ErrMissingBracket:        "brackets [] not balanced",
	syntax.ErrInvalidCharRange:      "invalid character range",
	syntax.ErrInvalidEscape:         "invalid escape \\ sequence",
	syntax.ErrTrailingBackslash:     "invalid escape \\ sequence",
	syntax.ErrMissingRepeatArgument: "quantifier operand invalid",
	syntax.ErrInvalidRepeatOp:       "quantifier operand invalid",
	syntax.ErrInvalidRepeatSize:     "invalid repetition count(s)",
}

// likeSegments matches a LIKE pattern made of literal text and %: the
// value starts with the first segment, ends with the last, and holds the
// others in order between them (taking each at its first occurrence
// leaves the most room for the rest, so that search is exact).
type likeSegments struct {
	segs []string // the literal runs between the %s; one segment: no %
}

func (l *likeSegments) MatchString(s string) bool {
	first, last := l.segs[0], l.segs[len(l.segs)-1]
	if len(l.segs) == 1 {
		return s == first
	}
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, seg := range l.segs[1 : len(l.segs)-1] {
		i := strings.Index(mid, seg)
		if i < 0 {
			return false
		}
		mid = mid[i+len(seg):]
	}
	return true
}

// likeMatcher compiles a LIKE pattern: % is any run of characters, _ one
// character, \ escapes the next. ILIKE (fold) folds ASCII case, as
// PostgreSQL does under the C locale. Patterns without _ are matched by
// substring search; the others through a regular expression.
func likeMatcher(pattern string, fold bool) (matcher, error) {
	if fold {
		pattern = asciiCase(pattern, false)
	}
	segs := []string{""}
	escaped := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case escaped:
			segs[len(segs)-1] += pattern[i : i+1]
			escaped = false
		case c == '\\':
			escaped = true
		case c == '%':
			segs = append(segs, "")
		case c == '_':
			return likeRegexp(pattern, false)
		default:
			segs[len(segs)-1] += pattern[i : i+1]
		}
	}
	if escaped {
		return nil, pgerror.New("22025", "LIKE pattern must not end with escape character")
	}
	return &likeSegments{segs: segs}, nil
}

func likeRegexp(pattern string, fold bool) (*regexp.Regexp, error) {
	if fold {
		pattern = asciiCase(pattern, false)
	}
	var sb strings.Builder
	sb.WriteString("(?s)^")
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			sb.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case r == '%':
			sb.WriteString(".*")
		case r == '_':
			sb.WriteString(".")
		case r == '\\':
			escaped = true
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if escaped {
		return nil, pgerror.New("22025", "LIKE pattern must not end with escape character")
	}
	sb.WriteString("$")
	return regexp.Compile(sb.String())
}

// timezoneKernel is t AT TIME ZONE zone: a timestamptz becomes the
// wall-clock time in zone, a timestamp is read as wall-clock time there.
// Zones are IANA names (and UTC's aliases), loaded once per batch.
func timezoneKernel(mem memory.Allocator, zones, ts arrow.Array) (arrow.Array, error) {
	t := ts.(*array.Timestamp)
	withZone := t.DataType().(*arrow.TimestampType).TimeZone != ""
	out := arrow.DataType(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	if withZone {
		out = &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	b := array.NewTimestampBuilder(mem, out.(*arrow.TimestampType))
	defer b.Release()
	z := zones.(*array.String)
	locs := make(map[string]*time.Location)
	for r := range t.Len() {
		if t.IsNull(r) || z.IsNull(r) {
			b.AppendNull()
			continue
		}
		name := z.Value(r)
		loc, ok := locs[name]
		if !ok {
			var err error
			if loc, err = zoneLocation(name); err != nil {
				return nil, err
			}
			locs[name] = loc
		}
		micros := int64(t.Value(r))
		if infiniteAt(t, r) != 0 {
			b.Append(t.Value(r)) // infinity in any zone
			continue
		}
		if withZone {
			wall := time.UnixMicro(micros).In(loc)
			_, offset := wall.Zone()
			b.Append(arrow.Timestamp(micros + int64(offset)*1e6))
			continue
		}
		// A wall-clock time in a DST gap or overlap resolves as PostgreSQL
		// resolves it.
		b.Append(arrow.Timestamp(pgtext.WallToInstant(micros, loc)))
	}
	return b.NewArray(), nil
}

// zoneLocation finds a time zone by name for AT TIME ZONE.
func zoneLocation(name string) (*time.Location, error) {
	if loc, ok := pgtext.ZoneAbbrev(name); ok {
		return loc, nil
	}
	loc, ok := pgtext.LoadZone(name)
	if !ok {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "time zone \"%s\" not recognized", name)
	}
	return loc, nil
}

// arrayQuantified folds cmp(x, element) over each row's array: ANY is true
// when some comparison is, ALL false when some is; otherwise a NULL among
// them makes the result NULL. An empty array gives false for ANY and true
// for ALL, whatever x is.
func arrayQuantified(mem memory.Allocator, cmp evaluator, lists array.ListLike, x arrow.Array, all bool) (arrow.Array, error) {
	values := lists.ListValues()
	parents := array.NewInt64Builder(mem)
	defer parents.Release()
	for r := range lists.Len() {
		if lists.IsNull(r) {
			continue
		}
		start, end := lists.ValueOffsets(r)
		for range end - start {
			parents.Append(int64(r))
		}
	}
	idx := parents.NewArray()
	defer idx.Release()
	xs, err := take.Array(context.Background(), x, idx)
	if err != nil {
		return nil, err
	}
	defer xs.Release()
	// The elements in list order, aligned with xs.
	elemIdx := array.NewInt64Builder(mem)
	defer elemIdx.Release()
	for r := range lists.Len() {
		if lists.IsNull(r) {
			continue
		}
		start, end := lists.ValueOffsets(r)
		for i := start; i < end; i++ {
			elemIdx.Append(i)
		}
	}
	ei := elemIdx.NewArray()
	defer ei.Release()
	elems, err := take.Array(context.Background(), values, ei)
	if err != nil {
		return nil, err
	}
	defer elems.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: xs.DataType(), Nullable: true}, {Name: "e", Type: elems.DataType(), Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{xs, elems}, int64(xs.Len()))
	defer rec.Release()
	res, err := evalArray(context.Background(), cmp, rec)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	got := res.(*array.Boolean)
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	k := 0
	for r := range lists.Len() {
		if lists.IsNull(r) {
			b.AppendNull()
			continue
		}
		start, end := lists.ValueOffsets(r)
		decided, sawNull := false, false
		for range end - start {
			switch {
			case decided:
			case got.IsNull(k):
				sawNull = true
			case got.Value(k) != all:
				decided = true
			}
			k++
		}
		switch {
		case decided:
			b.Append(!all)
		case sawNull:
			b.AppendNull()
		default:
			b.Append(all)
		}
	}
	return b.NewArray(), nil
}

// roundFractionKernel rounds times and timestamps (microseconds) to the
// number of fractional digits in in[1], half away from zero, as a cast to
// time(p) or timestamp(p) does.
func roundFractionKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	digits := in[1].(*array.Int32)
	round := func(v int64, i int) int64 {
		p := digits.Value(i)
		if p < 0 || p >= 6 {
			return v
		}
		scale := int64(1)
		for range 6 - p {
			scale *= 10
		}
		if v < 0 {
			return -((-v + scale/2) / scale * scale)
		}
		return (v + scale/2) / scale * scale
	}
	n := in[0].Len()
	switch a := in[0].(type) {
	case *array.Timestamp:
		b := array.NewTimestampBuilder(mem, a.DataType().(*arrow.TimestampType))
		defer b.Release()
		for i := range n {
			if a.IsNull(i) || digits.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(arrow.Timestamp(round(int64(a.Value(i)), i)))
		}
		return b.NewArray(), nil
	case *array.Time64:
		b := array.NewTime64Builder(mem, a.DataType().(*arrow.Time64Type))
		defer b.Release()
		for i := range n {
			if a.IsNull(i) || digits.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(arrow.Time64(round(int64(a.Value(i)), i)))
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("round_fraction of %s", in[0].DataType())
}

// byteaConcatKernel is bytea || bytea.
func byteaConcatKernel(mem memory.Allocator, in []arrow.Array) (arrow.Array, error) {
	l, lok := in[0].(*array.Binary)
	r, rok := in[1].(*array.Binary)
	if !lok || !rok {
		return nil, fmt.Errorf("bytea || of %s and %s", in[0].DataType(), in[1].DataType())
	}
	b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	defer b.Release()
	var buf []byte
	for i := range l.Len() {
		if l.IsNull(i) || r.IsNull(i) {
			b.AppendNull()
			continue
		}
		buf = append(append(buf[:0], l.Value(i)...), r.Value(i)...)
		b.Append(buf)
	}
	return b.NewArray(), nil
}

// IsVolatileFunc reports whether PostgreSQL's function name is volatile:
// its value changes from call to call (random) or it acts (nextval,
// pg_sleep, the advisory locks).
func IsVolatileFunc(name string) bool {
	switch name {
	case "random", "random_normal", "setseed", "gen_random_uuid", "uuid_generate_v4",
		"clock_timestamp", "timeofday", "nextval", "setval", "currval", "lastval", "pg_sleep",
		"pg_cancel_backend", "pg_terminate_backend":
		return true
	}
	return IsAdvisoryLockFunc(name)
}

// CallsVolatile reports whether e calls a volatile function, whose every
// evaluation counts (see IsVolatileFunc).
func CallsVolatile(e expr.Expr) bool {
	return expr.Any(e, func(n expr.Expr) bool {
		c, ok := n.(*expr.Call)
		return ok && IsVolatileFunc(c.Func)
	})
}

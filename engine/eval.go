package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/jsonb"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// evaluator computes an expression over one batch. The result is an array
// of the batch's length or, for expressions without column references, a
// scalar.
type evaluator func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error)

// compile turns e into an evaluator. Most operators run as Arrow compute
// kernels over whole columns; the few PostgreSQL operators Arrow lacks have
// typed kernels here.
func compile(e expr.Expr) (evaluator, error) {
	switch n := e.(type) {
	case *expr.Column:
		i := n.Index
		return func(_ context.Context, b arrow.RecordBatch) (compute.Datum, error) {
			return compute.NewDatum(b.Column(i)), nil
		}, nil
	case *expr.Literal:
		v := n.Value
		return func(context.Context, arrow.RecordBatch) (compute.Datum, error) {
			return compute.NewDatum(v), nil
		}, nil
	case *expr.Binary:
		return compileBinary(n)
	case *expr.Not:
		return compileUnaryKernel(n.Input, notKernel)
	case *expr.Negate:
		return compileCall("negate", nil, n.DataType(), n.Input)
	case *expr.IsNull:
		negated := n.Negated
		return compileUnaryKernel(n.Input, func(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
			b := array.NewBooleanBuilder(mem)
			defer b.Release()
			b.Reserve(a.Len())
			for i := range a.Len() {
				b.UnsafeAppend(a.IsNull(i) != negated)
			}
			return b.NewArray(), nil
		})
	case *expr.Case:
		return compileCase(n)
	case *expr.Call:
		return compileFunc(n)
	case *expr.Subquery:
		return compileSubquery(n)
	case *expr.Sequence:
		state, typ := n.State, n.Type
		return func(_ context.Context, b arrow.RecordBatch) (compute.Datum, error) {
			rows := b.NumRows()
			first, err := state.Take(rows)
			if err != nil {
				return nil, err
			}
			bld := array.NewBuilder(memory.DefaultAllocator, typ)
			defer bld.Release()
			for i := range rows {
				appendInt(bld, first+i*state.Increment)
			}
			return compute.NewDatumWithoutOwning(bld.NewArray()), nil
		}, nil
	case *expr.Cast:
		in, err := compile(n.Input)
		if err != nil {
			return nil, err
		}
		to := n.Type
		return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
			d, err := in(ctx, b)
			if err != nil {
				return nil, err
			}
			defer d.Release()
			return castDatum(ctx, d, to)
		}, nil
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "expression %s is not supported", e)
}

// mayFail reports whether evaluating e can raise an error (arithmetic,
// which may divide by zero or overflow, a cast, a function): AND and OR
// then evaluate it only for the rows their left operand leaves undecided,
// as PostgreSQL's left-to-right evaluation does (x = 0 OR 1/x = 1 is no
// division by zero), and a filter evaluates it after the conjuncts written
// before it. Comparisons of columns and constants, and pattern matches
// against a constant pattern (checked once, when compiled), evaluate
// eagerly, which is cheaper.
func mayFail(e expr.Expr) bool {
	return expr.Any(e, func(n expr.Expr) bool {
		switch x := n.(type) {
		case *expr.Binary:
			switch x.Op {
			case expr.Add, expr.Sub, expr.Mul, expr.Div, expr.Mod:
				return true
			}
		case *expr.Negate, *expr.Cast:
			return true
		case *expr.Call:
			switch x.Func {
			case "like", "ilike", "regex", "iregex":
				if len(x.Args) == 2 {
					_, constant := x.Args[1].(*expr.Literal)
					return !constant
				}
			}
			return true
		}
		return false
	})
}

var binaryFuncs = map[expr.Op]string{
	expr.Add: "add", expr.Sub: "subtract", expr.Mul: "multiply", expr.Div: "divide",
	expr.Eq: "equal", expr.NotEq: "not_equal", expr.Lt: "less", expr.LtEq: "less_equal",
	expr.Gt: "greater", expr.GtEq: "greater_equal",
	expr.And: "and_kleene", expr.Or: "or_kleene",
}

func compileBinary(n *expr.Binary) (evaluator, error) {
	// An IN list computes its x for every row, as its first disjunct
	// does: whether x may fail does not make it lazy.
	if n.Op == expr.Or && !expr.HasSubquery(n) {
		if ev, ok, err := compileInList(n); ok || err != nil {
			return ev, err
		}
	}
	if (n.Op == expr.And || n.Op == expr.Or) && (expr.HasSubquery(n.Left) || expr.HasSubquery(n.Right) || mayFail(n.Right)) {
		return compileLazyLogic(n)
	}
	switch {
	case isNumericOperand(n.Left.DataType()) && isNumericOperand(n.Right.DataType()):
		switch n.Op {
		case expr.Add, expr.Sub, expr.Mul, expr.Div, expr.Mod, expr.Eq, expr.NotEq, expr.Lt, expr.LtEq, expr.Gt, expr.GtEq:
			return compileKernel(n.Left, n.Right, n.Type, numericKernel(n.Op))
		}
	case n.Op == expr.Mod:
		return compileKernel(n.Left, n.Right, n.Type, modKernel)
	case n.Op == expr.Div && isIntegerType(n.Type) && arrow.TypeEqual(n.Left.DataType(), n.Type) && arrow.TypeEqual(n.Right.DataType(), n.Type):
		return compileKernel(n.Left, n.Right, n.Type, divKernel)
	case (n.Op == expr.Add || n.Op == expr.Sub || n.Op == expr.Mul) && isIntegerType(n.Type) &&
		arrow.TypeEqual(n.Left.DataType(), n.Type) && arrow.TypeEqual(n.Right.DataType(), n.Type):
		return compileKernel(n.Left, n.Right, n.Type, intArithKernel(n.Op))
	case n.Op == expr.Concat:
		return compileKernel(n.Left, n.Right, n.Type, concatKernel)
	case (n.Type.ID() == arrow.FLOAT64 || n.Type.ID() == arrow.FLOAT32) && n.Op <= expr.Div && // + - * /
		arrow.TypeEqual(n.Left.DataType(), n.Type) && arrow.TypeEqual(n.Right.DataType(), n.Type):
		return compileKernel(n.Left, n.Right, n.Type, floatArithKernel(n.Op))
	}
	if n.Op.IsComparison() {
		switch n.Left.DataType().ID() {
		case arrow.FLOAT32, arrow.FLOAT64:
			return compileKernel(n.Left, n.Right, n.Type, floatCompareKernel(n.Op))
		case arrow.INTERVAL_MONTH_DAY_NANO:
			return compileKernel(n.Left, n.Right, n.Type, intervalCompareKernel(n.Op))
		case arrow.EXTENSION:
			if _, ok := n.Left.DataType().(*pgtypes.JSONBType); ok {
				return compileKernel(n.Left, n.Right, n.Type, jsonbCompareKernel(n.Op))
			}
		case arrow.BOOL:
			if n.Op != expr.Eq && n.Op != expr.NotEq { // false < true; Arrow has no such kernel
				return compileKernel(n.Left, n.Right, n.Type, boolCompareKernel(n.Op))
			}
		case arrow.LIST:
			if n.Op != expr.Eq && n.Op != expr.NotEq {
				return compileKernel(n.Left, n.Right, n.Type, arrayOrderKernel(n.Op))
			}
			return compileKernel(n.Left, n.Right, n.Type, arrayEqualKernel(n.Op == expr.NotEq))
		}
	}
	fn, ok := binaryFuncs[n.Op]
	if !ok {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "operator %s is not supported", n.Op)
	}
	return compileCall(fn, n, n.Type, n.Left, n.Right)
}

// compileCall evaluates args and calls the Arrow compute function fn; a
// result of another type than want (decimal precision, say) is cast to want.
func compileCall(fn string, n *expr.Binary, want arrow.DataType, args ...expr.Expr) (evaluator, error) {
	evals := make([]evaluator, len(args))
	for i, a := range args {
		ev, err := compile(a)
		if err != nil {
			return nil, err
		}
		evals[i] = ev
	}
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		in := make([]compute.Datum, len(evals))
		defer func() {
			for _, d := range in {
				if d != nil {
					d.Release()
				}
			}
		}()
		for i, ev := range evals {
			d, err := ev(ctx, b)
			if err != nil {
				return nil, err
			}
			in[i] = d
		}
		out, err := compute.CallFunction(ctx, fn, nil, in...)
		if err != nil {
			if ctx.Err() != nil {
				// Canceled or timed out (its cause, statement_timeout's,
				// may be what the kernel returned): the session says so.
				return nil, ctx.Err()
			}
			return nil, computeError(err, want)
		}
		if !arrow.TypeEqual(datumType(out), want) {
			defer out.Release()
			return castDatum(ctx, out, want)
		}
		return out, nil
	}, nil
}

func datumType(d compute.Datum) arrow.DataType {
	switch v := d.(type) {
	case *compute.ArrayDatum:
		return v.Type()
	case *compute.ScalarDatum:
		return v.Type()
	}
	return nil
}

// computeError turns an Arrow compute failure into the PostgreSQL error the
// same operation raises there.
func computeError(err error, result arrow.DataType) error {
	var pe *pgerror.Error
	if errors.As(err, &pe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// A cancel or timeout stays one: the session reports 57014.
		return err
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "divide by zero"):
		return pgerror.New(pgerror.DivisionByZero, "division by zero")
	case strings.Contains(msg, "overflow"):
		return pgerror.New(pgerror.NumericValueOutOfRange, "%s out of range", pgTypeName(result))
	}
	return pgerror.New(pgerror.InternalError, "%s", msg)
}

// pgTypeName is the word PostgreSQL uses for a type in range errors.
func pgTypeName(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.INT16:
		return "smallint"
	case arrow.INT32:
		return "integer"
	case arrow.INT64:
		return "bigint"
	case arrow.FLOAT32:
		return "real"
	case arrow.FLOAT64:
		return "double precision"
	case arrow.DECIMAL128, arrow.DECIMAL256:
		return "numeric"
	case arrow.STRING, arrow.LARGE_STRING:
		return "text"
	case arrow.BOOL:
		return "boolean"
	case arrow.DATE32:
		return "date"
	case arrow.TIME64:
		return "time without time zone"
	case arrow.TIMESTAMP:
		if dt.(*arrow.TimestampType).TimeZone != "" {
			return "timestamp with time zone"
		}
		return "timestamp without time zone"
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return "interval"
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "bytea"
	case arrow.EXTENSION:
		switch dt.(arrow.ExtensionType).ExtensionName() {
		case "arrow.json":
			return "json"
		case "riffq.jsonb":
			return "jsonb"
		case "arrow.uuid":
			return "uuid"
		}
	}
	return dt.String()
}

// kernel computes a binary operator over two arrays of equal length.
type kernel func(mem memory.Allocator, l, r arrow.Array, out arrow.DataType) (arrow.Array, error)

func compileKernel(left, right expr.Expr, out arrow.DataType, k kernel) (evaluator, error) {
	le, err := compile(left)
	if err != nil {
		return nil, err
	}
	re, err := compile(right)
	if err != nil {
		return nil, err
	}
	lop, rop := kernelOperand(left, le), kernelOperand(right, re)
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		l, err := lop(ctx, b)
		if err != nil {
			return nil, err
		}
		defer l.Release()
		r, err := rop(ctx, b)
		if err != nil {
			return nil, err
		}
		defer r.Release()
		res, err := k(memory.DefaultAllocator, l, r, out)
		if err != nil {
			return nil, err
		}
		return compute.NewDatumWithoutOwning(res), nil
	}, nil
}

// kernelOperand evaluates one operand of a binary kernel as an array. A
// constant (the 1 of price * (1 - discount)) is repeated into an array
// once and sliced to each batch's length, not repeated for every batch.
func kernelOperand(e expr.Expr, ev evaluator) func(context.Context, arrow.RecordBatch) (arrow.Array, error) {
	lit, ok := e.(*expr.Literal)
	if !ok {
		return func(ctx context.Context, b arrow.RecordBatch) (arrow.Array, error) { return evalArray(ctx, ev, b) }
	}
	var (
		mu     sync.Mutex // batches are evaluated on several workers
		repeat arrow.Array
	)
	return func(_ context.Context, b arrow.RecordBatch) (arrow.Array, error) {
		n := int(b.NumRows())
		mu.Lock()
		defer mu.Unlock()
		if repeat == nil || repeat.Len() < n {
			// A shorter one is left to the garbage collector: slices of
			// it may still be in use.
			a, err := broadcast(lit.Value, n)
			if err != nil {
				return nil, err
			}
			repeat = a
		}
		return array.NewSlice(repeat, 0, int64(n)), nil
	}
}

// evalArray evaluates ev over b and returns an array of b's length,
// broadcasting a scalar result.
func evalArray(ctx context.Context, ev evaluator, b arrow.RecordBatch) (arrow.Array, error) {
	d, err := ev(ctx, b)
	if err != nil {
		return nil, err
	}
	defer d.Release()
	switch v := d.(type) {
	case *compute.ArrayDatum:
		return v.MakeArray(), nil
	case *compute.ScalarDatum:
		return broadcast(v.Value, int(b.NumRows()))
	}
	return nil, fmt.Errorf("unexpected datum kind %s", d.Kind())
}

// broadcast repeats a constant n times. arrow-go cannot do it for extension
// types (json, uuid...), so those repeat their storage.
func broadcast(s scalar.Scalar, n int) (arrow.Array, error) {
	if ext, ok := s.(*scalar.Extension); ok {
		et := ext.DataType().(arrow.ExtensionType)
		if !ext.IsValid() {
			return array.MakeArrayOfNull(memory.DefaultAllocator, et, n), nil
		}
		storage, err := scalar.MakeArrayFromScalar(ext.Value, n, memory.DefaultAllocator)
		if err != nil {
			return nil, err
		}
		defer storage.Release()
		return array.NewExtensionArrayWithStorage(et, storage), nil
	}
	if st, ok := s.(*scalar.Struct); ok && st.IsValid() {
		// A record's fields may be extension values too: each field is
		// repeated on its own (a constant ROW('{}'::jsonb)).
		fields := make([]arrow.Array, len(st.Value))
		defer func() { releaseAll(fields) }()
		for i, f := range st.Value {
			var err error
			if fields[i], err = broadcast(f, n); err != nil {
				return nil, err
			}
		}
		return array.NewStructArrayWithFields(fields, st.DataType().(*arrow.StructType).Fields())
	}
	if fw, ok := s.DataType().(arrow.FixedWidthDataType); ok && s.IsValid() && fw.BitWidth()%8 == 0 {
		// A fixed-width value repeated into one buffer: what
		// MakeArrayFromScalar does, with a few allocations less (a
		// constant column is made for every batch).
		if p, ok := s.(interface{ Data() []byte }); ok && len(p.Data()) == fw.BitWidth()/8 {
			values := memory.NewBufferBytes(bytes.Repeat(p.Data(), n))
			data := array.NewData(s.DataType(), n, []*memory.Buffer{nil, values}, nil, 0, 0)
			defer data.Release()
			return array.MakeFromData(data), nil
		}
	}
	return scalar.MakeArrayFromScalar(s, n, memory.DefaultAllocator)
}

type integer interface{ ~int16 | ~int32 | ~int64 }

type intArray[T integer] interface {
	arrow.Array
	Value(int) T
}

func modInts[T integer](b interface {
	Append(T)
	AppendNull()
}, l, r intArray[T]) error {
	for i := range l.Len() {
		if l.IsNull(i) || r.IsNull(i) {
			b.AppendNull()
			continue
		}
		d := r.Value(i)
		if d == 0 {
			return pgerror.New(pgerror.DivisionByZero, "division by zero")
		}
		if d == -1 { // avoid overflow of MinInt % -1
			b.Append(0)
			continue
		}
		b.Append(l.Value(i) % d)
	}
	return nil
}

// isIntegerType reports whether dt is int2, int4 or int8.
func isIntegerType(dt arrow.DataType) bool {
	id := dt.ID()
	return id == arrow.INT16 || id == arrow.INT32 || id == arrow.INT64
}

// divInts divides integers as PostgreSQL does: truncating, 22012 for a
// zero divisor, 22003 for the one quotient that overflows (the smallest
// value divided by -1).
func divInts[T integer](b interface {
	Append(T)
	AppendNull()
}, l, r intArray[T], minValue T, out arrow.DataType) error {
	for i := range l.Len() {
		if l.IsNull(i) || r.IsNull(i) {
			b.AppendNull()
			continue
		}
		x, d := l.Value(i), r.Value(i)
		switch {
		case d == 0:
			return pgerror.New(pgerror.DivisionByZero, "division by zero")
		case d == -1 && x == minValue:
			return pgerror.New(pgerror.NumericValueOutOfRange, "%s out of range", pgTypeName(out))
		}
		b.Append(x / d)
	}
	return nil
}

// intArithKernel adds, subtracts or multiplies integers of one type,
// 22003 when the result leaves the type's range either way (Arrow's
// kernels wrap around).
func intArithKernel(op expr.Op) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, out arrow.DataType) (arrow.Array, error) {
		bld := array.NewBuilder(mem, out)
		defer bld.Release()
		lo, hi := integerRange(out)
		ok := true
		switch bb := bld.(type) {
		case *array.Int16Builder:
			ok = arithInts[int16](bb, l.(*array.Int16), r.(*array.Int16), op, lo, hi)
		case *array.Int32Builder:
			ok = arithInts[int32](bb, l.(*array.Int32), r.(*array.Int32), op, lo, hi)
		case *array.Int64Builder:
			ok = arithInts[int64](bb, l.(*array.Int64), r.(*array.Int64), op, lo, hi)
		}
		if !ok {
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "%s out of range", pgTypeName(out))
		}
		return bld.NewArray(), nil
	}
}

// arithInts computes l op r in int64, which holds any product of two
// int32s; int64 results are checked by the sign rules of two's complement.
// false: a result is beyond [lo, hi].
func arithInts[T integer](b interface {
	Append(T)
	AppendNull()
	Reserve(int)
}, l, r intArray[T], op expr.Op, lo, hi int64) bool {
	b.Reserve(l.Len())
	for i := range l.Len() {
		if l.IsNull(i) || r.IsNull(i) {
			b.AppendNull()
			continue
		}
		x, y := int64(l.Value(i)), int64(r.Value(i))
		var z int64
		overflow := false
		switch op {
		case expr.Add:
			z = x + y
			overflow = (x^z)&(y^z) < 0
		case expr.Sub:
			z = x - y
			overflow = (x^y)&(x^z) < 0
		case expr.Mul:
			z = x * y
			overflow = x != 0 && (z/x != y || x == -1 && y == math.MinInt64 || y == -1 && x == math.MinInt64)
		}
		if overflow || z < lo || z > hi {
			return false
		}
		b.Append(T(z))
	}
	return true
}

func divKernel(mem memory.Allocator, l, r arrow.Array, out arrow.DataType) (arrow.Array, error) {
	bld := array.NewBuilder(mem, out)
	defer bld.Release()
	var err error
	switch bb := bld.(type) {
	case *array.Int16Builder:
		err = divInts[int16](bb, l.(*array.Int16), r.(*array.Int16), math.MinInt16, out)
	case *array.Int32Builder:
		err = divInts[int32](bb, l.(*array.Int32), r.(*array.Int32), math.MinInt32, out)
	case *array.Int64Builder:
		err = divInts[int64](bb, l.(*array.Int64), r.(*array.Int64), math.MinInt64, out)
	}
	if err != nil {
		return nil, err
	}
	return bld.NewArray(), nil
}

func modKernel(mem memory.Allocator, l, r arrow.Array, out arrow.DataType) (arrow.Array, error) {
	bld := array.NewBuilder(mem, out)
	defer bld.Release()
	var err error
	switch bb := bld.(type) {
	case *array.Int16Builder:
		err = modInts[int16](bb, l.(*array.Int16), r.(*array.Int16))
	case *array.Int32Builder:
		err = modInts[int32](bb, l.(*array.Int32), r.(*array.Int32))
	case *array.Int64Builder:
		err = modInts[int64](bb, l.(*array.Int64), r.(*array.Int64))
	default:
		return nil, pgerror.New(pgerror.FeatureNotSupported, "operator %% is not supported for %s", pgTypeName(out))
	}
	if err != nil {
		return nil, err
	}
	return bld.NewArray(), nil
}

func concatKernel(mem memory.Allocator, l, r arrow.Array, _ arrow.DataType) (arrow.Array, error) {
	ls, ok1 := l.(*array.String)
	rs, ok2 := r.(*array.String)
	if !ok1 || !ok2 {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "operator || is supported for text only")
	}
	bld := array.NewStringBuilder(mem)
	defer bld.Release()
	bld.Reserve(ls.Len())
	var sb strings.Builder
	for i := range ls.Len() {
		if ls.IsNull(i) || rs.IsNull(i) {
			bld.AppendNull()
			continue
		}
		sb.Reset()
		sb.WriteString(ls.Value(i))
		sb.WriteString(rs.Value(i))
		bld.Append(sb.String())
	}
	return bld.NewArray(), nil
}

func compileUnaryKernel(input expr.Expr, k func(memory.Allocator, arrow.Array) (arrow.Array, error)) (evaluator, error) {
	in, err := compile(input)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		a, err := evalArray(ctx, in, b)
		if err != nil {
			return nil, err
		}
		defer a.Release()
		res, err := k(memory.DefaultAllocator, a)
		if err != nil {
			return nil, err
		}
		return compute.NewDatumWithoutOwning(res), nil
	}, nil
}

// notKernel is SQL's NOT: true and false swap, NULL stays NULL.
func notKernel(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	in, ok := a.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("NOT: unexpected input %s", a.DataType())
	}
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(in.Len())
	for i := range in.Len() {
		if in.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(!in.Value(i))
	}
	return b.NewArray(), nil
}

// floatArithKernel is +, -, * and / of floats with PostgreSQL's checks: a
// finite computation that overflows to infinity, or a product or quotient
// of non-zero values that underflows to zero, is an error (22003), as is
// dividing by zero (22012).
func floatArithKernel(op expr.Op) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, out arrow.DataType) (arrow.Array, error) {
		get := func(a arrow.Array) func(int) float64 {
			if v, ok := a.(*array.Float32); ok {
				return func(i int) float64 { return float64(v.Value(i)) }
			}
			return a.(*array.Float64).Value
		}
		lv, rv := get(l), get(r)
		single := out.ID() == arrow.FLOAT32
		n := l.Len()
		vals := make([]float64, n)
		valid := make([]bool, n)
		for i := range n {
			if l.IsNull(i) || r.IsNull(i) {
				continue
			}
			x, y := lv(i), rv(i)
			var z float64
			switch op {
			case expr.Add:
				z = x + y
			case expr.Sub:
				z = x - y
			case expr.Mul:
				z = x * y
			case expr.Div:
				if y == 0 && !math.IsNaN(x) {
					return nil, pgerror.New(pgerror.DivisionByZero, "division by zero")
				}
				z = x / y
			}
			if single {
				z = float64(float32(z))
			}
			if math.IsInf(z, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
			}
			if z == 0 && ((op == expr.Mul && x != 0 && y != 0) || (op == expr.Div && x != 0 && !math.IsInf(y, 0))) {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: underflow")
			}
			vals[i], valid[i] = z, true
		}
		if single {
			b := array.NewFloat32Builder(mem)
			defer b.Release()
			f32 := make([]float32, n)
			for i, v := range vals {
				f32[i] = float32(v)
			}
			b.AppendValues(f32, valid)
			return b.NewArray(), nil
		}
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		return b.NewArray(), nil
	}
}

// arrayOrderKernel compares arrays as ORDER BY orders them (element by
// element, then by length), through one comparator over both sides.
func arrayOrderKernel(op expr.Op) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, _ arrow.DataType) (arrow.Array, error) {
		both, err := array.Concatenate([]arrow.Array{l, r}, mem)
		if err != nil {
			return nil, err
		}
		defer both.Release()
		cmp := newKeyComparator(both, SortKey{})
		if cmp == nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "comparing arrays of %s is not supported yet", l.DataType())
		}
		n := l.Len()
		return compareRows(mem, op, l, r, func(i int) (int, error) { return cmp(i, n+i), nil })
	}
}

// jsonbCompareKernel compares jsonb values as jsonb's operators do:
// numbers by value ('1' = '1.0'), containers by size first (jsonb.Compare).
func jsonbCompareKernel(op expr.Op) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, _ arrow.DataType) (arrow.Array, error) {
		left, right := jsonbValues(l), jsonbValues(r)
		return compareRows(mem, op, l, r, func(i int) (int, error) {
			a, err := left(i)
			if err != nil {
				return 0, err
			}
			b, err := right(i)
			if err != nil {
				return 0, err
			}
			return jsonb.CompareValues(a, b), nil
		})
	}
}

// jsonbValues reads a jsonb column's values parsed; a value repeated from
// the row before (a constant broadcast over the batch) is parsed once.
func jsonbValues(a arrow.Array) func(i int) (jsonb.Value, error) {
	s := a.(array.ExtensionArray).Storage().(*array.String)
	var lastText string
	var last jsonb.Value
	parsed := false
	return func(i int) (jsonb.Value, error) {
		text := s.Value(i)
		if parsed && text == lastText {
			return last, nil
		}
		v, err := jsonb.Parse(text)
		if err != nil {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json")
		}
		lastText, last, parsed = text, v, true
		return v, nil
	}
}

// boolCompareKernel orders booleans, false before true.
func boolCompareKernel(op expr.Op) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, _ arrow.DataType) (arrow.Array, error) {
		lb, rb := l.(*array.Boolean), r.(*array.Boolean)
		asInt := func(v bool) int {
			if v {
				return 1
			}
			return 0
		}
		return compareRows(mem, op, l, r, func(i int) (int, error) { return asInt(lb.Value(i)) - asInt(rb.Value(i)), nil })
	}
}

// compareRows applies op to cmp's comparison of each row of l and r that
// is not NULL on either side (NULL otherwise): the loop of the comparison
// kernels Arrow has none for.
func compareRows(mem memory.Allocator, op expr.Op, l, r arrow.Array, cmp func(i int) (int, error)) (arrow.Array, error) {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(l.Len())
	for i := range l.Len() {
		if l.IsNull(i) || r.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		c, err := cmp(i)
		if err != nil {
			return nil, err
		}
		b.UnsafeAppend(compareResult(op, c))
	}
	return b.NewArray(), nil
}

// floatCompareKernel compares floats in PostgreSQL's total order, where NaN
// equals NaN and sorts above every other value; IEEE comparison (Arrow's)
// would make every comparison with NaN false.
func floatCompareKernel(op expr.Op) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, _ arrow.DataType) (arrow.Array, error) {
		get := func(a arrow.Array) func(int) float64 {
			switch v := a.(type) {
			case *array.Float32:
				return func(i int) float64 { return float64(v.Value(i)) }
			case *array.Float64:
				return v.Value
			}
			return nil
		}
		lv, rv := get(l), get(r)
		if lv == nil || rv == nil {
			return nil, fmt.Errorf("float comparison of %s and %s", l.DataType(), r.DataType())
		}
		return compareRows(mem, op, l, r, func(i int) (int, error) { return floatCompare(lv(i), rv(i)), nil })
	}
}

func floatCompare(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// intervalCompareKernel compares intervals as PostgreSQL does: by their
// length with a month counted as 30 days, so '1 day' = '24 hours'.
func intervalCompareKernel(op expr.Op) kernel {
	return func(mem memory.Allocator, l, r arrow.Array, _ arrow.DataType) (arrow.Array, error) {
		la, ok1 := l.(*array.MonthDayNanoInterval)
		ra, ok2 := r.(*array.MonthDayNanoInterval)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("interval comparison of %s and %s", l.DataType(), r.DataType())
		}
		return compareRows(mem, op, l, r, func(i int) (int, error) { return intervalCompare(la.Value(i), ra.Value(i)), nil })
	}
}

func intervalCompare(a, b arrow.MonthDayNanoInterval) int {
	key := func(v arrow.MonthDayNanoInterval) (int64, int64) {
		const day = 86400 * int64(1e9)
		days := int64(v.Months)*30 + int64(v.Days) + v.Nanoseconds/day
		rem := v.Nanoseconds % day
		if rem < 0 {
			days, rem = days-1, rem+day
		}
		return days, rem
	}
	ad, ar := key(a)
	bd, br := key(b)
	switch {
	case ad != bd:
		return cmpInt(ad, bd)
	default:
		return cmpInt(ar, br)
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareResult(op expr.Op, c int) bool {
	switch op {
	case expr.Eq:
		return c == 0
	case expr.NotEq:
		return c != 0
	case expr.Lt:
		return c < 0
	case expr.LtEq:
		return c <= 0
	case expr.Gt:
		return c > 0
	}
	return c >= 0
}

// EvalConstant evaluates an expression that reads no column (constants
// and operators over them) to its value, for constant folding at plan
// time.
func EvalConstant(ctx context.Context, e expr.Expr) (scalar.Scalar, error) {
	ev, err := compile(e)
	if err != nil {
		return nil, err
	}
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	d, err := ev(ctx, one)
	if err != nil {
		return nil, err
	}
	defer d.Release()
	switch v := d.(type) {
	case *compute.ScalarDatum:
		return v.Value, nil
	case *compute.ArrayDatum:
		a := v.MakeArray()
		defer a.Release()
		return scalar.GetScalar(a, 0)
	}
	return nil, fmt.Errorf("constant: unexpected datum %s", d.Kind())
}

// sameExpr reports whether a and b are the same expression: the same text,
// type and columns (two columns may print alike: a."b.k" and "a.b".k).
func sameExpr(a, b expr.Expr) bool {
	if a.String() != b.String() || !arrow.TypeEqual(a.DataType(), b.DataType()) {
		return false
	}
	return slices.Equal(expr.Columns(a), expr.Columns(b))
}

// compileInList evaluates `x = c1 OR x = c2 OR ...` (what `x IN (c1, c2,
// ...)` binds to) with x a string or integer and at least three
// non-NULL constants as one pass of set lookups: x is computed once
// rather than once per constant (`substring(c_phone from 1 for 2) IN
// ('13', '31', ...)`). ok is false for any other disjunction.
func compileInList(n *expr.Binary) (ev evaluator, ok bool, err error) {
	disj := disjuncts(n)
	if len(disj) < 3 {
		return nil, false, nil
	}
	var x expr.Expr
	var consts []scalar.Scalar
	for _, d := range disj {
		eq, isEq := d.(*expr.Binary)
		if !isEq || eq.Op != expr.Eq {
			return nil, false, nil
		}
		lit, isLit := eq.Right.(*expr.Literal)
		if !isLit || !lit.Value.IsValid() {
			return nil, false, nil
		}
		if x == nil {
			x = eq.Left
			if CallsVolatile(x) { // random(): one value per disjunct
				return nil, false, nil
			}
		} else if !sameExpr(eq.Left, x) {
			return nil, false, nil
		}
		if !arrow.TypeEqual(lit.Value.DataType(), x.DataType()) {
			return nil, false, nil
		}
		consts = append(consts, lit.Value)
	}
	// member returns the membership test of a's values.
	var member func(a arrow.Array) func(i int) bool
	switch x.DataType().ID() {
	case arrow.STRING:
		set := make(map[string]struct{}, len(consts))
		for _, c := range consts {
			set[string(c.(*scalar.String).Data())] = struct{}{}
		}
		member = func(a arrow.Array) func(i int) bool {
			s := a.(*array.String)
			return func(i int) bool {
				_, ok := set[s.Value(i)]
				return ok
			}
		}
	case arrow.INT16, arrow.INT32, arrow.INT64:
		set := make(map[int64]struct{}, len(consts))
		for _, c := range consts {
			switch v := c.(type) {
			case *scalar.Int16:
				set[int64(v.Value)] = struct{}{}
			case *scalar.Int32:
				set[int64(v.Value)] = struct{}{}
			case *scalar.Int64:
				set[v.Value] = struct{}{}
			}
		}
		member = func(a arrow.Array) func(i int) bool {
			k, _ := intKey(a)
			return func(i int) bool {
				_, ok := set[k(i)]
				return ok
			}
		}
	default:
		return nil, false, nil
	}
	ev, err = compileUnaryKernel(x, func(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
		in := member(a)
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.Reserve(a.Len())
		for i := range a.Len() {
			if a.IsNull(i) {
				b.UnsafeAppendBoolToBitmap(false)
				continue
			}
			b.UnsafeAppend(in(i))
		}
		return b.NewArray(), nil
	})
	return ev, true, err
}

// disjuncts flattens a chain of ORs.
func disjuncts(e expr.Expr) []expr.Expr {
	if b, ok := e.(*expr.Binary); ok && b.Op == expr.Or {
		return append(disjuncts(b.Left), disjuncts(b.Right)...)
	}
	return []expr.Expr{e}
}

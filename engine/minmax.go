package engine

import (
	"cmp"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// minMaxAcc keeps the least or greatest value of each group.
type minMaxAcc[T any] struct {
	dt    arrow.DataType
	max   bool
	less  func(a, b T) bool
	get   func(a arrow.Array, r int) T
	vals  []T
	valid []bool
}

func (m *minMaxAcc[T]) grow(n int) {
	var zero T
	for len(m.vals) < n {
		m.vals = append(m.vals, zero)
		m.valid = append(m.valid, false)
	}
}

func (m *minMaxAcc[T]) update(ids []uint32, arg arrow.Array) error {
	for r, id := range ids {
		if arg.IsNull(r) {
			continue
		}
		m.fold(id, m.get(arg, r))
	}
	return nil
}

// fold keeps v for group id if it is the group's first value or beats it.
func (m *minMaxAcc[T]) fold(id uint32, v T) {
	switch {
	case !m.valid[id]:
		m.vals[id], m.valid[id] = v, true
	case m.max && m.less(m.vals[id], v), !m.max && m.less(v, m.vals[id]):
		m.vals[id] = v
	}
}

func (m *minMaxAcc[T]) merge(ids []uint32, from accumulator) error {
	f := from.(*minMaxAcc[T])
	for g, v := range f.vals {
		if f.valid[g] {
			m.fold(ids[g], v)
		}
	}
	return nil
}

func (m *minMaxAcc[T]) finish(mem memory.Allocator) (arrow.Array, error) {
	storage := m.dt
	ext, isExt := m.dt.(arrow.ExtensionType)
	if isExt {
		storage = ext.StorageType()
	}
	b := array.NewBuilder(mem, storage)
	defer b.Release()
	for i, v := range m.vals {
		if !m.valid[i] {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case appender[T]:
			bb.Append(v)
		case *array.BinaryBuilder:
			bb.Append([]byte(any(v).(string)))
		}
	}
	arr := b.NewArray()
	if isExt {
		defer arr.Release()
		return array.NewExtensionArrayWithStorage(ext, arr), nil
	}
	return arr, nil
}

func ordered[T cmp.Ordered](dt arrow.DataType, isMax bool) accumulator {
	return &minMaxAcc[T]{dt: dt, max: isMax, less: cmp.Less[T], get: func(a arrow.Array, r int) T {
		return a.(valueArray[T]).Value(r)
	}}
}

// floatLess orders NaN above every number, as PostgreSQL does.
func floatLess[T float32 | float64](a, b T) bool {
	an, bn := a != a, b != b
	if an || bn {
		return !an && bn
	}
	return a < b
}

func newMinMax(dt arrow.DataType, isMax bool) (accumulator, error) {
	switch dt.ID() {
	case arrow.INT8:
		return ordered[int8](dt, isMax), nil
	case arrow.INT16:
		return ordered[int16](dt, isMax), nil
	case arrow.INT32:
		return ordered[int32](dt, isMax), nil
	case arrow.INT64:
		return ordered[int64](dt, isMax), nil
	case arrow.UINT8:
		return ordered[uint8](dt, isMax), nil
	case arrow.UINT16:
		return ordered[uint16](dt, isMax), nil
	case arrow.UINT32:
		return ordered[uint32](dt, isMax), nil
	case arrow.UINT64:
		return ordered[uint64](dt, isMax), nil
	case arrow.FLOAT32:
		m := ordered[float32](dt, isMax).(*minMaxAcc[float32])
		m.less = floatLess[float32]
		return m, nil
	case arrow.FLOAT64:
		m := ordered[float64](dt, isMax).(*minMaxAcc[float64])
		m.less = floatLess[float64]
		return m, nil
	case arrow.DATE32:
		return ordered[arrow.Date32](dt, isMax), nil
	case arrow.TIMESTAMP:
		return ordered[arrow.Timestamp](dt, isMax), nil
	case arrow.TIME64:
		return ordered[arrow.Time64](dt, isMax), nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return &minMaxAcc[arrow.MonthDayNanoInterval]{dt: dt, max: isMax,
			less: func(a, b arrow.MonthDayNanoInterval) bool { return intervalCompare(a, b) < 0 },
			get:  func(a arrow.Array, r int) arrow.MonthDayNanoInterval { return a.(*array.MonthDayNanoInterval).Value(r) },
		}, nil
	case arrow.DECIMAL128:
		return &minMaxAcc[decimal128.Num]{dt: dt, max: isMax,
			less: func(a, b decimal128.Num) bool { return a.Less(b) },
			get:  func(a arrow.Array, r int) decimal128.Num { return a.(*array.Decimal128).Value(r) },
		}, nil
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return &minMaxAcc[string]{dt: dt, max: isMax, less: cmp.Less[string], get: bytesAt}, nil
	case arrow.EXTENSION:
		if _, ok := dt.(*pgtypes.NumericType); ok {
			return &minMaxAcc[string]{dt: dt, max: isMax, less: numericTextLess, get: bytesAt}, nil
		}
	}
	return nil, pgerror.New(pgerror.UndefinedFunction, "function min/max(%s) does not exist", pgTypeName(dt))
}

// numericTextLess compares two numeric values in canonical text form.
func numericTextLess(a, b string) bool {
	x, _ := new(big.Rat).SetString(a)
	y, _ := new(big.Rat).SetString(b)
	if x == nil || y == nil {
		return a < b
	}
	return x.Cmp(y) < 0
}

package parquet

import (
	"cmp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/riffq/riffq/sources"
)

// colStat is a column's statistics while the footers are read: bounds
// as int64, float64 or string, and the null count.
type colStat struct {
	lo, hi  any
	bounded bool  // every row group so far had min and max
	nulls   int64 // -1 once a row group lacks its null count
}

// fileStats reads the statistics of a file's top-level columns from its
// footer: per column, the min and max over the row groups (for integers,
// floats, dates and strings, which Parquet orders as PostgreSQL does) and
// the null count.
func fileStats(pf *file.Reader, m *pqarrow.SchemaManifest, schema *arrow.Schema) []colStat {
	md := pf.MetaData()
	out := make([]colStat, schema.NumFields())
	for f := range out {
		st := colStat{bounded: md.NumRowGroups() > 0 && statsType(schema.Field(f).Type)}
		sf := m.Fields[f]
		if !sf.IsLeaf() {
			st.bounded, st.nulls = false, -1
			out[f] = st
			continue
		}
		for rg := range md.NumRowGroups() {
			cc, err := md.RowGroup(rg).ColumnChunk(sf.ColIndex)
			var stats metadata.TypedStatistics
			if err == nil {
				if set, err := cc.StatsSet(); err == nil && set {
					stats, _ = cc.Statistics()
				}
			}
			if stats == nil {
				st.bounded, st.nulls = false, -1
				break
			}
			if st.nulls >= 0 && stats.HasNullCount() {
				st.nulls += stats.NullCount()
			} else {
				st.nulls = -1
			}
			if !st.bounded {
				continue
			}
			if md.RowGroup(rg).NumRows() == stats.NullCount() && stats.HasNullCount() {
				continue // all NULL: no bounds to add
			}
			lo, hi, ok := bounds(stats)
			if !ok {
				st.bounded = false
				continue
			}
			st.add(lo, hi)
		}
		out[f] = st
	}
	return out
}

// statsType reports whether columns of type dt get bounds.
func statsType(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DATE32, arrow.STRING:
		return true
	}
	return false
}

// bounds returns a row group's min and max as int64, float64 or string;
// ok is false unless the statistics hold both.
func bounds(stats metadata.TypedStatistics) (lo, hi any, ok bool) {
	if !stats.HasMinMax() {
		return nil, nil, false
	}
	switch s := stats.(type) {
	case *metadata.Int32Statistics:
		return int64(s.Min()), int64(s.Max()), true
	case *metadata.Int64Statistics:
		return s.Min(), s.Max(), true
	case *metadata.Float32Statistics:
		return float64(s.Min()), float64(s.Max()), true
	case *metadata.Float64Statistics:
		return s.Min(), s.Max(), true
	case *metadata.ByteArrayStatistics:
		// Writers leave out a bound longer than their limit (4 kB in
		// arrow-go and Arrow C++), HasMinMax holds with one of the two,
		// and a missing one reads as the empty string: a missing min is
		// still a true lower bound, but an empty max is taken as missing
		// (a row group of empty strings alone is not pruned).
		lo, hi := string(s.Min()), string(s.Max())
		if hi == "" || lo > hi {
			return nil, nil, false
		}
		return lo, hi, true
	}
	return nil, nil, false
}

// add widens the bounds to take [lo, hi] in.
func (c *colStat) add(lo, hi any) {
	if c.lo == nil {
		c.lo, c.hi = lo, hi
		return
	}
	c.lo, c.hi = pick(c.lo, lo, -1), pick(c.hi, hi, 1)
}

// merge takes in another file's statistics of the column.
func (c *colStat) merge(o colStat) {
	c.bounded = c.bounded && o.bounded
	if c.nulls >= 0 && o.nulls >= 0 {
		c.nulls += o.nulls
	} else {
		c.nulls = -1
	}
	if c.bounded && o.lo != nil {
		c.add(o.lo, o.hi)
	}
}

// pick returns the lower (dir -1) or higher (dir 1) of a and b, which have
// one type.
func pick(a, b any, dir int) any {
	var c int
	switch x := a.(type) {
	case int64:
		c = cmp.Compare(x, b.(int64))
	case float64:
		c = cmp.Compare(x, b.(float64))
	case string:
		c = cmp.Compare(x, b.(string))
	}
	if c*dir >= 0 {
		return a
	}
	return b
}

// column converts the statistics to the contract's form for a column of
// type dt.
func (c colStat) column(dt arrow.DataType) sources.ColumnStatistics {
	out := sources.ColumnStatistics{NullCount: c.nulls}
	if !c.bounded || c.lo == nil {
		return out
	}
	conv := func(v any) scalar.Scalar {
		switch dt.ID() {
		case arrow.INT8:
			return scalar.NewInt8Scalar(int8(v.(int64)))
		case arrow.INT16:
			return scalar.NewInt16Scalar(int16(v.(int64)))
		case arrow.INT32:
			return scalar.NewInt32Scalar(int32(v.(int64)))
		case arrow.INT64:
			return scalar.NewInt64Scalar(v.(int64))
		case arrow.DATE32:
			return scalar.NewDate32Scalar(arrow.Date32(v.(int64)))
		case arrow.FLOAT32:
			return scalar.NewFloat32Scalar(float32(v.(float64)))
		case arrow.FLOAT64:
			return scalar.NewFloat64Scalar(v.(float64))
		case arrow.STRING:
			return scalar.NewStringScalar(v.(string))
		}
		return nil
	}
	out.Min, out.Max = conv(c.lo), conv(c.hi)
	if out.Min == nil || out.Max == nil {
		out.Min, out.Max = nil, nil
	}
	return out
}

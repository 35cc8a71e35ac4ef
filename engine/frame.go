package engine

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/pgerror"
)

// FrameMode is how a window frame's bounds count: by rows, by the ordering
// value (RANGE) or by peer groups (GROUPS).
type FrameMode uint8

// Frame modes.
const (
	FrameRange FrameMode = iota
	FrameRows
	FrameGroups
)

// BoundKind is where a frame bound lies relative to the current row.
type BoundKind uint8

// Frame bound kinds.
const (
	UnboundedPreceding BoundKind = iota
	OffsetPreceding
	CurrentRow
	OffsetFollowing
	UnboundedFollowing
)

// FrameBound is one end of a frame. Offset, for the offset kinds, is a
// constant expression: a bigint for ROWS and GROUPS, a value of the
// ordering column's type (an interval for dates and timestamps) for RANGE.
type FrameBound struct {
	Kind   BoundKind
	Offset expr.Expr
}

// FrameExclusion removes rows around the current row from its frame.
type FrameExclusion uint8

// Frame exclusions.
const (
	ExcludeNoOthers FrameExclusion = iota
	ExcludeCurrentRow
	ExcludeGroup
	ExcludeTies
)

// WindowFrame is the set of rows of a partition an aggregate, first_value,
// last_value or nth_value sees for each row. The zero value is
// PostgreSQL's default: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW.
type WindowFrame struct {
	Mode       FrameMode
	Start, End FrameBound
	Exclude    FrameExclusion
}

// DefaultFrame is the frame of a window without a frame clause.
var DefaultFrame = WindowFrame{Mode: FrameRange, Start: FrameBound{Kind: UnboundedPreceding}, End: FrameBound{Kind: CurrentRow}}

func (f WindowFrame) String() string {
	bound := func(b FrameBound) string {
		switch b.Kind {
		case UnboundedPreceding:
			return "UNBOUNDED PRECEDING"
		case OffsetPreceding:
			return b.Offset.String() + " PRECEDING"
		case CurrentRow:
			return "CURRENT ROW"
		case OffsetFollowing:
			return b.Offset.String() + " FOLLOWING"
		}
		return "UNBOUNDED FOLLOWING"
	}
	s := [...]string{"RANGE", "ROWS", "GROUPS"}[f.Mode] + " BETWEEN " + bound(f.Start) + " AND " + bound(f.End)
	switch f.Exclude {
	case ExcludeCurrentRow:
		s += " EXCLUDE CURRENT ROW"
	case ExcludeGroup:
		s += " EXCLUDE GROUP"
	case ExcludeTies:
		s += " EXCLUDE TIES"
	}
	return s
}

// frameRows are the bounds of each row's frame: [start, end) before
// exclusion, and the rows excluded, [xstart, xend) (empty without
// exclusion). With EXCLUDE TIES the current row stays although it lies in
// the excluded range.
type frameRows struct {
	start, end   []int
	xstart, xend []int
	ties         bool
}

// each calls fn for the runs of rows in row i's frame, in order.
func (r *frameRows) each(i int, fn func(from, to int)) {
	s, e := r.start[i], r.end[i]
	xs, xe := r.xstart[i], r.xend[i]
	if xs >= xe {
		if s < e {
			fn(s, e)
		}
		return
	}
	if a := min(e, xs); s < a {
		fn(s, a)
	}
	if r.ties && i >= s && i < e {
		fn(i, i+1)
	}
	if a := max(s, xe); a < e {
		fn(a, e)
	}
}

// nth is the k-th (0-based) row of row i's frame, or -1.
func (r *frameRows) nth(i, k int) int {
	found := -1
	r.each(i, func(from, to int) {
		if found < 0 && k < to-from {
			found = from + k
		}
		if found < 0 {
			k -= to - from
		}
	})
	return found
}

// last is the last row of row i's frame, or -1.
func (r *frameRows) last(i int) int {
	found := -1
	r.each(i, func(_, to int) { found = to - 1 })
	return found
}

// frameRowsFor computes every row's frame. order is the window's ORDER BY
// (the RANGE offset search needs its only column).
func (w *Window) frameRowsFor(ctx context.Context, fr WindowFrame, all arrow.RecordBatch, f *frameInfo) (*frameRows, error) {
	n := int(all.NumRows())
	r := &frameRows{start: make([]int, n), end: make([]int, n), xstart: make([]int, n), xend: make([]int, n), ties: fr.Exclude == ExcludeTies}
	var search *rangeSearch
	var startOff, endOff int64
	var err error
	offsetBound := func(b FrameBound, which string) (int64, error) {
		// RANGE offsets are the range search's to evaluate.
		if b.Kind != OffsetPreceding && b.Kind != OffsetFollowing || fr.Mode == FrameRange {
			return 0, nil
		}
		v, err := frameOffset(ctx, b.Offset, which)
		if err != nil {
			return 0, err
		}
		i, ok := v.(*scalar.Int64)
		if !ok {
			return 0, fmt.Errorf("frame offset: unexpected %s", v.DataType())
		}
		if i.Value < 0 {
			return 0, pgerror.New("22013", "frame %s offset must not be negative", which)
		}
		return i.Value, nil
	}
	if startOff, err = offsetBound(fr.Start, "starting"); err != nil {
		return nil, err
	}
	if endOff, err = offsetBound(fr.End, "ending"); err != nil {
		return nil, err
	}
	if fr.Mode == FrameRange && (fr.Start.Offset != nil || fr.End.Offset != nil) {
		if len(w.Order) != 1 {
			return nil, pgerror.New("42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
		}
		if search, err = newRangeSearch(ctx, all.Column(w.Order[0].Column), w.Order[0].Desc, fr, f); err != nil {
			return nil, err
		}
	}
	// Peer groups, numbered from the start of the input, for GROUPS.
	var group []int   // each row's peer group
	var groupAt []int // each group's first row, then n
	if fr.Mode == FrameGroups {
		group = make([]int, n)
		for i := range n {
			if i > 0 && f.peerStart[i] == i {
				group[i] = group[i-1] + 1
			} else if i > 0 {
				group[i] = group[i-1]
			}
			if f.peerStart[i] == i {
				groupAt = append(groupAt, i)
			}
		}
		groupAt = append(groupAt, n)
	}
	// bound places one bound for row i: the first row of the frame for a
	// start bound, the row after the frame's last for an end bound.
	bound := func(b FrameBound, off int64, isEnd bool, i int) int {
		ps, pe := f.partStart[i], f.partEnd[i]
		switch b.Kind {
		case UnboundedPreceding:
			return ps
		case UnboundedFollowing:
			return pe
		case CurrentRow:
			switch {
			case fr.Mode == FrameRows && isEnd:
				return i + 1
			case fr.Mode == FrameRows:
				return i
			case isEnd:
				return f.peerEnd[i]
			}
			return f.peerStart[i]
		}
		preceding := b.Kind == OffsetPreceding
		switch fr.Mode {
		case FrameRows:
			pos := int64(i)
			if preceding {
				pos -= off
			} else {
				pos += off
			}
			if isEnd {
				pos++
			}
			return int(max(int64(ps), min(int64(pe), pos)))
		case FrameGroups:
			g := int64(group[i])
			if preceding {
				g -= off
			} else {
				g += off
			}
			if isEnd {
				g++
			}
			first, last := int64(group[ps]), int64(group[pe-1])
			switch {
			case g < first:
				return ps
			case g > last:
				return pe
			}
			return groupAt[g]
		}
		return search.bound(i, preceding, isEnd)
	}
	for i := range n {
		s, e := bound(fr.Start, startOff, false, i), bound(fr.End, endOff, true, i)
		r.start[i], r.end[i] = s, max(s, e)
		switch fr.Exclude {
		case ExcludeCurrentRow:
			r.xstart[i], r.xend[i] = i, i+1
		case ExcludeGroup, ExcludeTies:
			r.xstart[i], r.xend[i] = f.peerStart[i], f.peerEnd[i]
		}
	}
	return r, nil
}

// frameOffset evaluates a frame offset, which must not be NULL.
func frameOffset(ctx context.Context, e expr.Expr, which string) (scalar.Scalar, error) {
	v, err := EvalConstant(ctx, e)
	if err != nil {
		return nil, err
	}
	if !v.IsValid() {
		return nil, pgerror.New("22004", "frame %s offset must not be null", which)
	}
	return v, nil
}

// rangeSearch finds RANGE frame bounds with offsets by binary search over
// a partition's sorted ordering values.
type rangeSearch struct {
	col  arrow.Array
	desc bool
	f    *frameInfo
	// cmp compares row j's value with row i's value moved by the offset
	// (towards smaller values when sign < 0).
	cmp              func(j, i int, off scalar.Scalar, sign int) int
	startOff, endOff scalar.Scalar
}

func newRangeSearch(ctx context.Context, col arrow.Array, desc bool, fr WindowFrame, f *frameInfo) (*rangeSearch, error) {
	s := &rangeSearch{col: col, desc: desc, f: f}
	for _, b := range []struct {
		bound FrameBound
		which string
		dst   *scalar.Scalar
	}{{fr.Start, "starting", &s.startOff}, {fr.End, "ending", &s.endOff}} {
		if b.bound.Offset == nil {
			continue
		}
		v, err := frameOffset(ctx, b.bound.Offset, b.which)
		if err != nil {
			return nil, err
		}
		if negativeOffset(v) {
			return nil, pgerror.New("22013", "invalid preceding or following size in window function")
		}
		*b.dst = v
	}
	switch c := col.(type) {
	case *array.Int16, *array.Int32, *array.Int64:
		ints := argReader{[]arrow.Array{col}}
		s.cmp = func(j, i int, off scalar.Scalar, sign int) int {
			o := scalarInt(off)
			v := ints.int(0, i)
			// Saturate: a bound past the type's range holds every row.
			var target int64
			switch {
			case sign > 0 && v > math.MaxInt64-o:
				return -1
			case sign < 0 && v < math.MinInt64+o:
				return 1
			case sign > 0:
				target = v + o
			default:
				target = v - o
			}
			return cmpInt(ints.int(0, j), target)
		}
	case *array.Float32, *array.Float64:
		fl := func(i int) float64 {
			if a, ok := c.(*array.Float32); ok {
				return float64(a.Value(i))
			}
			return c.(*array.Float64).Value(i)
		}
		s.cmp = func(j, i int, off scalar.Scalar, sign int) int {
			return floatCompare(fl(j), fl(i)+float64(sign)*scalarFloat(off))
		}
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		s.cmp = func(j, i int, off scalar.Scalar, sign int) int {
			o, os := decimal128.FromI64(scalarInt(off)), int32(0)
			if d, ok := off.(*scalar.Decimal128); ok {
				o, os = d.Value, d.Type.(*arrow.Decimal128Type).Scale
			}
			sc := max(scale, os)
			v, _ := c.Value(i).Rescale(scale, sc)
			ov, _ := o.Rescale(os, sc)
			if sign < 0 {
				ov = ov.Negate()
			}
			x, _ := c.Value(j).Rescale(scale, sc)
			return x.Cmp(v.Add(ov))
		}
	case *array.Date32, *array.Timestamp:
		get, err := timeValues(col)
		if err != nil {
			return nil, err
		}
		s.cmp = func(j, i int, off scalar.Scalar, sign int) int {
			iv := off.(*scalar.MonthDayNanoInterval).Value
			t := addCalendar(get(i), sign*int(iv.Months), sign*int(iv.Days), time.UTC).Add(time.Duration(int64(sign) * iv.Nanoseconds))
			return get(j).Compare(t)
		}
	default:
		return nil, pgerror.New(pgerror.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", pgTypeName(col.DataType()))
	}
	return s, nil
}

// bound is row i's frame start (the first row in the frame) or end (the
// first row after it) for an offset bound. A row whose ordering value is
// NULL has its peers, the other NULLs, as the offset's range; other rows
// never reach the NULLs by an offset.
func (s *rangeSearch) bound(i int, preceding, isEnd bool) int {
	f := s.f
	if s.col.IsNull(i) {
		if isEnd {
			return f.peerEnd[i]
		}
		return f.peerStart[i]
	}
	// The partition's non-NULL rows are one run, NULLs sorting first or
	// last.
	lo, hi := f.partStart[i], f.partEnd[i]
	if s.col.IsNull(lo) {
		lo = f.peerEnd[lo]
	}
	if s.col.IsNull(hi - 1) {
		hi = f.peerStart[hi-1]
	}
	off := s.startOff
	if isEnd {
		off = s.endOff
	}
	dir := 1
	if s.desc {
		dir = -1
	}
	sign := dir
	if preceding {
		sign = -dir
	}
	return lo + sort.Search(hi-lo, func(k int) bool {
		c := dir * s.cmp(lo+k, i, off, sign)
		if isEnd {
			return c > 0
		}
		return c >= 0
	})
}

func negativeOffset(v scalar.Scalar) bool {
	switch o := v.(type) {
	case *scalar.Int16, *scalar.Int32, *scalar.Int64:
		return scalarInt(o) < 0
	case *scalar.Float32, *scalar.Float64:
		return scalarFloat(o) < 0
	case *scalar.Decimal128:
		return o.Value.Sign() < 0
	case *scalar.MonthDayNanoInterval:
		return o.Value.Months < 0 || o.Value.Days < 0 || o.Value.Nanoseconds < 0
	}
	return false
}

func scalarInt(v scalar.Scalar) int64 {
	switch o := v.(type) {
	case *scalar.Int16:
		return int64(o.Value)
	case *scalar.Int32:
		return int64(o.Value)
	case *scalar.Int64:
		return o.Value
	}
	return 0
}

func scalarFloat(v scalar.Scalar) float64 {
	switch o := v.(type) {
	case *scalar.Float32:
		return float64(o.Value)
	case *scalar.Float64:
		return o.Value
	}
	return float64(scalarInt(v))
}

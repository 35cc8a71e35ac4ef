package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
)

// Aggregate is a hash aggregate: one output row per distinct value of
// GroupBy (exactly one row when GroupBy is empty), with the group keys
// first and then one column per aggregate.
type Aggregate struct {
	Input   Plan
	GroupBy []expr.Expr
	Aggs    []*expr.Aggregate
	schema  *arrow.Schema
}

// NewAggregate returns an aggregate over input; names name the output
// columns, group keys first.
func NewAggregate(input Plan, groupBy []expr.Expr, aggs []*expr.Aggregate, names []string) *Aggregate {
	fields := make([]arrow.Field, 0, len(groupBy)+len(aggs))
	for i, g := range groupBy {
		fields = append(fields, arrow.Field{Name: names[i], Type: g.DataType(), Nullable: true})
	}
	for i, a := range aggs {
		fields = append(fields, arrow.Field{Name: names[len(groupBy)+i], Type: a.Type, Nullable: true})
	}
	return &Aggregate{Input: input, GroupBy: groupBy, Aggs: aggs, schema: arrow.NewSchema(fields, nil)}
}

func (a *Aggregate) Schema() *arrow.Schema { return a.schema }
func (a *Aggregate) Children() []Plan      { return []Plan{a.Input} }

func (a *Aggregate) String() string {
	g := make([]string, len(a.GroupBy))
	for i, e := range a.GroupBy {
		g[i] = e.String()
	}
	ag := make([]string, len(a.Aggs))
	for i, e := range a.Aggs {
		ag[i] = e.String()
	}
	return fmt.Sprintf("Aggregate: groupBy=[%s] aggs=[%s]", strings.Join(g, ", "), strings.Join(ag, ", "))
}

func (a *Aggregate) Execute(ctx context.Context) (array.RecordReader, error) {
	keyEvals := make([]evaluator, len(a.GroupBy))
	for i, g := range a.GroupBy {
		ev, err := compile(g)
		if err != nil {
			return nil, err
		}
		keyEvals[i] = ev
	}
	argEvals := make([]evaluator, len(a.Aggs))
	filters := make([]evaluator, len(a.Aggs))
	for i, ag := range a.Aggs {
		if ag.Arg != nil {
			ev, err := compile(filteredArg(ag))
			if len(ag.OrderBy) > 0 && !ag.Distinct {
				ev, err = orderedArg(ag)
			}
			if err != nil {
				return nil, err
			}
			argEvals[i] = ev
		}
		if ag.Filter != nil {
			var err error
			if filters[i], err = compile(ag.Filter); err != nil {
				return nil, err
			}
		}
	}
	// The filters and projections feeding the aggregate run on its
	// workers (see consume).
	source, stages, err := splitPipeline(a.Input)
	if err != nil {
		return nil, err
	}
	in, err := source.Execute(ctx)
	if err != nil {
		return nil, err
	}
	ev := aggEvaluators{keys: keyEvals, args: argEvals, filters: filters}
	// The groups that found no room in memory wait in partitions, each
	// aggregated in turn once the groups before it have gone out.
	var pending []aggPartition
	first := true
	cleanup := func() {
		in.Release()
		for _, p := range pending {
			p.file.close()
		}
	}
	return batchio.NewReader(a.schema, func() (arrow.RecordBatch, error) {
		if first {
			first = false
			out, parts, err := a.aggregate(ctx, in, stages, ev, 0)
			pending = append(pending, parts...)
			return out, err
		}
		for len(pending) > 0 {
			p := pending[0]
			pending = pending[1:]
			out, parts, err := a.aggregatePartition(ctx, p, ev)
			pending = append(parts, pending...)
			if err != nil || out.NumRows() > 0 {
				return out, err
			}
			out.Release()
		}
		return nil, nil
	}, cleanup), nil
}

// filteredArg is what an aggregate's argument is evaluated as. With a
// FILTER, an argument that computes something is evaluated only on the
// rows the filter keeps, as in PostgreSQL: sum(1 / x) FILTER (WHERE x <> 0)
// never divides by zero. The filter still decides which rows count.
func filteredArg(ag *expr.Aggregate) expr.Expr {
	switch ag.Arg.(type) {
	case *expr.Column, *expr.Literal:
		return ag.Arg
	}
	if ag.Filter == nil {
		return ag.Arg
	}
	return &expr.Case{Whens: []expr.When{{Cond: ag.Filter, Result: ag.Arg}}, Type: ag.Arg.DataType()}
}

// aggEvaluators are an aggregate's compiled expressions, shared by its
// passes over the input and over spilled partitions.
type aggEvaluators struct {
	keys, args, filters []evaluator
}

// aggState is a hash table of groups with the aggregates' states: the
// whole aggregate's, or one worker's part of it (aggpartial.go).
type aggState struct {
	h         *hashTable
	accs      []accumulator
	distincts []*distinctSet
}

func (a *Aggregate) newAggState(loc *time.Location) (*aggState, error) {
	keys := make([]keyColumn, len(a.GroupBy))
	for i, g := range a.GroupBy {
		var err error
		if keys[i], err = newKeyColumn(g.DataType()); err != nil {
			return nil, err
		}
	}
	s := &aggState{
		h:         &hashTable{groups: make(map[string]uint32), keys: keys},
		accs:      make([]accumulator, len(a.Aggs)),
		distincts: make([]*distinctSet, len(a.Aggs)),
	}
	if len(keys) == 0 {
		s.h.ngroups = 1 // a global aggregate has one group even without rows
	}
	for i, ag := range a.Aggs {
		acc, err := newAccumulator(ag, loc)
		if err != nil {
			return nil, err
		}
		if len(ag.OrderBy) > 0 {
			acc = newSortedAcc(acc, ag)
		}
		s.accs[i] = acc
		if ag.Distinct {
			kc, err := newKeyColumn(ag.Arg.DataType())
			if err != nil {
				return nil, err
			}
			s.distincts[i] = &distinctSet{key: kc, seen: make(map[string]struct{})}
			switch ag.Func {
			case expr.ArrayAgg, expr.JSONAgg, expr.JSONBAgg:
				s.distincts[i].nulls = make(map[uint32]bool)
			}
		}
	}
	return s, nil
}

// spills reports whether the aggregate writes the rows of groups it has
// no room for to disk rather than failing with 53200: it has groups, its
// query a memory limit, and its input a schema spill files hold.
func (a *Aggregate) spills(ctx context.Context) bool {
	return len(a.GroupBy) > 0 && canSpill(ctx) && spillable(a.Input.Schema())
}

// groupBytes is what a new group costs: its key in the hash table and the
// key column, and a state per aggregate, about 64 + 16 a state.
func (a *Aggregate) groupBytes() int64 {
	return int64(64 + 16*len(a.Aggs))
}

// update folds rows of b, whose groups are ids, into the aggregates.
func (s *aggState) update(ctx context.Context, b arrow.RecordBatch, ids []uint32, args []arrow.Array, filters []evaluator) error {
	for i, acc := range s.accs {
		arg := args[i]
		rowIDs := ids
		if filters[i] != nil || s.distincts[i] != nil {
			var err error
			if rowIDs, arg, err = selectAggRows(ctx, b, ids, arg, filters[i], s.distincts[i]); err != nil {
				return err
			}
			if arg != nil {
				defer arg.Release()
			}
		}
		acc.grow(s.h.ngroups)
		if err := acc.update(rowIDs, arg); err != nil {
			return err
		}
	}
	return nil
}

// finish builds the output batch: the keys, then each aggregate.
func (s *aggState) finish(schema *arrow.Schema) (arrow.RecordBatch, error) {
	mem := memory.DefaultAllocator
	cols := make([]arrow.Array, 0, len(s.h.keys)+len(s.accs))
	for _, k := range s.h.keys {
		cols = append(cols, k.build(mem))
	}
	for _, acc := range s.accs {
		acc.grow(s.h.ngroups)
		col, err := acc.finish(mem)
		if err != nil {
			releaseAll(cols)
			return nil, err
		}
		cols = append(cols, col)
	}
	out := array.NewRecordBatch(schema, cols, int64(s.h.ngroups))
	releaseAll(cols)
	return out, nil
}

// aggregate folds in (after stages) into groups and returns them as one
// batch. Beyond the query's memory limit, rows of groups not yet in
// memory go to partitions on disk (aggspill.go), which it returns.
func (a *Aggregate) aggregate(ctx context.Context, in array.RecordReader, stages []stage, ev aggEvaluators, level int) (arrow.RecordBatch, []aggPartition, error) {
	st, err := a.newAggState(sessionLocation(ctx))
	if err != nil {
		return nil, nil, err
	}
	groupBytes := a.groupBytes()
	var (
		held  int64 // bytes reserved for the groups
		spill *aggSpill
	)
	defer func() { release(ctx, held) }()
	update := func(b arrow.RecordBatch, ids []uint32, args []arrow.Array) error {
		return st.update(ctx, b, ids, args, ev.filters)
	}
	// add folds one batch's evaluated keys and arguments into the groups,
	// in input order.
	add := func(in aggInput) error {
		b := in.b
		if spill != nil {
			return spill.add(ctx, b, in.keys, in.args, update)
		}
		before := st.h.ngroups
		ids := st.h.groupIDsOf(in.keys, int(b.NumRows()))
		n := int64(st.h.ngroups-before) * groupBytes
		if err := reserve(ctx, n); err != nil {
			if !a.spills(ctx) {
				return err
			}
			// The groups are full: this batch's new ones stay, and from
			// the next batch on, rows of other groups spill.
			release(ctx, n)
			if spill, err = newAggSpill(a.Input.Schema(), st.h, level, err); err != nil {
				return err
			}
		} else {
			held += n
		}
		return update(b, ids, in.args)
	}
	done := false
	if a.partial() {
		// Workers fold parts of the input into groups of their own; what
		// is left when memory runs short goes through add, which spills.
		var left []aggInput
		if left, done, err = a.aggregatePartial(ctx, in, stages, ev, st, &held); err != nil {
			return nil, nil, err
		}
		for _, in := range left {
			if err == nil {
				err = add(in)
			}
			in.release()
		}
	}
	if !done && err == nil {
		err = a.consume(ctx, in, stages, ev.keys, ev.args, add)
	}
	var parts []aggPartition
	if spill != nil {
		parts, err = spill.finish(err)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := in.Err(); err != nil {
		return nil, nil, err
	}
	out, err := st.finish(a.schema)
	if err != nil {
		for _, p := range parts {
			p.file.close()
		}
		return nil, nil, err
	}
	return out, parts, nil
}

// accumulator computes one aggregate for every group.
type accumulator interface {
	// grow makes room for n groups.
	grow(n int)
	// update adds each row of arg (nil for count(*)) to group ids[row].
	update(ids []uint32, arg arrow.Array) error
	finish(mem memory.Allocator) (arrow.Array, error)
}

// loc is the session's time zone, which json_agg prints timestamptz
// values in.
func newAccumulator(a *expr.Aggregate, loc *time.Location) (accumulator, error) {
	if a.Func == expr.CountStar {
		return &countAcc{star: true}, nil
	}
	in := a.Arg.DataType()
	switch a.Func {
	case expr.Count:
		return &countAcc{}, nil
	case expr.Sum, expr.Avg:
		switch in.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
			return &intSumAcc{avg: a.Func == expr.Avg, out: a.Type}, nil
		case arrow.DECIMAL128:
			return &intSumAcc{avg: a.Func == expr.Avg, out: a.Type, scale: in.(*arrow.Decimal128Type).Scale}, nil
		case arrow.FLOAT32, arrow.FLOAT64:
			return &floatSumAcc{avg: a.Func == expr.Avg, out: a.Type}, nil
		case arrow.INTERVAL_MONTH_DAY_NANO:
			return &intervalSumAcc{avg: a.Func == expr.Avg}, nil
		case arrow.EXTENSION:
			if _, ok := in.(*pgtypes.NumericType); ok {
				return &numericSumAcc{avg: a.Func == expr.Avg}, nil
			}
		}
	case expr.Min, expr.Max:
		return newMinMax(in, a.Func == expr.Max)
	case expr.BoolAnd, expr.BoolOr:
		return &boolAcc{and: a.Func == expr.BoolAnd}, nil
	case expr.StddevSamp, expr.StddevPop, expr.VarSamp, expr.VarPop:
		if in.ID() == arrow.FLOAT32 || in.ID() == arrow.FLOAT64 {
			return &varianceAcc{fn: a.Func}, nil
		}
		return &numericVarianceAcc{fn: a.Func}, nil
	case expr.ArrayAgg:
		return &arrayAggAcc{groupRows{elem: in}}, nil
	case expr.PercentileCont, expr.PercentileDisc, expr.Mode:
		return newOrderedSetAcc(a)
	case expr.JSONAgg, expr.JSONBAgg:
		return &jsonAggAcc{out: a.Type, jsonb: a.Func == expr.JSONBAgg, loc: loc}, nil
	case expr.JSONObjectAgg, expr.JSONBObjectAgg:
		return &jsonObjectAggAcc{out: a.Type, jsonb: a.Func == expr.JSONBObjectAgg, loc: loc}, nil
	case expr.BitAnd, expr.BitOr, expr.BitXor:
		return &bitAcc{fn: a.Func, out: a.Type}, nil
	case expr.Corr, expr.CovarPop, expr.CovarSamp, expr.RegrAvgX, expr.RegrAvgY, expr.RegrCount, expr.RegrIntercept,
		expr.RegrR2, expr.RegrSlope, expr.RegrSxx, expr.RegrSxy, expr.RegrSyy:
		return &regrAcc{fn: a.Func}, nil
	case expr.StringAgg:
		if a.Delimiter == nil {
			return &stringAggAcc{perRow: true}, nil // the argument is (value, delimiter)
		}
		lit, ok := a.Delimiter.(*expr.Literal)
		if !ok {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "string_agg needs a constant delimiter")
		}
		delim := ""
		if lit.Value.IsValid() {
			delim = lit.Value.String()
		}
		return &stringAggAcc{delim: delim}, nil
	}
	return nil, pgerror.New(pgerror.UndefinedFunction, "function %s(%s) does not exist", a.Func, pgTypeName(in))
}

type countAcc struct {
	star   bool
	counts []int64
}

func (c *countAcc) grow(n int) {
	for len(c.counts) < n {
		c.counts = append(c.counts, 0)
	}
}

func (c *countAcc) update(ids []uint32, arg arrow.Array) error {
	if c.star || arg.NullN() == 0 {
		for _, id := range ids {
			c.counts[id]++
		}
		return nil
	}
	for r, id := range ids {
		if arg.IsValid(r) {
			c.counts[id]++
		}
	}
	return nil
}

func (c *countAcc) merge(ids []uint32, from accumulator) error {
	for g, n := range from.(*countAcc).counts {
		c.counts[ids[g]] += n
	}
	return nil
}

func (c *countAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(c.counts, nil)
	return b.NewArray(), nil
}

// intSumAcc sums integers or decimals exactly in 128 bits, for sum and avg.
// A group whose sum leaves 128 bits (decimals near 38 digits) carries what
// left in big: its sum is then big's plus sums'.
type intSumAcc struct {
	avg    bool
	out    arrow.DataType
	scale  int32 // of decimal input
	sums   []decimal128.Num
	counts []int64
	big    map[uint32]*big.Int
}

// add adds v to group id's sum.
func (s *intSumAcc) add(id uint32, v decimal128.Num) {
	sum := s.sums[id]
	t := sum.Add(v)
	if (sum.HighBits()^t.HighBits())&(v.HighBits()^t.HighBits()) < 0 { // wrapped
		if s.big == nil {
			s.big = make(map[uint32]*big.Int)
		}
		b, ok := s.big[id]
		if !ok {
			b = new(big.Int)
			s.big[id] = b
		}
		b.Add(b, sum.BigInt()).Add(b, v.BigInt())
		t = decimal128.Num{}
	}
	s.sums[id] = t
}

// total is group i's sum, false when it does not fit in 128 bits.
func (s *intSumAcc) total(i int) (decimal128.Num, *big.Int, bool) {
	b, ok := s.big[uint32(i)]
	if !ok {
		return s.sums[i], nil, true
	}
	t := new(big.Int).Add(b, s.sums[i].BigInt())
	if t.BitLen() > 127 {
		return decimal128.Num{}, t, false
	}
	return decimal128.FromBigInt(t), t, true
}

func (s *intSumAcc) grow(n int) {
	for len(s.sums) < n {
		s.sums = append(s.sums, decimal128.Num{})
		s.counts = append(s.counts, 0)
	}
}

func (s *intSumAcc) update(ids []uint32, arg arrow.Array) error {
	// The type is switched on once, and a column without NULLs is summed
	// in a loop of its own: sum(price * (1 - discount)) over millions of
	// rows spends its time here.
	switch a := arg.(type) {
	case *array.Decimal128:
		vals := a.Values()
		nulls := a.NullN() > 0
		for r, id := range ids {
			if nulls && a.IsNull(r) {
				continue
			}
			// add, inlined by hand for the common case.
			sum, v := s.sums[id], vals[r]
			t := sum.Add(v)
			if (sum.HighBits()^t.HighBits())&(v.HighBits()^t.HighBits()) < 0 {
				s.add(id, v)
			} else {
				s.sums[id] = t
			}
			s.counts[id]++
		}
		return nil
	case *array.Int8:
		sumInts(s, ids, a, a.Int8Values())
	case *array.Int16:
		sumInts(s, ids, a, a.Int16Values())
	case *array.Int32:
		sumInts(s, ids, a, a.Int32Values())
	case *array.Int64:
		sumInts(s, ids, a, a.Int64Values())
	case *array.Uint8:
		sumInts(s, ids, a, a.Uint8Values())
	case *array.Uint16:
		sumInts(s, ids, a, a.Uint16Values())
	case *array.Uint32:
		sumInts(s, ids, a, a.Uint32Values())
	default:
		return fmt.Errorf("sum: unexpected input %T", arg)
	}
	return nil
}

// sumInts adds integer values (of up to 32 bits unsigned or 64 signed,
// which int64 holds) to their groups' sums.
func sumInts[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32](s *intSumAcc, ids []uint32, a arrow.Array, vals []T) {
	nulls := a.NullN() > 0
	for r, id := range ids {
		if nulls && a.IsNull(r) {
			continue
		}
		s.sums[id] = s.sums[id].Add(decimal128.FromI64(int64(vals[r])))
		s.counts[id]++
	}
}

func (s *intSumAcc) merge(ids []uint32, from accumulator) error {
	f := from.(*intSumAcc)
	for g, sum := range f.sums {
		id := ids[g]
		s.add(id, sum)
		if b, ok := f.big[uint32(g)]; ok {
			if s.big == nil {
				s.big = make(map[uint32]*big.Int)
			}
			if t, ok := s.big[id]; ok {
				t.Add(t, b)
			} else {
				s.big[id] = new(big.Int).Set(b)
			}
		}
		s.counts[id] += f.counts[g]
	}
	return nil
}

func (s *intSumAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	if s.avg {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for i := range s.sums {
			if s.counts[i] == 0 {
				b.AppendNull()
				continue
			}
			sum, exact, _ := s.total(i)
			if exact == nil {
				exact = sum.BigInt()
			}
			b.Append(numericDiv(exact, s.scale, big.NewInt(s.counts[i])))
		}
		storage := b.NewArray()
		defer storage.Release()
		return array.NewExtensionArrayWithStorage(pgtypes.Numeric(), storage), nil
	}
	b := array.NewBuilder(mem, s.out)
	defer b.Release()
	for i := range s.sums {
		if s.counts[i] == 0 {
			b.AppendNull()
			continue
		}
		sum, _, ok := s.total(i)
		if !ok {
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("The sum has more digits than riffq's 38-digit numeric results hold.")
		}
		switch bb := b.(type) {
		case *array.Int64Builder:
			if sum.Greater(decimal128.FromI64(math.MaxInt64)) || sum.Less(decimal128.FromI64(math.MinInt64)) {
				return nil, pgerror.New(pgerror.NumericValueOutOfRange, "bigint out of range")
			}
			bb.Append(int64(sum.LowBits()))
		case *array.Decimal128Builder:
			bb.Append(sum)
		default:
			return nil, fmt.Errorf("sum: unexpected output type %s", s.out)
		}
	}
	return b.NewArray(), nil
}

// floatSumAcc sums floating-point values, for sum and avg.
type floatSumAcc struct {
	avg    bool
	out    arrow.DataType
	sums   []float64
	sums32 []float32 // sum(real) adds in single precision, as PostgreSQL does
	counts []int64
	// special marks the groups with an infinite or NaN input: only they
	// may sum to infinity; others that do overflowed (22003).
	special []bool
	// squares is the sum of squared deviations (Youngs-Cramer) for avg:
	// PostgreSQL's avg shares the variance's transition, which fails
	// when it overflows (overflowed).
	squares    []float64
	overflowed bool
}

func (s *floatSumAcc) grow(n int) {
	for len(s.sums) < n {
		s.squares = append(s.squares, 0)
		s.sums = append(s.sums, 0)
		s.sums32 = append(s.sums32, 0)
		s.counts = append(s.counts, 0)
		s.special = append(s.special, false)
	}
}

func (s *floatSumAcc) update(ids []uint32, arg arrow.Array) error {
	switch a := arg.(type) {
	case *array.Float64:
		for r, id := range ids {
			if a.IsValid(r) {
				v := a.Value(r)
				s.sums[id] += v
				s.counts[id]++
				s.addSquare(id, v)
				if math.IsInf(v, 0) || math.IsNaN(v) {
					s.special[id] = true
				}
			}
		}
	case *array.Float32:
		for r, id := range ids {
			if a.IsValid(r) {
				s.sums[id] += float64(a.Value(r))
				s.sums32[id] += a.Value(r)
				s.counts[id]++
				s.addSquare(id, float64(a.Value(r)))
				if v := float64(a.Value(r)); math.IsInf(v, 0) || math.IsNaN(v) {
					s.special[id] = true
				}
			}
		}
	default:
		return fmt.Errorf("sum: unexpected input %T", arg)
	}
	return nil
}

// addSquare adds v's deviation to group id's squares, v being already in
// its sum and count, as float8_accum does.
func (s *floatSumAcc) addSquare(id uint32, v float64) {
	if !s.avg {
		return
	}
	if n := float64(s.counts[id]); n > 1 {
		d := v*n - s.sums[id]
		old := s.squares[id]
		s.squares[id] += d * d / (n * (n - 1))
		if math.IsInf(s.squares[id], 0) && !math.IsInf(old, 0) && !math.IsInf(v, 0) && !math.IsNaN(v) && !math.IsNaN(s.sums[id]) {
			// A finite value overflowed the squares: PostgreSQL's
			// float8_accum fails here, whatever comes after.
			s.overflowed = true
		}
	}
}

func (s *floatSumAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewBuilder(mem, s.out)
	defer b.Release()
	if s.overflowed {
		return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
	}
	for i := range s.sums {
		if !s.special[i] && (math.IsInf(s.sums[i], 0) || (s.out.ID() == arrow.FLOAT32 && math.IsInf(float64(s.sums32[i]), 0)) ||
			s.avg && math.IsInf(s.squares[i], 0)) {
			return nil, pgerror.New(pgerror.NumericValueOutOfRange, "value out of range: overflow")
		}
		switch bb := b.(type) {
		case *array.Float32Builder:
			if s.counts[i] == 0 {
				bb.AppendNull()
			} else {
				bb.Append(s.sums32[i])
			}
		case *array.Float64Builder:
			switch {
			case s.counts[i] == 0:
				bb.AppendNull()
			case s.avg:
				bb.Append(s.sums[i] / float64(s.counts[i]))
			default:
				bb.Append(s.sums[i])
			}
		default:
			return nil, fmt.Errorf("sum: unexpected output type %s", s.out)
		}
	}
	return b.NewArray(), nil
}

// intervalSumAcc is sum and avg of intervals: months, days and time add
// up apart, as PostgreSQL's interval_pl does; avg divides the sum as
// interval / float8 does.
type intervalSumAcc struct {
	avg    bool
	sums   []arrow.MonthDayNanoInterval
	counts []int64
}

func (s *intervalSumAcc) grow(n int) {
	for len(s.sums) < n {
		s.sums = append(s.sums, arrow.MonthDayNanoInterval{})
		s.counts = append(s.counts, 0)
	}
}

func (s *intervalSumAcc) update(ids []uint32, arg arrow.Array) error {
	a, ok := arg.(*array.MonthDayNanoInterval)
	if !ok {
		return fmt.Errorf("sum: unexpected input %T", arg)
	}
	for r, id := range ids {
		if a.IsNull(r) {
			continue
		}
		sum, err := addInterval(s.sums[id], a.Value(r))
		if err != nil {
			return err
		}
		s.sums[id] = sum
		s.counts[id]++
	}
	return nil
}

func (s *intervalSumAcc) merge(ids []uint32, from accumulator) error {
	f := from.(*intervalSumAcc)
	for g, v := range f.sums {
		if f.counts[g] == 0 {
			continue
		}
		sum, err := addInterval(s.sums[ids[g]], v)
		if err != nil {
			return err
		}
		s.sums[ids[g]] = sum
		s.counts[ids[g]] += f.counts[g]
	}
	return nil
}

// addInterval adds intervals field by field, as interval_pl does.
func addInterval(a, b arrow.MonthDayNanoInterval) (arrow.MonthDayNanoInterval, error) {
	months, days := int64(a.Months)+int64(b.Months), int64(a.Days)+int64(b.Days)
	nanos, overflow := addInt64(a.Nanoseconds, b.Nanoseconds)
	if overflow || months != int64(int32(months)) || days != int64(int32(days)) {
		return arrow.MonthDayNanoInterval{}, pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	}
	return arrow.MonthDayNanoInterval{Months: int32(months), Days: int32(days), Nanoseconds: nanos}, nil
}

func (s *intervalSumAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewMonthDayNanoIntervalBuilder(mem)
	defer b.Release()
	for i, v := range s.sums {
		switch {
		case s.counts[i] == 0:
			b.AppendNull()
		case s.avg:
			avg, err := scaleInterval(v, float64(s.counts[i]), true)
			if err != nil {
				return nil, err
			}
			b.Append(avg)
		default:
			b.Append(v)
		}
	}
	return b.NewArray(), nil
}

// numericDiv divides num/10^scale by den as PostgreSQL's numeric_div does:
// the result scale comes from select_div_scale (at least 16 significant
// digits) and the last digit is rounded half away from zero.
func numericDiv(num *big.Int, scale int32, den *big.Int) string {
	w1, f1 := nbaseLead(num, int(scale))
	w2, f2 := nbaseLead(den, 0)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := 16 - qweight*4
	rscale = max(rscale, int(scale), 0)
	rscale = min(rscale, 1000)
	// q = num * 10^rscale / (den * 10^scale), rounded.
	n := new(big.Int).Mul(num, pow10(rscale))
	d := new(big.Int).Mul(den, pow10(int(scale)))
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(new(big.Int).Abs(d)) >= 0 {
		if (n.Sign() < 0) != (d.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return formatScaled(q, rscale)
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// nbaseLead returns the weight and value of the first non-zero base-10000
// digit of v/10^scale, as PostgreSQL's numeric stores it (0, 0 for zero).
func nbaseLead(v *big.Int, scale int) (weight, first int) {
	digits := new(big.Int).Abs(v).String()
	if digits == "0" {
		return 0, 0
	}
	// Pad so the decimal point falls on a 4-digit group boundary, both sides.
	intLen := len(digits) - scale
	padLeft := 0
	if intLen <= 0 {
		padLeft = -intLen
		intLen = 0
	}
	digits = strings.Repeat("0", padLeft) + digits
	lead := (4 - intLen%4) % 4
	digits = strings.Repeat("0", lead) + digits
	intGroups := (intLen + lead) / 4
	for g := 0; g*4 < len(digits); g++ {
		end := min(g*4+4, len(digits))
		grp := digits[g*4 : end]
		grp += strings.Repeat("0", 4-len(grp))
		val := 0
		for _, c := range grp {
			val = val*10 + int(c-'0')
		}
		if val != 0 {
			return intGroups - 1 - g, val
		}
	}
	return 0, 0
}

// formatScaled prints v/10^scale with exactly scale fractional digits.
func formatScaled(v *big.Int, scale int) string {
	neg := v.Sign() < 0
	s := new(big.Int).Abs(v).String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// distinctSet remembers the (group, value) pairs an aggregate with
// DISTINCT has seen.
type distinctSet struct {
	key  keyColumn
	seen map[string]struct{}
	buf  []byte
	// nulls, for the aggregates that collect NULLs (array_agg, json_agg),
	// holds the groups whose NULL was kept: NULL is one distinct value
	// there; the others skip NULLs anyway.
	nulls map[uint32]bool
}

// selectAggRows keeps the rows an aggregate with FILTER or DISTINCT
// should see: those passing the filter, and for DISTINCT only the first
// occurrence of each value in each group (NULL only where the aggregate
// collects NULLs). It returns their group
// ids and argument values.
func selectAggRows(ctx context.Context, b arrow.RecordBatch, ids []uint32, arg arrow.Array, filter evaluator, ds *distinctSet) ([]uint32, arrow.Array, error) {
	keep := make([]bool, len(ids))
	for i := range keep {
		keep[i] = true
	}
	if filter != nil {
		d, err := filter(ctx, b)
		if err != nil {
			return nil, nil, err
		}
		mask, err := evalMask(d, len(ids))
		d.Release()
		if err != nil {
			return nil, nil, err
		}
		keep = mask
	}
	if ds != nil {
		for r := range ids {
			if !keep[r] {
				continue
			}
			if arg.IsNull(r) {
				keep[r] = ds.nulls != nil && !ds.nulls[ids[r]]
				if keep[r] {
					ds.nulls[ids[r]] = true
				}
				continue
			}
			ds.buf = binary.LittleEndian.AppendUint32(ds.buf[:0], ids[r])
			ds.buf = ds.key.encode(ds.buf, arg, r)
			if _, dup := ds.seen[string(ds.buf)]; dup {
				keep[r] = false
				continue
			}
			ds.seen[string(ds.buf)] = struct{}{}
		}
	}
	var rows []int32
	var sel []uint32
	for r, k := range keep {
		if k {
			rows = append(rows, int32(r))
			sel = append(sel, ids[r])
		}
	}
	if arg == nil {
		return sel, nil, nil
	}
	idx := take.Indices(memory.DefaultAllocator, rows)
	defer idx.Release()
	out, err := take.Array(ctx, arg, idx)
	arg.Release()
	if err != nil {
		return nil, nil, err
	}
	return sel, out, nil
}

// boolAcc computes bool_and and bool_or.
type boolAcc struct {
	and        bool
	vals, seen []bool
}

func (a *boolAcc) grow(n int) {
	for len(a.vals) < n {
		a.vals = append(a.vals, a.and)
		a.seen = append(a.seen, false)
	}
}

func (a *boolAcc) update(ids []uint32, arg arrow.Array) error {
	bs, ok := arg.(*array.Boolean)
	if !ok {
		return fmt.Errorf("bool aggregate of %s", arg.DataType())
	}
	for r, id := range ids {
		if bs.IsNull(r) {
			continue
		}
		a.seen[id] = true
		if a.and {
			a.vals[id] = a.vals[id] && bs.Value(r)
		} else {
			a.vals[id] = a.vals[id] || bs.Value(r)
		}
	}
	return nil
}

func (a *boolAcc) merge(ids []uint32, from accumulator) error {
	f := from.(*boolAcc)
	for g, v := range f.vals {
		if !f.seen[g] {
			continue
		}
		id := ids[g]
		a.seen[id] = true
		if a.and {
			a.vals[id] = a.vals[id] && v
		} else {
			a.vals[id] = a.vals[id] || v
		}
	}
	return nil
}

func (a *boolAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.AppendValues(a.vals, a.seen)
	return b.NewArray(), nil
}

// stringAggAcc concatenates non-NULL strings with a delimiter, in input
// order.
type stringAggAcc struct {
	delim string
	// perRow: the argument is a (value, delimiter) row, each value
	// preceded by its own delimiter (planner: a delimiter not constant).
	perRow bool
	vals   [][]byte
	seen   []bool
}

func (a *stringAggAcc) grow(n int) {
	for len(a.vals) < n {
		a.vals = append(a.vals, nil)
		a.seen = append(a.seen, false)
	}
}

func (a *stringAggAcc) update(ids []uint32, arg arrow.Array) error {
	var delims *array.String
	if a.perRow {
		row, ok := arg.(*array.Struct)
		if !ok || row.NumField() != 2 {
			return fmt.Errorf("string_agg of %s", arg.DataType())
		}
		arg = row.Field(0)
		if delims, ok = row.Field(1).(*array.String); !ok {
			return fmt.Errorf("string_agg delimiter of %s", row.Field(1).DataType())
		}
	}
	ss, ok := arg.(*array.String)
	if !ok {
		return fmt.Errorf("string_agg of %s", arg.DataType())
	}
	for r, id := range ids {
		if ss.IsNull(r) {
			continue
		}
		switch {
		case !a.seen[id]:
		case delims != nil:
			if delims.IsValid(r) { // a NULL delimiter adds nothing
				a.vals[id] = append(a.vals[id], delims.Value(r)...)
			}
		default:
			a.vals[id] = append(a.vals[id], a.delim...)
		}
		a.vals[id] = append(a.vals[id], ss.Value(r)...)
		a.seen[id] = true
	}
	return nil
}

func (a *stringAggAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range a.vals {
		if a.seen[i] {
			b.Append(string(a.vals[i]))
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

// arrayAggAcc collects each group's values, NULLs included, in input
// order. It keeps the input columns and which rows went to which group,
// and takes the values out at the end.
type arrayAggAcc struct {
	groupRows
}

// groupRows keeps an aggregate's input columns and which of their rows
// went to which group, for the aggregates that take the values out at
// the end (array_agg, the ordered-set aggregates).
type groupRows struct {
	elem  arrow.DataType
	parts []arrow.Array
	rows  [][]int64 // per group: row positions in the concatenated parts
	total int64
}

func (g *groupRows) grow(n int) {
	for len(g.rows) < n {
		g.rows = append(g.rows, nil)
	}
}

// add keeps arg's rows for their groups, NULLs too unless skipNulls.
func (g *groupRows) add(ids []uint32, arg arrow.Array, skipNulls bool) {
	arg.Retain()
	g.parts = append(g.parts, arg)
	for r, id := range ids {
		if !skipNulls || arg.IsValid(r) {
			g.rows[id] = append(g.rows[id], g.total+int64(r))
		}
	}
	g.total += int64(arg.Len())
}

// values concatenates the kept columns, releasing the parts.
func (g *groupRows) values(mem memory.Allocator) (arrow.Array, error) {
	defer func() {
		releaseAll(g.parts)
		g.parts = nil
	}()
	if len(g.parts) == 0 {
		return array.MakeArrayOfNull(mem, g.elem, 0), nil
	}
	return array.Concatenate(g.parts, mem)
}

func (a *arrayAggAcc) update(ids []uint32, arg arrow.Array) error {
	a.add(ids, arg, false)
	return nil
}

func (a *arrayAggAcc) finish(mem memory.Allocator) (arrow.Array, error) {
	all, err := a.values(mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	idx := array.NewInt64Builder(mem)
	defer idx.Release()
	offsets := make([]int32, 0, len(a.rows)+1)
	valid := make([]bool, len(a.rows))
	offsets = append(offsets, 0)
	for g, rows := range a.rows {
		idx.AppendValues(rows, nil)
		offsets = append(offsets, offsets[len(offsets)-1]+int32(len(rows)))
		valid[g] = len(rows) > 0 // no rows (all filtered out) is NULL
	}
	indices := idx.NewArray()
	defer indices.Release()
	values, err := take.Array(context.Background(), all, indices)
	if err != nil {
		return nil, err
	}
	defer values.Release()
	// The list's offsets point into the taken values, in group order.
	nulls := 0
	bitmap := make([]byte, bitutil.BytesForBits(int64(len(a.rows))))
	for g, ok := range valid {
		if ok {
			bitutil.SetBit(bitmap, g)
		} else {
			nulls++
		}
	}
	data := array.NewData(arrow.ListOf(a.elem), len(a.rows),
		[]*memory.Buffer{memory.NewBufferBytes(bitmap), memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets))},
		[]arrow.ArrayData{values.Data()}, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

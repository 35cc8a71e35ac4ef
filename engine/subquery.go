package engine

import (
	"context"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/take"
	"github.com/riffq/riffq/pgerror"
)

// maxArraySize is PostgreSQL's MaxArraySize: the most elements an array
// may hold.
const maxArraySize = 134217727

// subqueryResult is what a subquery's rows reduce to: the value of a
// scalar or EXISTS subquery, or the set an IN subquery tests against.
type subqueryResult struct {
	value scalar.Scalar
	set   map[string]bool
	// ints holds an IN subquery's values instead of set when they are
	// integers (or dates): no key to encode per row.
	ints    map[int64]struct{}
	hasNull bool
	// rows, for a row IN (a, b) IN (SELECT x, y ...), holds each row's
	// fields' keys when some row has a NULL field, to tell NULL from
	// false.
	rows [][]string
}

// runSubquery executes plan and reduces its rows for kind; key encodes the
// IN subquery's values.
func runSubquery(ctx context.Context, n *expr.Subquery, plan expr.SubqueryPlan, key keyColumn) (subqueryResult, error) {
	var res subqueryResult
	rdr, err := plan.Execute(ctx)
	if err != nil {
		return res, err
	}
	defer rdr.Release()
	switch n.Kind {
	case expr.ExistsSubquery:
		found := false
		for rdr.Next() {
			if rdr.RecordBatch().NumRows() > 0 {
				found = true
				break
			}
		}
		res.value = scalar.NewBooleanScalar(found)
	case expr.ScalarSubquery:
		res.value = scalar.MakeNullScalar(n.Type)
		rows := 0
		for rdr.Next() {
			b := rdr.RecordBatch()
			if b.NumRows() == 0 {
				continue
			}
			rows += int(b.NumRows())
			if rows > 1 {
				return res, pgerror.New("21000", "more than one row returned by a subquery used as an expression")
			}
			if res.value, err = scalar.GetScalar(b.Column(0), 0); err != nil {
				return res, err
			}
		}
	case expr.ArraySubquery:
		var parts []arrow.Array
		defer func() { releaseAll(parts) }()
		elements := 0
		for rdr.Next() {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			c := rdr.RecordBatch().Column(0)
			// The array counts against the query's memory (the values,
			// then their one array, which the parts become), and may not
			// exceed PostgreSQL's largest (array_fill(1, ARRAY[2^31-1])
			// is refused at once, as there).
			if elements += c.Len(); elements > maxArraySize {
				return res, pgerror.New("54000", "array size exceeds the maximum allowed (%d)", maxArraySize)
			}
			if err := reserve(ctx, dataBytes(c.Data())); err != nil {
				return res, err
			}
			c.Retain()
			parts = append(parts, c)
		}
		if err := rdr.Err(); err != nil {
			return res, err
		}
		elem := n.Type.(*arrow.ListType).Elem()
		var values arrow.Array
		if len(parts) == 0 {
			values = array.MakeArrayOfNull(memory.DefaultAllocator, elem, 0)
		} else if values, err = array.Concatenate(parts, memory.DefaultAllocator); err != nil {
			return res, err
		}
		defer values.Release()
		res.value = scalar.NewListScalar(values)
	case expr.InSubquery:
		res.set = make(map[string]bool)
		if isIntKeyType(n.Left.DataType()) && isIntKeyType(rdr.Schema().Field(0).Type) {
			res.ints = make(map[int64]struct{})
		}
		var buf []byte
		for rdr.Next() {
			col := rdr.RecordBatch().Column(0)
			if st, ok := col.(*array.Struct); ok {
				addRows(&res, key.(*structKeys), st)
				continue
			}
			if res.ints != nil {
				k, _ := intKey(col)
				for i := range col.Len() {
					if col.IsNull(i) {
						res.hasNull = true
					} else {
						res.ints[k(i)] = struct{}{}
					}
				}
				continue
			}
			for i := range col.Len() {
				if col.IsNull(i) {
					res.hasNull = true
					continue
				}
				buf = key.encode(buf[:0], col, i)
				res.set[string(buf)] = true
			}
		}
	}
	return res, rdr.Err()
}

// compileSubquery evaluates an uncorrelated subquery once, the first time
// the expression is evaluated, and reuses the answer for every batch; a
// correlated one runs once per distinct tuple of the outer values it reads.
func compileSubquery(n *expr.Subquery) (evaluator, error) {
	var left evaluator
	var key keyColumn
	if n.Kind == expr.InSubquery {
		var err error
		if left, err = compile(n.Left); err != nil {
			return nil, err
		}
		if key, err = newKeyColumn(n.Left.DataType()); err != nil {
			return nil, err
		}
	}
	if n.Correlated != nil {
		return compileCorrelated(n, left, key)
	}
	var (
		once    sync.Once
		onceErr error
		res     subqueryResult
	)
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		once.Do(func() { res, onceErr = runSubquery(ctx, n, n.Plan, key) })
		if onceErr != nil {
			return nil, onceErr
		}
		if n.Kind == expr.ArraySubquery {
			// A list scalar does not broadcast: make the column.
			return scalarsArray(ctx, slices.Repeat([]subqueryResult{res}, int(b.NumRows())), n.Type)
		}
		if n.Kind != expr.InSubquery {
			return compute.NewDatum(res.value), nil
		}
		l, err := evalArray(ctx, left, b)
		if err != nil {
			return nil, err
		}
		defer l.Release()
		out := array.NewBooleanBuilder(memory.DefaultAllocator)
		defer out.Release()
		var buf []byte
		ints, _ := intKey(l)
		for i := range l.Len() {
			buf = appendIn(out, res, key, l, ints, i, buf)
		}
		return compute.NewDatumWithoutOwning(out.NewArray()), nil
	}, nil
}

// addRows adds a row IN subquery's rows to res: rows without NULL fields
// to its set, and every row's fields to res.rows.
func addRows(res *subqueryResult, key *structKeys, st *array.Struct) {
	for i := range st.Len() {
		fields := rowFields(key, st, i)
		if slices.Contains(fields, nullKey) {
			res.hasNull = true
		} else {
			res.set[string(key.encode(nil, st, i))] = true
		}
		res.rows = append(res.rows, fields)
	}
}

// nullKey is a keyColumn's encoding of NULL.
const nullKey = "\x00"

// rowFields returns the keys of row i's fields.
func rowFields(key *structKeys, st *array.Struct, i int) []string {
	fields := make([]string, len(key.fields))
	for f, k := range key.fields {
		fields[f] = string(k.encode(nil, st.Field(f), i))
	}
	return fields
}

// appendRowIn appends row i's (a, b) IN (subquery) to out: true when a
// subquery row equals it, else NULL when one might (its fields equal or
// NULL), else false, as PostgreSQL compares rows.
func appendRowIn(out *array.BooleanBuilder, res subqueryResult, key *structKeys, l *array.Struct, i int) {
	fields := rowFields(key, l, i)
	leftNull := slices.Contains(fields, nullKey)
	if !leftNull && res.set[string(key.encode(nil, l, i))] {
		out.Append(true)
		return
	}
	if leftNull || res.hasNull {
		for _, row := range res.rows {
			maybe := true
			for f, v := range row {
				if v != nullKey && fields[f] != nullKey && v != fields[f] {
					maybe = false
					break
				}
			}
			if maybe {
				out.AppendNull()
				return
			}
		}
	}
	out.Append(false)
}

// appendIn appends row i's x IN (subquery) to out; ints reads l's values
// as intKey does, for the subqueries whose values are integers.
func appendIn(out *array.BooleanBuilder, res subqueryResult, key keyColumn, l arrow.Array, ints func(int) int64, i int, buf []byte) []byte {
	if st, ok := l.(*array.Struct); ok {
		appendRowIn(out, res, key.(*structKeys), st, i)
		return buf
	}
	if l.IsNull(i) {
		if len(res.set) == 0 && len(res.ints) == 0 && !res.hasNull {
			out.Append(false) // NULL IN (no rows) is false
		} else {
			out.AppendNull()
		}
		return buf
	}
	found := false
	if res.ints != nil {
		_, found = res.ints[ints(i)]
	} else {
		buf = key.encode(buf[:0], l, i)
		found = res.set[string(buf)]
	}
	switch {
	case found:
		out.Append(true)
	case res.hasNull: // x IN (..., NULL) is NULL when nothing matches
		out.AppendNull()
	default:
		out.Append(false)
	}
	return buf
}

// isIntKeyType reports whether intKey reads arrays of type t.
func isIntKeyType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT16, arrow.INT32, arrow.INT64, arrow.DATE32:
		return true
	}
	return false
}

// outerKeyEncoders return, for each outer value a correlated subquery (or
// a LATERAL item) reads, how to encode it in the key of its cache.
func outerKeyEncoders(outer []expr.Expr) []func(buf []byte, a arrow.Array, r int) []byte {
	keys := make([]func(buf []byte, a arrow.Array, r int) []byte, len(outer))
	for i, o := range outer {
		if k, err := newKeyColumn(o.DataType()); err == nil {
			keys[i] = k.encode
		} else {
			// Types without a hash key (arrays) are told apart by
			// their text, length-prefixed.
			keys[i] = func(buf []byte, a arrow.Array, r int) []byte {
				v := a.ValueStr(r)
				return append(binary.LittleEndian.AppendUint32(buf, uint32(len(v))), v...)
			}
		}
	}
	return keys
}

// compileCorrelated evaluates a correlated subquery: for each row, the
// outer values it reads are planned into the subquery, which runs once per
// distinct tuple of them (results are kept for the statement).
func compileCorrelated(n *expr.Subquery, left evaluator, key keyColumn) (evaluator, error) {
	outer, err := compileAll(n.Outer)
	if err != nil {
		return nil, err
	}
	keys := outerKeyEncoders(n.Outer)
	var mu sync.Mutex // batches of one operator may be evaluated concurrently
	cache := make(map[string]subqueryResult)
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		cols, err := evalArrays(ctx, outer, b)
		if err != nil {
			return nil, err
		}
		defer releaseAll(cols)
		var l arrow.Array
		if left != nil {
			var err error
			if l, err = evalArray(ctx, left, b); err != nil {
				return nil, err
			}
			defer l.Release()
		}
		rows := int(b.NumRows())
		results := make([]subqueryResult, rows)
		var buf []byte
		for r := range rows {
			buf = buf[:0]
			for i, c := range cols {
				if c.IsNull(r) {
					buf = append(buf, 0)
					continue
				}
				buf = append(buf, 1)
				buf = keys[i](buf, c, r)
			}
			mu.Lock()
			res, ok := cache[string(buf)]
			mu.Unlock()
			if !ok {
				values := make([]scalar.Scalar, len(cols))
				for i, c := range cols {
					var err error
					if values[i], err = scalar.GetScalar(c, r); err != nil {
						return nil, err
					}
				}
				plan, err := n.Correlated.Bind(values)
				if err != nil {
					return nil, err
				}
				if res, err = runSubquery(ctx, n, plan, key); err != nil {
					return nil, err
				}
				mu.Lock()
				cache[string(buf)] = res
				mu.Unlock()
			}
			results[r] = res
		}
		if n.Kind == expr.InSubquery {
			out := array.NewBooleanBuilder(memory.DefaultAllocator)
			defer out.Release()
			var kb []byte
			ints, _ := intKey(l)
			for r := range rows {
				kb = appendIn(out, results[r], key, l, ints, r, kb)
			}
			return compute.NewDatumWithoutOwning(out.NewArray()), nil
		}
		return scalarsArray(ctx, results, n.Type)
	}, nil
}

// scalarsArray makes the column of the rows' subquery values: each distinct
// value becomes a one-row array, and the rows take from them.
func scalarsArray(ctx context.Context, results []subqueryResult, dt arrow.DataType) (compute.Datum, error) {
	var parts []arrow.Array
	defer func() { releaseAll(parts) }()
	seen := make(map[scalar.Scalar]int)
	idx := array.NewInt32Builder(memory.DefaultAllocator)
	defer idx.Release()
	for _, res := range results {
		v := res.value
		if !v.IsValid() {
			v = scalar.MakeNullScalar(dt)
		}
		i, ok := seen[v]
		if !ok {
			a, err := broadcast(v, 1)
			if err != nil {
				return nil, err
			}
			i = len(parts)
			parts = append(parts, a)
			seen[v] = i
		}
		idx.Append(int32(i))
	}
	if len(parts) == 0 {
		return compute.NewDatumWithoutOwning(array.MakeArrayOfNull(memory.DefaultAllocator, dt, 0)), nil
	}
	values, err := array.Concatenate(parts, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer values.Release()
	indices := idx.NewArray()
	defer indices.Release()
	out, err := take.Array(ctx, values, indices)
	if err != nil {
		return nil, err
	}
	return compute.NewDatumWithoutOwning(out), nil
}

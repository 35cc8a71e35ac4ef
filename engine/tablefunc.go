package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/jsonb"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// TableFunc runs a set-returning function of FROM: generate_series over
// integers, streamed in batches, or unnest of an array.
type TableFunc struct {
	Func string
	Args []expr.Expr
	Out  *arrow.Schema
	// Ordinality numbers the rows from 1 in a last column of Out.
	Ordinality bool
}

func (t *TableFunc) Schema() *arrow.Schema { return t.Out }
func (*TableFunc) Children() []Plan        { return nil }
func (t *TableFunc) String() string {
	return fmt.Sprintf("TableFunc: %s(%d args)", t.Func, len(t.Args))
}

// seriesBatch is the most rows per generate_series batch.
const seriesBatch = 64 * 1024

// Execute evaluates the arguments once, on a row without columns.
func (t *TableFunc) Execute(ctx context.Context) (array.RecordReader, error) {
	if !t.Ordinality {
		return t.execute(ctx, t.Out)
	}
	// The function's own rows, then their numbers beside them.
	fields := t.Out.Fields()
	inner := arrow.NewSchema(fields[:len(fields)-1], nil)
	rdr, err := t.execute(ctx, inner)
	if err != nil {
		return nil, err
	}
	var n int64
	return batchio.NewReader(t.Out, func() (arrow.RecordBatch, error) {
		if !rdr.Next() {
			return nil, rdr.Err()
		}
		b := rdr.RecordBatch()
		ord := array.NewInt64Builder(memory.DefaultAllocator)
		defer ord.Release()
		for range b.NumRows() {
			n++
			ord.Append(n)
		}
		col := ord.NewArray()
		defer col.Release()
		return array.NewRecordBatch(t.Out, append(append([]arrow.Array{}, b.Columns()...), col), b.NumRows()), nil
	}, rdr.Release), nil
}

func (t *TableFunc) execute(ctx context.Context, out *arrow.Schema) (array.RecordReader, error) {
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	evs, err := compileAll(t.Args)
	if err != nil {
		return nil, err
	}
	args, err := evalArrays(ctx, evs, one)
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	for _, a := range args {
		if a.IsNull(0) {
			return batchio.Empty(out), nil // STRICT: NULL in, no rows out
		}
	}
	elem := out.Field(0).Type
	switch t.Func {
	case "unnest":
		values := args[0].(array.ListLike)
		start, end := values.ValueOffsets(0)
		col := array.NewSlice(values.ListValues(), start, end)
		defer col.Release()
		b := array.NewRecordBatch(out, []arrow.Array{col}, end-start)
		defer b.Release()
		return array.NewRecordReader(out, []arrow.RecordBatch{b})
	case "generate_series":
		if tt, ok := elem.(*arrow.TimestampType); ok {
			return timeSeries(ctx, out, tt, args)
		}
		a := argReader{args}
		next, stop, step := a.int(0, 0), a.int(1, 0), int64(1)
		if len(args) == 3 {
			step = a.int(2, 0)
		}
		if step == 0 {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
		}
		done := step > 0 && next > stop || step < 0 && next < stop
		return batchio.NewReader(out, func() (arrow.RecordBatch, error) {
			if done {
				return nil, nil
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			bld := array.NewBuilder(memory.DefaultAllocator, elem)
			defer bld.Release()
			for n := 0; n < seriesBatch && !done; n++ {
				appendInt(bld, next)
				// Stop before the next value would pass stop or overflow.
				if step > 0 && next > stop-step || step < 0 && next < stop-step {
					done = true
				}
				next += step
			}
			col := bld.NewArray()
			defer col.Release()
			return array.NewRecordBatch(out, []arrow.Array{col}, int64(col.Len())), nil
		}, nil), nil
	case "json_each", "jsonb_each", "json_each_text", "jsonb_each_text":
		return jsonEach(out, args[0], t.Func)
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "function %s in FROM is not supported", t.Func)
}

// jsonEach lists the keys and values of a json or jsonb object for
// json[b]_each[_text] (name): a jsonb's in its key order, a json's as
// written; values as json[b], or as text (strings unquoted, null as NULL).
func jsonEach(out *arrow.Schema, doc arrow.Array, name string) (array.RecordReader, error) {
	text := jsonText(doc).Value(0)
	if jsonb.TypeOf(text) != "object" {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "cannot call %s on a non-object", name)
	}
	asText := strings.HasSuffix(name, "_text")
	var names, raws []string
	if _, ok := doc.DataType().(*pgtypes.JSONBType); ok {
		// jsonb: its canonical key order, one value per key.
		v, err := jsonb.Parse(text)
		if err != nil {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "%v", err)
		}
		obj := jsonb.Canonical(v.(*jsonb.Object))
		for i, k := range obj.Keys {
			names, raws = append(names, k), append(raws, string(jsonb.AppendCanonical(nil, obj.Values[i])))
		}
	} else {
		// json: the keys as written, each value's text as written.
		d := json.NewDecoder(strings.NewReader(text))
		if _, err := d.Token(); err != nil {
			return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json")
		}
		for d.More() {
			k, err := d.Token()
			var raw json.RawMessage
			if err == nil {
				err = d.Decode(&raw)
			}
			if err != nil {
				return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type json")
			}
			names, raws = append(names, k.(string)), append(raws, string(raw))
		}
	}
	keys := array.NewStringBuilder(memory.DefaultAllocator)
	defer keys.Release()
	values := array.NewStringBuilder(memory.DefaultAllocator)
	defer values.Release()
	for i, k := range names {
		keys.Append(k)
		raw := raws[i]
		if !asText {
			values.Append(raw)
			continue
		}
		if s, ok := jsonb.Text(raw); ok {
			values.Append(s)
		} else {
			values.AppendNull()
		}
	}
	kc, vc := keys.NewArray(), values.NewArray()
	defer kc.Release()
	defer vc.Release()
	if !asText {
		vc = newJSON(out.Field(1).Type, vc)
		defer vc.Release()
	}
	b := array.NewRecordBatch(out, []arrow.Array{kc, vc}, int64(kc.Len()))
	defer b.Release()
	return array.NewRecordReader(out, []arrow.RecordBatch{b})
}

// timeSeries is generate_series over timestamps: start, stop and an
// interval step, added as PostgreSQL adds intervals (months, then days,
// then time).
func timeSeries(ctx context.Context, out *arrow.Schema, tt *arrow.TimestampType, args []arrow.Array) (array.RecordReader, error) {
	get, err := timeValues(args[0])
	if err != nil {
		return nil, err
	}
	start, loc := get(0), time.UTC
	if tt.TimeZone != "" {
		// Months and days step on the session's wall clock.
		loc = sessionLocation(ctx)
		start = start.In(loc)
	}
	getStop, err := timeValues(args[1])
	if err != nil {
		return nil, err
	}
	stop := getStop(0)
	step := args[2].(*array.MonthDayNanoInterval).Value(0)
	add := func(t time.Time) time.Time {
		return addCalendar(t, int(step.Months), int(step.Days), loc).Add(time.Duration(step.Nanoseconds))
	}
	dir := add(start).Compare(start)
	if dir == 0 {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
	}
	next, done := start, false
	return batchio.NewReader(out, func() (arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bld := array.NewTimestampBuilder(memory.DefaultAllocator, tt)
		defer bld.Release()
		for n := 0; n < seriesBatch && !done; n++ {
			if next.Compare(stop) == dir {
				done = true
				break
			}
			v, err := arrow.TimestampFromTime(next, tt.Unit)
			if err != nil {
				return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
			}
			bld.Append(v)
			next = add(next)
		}
		if bld.Len() == 0 {
			return nil, nil
		}
		col := bld.NewArray()
		defer col.Release()
		return array.NewRecordBatch(out, []arrow.Array{col}, int64(col.Len())), nil
	}, nil), nil
}

// timestampSeries lists generate_series(from, to, step) over timestamps,
// the step added as timeSeries adds it; at most 1<<24 values.
func timestampSeries(from, to arrow.Timestamp, step arrow.MonthDayNanoInterval, tt *arrow.TimestampType, loc *time.Location) ([]arrow.Timestamp, error) {
	toTime := func(v arrow.Timestamp) time.Time { return v.ToTime(tt.Unit).In(loc) }
	add := func(t time.Time) time.Time {
		return addCalendar(t, int(step.Months), int(step.Days), loc).Add(time.Duration(step.Nanoseconds))
	}
	start, stop := toTime(from), toTime(to)
	dir := add(start).Compare(start)
	if dir == 0 {
		return nil, pgerror.New(pgerror.InvalidParameterValue, "step size cannot equal zero")
	}
	var out []arrow.Timestamp
	for next := start; next.Compare(stop) != dir; next = add(next) {
		if len(out) >= 1<<24 {
			return nil, pgerror.New("54000", "set-returning function result too large")
		}
		v, err := arrow.TimestampFromTime(next, tt.Unit)
		if err != nil {
			return nil, pgerror.New(pgerror.DatetimeFieldOverflow, "timestamp out of range")
		}
		out = append(out, v)
	}
	return out, nil
}

package engine

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/expr"
	"github.com/riffq/riffq/internal/take"
)

// JoinKeys names the keys of one hash join's build side, which the join
// hands, once it has hashed them, to the KeyFilters in the input it
// streams through them. It travels in the context rather than in the
// plan, so that a plan executed twice at once keeps its executions apart.
type JoinKeys struct {
	// Label names the join's keys in EXPLAIN.
	Label string
}

// KeyFilter passes on the rows of its input whose Keys match a row of a
// hash join's build side, and drops the others, which could only have
// been dropped later, by the join: it sits low in the join's probe input
// (on a scan, below aggregates and other joins), so that those rows skip
// the work between it and the join. Run outside that join, it passes
// every row.
type KeyFilter struct {
	Input Plan
	Keys  []expr.Expr
	From  *JoinKeys
}

func (f *KeyFilter) Schema() *arrow.Schema { return f.Input.Schema() }
func (f *KeyFilter) Children() []Plan      { return []Plan{f.Input} }

func (f *KeyFilter) String() string {
	keys := make([]string, len(f.Keys))
	for i, k := range f.Keys {
		keys[i] = k.String()
	}
	return fmt.Sprintf("KeyFilter: [%s] in keys of %s", strings.Join(keys, ", "), f.From.Label)
}

// withJoinKeys returns ctx carrying build as the keys named by k.
func withJoinKeys(ctx context.Context, k *JoinKeys, build *joinBuild) context.Context {
	if k == nil {
		return ctx
	}
	return context.WithValue(ctx, k, build)
}

// keyFilterTrial is how many rows a KeyFilter looks up before it judges
// whether its keys filter enough to be worth their lookups.
const keyFilterTrial = 1 << 17

func (f *KeyFilter) Execute(ctx context.Context) (array.RecordReader, error) {
	if build, _ := ctx.Value(f.From).(*joinBuild); build == nil {
		return f.Input.Execute(ctx)
	}
	s, err := f.stage()
	if err != nil {
		return nil, err
	}
	return filterInput(ctx, f.Input, s)
}

// stage is the filter as a pipeline stage (see splitPipeline), which may
// run on several goroutines at once: the build side comes from the
// batch's context, and without one every row passes.
func (f *KeyFilter) stage() (stage, error) {
	evals, err := compileAll(f.Keys)
	if err != nil {
		return nil, err
	}
	keys := make([]keyColumn, len(f.Keys))
	for i, k := range f.Keys {
		if keys[i], err = newKeyColumn(k.DataType()); err != nil {
			return nil, err
		}
	}
	var seen, kept atomic.Int64
	return func(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
		build, _ := ctx.Value(f.From).(*joinBuild)
		if build == nil || seen.Load() >= keyFilterTrial && kept.Load() > seen.Load()/10*9 {
			// No join's keys, or keys that keep nearly every row: the
			// lookups cost more than they save, so the rows go on to
			// the join as they are.
			b.Retain()
			return b, nil
		}
		rows, err := build.containedRows(ctx, b, evals, keys)
		if err != nil {
			return nil, err
		}
		seen.Add(b.NumRows())
		kept.Add(int64(len(rows)))
		if len(rows) == int(b.NumRows()) {
			b.Retain()
			return b, nil
		}
		return take.Rows(ctx, b, rows)
	}, nil
}

// containedRows lists the rows of b whose keys (from evals) the build
// side holds.
func (jb *joinBuild) containedRows(ctx context.Context, b arrow.RecordBatch, evals []evaluator, keys []keyColumn) ([]int32, error) {
	n := int(b.NumRows())
	if jb.batch == nil {
		return nil, nil
	}
	cols, err := evalArrays(ctx, evals, b)
	if err != nil {
		return nil, err
	}
	defer releaseAll(cols)
	rows := make([]int32, 0, n)
	if key, ok := packKeys(cols); ok && jb.head != nil {
		for r := range n {
			k, ok := key(r)
			if !ok || !jb.mayHave(k) {
				continue
			}
			// The bitmap of a single key's range is exact.
			if jb.present == nil {
				if _, ok := jb.head[k]; !ok {
					continue
				}
			}
			rows = append(rows, int32(r))
		}
		return rows, nil
	}
	var buf []byte
	for r := range n {
		var ok bool
		if buf, ok = encodeKey(buf[:0], keys, cols, r); ok && len(jb.rows[string(buf)]) > 0 {
			rows = append(rows, int32(r))
		}
	}
	return rows, nil
}

package engine

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// OpStats is what EXPLAIN ANALYZE reports of one operator: the rows and
// batches it produced, the time spent producing them (its inputs'
// included, as PostgreSQL counts it), the most memory it held and the
// bytes it wrote to temporary files.
type OpStats struct {
	Rows, Batches atomic.Int64
	Nanos         atomic.Int64
	mem, peak     atomic.Int64
	spilled       atomic.Int64
}

// Analyzed runs an operator and measures it. Its String is the
// operator's; Explain adds the measurements.
type Analyzed struct {
	Plan
	Stats *OpStats
}

// NewAnalyzed wraps op for measuring.
func NewAnalyzed(op Plan) *Analyzed { return &Analyzed{Plan: op, Stats: &OpStats{}} }

type opStatsKey struct{}

// Execute implements Plan: the operator runs with a context that charges
// its memory reservations to its statistics.
func (a *Analyzed) Execute(ctx context.Context) (array.RecordReader, error) {
	start := time.Now()
	rdr, err := a.Plan.Execute(context.WithValue(ctx, opStatsKey{}, a.Stats))
	a.Stats.Nanos.Add(int64(time.Since(start)))
	if err != nil {
		return nil, err
	}
	return &measuredReader{RecordReader: rdr, stats: a.Stats}, nil
}

// chargeOperator adds n reserved bytes (negative: released) to the
// operator ctx runs, when it is measured.
func chargeOperator(ctx context.Context, n int64) {
	s, ok := ctx.Value(opStatsKey{}).(*OpStats)
	if !ok {
		return
	}
	cur := s.mem.Add(n)
	for {
		p := s.peak.Load()
		if cur <= p || s.peak.CompareAndSwap(p, cur) {
			return
		}
	}
}

type measuredReader struct {
	array.RecordReader
	stats *OpStats
}

func (r *measuredReader) Next() bool {
	start := time.Now()
	ok := r.RecordReader.Next()
	r.stats.Nanos.Add(int64(time.Since(start)))
	if ok {
		r.stats.Rows.Add(r.RecordReader.RecordBatch().NumRows())
		r.stats.Batches.Add(1)
	}
	return ok
}

// Unwrap returns the measured plan.
func (a *Analyzed) Unwrap() Plan { return a.Plan }

// ExplainAnalyze renders a measured plan: each operator's line followed by
// its actual time, rows, batches and peak memory.
func ExplainAnalyze(p Plan) string {
	var sb strings.Builder
	var n int
	var walk func(p Plan, depth int)
	walk = func(p Plan, depth int) {
		sb.WriteString(strings.Repeat("  ", depth))
		if a, ok := p.(*Analyzed); ok {
			s := a.Stats
			fmt.Fprintf(&sb, "%s (actual time=%.3f ms rows=%d batches=%d", a.Plan.String(), float64(s.Nanos.Load())/1e6, s.Rows.Load(), s.Batches.Load())
			if peak := s.peak.Load(); peak > 0 {
				fmt.Fprintf(&sb, " memory=%s", sizePretty(peak))
			}
			if disk := s.spilled.Load(); disk > 0 {
				fmt.Fprintf(&sb, " disk=%s", sizePretty(disk))
			}
			sb.WriteString(")")
		} else {
			sb.WriteString(p.String())
		}
		sb.WriteByte('\n')
		for _, c := range p.Children() {
			walk(c, depth+1)
		}
		writeSubplans(&sb, p, depth+1, &n, walk)
	}
	walk(p, 0)
	return sb.String()
}

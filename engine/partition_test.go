package engine

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/sources"
)

// partitioned is a provider of parts partitions, part p holding the rows
// p*100 .. p*100+99 in batches of 10; it counts the parts being read at
// once.
type partitioned struct {
	parts          int
	active, peak   atomic.Int32
	partitionCalls atomic.Int32
}

var partSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (p *partitioned) Schema() *arrow.Schema { return partSchema }

func (p *partitioned) Scan(context.Context, sources.ScanRequest) (array.RecordReader, error) {
	return nil, errors.New("Scan called: Partitions serves every scan")
}

func (p *partitioned) Partitions(_ context.Context, req sources.ScanRequest) ([]sources.Partition, error) {
	p.partitionCalls.Add(1)
	out := make([]sources.Partition, p.parts)
	for i := range out {
		out[i] = part{p, i}
	}
	return out, nil
}

type part struct {
	p *partitioned
	i int
}

func (pt part) Scan(context.Context) (array.RecordReader, error) {
	next := int64(pt.i * 100)
	end := next + 100
	started := false
	return batchio.NewReader(partSchema, func() (arrow.RecordBatch, error) {
		if !started {
			started = true
			if n := pt.p.active.Add(1); n > pt.p.peak.Load() {
				pt.p.peak.Store(n)
			}
		}
		if next >= end {
			return nil, nil
		}
		b := array.NewInt64Builder(memory.DefaultAllocator)
		defer b.Release()
		for range 10 {
			b.Append(next)
			next++
		}
		col := b.NewArray()
		defer col.Release()
		// The first part's last batch waits a little for a second
		// part to start, as a slow decoder would.
		for spin := 0; spin < 100_000 && pt.i == 0 && next == end && pt.p.peak.Load() < 2; spin++ {
			runtime.Gosched()
		}
		return array.NewRecordBatch(partSchema, []arrow.Array{col}, 10), nil
	}, func() { pt.p.active.Add(-1) }), nil
}

// TestPartitionedScan checks a scan of a provider's partitions: every
// row, in the partitions' order, several partitions read at once, and the
// limit kept overall.
func TestPartitionedScan(t *testing.T) {
	for _, limit := range []int64{-1, 0, 250, 1000} {
		p := &partitioned{parts: 7}
		scan := NewScan("t", p, sources.ScanRequest{Limit: limit})
		rdr, err := scan.Execute(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for rdr.Next() {
			got = append(got, rdr.RecordBatch().Column(0).(*array.Int64).Int64Values()...)
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
		want := int64(700)
		if limit >= 0 {
			want = min(want, limit)
		}
		if int64(len(got)) != want {
			t.Fatalf("limit %d: %d rows, want %d", limit, len(got), want)
		}
		for i, v := range got {
			if v != int64(i) {
				t.Fatalf("limit %d: row %d is %d: out of order", limit, i, v)
			}
		}
		if p.partitionCalls.Load() != 1 {
			t.Errorf("Partitions called %d times", p.partitionCalls.Load())
		}
		if limit != 0 && runtime.GOMAXPROCS(0) > 1 && p.peak.Load() < 2 {
			t.Errorf("limit %d: at most %d partition read at once", limit, p.peak.Load())
		}
		if a := p.active.Load(); a != 0 {
			t.Errorf("limit %d: %d partitions left open", limit, a)
		}
	}
}

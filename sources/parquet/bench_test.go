package parquet_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/parquet"
)

// BenchmarkScan reads every row of a 1M-row file of an integer, a
// decimal and a dictionary-encoded string column, decoding each scan
// afresh and from the column cache.
func BenchmarkScan(b *testing.B) {
	const n = 1 << 20
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}},
		{Name: "mode", Type: arrow.BinaryTypes.String},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	modes := []string{"AIR", "MAIL", "SHIP", "TRUCK", "RAIL", "FOB", "REG AIR"}
	for i := range n {
		rb.Field(0).(*array.Int64Builder).Append(int64(i * 7 % n))
		rb.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i % 100000)))
		rb.Field(2).(*array.StringBuilder).Append(modes[i%len(modes)])
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(b.TempDir(), "bench.parquet")
	writeRecord(b, path, rec, 128*1024)
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			tbl, err := parquet.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			tbl.SetCache(nil)
			if cached {
				tbl.SetCache(parquet.NewCache(1 << 30))
			}
			scan := func() {
				rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Limit: -1})
				if err != nil {
					b.Fatal(err)
				}
				rows := 0
				for rdr.Next() {
					rows += int(rdr.RecordBatch().NumRows())
				}
				if err := rdr.Err(); err != nil || rows != n {
					b.Fatalf("%d rows, %v", rows, err)
				}
				rdr.Release()
			}
			scan() // the first scan marks the chunks, the second caches them
			scan()
			b.ResetTimer()
			for range b.N {
				scan()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

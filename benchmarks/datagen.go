package benchmarks

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// genBatch is how many rows the generators build per batch.
const genBatch = 256 * 1024

// writeBatches writes the batches fill makes (fill returns false at the
// end) to a Snappy-compressed Parquet file, logging progress.
func writeBatches(path string, schema *arrow.Schema, rows int, fill func(b *array.RecordBuilder, start, n int)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1<<20))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	last := time.Now()
	for start := 0; start < rows; start += genBatch {
		n := min(genBatch, rows-start)
		fill(b, start, n)
		rec := b.NewRecordBatch()
		err := w.WriteBuffered(rec)
		rec.Release()
		if err != nil {
			w.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		if time.Since(last) > 2*time.Second {
			slog.Info("generating", "file", path, "rows", start+n, "of", rows)
			last = time.Now()
		}
	}
	return w.Close()
}

// NarrowSchema is one bigint column.
var NarrowSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)

// WriteNarrow writes rows bigints 0..rows-1.
func WriteNarrow(path string, rows int) error {
	return writeBatches(path, NarrowSchema, rows, func(b *array.RecordBuilder, start, n int) {
		col := b.Field(0).(*array.Int64Builder)
		col.Reserve(n)
		for i := range n {
			col.UnsafeAppend(int64(start + i))
		}
	})
}

// LineitemSchema has TPC-H lineitem's 16 columns and types.
var LineitemSchema = arrow.NewSchema([]arrow.Field{
	{Name: "l_orderkey", Type: arrow.PrimitiveTypes.Int64},
	{Name: "l_partkey", Type: arrow.PrimitiveTypes.Int64},
	{Name: "l_suppkey", Type: arrow.PrimitiveTypes.Int64},
	{Name: "l_linenumber", Type: arrow.PrimitiveTypes.Int32},
	{Name: "l_quantity", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}},
	{Name: "l_extendedprice", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}},
	{Name: "l_discount", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}},
	{Name: "l_tax", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}},
	{Name: "l_returnflag", Type: arrow.BinaryTypes.String},
	{Name: "l_linestatus", Type: arrow.BinaryTypes.String},
	{Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
	{Name: "l_commitdate", Type: arrow.FixedWidthTypes.Date32},
	{Name: "l_receiptdate", Type: arrow.FixedWidthTypes.Date32},
	{Name: "l_shipinstruct", Type: arrow.BinaryTypes.String},
	{Name: "l_shipmode", Type: arrow.BinaryTypes.String},
	{Name: "l_comment", Type: arrow.BinaryTypes.String},
}, nil)

// WriteLineitem writes rows lineitem-like rows with TPC-H's value ranges
// (a deterministic generator, not dbgen's exact text).
func WriteLineitem(path string, rows int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"furiously", "carefully", "quickly", "regular", "ironic", "final", "pending", "express",
		"deposits", "requests", "accounts", "packages", "theodolites", "pinto", "beans", "foxes", "ideas", "blithely"}
	instr := []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	modes := []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	start92 := int32(arrow.Date32FromTime(time.Date(1992, 1, 1, 0, 0, 0, 0, time.UTC)))
	return writeBatches(path, LineitemSchema, rows, func(b *array.RecordBuilder, start, n int) {
		for i := range n {
			row := start + i
			b.Field(0).(*array.Int64Builder).Append(int64(row/4 + 1))
			b.Field(1).(*array.Int64Builder).Append(int64(rng.IntN(200000) + 1))
			b.Field(2).(*array.Int64Builder).Append(int64(rng.IntN(10000) + 1))
			b.Field(3).(*array.Int32Builder).Append(int32(row%4 + 1))
			qty := int64(rng.IntN(50) + 1)
			b.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(qty * 100))
			b.Field(5).(*array.Decimal128Builder).Append(decimal128.FromI64(qty * int64(90000+rng.IntN(10000000)) / 100))
			b.Field(6).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(11))))
			b.Field(7).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.IntN(9))))
			b.Field(8).(*array.StringBuilder).Append([]string{"R", "A", "N"}[rng.IntN(3)])
			b.Field(9).(*array.StringBuilder).Append([]string{"O", "F"}[rng.IntN(2)])
			ship := start92 + int32(rng.IntN(2526))
			b.Field(10).(*array.Date32Builder).Append(arrow.Date32(ship))
			b.Field(11).(*array.Date32Builder).Append(arrow.Date32(ship + int32(rng.IntN(60)) - 30))
			b.Field(12).(*array.Date32Builder).Append(arrow.Date32(ship + int32(rng.IntN(30)) + 1))
			b.Field(13).(*array.StringBuilder).Append(instr[rng.IntN(len(instr))])
			b.Field(14).(*array.StringBuilder).Append(modes[rng.IntN(len(modes))])
			c := words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
			b.Field(15).(*array.StringBuilder).Append(c)
		}
	})
}

// Command gen writes riffq's sample dataset into testdata/sample:
//
//	candles.parquet  hourly OHLCV candles for eight symbols (5,760 rows,
//	                 row groups of 1,000 rows)
//	types.parquet    one column per supported type, with NULLs and edge values
//	symbols.csv      the symbols, with a header row and an empty (NULL) field
//
// The data is deterministic: running gen again writes the same files.
//
//	go run ./testdata/gen [-out testdata/sample]
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

type symbol struct {
	ticker, name, sector, listed string
	active                       string
	price                        float64
}

var symbols = []symbol{
	{"AAPL", "Apple Inc.", "Technology", "1980-12-12", "true", 190},
	{"AMZN", "Amazon.com, Inc.", "Consumer Discretionary", "1997-05-15", "true", 180},
	{"BTC-USD", "Bitcoin", "", "2009-01-03", "true", 64000},
	{"ETH-USD", "Ethereum", "", "2015-07-30", "true", 3100},
	{"GOOG", "Alphabet Inc. \"Class C\"", "Communication Services", "2014-04-03", "true", 170},
	{"MSFT", "Microsoft Corporation", "Technology", "1986-03-13", "true", 420},
	{"NVDA", "NVIDIA Corporation", "Technology", "1999-01-22", "true", 120},
	{"TWTR", "Twitter, Inc.", "Communication Services", "2013-11-07", "false", 54},
}

func main() {
	out := flag.String("out", "testdata/sample", "output directory")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	for _, step := range []struct {
		file string
		fn   func(string) error
	}{
		{"candles.parquet", writeCandles},
		{"types.parquet", writeTypes},
		{"symbols.csv", writeSymbols},
	} {
		path := filepath.Join(*out, step.file)
		if err := step.fn(path); err != nil {
			fail(fmt.Errorf("%s: %w", path, err))
		}
		fmt.Println("wrote", path)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

func writeParquet(path string, rec arrow.RecordBatch, rowGroup int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(
		parquet.WithMaxRowGroupLength(rowGroup),
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithCreatedBy("riffq testdata/gen"),
	)
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func writeCandles(path string) error {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "symbol", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "open", Type: arrow.PrimitiveTypes.Float64},
		{Name: "high", Type: arrow.PrimitiveTypes.Float64},
		{Name: "low", Type: arrow.PrimitiveTypes.Float64},
		{Name: "close", Type: arrow.PrimitiveTypes.Float64},
		{Name: "volume", Type: arrow.PrimitiveTypes.Int64},
		{Name: "trades", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "vwap", Type: &arrow.Decimal128Type{Precision: 12, Scale: 4}},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	rng := rand.New(rand.NewPCG(20240101, 42))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const hours = 30 * 24
	round2 := func(v float64) float64 { return math.Round(v*100) / 100 }
	for _, s := range symbols {
		price := s.price
		for h := range hours {
			ts := start.Add(time.Duration(h) * time.Hour)
			open := round2(price)
			close := round2(price * (1 + rng.NormFloat64()*0.01))
			high := round2(math.Max(open, close) * (1 + rng.Float64()*0.004))
			low := round2(math.Min(open, close) * (1 - rng.Float64()*0.004))
			volume := int64(1000 + rng.IntN(1_000_000))
			vwap := (open + high + low + close) / 4
			b.Field(0).(*array.StringBuilder).Append(s.ticker)
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
			b.Field(2).(*array.Float64Builder).Append(open)
			b.Field(3).(*array.Float64Builder).Append(high)
			b.Field(4).(*array.Float64Builder).Append(low)
			b.Field(5).(*array.Float64Builder).Append(close)
			b.Field(6).(*array.Int64Builder).Append(volume)
			if rng.IntN(50) == 0 {
				b.Field(7).(*array.Int32Builder).AppendNull() // the feed missed a count
			} else {
				b.Field(7).(*array.Int32Builder).Append(int32(volume / int64(20+rng.IntN(80))))
			}
			b.Field(8).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(math.Round(vwap * 10000))))
			price = close
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return writeParquet(path, rec, 1000)
}

func writeTypes(path string) error {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "i2", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i4", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f4", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f8", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "num", Type: &arrow.Decimal128Type{Precision: 10, Scale: 3}, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "t", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "tstz", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	}, nil)
	date := func(y int, m time.Month, d int) arrow.Date32 {
		return arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	}
	ts := func(s string) arrow.Timestamp {
		t, err := time.Parse("2006-01-02 15:04:05.999999", s)
		if err != nil {
			panic(err)
		}
		return arrow.Timestamp(t.UnixMicro())
	}
	type row struct {
		i2       *int16
		i4       *int32
		i8       *int64
		f4       *float32
		f8       *float64
		num      *int64 // unscaled, scale 3
		b        *bool
		t        *string
		d        *arrow.Date32
		ts, tstz *arrow.Timestamp
		bin      []byte
	}
	p := func(v any) any { return v }
	_ = p
	i16 := func(v int16) *int16 { return &v }
	i32 := func(v int32) *int32 { return &v }
	i64 := func(v int64) *int64 { return &v }
	f32 := func(v float32) *float32 { return &v }
	f64 := func(v float64) *float64 { return &v }
	bl := func(v bool) *bool { return &v }
	str := func(v string) *string { return &v }
	dt := func(v arrow.Date32) *arrow.Date32 { return &v }
	tp := func(v arrow.Timestamp) *arrow.Timestamp { return &v }
	rows := []row{
		{i16(1), i32(1), i64(1), f32(1.5), f64(1.5), i64(1500), bl(true), str("hello"), dt(date(2024, 1, 2)),
			tp(ts("2024-01-02 03:04:05")), tp(ts("2024-01-02 03:04:05.5")), []byte{0xde, 0xad, 0xbe, 0xef}},
		{i16(-32768), i32(-2147483648), i64(-9223372036854775808), f32(-3.4e38), f64(-1e308), i64(-9999999999), bl(false),
			str("héllo, wörld ✓"), dt(date(1970, 1, 1)), tp(ts("1970-01-01 00:00:00")), tp(ts("1999-12-31 23:59:59.999999")), []byte{}},
		{i16(32767), i32(2147483647), i64(9223372036854775807), f32(0.1), f64(0.1), i64(1), bl(true),
			str(""), dt(date(-43, 3, 15)), tp(ts("2000-02-29 12:00:00.123456")), tp(ts("2038-01-19 03:14:07")), []byte("a\\b")},
		{i16(0), i32(0), i64(0), f32(float32(math.Inf(1))), f64(math.NaN()), i64(0), nil,
			str("tab\there\nnewline"), dt(date(9999, 12, 31)), nil, nil, nil},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		{i16(42), i32(123456), i64(1234567890123), f32(1234567), f64(1e15), i64(-5), bl(false),
			str("O'Reilly"), dt(date(2024, 2, 29)), tp(ts("2024-02-29 23:59:59")), tp(ts("2024-02-29 00:00:00.000001")), []byte{0}},
		{i16(-1), i32(-1), i64(-1), f32(1e-7), f64(1.5e-7), i64(999), bl(true),
			str("NULL"), dt(date(2000, 1, 1)), tp(ts("2000-01-01 00:00:00")), tp(ts("2000-01-01 00:00:00")), []byte("\x00\xff")},
		{i16(7), i32(7), i64(7), f32(float32(math.Inf(-1))), f64(math.Copysign(0, -1)), i64(123456789), bl(false),
			str("  spaced  "), dt(date(1, 1, 1)), tp(ts("0001-01-01 00:00:00")), tp(ts("1900-06-15 12:30:00")), []byte("xyz")},
		{i16(8), i32(8), i64(8), f32(3.14159), f64(123456789012345.6), i64(-1), bl(true),
			str("end"), dt(date(1999, 12, 31)), tp(ts("1999-12-31 23:59:59")), tp(ts("2024-06-30 18:00:00")), []byte{1, 2, 3}},
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i, r := range rows {
		b.Field(0).(*array.Int32Builder).Append(int32(i + 1))
		appendOpt(b.Field(1).(*array.Int16Builder), r.i2)
		appendOpt(b.Field(2).(*array.Int32Builder), r.i4)
		appendOpt(b.Field(3).(*array.Int64Builder), r.i8)
		appendOpt(b.Field(4).(*array.Float32Builder), r.f4)
		appendOpt(b.Field(5).(*array.Float64Builder), r.f8)
		if r.num == nil {
			b.Field(6).AppendNull()
		} else {
			b.Field(6).(*array.Decimal128Builder).Append(decimal128.FromI64(*r.num))
		}
		appendOpt(b.Field(7).(*array.BooleanBuilder), r.b)
		appendOpt(b.Field(8).(*array.StringBuilder), r.t)
		appendOpt(b.Field(9).(*array.Date32Builder), r.d)
		appendOpt(b.Field(10).(*array.TimestampBuilder), r.ts)
		appendOpt(b.Field(11).(*array.TimestampBuilder), r.tstz)
		if r.bin == nil {
			b.Field(12).AppendNull()
		} else {
			b.Field(12).(*array.BinaryBuilder).Append(r.bin)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return writeParquet(path, rec, 4)
}

func appendOpt[T any](b interface {
	Append(T)
	AppendNull()
}, v *T) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.Append(*v)
}

func writeSymbols(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	fmt.Fprintln(f, "symbol,name,sector,listed,active")
	for _, s := range symbols {
		fmt.Fprintf(f, "%s,%s,%s,%s,%s\n", s.ticker, csvQuote(s.name), csvQuote(s.sector), s.listed, s.active)
	}
	return f.Close()
}

func csvQuote(s string) string {
	for _, c := range s {
		if c == ',' || c == '"' || c == '\n' {
			out := `"`
			for _, c := range s {
				if c == '"' {
					out += `""`
				} else {
					out += string(c)
				}
			}
			return out + `"`
		}
	}
	return s
}

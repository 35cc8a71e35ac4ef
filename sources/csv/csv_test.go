package csv_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/klauspost/compress/zstd"

	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/csv"
)

// date and ts are how dates and timestamps appear in rows read by scan, so
// that they cannot be confused with text.
type (
	date string // 2006-01-02
	ts   string // RFC 3339 in UTC
	dec  string // a numeric, with its scale
)

var (
	i64    = arrow.PrimitiveTypes.Int64
	f64    = arrow.PrimitiveTypes.Float64
	str    = arrow.BinaryTypes.String
	boolT  = arrow.FixedWidthTypes.Boolean
	date32 = arrow.FixedWidthTypes.Date32
	tsT    = &arrow.TimestampType{Unit: arrow.Microsecond}
	tstzT  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	numT   = &arrow.Decimal128Type{Precision: 38, Scale: 0}
	num1   = &arrow.Decimal128Type{Precision: 38, Scale: 1}
	timeT  = arrow.FixedWidthTypes.Time64us
)

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func value(t *testing.T, a arrow.Array, i int) any {
	t.Helper()
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		if inf, sign := pgtext.InfiniteDate(a.Value(i)); inf {
			return map[int]string{1: "inf", -1: "-inf"}[sign]
		}
		return date(a.Value(i).ToTime().Format("2006-01-02"))
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return ts(a.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano))
	case *array.Decimal128:
		return dec(a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale))
	case *array.Time64:
		return a.ValueStr(i)
	}
	t.Fatalf("unexpected array type %s", a.DataType())
	return nil
}

type result struct {
	schema  *arrow.Schema
	rows    [][]any
	batches []int64
	err     error
}

func scan(t *testing.T, tbl sources.TableProvider, ctx context.Context, projection []int, limit int64) result {
	t.Helper()
	rdr, err := tbl.Scan(ctx, sources.ScanRequest{Projection: projection, Limit: limit})
	if err != nil {
		return result{err: err}
	}
	defer rdr.Release()
	res := result{schema: rdr.Schema()}
	for rdr.Next() {
		b := rdr.RecordBatch()
		if !b.Schema().Equal(rdr.Schema()) {
			t.Fatalf("batch schema %s differs from reader schema %s", b.Schema(), rdr.Schema())
		}
		res.batches = append(res.batches, b.NumRows())
		for r := 0; r < int(b.NumRows()); r++ {
			row := make([]any, b.NumCols())
			for c := range row {
				row[c] = value(t, b.Column(c), r)
			}
			res.rows = append(res.rows, row)
		}
	}
	res.err = rdr.Err()
	return res
}

func fieldNames(s *arrow.Schema) []string {
	names := []string{}
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	return names
}

func checkTypes(t *testing.T, s *arrow.Schema, want []arrow.DataType) {
	t.Helper()
	if s.NumFields() != len(want) {
		t.Fatalf("schema %s has %d fields, want %d", s, s.NumFields(), len(want))
	}
	for i, w := range want {
		if !arrow.TypeEqual(s.Field(i).Type, w) {
			t.Errorf("column %d (%s) has type %s, want %s", i, s.Field(i).Name, s.Field(i).Type, w)
		}
	}
}

func TestInference(t *testing.T) {
	const (
		t1 = ts("2024-01-02T03:04:05Z")
	)
	tests := []struct {
		name    string
		content string
		names   []string
		types   []arrow.DataType
		rows    [][]any
	}{
		{
			name:    "header over numeric data",
			content: "id,price,qty\n1,2.5,3\n2,3,4\n",
			names:   []string{"id", "price", "qty"},
			types:   []arrow.DataType{i64, num1, i64},
			rows:    [][]any{{int64(1), dec("2.5"), int64(3)}, {int64(2), dec("3.0"), int64(4)}},
		},
		{
			name:    "no header when the first row has numbers",
			content: "1,alice\n2,bob\n3,carol\n",
			names:   []string{"column1", "column2"},
			types:   []arrow.DataType{i64, str},
			rows:    [][]any{{int64(1), "alice"}, {int64(2), "bob"}, {int64(3), "carol"}},
		},
		{
			name:    "no header: the first row takes part in inference",
			content: "1.5,x\n2,y\n",
			names:   []string{"column1", "column2"},
			types:   []arrow.DataType{num1, str},
			rows:    [][]any{{dec("1.5"), "x"}, {dec("2.0"), "y"}},
		},
		{
			name:    "no header: numeric first row over a text column and an int column",
			content: "1,2\na,3\nb,4\n",
			names:   []string{"column1", "column2"},
			types:   []arrow.DataType{str, i64},
			rows:    [][]any{{"1", int64(2)}, {"a", int64(3)}, {"b", int64(4)}},
		},
		{
			name:    "all text with distinct names is a header",
			content: "name,city\nalice,paris\nbob,rome\n",
			names:   []string{"name", "city"},
			types:   []arrow.DataType{str, str},
			rows:    [][]any{{"alice", "paris"}, {"bob", "rome"}},
		},
		{
			name:    "all text with a repeated value is not a header",
			content: "a,a\nb,c\n",
			names:   []string{"column1", "column2"},
			types:   []arrow.DataType{str, str},
			rows:    [][]any{{"a", "a"}, {"b", "c"}},
		},
		{
			name:    "all text with an empty value is not a header",
			content: "a,\nb,c\n",
			names:   []string{"column1", "column2"},
			types:   []arrow.DataType{str, str},
			rows:    [][]any{{"a", nil}, {"b", "c"}},
		},
		{
			name:    "header over a bool column",
			content: "active,n\ntrue,1\nfalse,2\n",
			names:   []string{"active", "n"},
			types:   []arrow.DataType{boolT, i64},
			rows:    [][]any{{true, int64(1)}, {false, int64(2)}},
		},
		{
			name:    "bool spellings",
			content: "flag\nt\nf\ntrue\nfalse\nTRUE\nFalse\nT\n",
			names:   []string{"flag"},
			types:   []arrow.DataType{boolT},
			rows:    [][]any{{true}, {false}, {true}, {false}, {true}, {false}, {true}},
		},
		{
			name:    "bool in any case, and yes and no, as PostgreSQL reads them",
			content: "v\ntRuE\nfalse\nYes\n no\n",
			names:   []string{"v"},
			types:   []arrow.DataType{boolT},
			rows:    [][]any{{true}, {false}, {true}, {false}},
		},
		{
			name:    "date-like header over integer columns",
			content: "name,2024-01-01,2024-01-02\nalice,3,4\nbob,5,6\n",
			names:   []string{"name", "2024-01-01", "2024-01-02"},
			types:   []arrow.DataType{str, i64, i64},
			rows:    [][]any{{"alice", int64(3), int64(4)}, {"bob", int64(5), int64(6)}},
		},
		{
			name:    "no header: a timestamp first row over dates widens the column",
			content: "2024-01-02 03:04:05\n2024-01-03\n",
			names:   []string{"column1"},
			types:   []arrow.DataType{tsT},
			rows:    [][]any{{t1}, {ts("2024-01-03T00:00:00Z")}},
		},
		{
			name:    "bool with NULL",
			content: "a,flag\n1,t\n2,\n3,f\n",
			names:   []string{"a", "flag"},
			types:   []arrow.DataType{i64, boolT},
			rows:    [][]any{{int64(1), true}, {int64(2), nil}, {int64(3), false}},
		},
		{
			name:    "int64 extremes",
			content: "v\n9223372036854775807\n-9223372036854775808\n+7\n",
			names:   []string{"v"},
			types:   []arrow.DataType{i64},
			rows:    [][]any{{int64(math.MaxInt64)}, {int64(math.MinInt64)}, {int64(7)}},
		},
		{
			name:    "integers beyond bigint are numeric, exactly",
			content: "v\n12345678901234567890\n1\n",
			names:   []string{"v"},
			types:   []arrow.DataType{numT},
			rows:    [][]any{{dec("12345678901234567890")}, {dec("1")}},
		},
		{
			name:    "integers beyond numeric's 38 digits are text",
			content: "v\n123456789012345678901234567890123456789\n1\n",
			names:   []string{"v"},
			types:   []arrow.DataType{str},
			rows:    [][]any{{"123456789012345678901234567890123456789"}, {"1"}},
		},
		{
			name:    "leading zeros keep a column text",
			content: "city,zip\nBoston,02134\nAustin,78701\n",
			names:   []string{"city", "zip"},
			types:   []arrow.DataType{str, str},
			rows:    [][]any{{"Boston", "02134"}, {"Austin", "78701"}},
		},
		{
			name:    "padded numbers are numbers; header names are trimmed",
			content: "id, name, qty\n1, alice, 10\n2, bob, 20\n",
			names:   []string{"id", "name", "qty"},
			types:   []arrow.DataType{i64, str, i64},
			rows:    [][]any{{int64(1), " alice", int64(10)}, {int64(2), " bob", int64(20)}},
		},
		{
			name:    "repeated and empty header names",
			content: "a,a,,b\nx,1,2,3\ny,4,5,6\n",
			names:   []string{"a", "a_1", "column3", "b"},
			types:   []arrow.DataType{str, i64, i64, i64},
			rows:    [][]any{{"x", int64(1), int64(2), int64(3)}, {"y", int64(4), int64(5), int64(6)}},
		},
		{
			name:    "times of day",
			content: "t\n12:34:56\n01:02\n23:59:59.5\n",
			names:   []string{"t"},
			types:   []arrow.DataType{timeT},
			rows:    [][]any{{"12:34:56.000000"}, {"01:02:00.000000"}, {"23:59:59.500000"}},
		},
		{
			name:    "timestamps PostgreSQL reads that arrow does not",
			content: "v\n2024-01-02t03:04:05\n2024-01-02 03:04:05.1234567\n2024-01-02 24:00:00\n",
			names:   []string{"v"},
			types:   []arrow.DataType{tsT},
			rows:    [][]any{{ts("2024-01-02T03:04:05Z")}, {ts("2024-01-02T03:04:05.123457Z")}, {ts("2024-01-03T00:00:00Z")}},
		},
		{
			name:    "a byte order mark is not data",
			content: "\xef\xbb\xbf\"id\",\"name\"\n1,a\n",
			names:   []string{"id", "name"},
			types:   []arrow.DataType{i64, str},
			rows:    [][]any{{int64(1), "a"}},
		},
		{
			name:    "one row of numbers is data",
			content: "1,2\n",
			names:   []string{"column1", "column2"},
			types:   []arrow.DataType{i64, i64},
			rows:    [][]any{{int64(1), int64(2)}},
		},
		{
			name:    "one row of names is a header",
			content: "name,city\n",
			names:   []string{"name", "city"},
			types:   []arrow.DataType{str, str},
			rows:    nil,
		},
		{
			name:    "CR line ends, and a CRLF inside quotes kept",
			content: "id,v\r1,\"a\r\nb\"\r2,c\r",
			names:   []string{"id", "v"},
			types:   []arrow.DataType{i64, str},
			rows:    [][]any{{int64(1), "a\r\nb"}, {int64(2), "c"}},
		},
		{
			name:    "quotes inside a field open and close a quoted section",
			content: "v\nab\"c,d\"e\nx\n",
			names:   []string{"v"},
			types:   []arrow.DataType{str},
			rows:    [][]any{{"abc,de"}, {"x"}},
		},
		{
			name:    "mixed int and float is float64",
			content: "x\n1\n2.5\n-3\n1e3\ninf\n-Infinity\n",
			names:   []string{"x"},
			types:   []arrow.DataType{f64},
			rows:    [][]any{{1.0}, {2.5}, {-3.0}, {1000.0}, {math.Inf(1)}, {math.Inf(-1)}},
		},
		{
			name:    "date",
			content: "d\n2024-01-02\n1999-12-31\n",
			names:   []string{"d"},
			types:   []arrow.DataType{date32},
			rows:    [][]any{{date("2024-01-02")}, {date("1999-12-31")}},
		},
		{
			name:    "timestamp",
			content: "ts\n2024-01-02 03:04:05\n2024-01-02T03:04:05.123456\n",
			names:   []string{"ts"},
			types:   []arrow.DataType{tsT},
			rows:    [][]any{{t1}, {ts("2024-01-02T03:04:05.123456Z")}},
		},
		{
			name:    "timestamptz",
			content: "ts\n2024-01-02 03:04:05+00\n2024-01-02T03:04:05Z\n2024-01-02 05:04:05+02:00\n2024-01-01 23:04:05-04\n2024-01-02 08:34:05+0530\n",
			names:   []string{"ts"},
			types:   []arrow.DataType{tstzT},
			rows:    [][]any{{t1}, {t1}, {t1}, {t1}, {t1}},
		},
		{
			name:    "date and timestamp is timestamp",
			content: "v\n2024-01-02\n2024-01-02 03:04:05\n",
			names:   []string{"v"},
			types:   []arrow.DataType{tsT},
			rows:    [][]any{{ts("2024-01-02T00:00:00Z")}, {t1}},
		},
		{
			name:    "int and text is text",
			content: "v\n1\nabc\n",
			names:   []string{"v"},
			types:   []arrow.DataType{str},
			rows:    [][]any{{"1"}, {"abc"}},
		},
		{
			name:    "bool and int is text",
			content: "v\nt\n1\n",
			names:   []string{"v"},
			types:   []arrow.DataType{str},
			rows:    [][]any{{"t"}, {"1"}},
		},
		{
			name:    "date and int is text",
			content: "v\n2024-01-02\n5\n",
			names:   []string{"v"},
			types:   []arrow.DataType{str},
			rows:    [][]any{{"2024-01-02"}, {"5"}},
		},
		{
			name:    "date and timestamptz is timestamptz",
			content: "v\n2024-01-02\n2024-01-02 03:04:05Z\n",
			names:   []string{"v"},
			types:   []arrow.DataType{tstzT},
			rows:    [][]any{{ts("2024-01-02T00:00:00Z")}, {ts("2024-01-02T03:04:05Z")}},
		},
		{
			name:    "hex and digit separators are text",
			content: "v\n0x10\n1_000\n",
			names:   []string{"v"},
			types:   []arrow.DataType{str},
			rows:    [][]any{{"0x10"}, {"1_000"}},
		},
		{
			name:    "invalid date is text",
			content: "v\n2024-02-30\n2024-01-02\n",
			names:   []string{"v"},
			types:   []arrow.DataType{str},
			rows:    [][]any{{"2024-02-30"}, {"2024-01-02"}},
		},
		{
			name:    "empty fields are NULL",
			content: "a,b,c\n1,,x\n,2.5,\n",
			names:   []string{"a", "b", "c"},
			types:   []arrow.DataType{i64, num1, str},
			rows:    [][]any{{int64(1), nil, "x"}, {nil, dec("2.5"), nil}},
		},
		{
			name:    "a column of only empty fields is text",
			content: "a,b\n1,\n2,\n",
			names:   []string{"a", "b"},
			types:   []arrow.DataType{i64, str},
			rows:    [][]any{{int64(1), nil}, {int64(2), nil}},
		},
		{
			name:    "quoted fields",
			content: "name,qty\n\"Smith, John\",3\n\"say \"\"hi\"\"\",4\n\"two\nlines\",5\n\"\",6\n",
			names:   []string{"name", "qty"},
			types:   []arrow.DataType{str, i64},
			rows:    [][]any{{"Smith, John", int64(3)}, {`say "hi"`, int64(4)}, {"two\nlines", int64(5)}, {"", int64(6)}},
		},
		{
			// As in PostgreSQL: an unquoted empty field is NULL, a quoted
			// one the empty string.
			name:    "quoted empty string is not NULL",
			content: "id,a,b\n1,,\"\"\n2,\"\",\n",
			names:   []string{"id", "a", "b"},
			types:   []arrow.DataType{i64, str, str},
			rows:    [][]any{{int64(1), nil, ""}, {int64(2), "", nil}},
		},
		{
			name:    "quoted header",
			content: "\"id\",\"full, name\"\n1,x\n",
			names:   []string{"id", "full, name"},
			types:   []arrow.DataType{i64, str},
			rows:    [][]any{{int64(1), "x"}},
		},
		{
			name:    "CRLF line endings",
			content: "id,name\r\n1,x\r\n2,y\r\n",
			names:   []string{"id", "name"},
			types:   []arrow.DataType{i64, str},
			rows:    [][]any{{int64(1), "x"}, {int64(2), "y"}},
		},
		{
			name:    "no trailing newline",
			content: "id,name\n1,x\n2,y",
			names:   []string{"id", "name"},
			types:   []arrow.DataType{i64, str},
			rows:    [][]any{{int64(1), "x"}, {int64(2), "y"}},
		},
		{
			name:    "header only",
			content: "a,b\n",
			names:   []string{"a", "b"},
			types:   []arrow.DataType{str, str},
			rows:    nil,
		},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(dir, fmt.Sprintf("t%d.csv", i)), tc.content)
			tbl, err := csv.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fieldNames(tbl.Schema()); !reflect.DeepEqual(got, tc.names) {
				t.Errorf("columns %v, want %v", got, tc.names)
			}
			checkTypes(t, tbl.Schema(), tc.types)
			for _, f := range tbl.Schema().Fields() {
				if !f.Nullable {
					t.Errorf("column %s is not nullable", f.Name)
				}
			}
			res := scan(t, tbl, context.Background(), nil, -1)
			if res.err != nil {
				t.Fatalf("scan: %v", res.err)
			}
			if !res.schema.Equal(tbl.Schema()) {
				t.Errorf("scan schema %s, want %s", res.schema, tbl.Schema())
			}
			if !reflect.DeepEqual(res.rows, tc.rows) {
				t.Fatalf("rows\n got %v\nwant %v", res.rows, tc.rows)
			}
		})
	}
}

// Columns where some timestamps carry a zone and others do not must still
// be readable.
func TestMixedZoneTimestamps(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "m.csv"),
		"id,v\n1,2024-01-02 03:04:05\n2,2024-01-02 03:04:05+00\n")
	tbl, err := csv.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	res := scan(t, tbl, context.Background(), nil, -1)
	if res.err != nil {
		t.Fatalf("table of type %s cannot be read: %v", tbl.Schema().Field(1).Type, res.err)
	}
	// A timestamp without an offset reads as UTC, as in a session
	// whose TimeZone is UTC.
	checkTypes(t, tbl.Schema(), []arrow.DataType{i64, tstzT})
	want := [][]any{{int64(1), ts("2024-01-02T03:04:05Z")}, {int64(2), ts("2024-01-02T03:04:05Z")}}
	if !reflect.DeepEqual(res.rows, want) {
		t.Fatalf("rows %v, want %v", res.rows, want)
	}
}

func TestScanProjectionAndLimit(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "p.csv"),
		"id,name,score,day\n1,a,1.5,2024-01-01\n2,,2.5,2024-01-02\n3,c,,2024-01-03\n4,d,4.5,\n5,e,5.5,2024-01-05\n")
	tbl, err := csv.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	checkTypes(t, tbl.Schema(), []arrow.DataType{i64, str, num1, date32})
	all := [][]any{
		{int64(1), "a", dec("1.5"), date("2024-01-01")},
		{int64(2), nil, dec("2.5"), date("2024-01-02")},
		{int64(3), "c", nil, date("2024-01-03")},
		{int64(4), "d", dec("4.5"), nil},
		{int64(5), "e", dec("5.5"), date("2024-01-05")},
	}
	tests := []struct {
		name       string
		projection []int
		limit      int64
		names      []string
		rows       int
	}{
		{"nil projection", nil, -1, []string{"id", "name", "score", "day"}, 5},
		{"projection [2 0]", []int{2, 0}, -1, []string{"score", "id"}, 5},
		{"projection [3 1 0 2]", []int{3, 1, 0, 2}, -1, []string{"day", "name", "id", "score"}, 5},
		{"repeated column", []int{1, 1}, -1, []string{"name", "name"}, 5},
		{"empty projection", []int{}, -1, []string{}, 5},
		{"limit 2", []int{2, 0}, 2, []string{"score", "id"}, 2},
		{"limit 3 empty projection", []int{}, 3, []string{}, 3},
		{"limit 0", nil, 0, []string{"id", "name", "score", "day"}, 0},
		{"limit above row count", nil, 50, []string{"id", "name", "score", "day"}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := scan(t, tbl, context.Background(), tc.projection, tc.limit)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if got := fieldNames(res.schema); !reflect.DeepEqual(got, tc.names) {
				t.Errorf("columns %v, want %v", got, tc.names)
			}
			if len(res.rows) != tc.rows {
				t.Fatalf("got %d rows, want %d", len(res.rows), tc.rows)
			}
			for i, row := range res.rows {
				want := all[i]
				if tc.projection != nil {
					want = make([]any, len(tc.projection))
					for j, c := range tc.projection {
						want[j] = all[i][c]
					}
				}
				if !reflect.DeepEqual(row, want) {
					t.Errorf("row %d = %v, want %v", i, row, want)
				}
			}
		})
	}
}

func TestOpenDirectoryAndGlob(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b.csv"), "id,name\n3,c\n4,d\n")
	writeFile(t, filepath.Join(dir, "a.csv"), "id,name\n1,a\n2,b\n")
	writeFile(t, filepath.Join(dir, "notes.txt"), "not,a\ntable,!\n")
	want := [][]any{{int64(1), "a"}, {int64(2), "b"}, {int64(3), "c"}, {int64(4), "d"}}

	for _, path := range []string{dir, filepath.Join(dir, "*.csv")} {
		t.Run(path, func(t *testing.T) {
			tbl, err := csv.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			wantFiles := []string{filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")}
			if !reflect.DeepEqual(tbl.Files(), wantFiles) {
				t.Errorf("Files() = %v, want %v", tbl.Files(), wantFiles)
			}
			if got := fieldNames(tbl.Schema()); !reflect.DeepEqual(got, []string{"id", "name"}) {
				t.Errorf("columns %v", got)
			}
			res := scan(t, tbl, context.Background(), nil, -1)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if !reflect.DeepEqual(res.rows, want) {
				t.Fatalf("rows\n got %v\nwant %v", res.rows, want)
			}
			// A limit that ends in the second file.
			res = scan(t, tbl, context.Background(), []int{1}, 3)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if w := [][]any{{"a"}, {"b"}, {"c"}}; !reflect.DeepEqual(res.rows, w) {
				t.Fatalf("limit 3 rows %v, want %v", res.rows, w)
			}
			// A part per file, each the file's rows.
			parts, err := tbl.Partitions(context.Background(), sources.ScanRequest{Projection: []int{1}, Limit: -1})
			if err != nil || len(parts) != 2 {
				t.Fatalf("%d partitions, %v; want 2", len(parts), err)
			}
			for i, w := range [][][]any{{{"a"}, {"b"}}, {{"c"}, {"d"}}} {
				rdr, err := parts[i].Scan(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				var rows [][]any
				for rdr.Next() {
					b := rdr.RecordBatch()
					for r := range int(b.NumRows()) {
						rows = append(rows, []any{b.Column(0).(*array.String).Value(r)})
					}
				}
				rdr.Release()
				if !reflect.DeepEqual(rows, w) {
					t.Errorf("partition %d: rows %v, want %v", i, rows, w)
				}
			}
		})
	}
}

func TestSecondFileWithOtherLayout(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "id,name\n1,a\n")
	b := writeFile(t, filepath.Join(dir, "b.csv"), "id,name,extra\n2,b,x\n")
	if tbl, err := csv.Open(dir); err == nil || !strings.Contains(err.Error(), b) {
		t.Errorf("files with 2 and 3 columns: table %v, error %v; want an error naming %s", tbl, err, b)
	}
	// Columns in another order would land in the wrong columns.
	c := writeFile(t, filepath.Join(t.TempDir(), "c.csv"), "name,id\nc,3\n")
	a := filepath.Join(dir, "a.csv")
	if tbl, err := csv.OpenFiles([]string{a, c}); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("files with swapped columns: table %v, error %v; want a header error", tbl, err)
	}
	// Without a header the field count is checked as the rows are read.
	d := writeFile(t, filepath.Join(t.TempDir(), "d.csv"), "1,a\n")
	e := writeFile(t, filepath.Join(t.TempDir(), "e.csv"), "2,b,x\n")
	tbl, err := csv.OpenFiles([]string{d, e})
	if err != nil {
		t.Fatal(err)
	}
	res := scan(t, tbl, context.Background(), nil, -1)
	if res.err == nil || !strings.Contains(res.err.Error(), e) || !strings.Contains(res.err.Error(), "extra data after last expected column") {
		t.Errorf("scan over files with 2 and 3 fields: rows %v, error %v", res.rows, res.err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, filepath.Join(dir, "empty.csv"), "")
	ragged := writeFile(t, filepath.Join(dir, "ragged.csv"), "a,b\n1,2\n3\n")
	quote := writeFile(t, filepath.Join(dir, "quote.csv"), "a,b\n1,\"unterminated\n")
	tests := []struct {
		name    string
		open    func() (*csv.Table, error)
		wantErr string
	}{
		{"missing file", func() (*csv.Table, error) { return csv.Open(filepath.Join(dir, "nosuch.csv")) }, "nosuch.csv"},
		{"missing file in OpenFiles", func() (*csv.Table, error) { return csv.OpenFiles([]string{filepath.Join(dir, "nosuch.csv")}) }, "nosuch.csv"},
		{"no files", func() (*csv.Table, error) { return csv.OpenFiles(nil) }, "no files"},
		{"empty file", func() (*csv.Table, error) { return csv.Open(empty) }, empty},
		{"ragged rows", func() (*csv.Table, error) { return csv.Open(ragged) }, ragged},
		{"unterminated quote", func() (*csv.Table, error) { return csv.Open(quote) }, quote},
		{"glob without match", func() (*csv.Table, error) { return csv.Open(filepath.Join(dir, "*.nomatch")) }, "no files match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl, err := tc.open()
			if err == nil {
				t.Fatalf("opened a table with schema %s", tbl.Schema())
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

// A value past the rows type inference looks at that does not fit its
// column's type must fail the scan, not read as NULL, even when a limit is
// reached in the same batch.
func TestParseErrorAfterSample(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,v\n")
	for i := range 1500 {
		v := fmt.Sprint(i)
		if i == 1200 {
			v = "oops"
		}
		fmt.Fprintf(&sb, "%d,%s\n", i, v)
	}
	path := writeFile(t, filepath.Join(t.TempDir(), "late.csv"), sb.String())
	tbl, err := csv.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	checkTypes(t, tbl.Schema(), []arrow.DataType{i64, i64})
	for _, tc := range []struct {
		name       string
		projection []int
		limit      int64
	}{
		{"no limit", nil, -1},
		{"limit past the bad row", nil, 1300},
		{"projection of the bad column", []int{1}, 1300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := scan(t, tbl, context.Background(), tc.projection, tc.limit)
			if res.err == nil {
				t.Fatalf("scan read %d rows without error", len(res.rows))
			}
			if !strings.Contains(res.err.Error(), path) {
				t.Errorf("error %q does not name the file", res.err)
			}
			for _, row := range res.rows {
				for _, v := range row {
					if v == nil {
						t.Fatalf("scan returned a NULL for a value it could not parse: row %v", row)
					}
				}
			}
		})
	}
}

func TestScanCancelled(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "id,name\n1,a\n2,b\n")
	writeFile(t, filepath.Join(dir, "b.csv"), "id,name\n3,c\n")
	tbl, err := csv.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := scan(t, tbl, ctx, nil, -1)
	if !errors.Is(res.err, context.Canceled) || len(res.rows) != 0 {
		t.Fatalf("cancelled before scan: %d rows, error %v; want none and context.Canceled", len(res.rows), res.err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	rdr, err := tbl.Scan(ctx, sources.ScanRequest{Projection: []int{1}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	cancel()
	if rdr.Next() {
		t.Fatal("reader returned a batch after cancellation")
	}
	if !errors.Is(rdr.Err(), context.Canceled) {
		t.Fatalf("reader error %v, want context.Canceled", rdr.Err())
	}
}

func TestSampleSymbols(t *testing.T) {
	tbl, err := csv.Open("../../testdata/sample/symbols.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fieldNames(tbl.Schema()), []string{"symbol", "name", "sector", "listed", "active"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("columns %v, want %v", got, want)
	}
	checkTypes(t, tbl.Schema(), []arrow.DataType{str, str, str, date32, boolT})
	res := scan(t, tbl, context.Background(), nil, -1)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.rows) != 8 {
		t.Fatalf("got %d rows, want 8", len(res.rows))
	}
	bySymbol := map[string][]any{}
	for _, row := range res.rows {
		bySymbol[row[0].(string)] = row
	}
	checks := map[string][]any{
		"BTC-USD": {"BTC-USD", "Bitcoin", nil, date("2009-01-03"), true},
		"AMZN":    {"AMZN", "Amazon.com, Inc.", "Consumer Discretionary", date("1997-05-15"), true},
		"GOOG":    {"GOOG", `Alphabet Inc. "Class C"`, "Communication Services", date("2014-04-03"), true},
		"TWTR":    {"TWTR", "Twitter, Inc.", "Communication Services", date("2013-11-07"), false},
	}
	for sym, want := range checks {
		if got := bySymbol[sym]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: row %v, want %v", sym, got, want)
		}
	}
	var nullSectors []string
	for _, row := range res.rows {
		if row[2] == nil {
			nullSectors = append(nullSectors, row[0].(string))
		}
	}
	if want := []string{"BTC-USD", "ETH-USD"}; !reflect.DeepEqual(nullSectors, want) {
		t.Errorf("rows with NULL sector: %v, want %v", nullSectors, want)
	}
}

func TestScanConcurrent(t *testing.T) {
	dir := t.TempDir()
	var a, b strings.Builder
	a.WriteString("id,half\n")
	b.WriteString("id,half\n")
	for i := range 300 {
		w := &a
		if i >= 200 {
			w = &b
		}
		fmt.Fprintf(w, "%d,%e\n", i, float64(i)/2) // with an exponent: double precision
	}
	writeFile(t, filepath.Join(dir, "a.csv"), a.String())
	writeFile(t, filepath.Join(dir, "b.csv"), b.String())
	tbl, err := csv.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkTypes(t, tbl.Schema(), []arrow.DataType{i64, f64})
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			// Half the scans read id first, half second.
			projection, idPos := []int{0, 1}, 0
			if i%2 == 1 {
				projection, idPos = []int{1, 0}, 1
			}
			rdr, err := tbl.Scan(context.Background(), sources.ScanRequest{Projection: projection, Limit: -1})
			if err != nil {
				errs <- err
				return
			}
			defer rdr.Release()
			next := int64(0)
			for rdr.Next() {
				ids := rdr.RecordBatch().Column(idPos).(*array.Int64)
				halves := rdr.RecordBatch().Column(1 - idPos).(*array.Float64)
				for r := range ids.Len() {
					if ids.Value(r) != next || halves.Value(r) != float64(next)/2 {
						errs <- fmt.Errorf("scan %d: row %d is (%d, %g)", i, next, ids.Value(r), halves.Value(r))
						return
					}
					next++
				}
			}
			if err := rdr.Err(); err != nil {
				errs <- err
				return
			}
			if next != 300 {
				errs <- fmt.Errorf("scan %d read %d rows, want 300", i, next)
				return
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestOptionsAndCompression(t *testing.T) {
	dir := t.TempDir()
	data := "1;NA;2024-01-02\n2;x;NA\n"
	plain := filepath.Join(dir, "semi.csv")
	if err := os.WriteFile(plain, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("a,b\n1,x\n2,y\n"))
	zw.Close()
	gzPath := filepath.Join(dir, "z.csv.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	enc, _ := zstd.NewWriter(nil)
	zstPath := filepath.Join(dir, "z.csv.zst")
	if err := os.WriteFile(zstPath, enc.EncodeAll([]byte("a,b\n3,z\n"), nil), 0o644); err != nil {
		t.Fatal(err)
	}
	noHeader := false
	tb, err := csv.OpenWith(context.Background(), sources.LocalFS{}, []string{plain}, csv.Options{Delimiter: ';', Header: &noHeader, Null: "NA"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.Schema().String(); !strings.Contains(got, "column1: type=int64") || !strings.Contains(got, "column3: type=date32") {
		t.Fatalf("schema %s", got)
	}
	res := scan(t, tb, context.Background(), nil, -1)
	if res.err != nil || len(res.rows) != 2 || res.rows[0][1] != nil || res.rows[1][2] != nil || res.rows[1][1] != "x" {
		t.Fatalf("rows %v, %v", res.rows, res.err)
	}
	// A directory lists the compressed files too, and reads them.
	tb, err = csv.Open(dir + "/z.*")
	if err != nil {
		t.Fatal(err)
	}
	res = scan(t, tb, context.Background(), nil, -1)
	if res.err != nil || len(res.rows) != 3 || res.rows[2][1] != "z" {
		t.Fatalf("compressed rows %v, %v", res.rows, res.err)
	}
}

// Values the sample did not see fail with PostgreSQL's error for the
// value, naming the file, line and column; so do malformed records.
func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		content  string
		code     string
		contains []string
	}{
		{"not an integer", "id,v\n1,2\n2,3\n3,1.5\n", "22P02", []string{`line 4, column v: invalid input syntax for type bigint: "1.5"`}},
		{"out of range", "id,v\n1,2\n2,3\n3,99999999999999999999\n", "22003", []string{"line 4, column v", "out of range for type bigint"}},
		{"not a date", "id,d\n1,2024-01-02\n2,2024-01-03\n3,2024-02-30\n", "22008", []string{"line 4, column d"}},
		{"not UTF-8", "id,s\n1,a\n2,b\n3,caf\xe9\n", "22021", []string{"line 4, column s", `invalid byte sequence for encoding "UTF8": 0xe9`}},
		{"NUL byte", "id,s\n1,a\n2,b\n3,a\x00b\n", "22021", []string{"0x00"}},
		{"too many fields", "id,s\n1,a\n2,b\n3,c,d\n", "22P04", []string{"line 4", "extra data after last expected column"}},
		{"too few fields", "id,s\n1,a\n2,b\n3\n", "22P04", []string{"line 4", `missing data for column "s"`}},
		{"unterminated quote", "id,s\n1,a\n2,b\n3,\"c\n", "22P04", []string{"unterminated CSV quoted field"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv"), tc.content)
			tbl, err := csv.OpenWith(context.Background(), sources.LocalFS{}, []string{path}, csv.Options{SampleRows: 2})
			if err != nil {
				t.Fatal(err)
			}
			res := scan(t, tbl, context.Background(), nil, -1)
			var pe *pgerror.Error
			if !errors.As(res.err, &pe) || pe.Code != tc.code {
				t.Fatalf("error %v, want SQLSTATE %s", res.err, tc.code)
			}
			for _, s := range append(tc.contains, path) {
				if !strings.Contains(pe.Message, s) {
					t.Errorf("message %q does not contain %q", pe.Message, s)
				}
			}
			if !strings.Contains(pe.Hint, "sample") && tc.code != "22P04" {
				t.Errorf("hint %q does not say how to infer from more rows", pe.Hint)
			}
		})
	}
}

// The null text reads as NULL in the first row too, which is then data,
// and only unquoted: a quoted "NA" is the text NA.
func TestNullText(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "na.csv"), "1,NA\n2,x\n3,\"NA\"\n4,\n,y\n")
	tbl, err := csv.OpenWith(context.Background(), sources.LocalFS{}, []string{path}, csv.Options{Null: "NA"})
	if err != nil {
		t.Fatal(err)
	}
	checkTypes(t, tbl.Schema(), []arrow.DataType{i64, str})
	res := scan(t, tbl, context.Background(), nil, -1)
	// The empty field is the empty string where NULL is spelt NA, as in
	// PostgreSQL (NULL in a column that is not text).
	want := [][]any{{int64(1), nil}, {int64(2), "x"}, {int64(3), "NA"}, {int64(4), ""}, {nil, "y"}}
	if res.err != nil || !reflect.DeepEqual(res.rows, want) {
		t.Fatalf("rows %v (error %v), want %v", res.rows, res.err, want)
	}
}

// Decimals are numeric with the sample's largest scale, so that money
// keeps its cents and sums are exact; exponents, infinities and numbers
// longer than numeric holds are double precision.
func TestDecimalInference(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		content string
		typ     arrow.DataType
		rows    []any
	}{
		{"price\n12.30\n0.1\n7\n", &arrow.Decimal128Type{Precision: 38, Scale: 2}, []any{dec("12.30"), dec("0.10"), dec("7.00")}},
		{"v\n-.5\n+3.\n", &arrow.Decimal128Type{Precision: 38, Scale: 1}, []any{dec("-0.5"), dec("3.0")}},
		{"v\n1.5\n1e3\n", f64, []any{1.5, 1000.0}},
		{"v\n1.5\nInfinity\n", f64, []any{1.5, math.Inf(1)}},
		{"v\n0.123456789012345678901234567890123456789\n", f64, []any{0.12345678901234568}},
		{"d\n2024-01-02\ninfinity\n-infinity\n", date32, []any{date("2024-01-02"), "inf", "-inf"}},
		{"d\n2024-01-02\n0044-03-15 BC\n", date32, []any{date("2024-01-02"), date("-0043-03-15")}},
	} {
		path := writeFile(t, filepath.Join(dir, "d.csv"), tc.content)
		tbl, err := csv.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		checkTypes(t, tbl.Schema(), []arrow.DataType{tc.typ})
		res := scan(t, tbl, context.Background(), nil, -1)
		if res.err != nil {
			t.Fatalf("%q: %v", tc.content, res.err)
		}
		for i, want := range tc.rows {
			if got := res.rows[i][0]; got != want {
				t.Errorf("%q row %d: %#v, want %#v", tc.content, i, got, want)
			}
		}
	}
}

// A header must be text a client can read: PostgreSQL refuses such a
// file too.
func TestHeaderNotUTF8(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "h.csv"), "id,Pr\xe9nom\n1,a\n")
	if _, err := csv.Open(path); err == nil || !strings.Contains(err.Error(), "0xe9") {
		t.Fatalf("error %v, want one about byte 0xe9", err)
	}
}

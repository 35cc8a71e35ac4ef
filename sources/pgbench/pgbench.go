// Package pgbench serves the four tables of PostgreSQL's pgbench
// (pgbench_accounts, pgbench_branches, pgbench_tellers and pgbench_history)
// at a scale factor, generated on the fly with the values `pgbench -i -s
// SCALE` loads into PostgreSQL, so that the real pgbench's read-only
// workload (`pgbench -n -S`) can run against riffq:
//
//	riffq --source pgbench:10
//	pgbench -n -S -c 8 -T 30 postgres://127.0.0.1:5433/bench
//
// Nothing is stored: every scan computes its rows from their keys. A
// comparison of a table's key (aid, bid, tid) with a constant is applied by
// the scan itself (it is declared Exact), so `WHERE aid = $1` reads one row.
package pgbench

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/sources"
)

// Rows per scale unit, as pgbench defines them (naccounts, ntellers,
// nbranches in pgbench.c).
const (
	AccountsPerBranch = 100_000
	TellersPerBranch  = 10
)

// Widths of the filler columns, char(n) in pgbench's DDL. riffq has no
// char(n), so they are text: the accounts' filler holds n spaces, what
// PostgreSQL sends for a char(n) holding the empty string (pgbench -i's
// value), and the branches' and tellers' are NULL, as pgbench -i leaves
// them. Being text, the padding counts where char(n) ignores it:
// length(filler) is 84 here and 0 in PostgreSQL.
const (
	accountsFillerWidth = 84
	branchesFillerWidth = 88
	tellersFillerWidth  = 84
	historyFillerWidth  = 22
)

// Names of the tables, in the order Tables lists them.
const (
	Accounts = "pgbench_accounts"
	Branches = "pgbench_branches"
	Tellers  = "pgbench_tellers"
	History  = "pgbench_history"
)

// batchRows is the most rows one batch of a scan holds.
const batchRows = 64 * 1024

// MaxScale is the largest scale Tables accepts: pgbench's aid is an int4
// up to scale 21474 (pgbench itself switches to int8 beyond it).
const MaxScale = 21474

var (
	int32Type = arrow.PrimitiveTypes.Int32
	textType  = arrow.BinaryTypes.String
)

// fillerField is a char(width) column, with its declared type recorded in
// the field's metadata for readers of the schema.
func fillerField(width int) arrow.Field {
	md := arrow.NewMetadata([]string{"pgbench.type"}, []string{fmt.Sprintf("char(%d)", width)})
	return arrow.Field{Name: "filler", Type: textType, Nullable: true, Metadata: md}
}

// Table is one pgbench table at a scale. Its rows are numbered 1..Rows();
// row k has key k (aid, bid or tid).
type Table struct {
	name   string
	schema *arrow.Schema
	rows   int64
	// columns builds the column i of rows [lo, hi] (keys, 1-based,
	// inclusive).
	column func(i int, lo, hi int64) arrow.Array
}

// Tables returns the four pgbench tables at scale, by name. scale must be
// between 1 and MaxScale.
func Tables(scale int) (map[string]*Table, error) {
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("pgbench scale %d: want 1 to %d", scale, MaxScale)
	}
	s := int64(scale)
	accountsFiller := newConstText(strings.Repeat(" ", accountsFillerWidth), batchRows)
	return map[string]*Table{
		Accounts: {
			name: Accounts,
			schema: arrow.NewSchema([]arrow.Field{
				{Name: "aid", Type: int32Type}, {Name: "bid", Type: int32Type, Nullable: true},
				{Name: "abalance", Type: int32Type, Nullable: true}, fillerField(accountsFillerWidth),
			}, nil),
			rows: s * AccountsPerBranch,
			column: func(i int, lo, hi int64) arrow.Array {
				switch i {
				case 0:
					return int32Seq(lo, hi, func(k int64) int32 { return int32(k) })
				case 1:
					return int32Seq(lo, hi, func(k int64) int32 { return int32((k-1)/AccountsPerBranch + 1) })
				case 2:
					return int32Seq(lo, hi, func(int64) int32 { return 0 })
				}
				return accountsFiller.slice(hi - lo + 1)
			},
		},
		Branches: {
			name: Branches,
			schema: arrow.NewSchema([]arrow.Field{
				{Name: "bid", Type: int32Type}, {Name: "bbalance", Type: int32Type, Nullable: true},
				fillerField(branchesFillerWidth),
			}, nil),
			rows: s,
			column: func(i int, lo, hi int64) arrow.Array {
				switch i {
				case 0:
					return int32Seq(lo, hi, func(k int64) int32 { return int32(k) })
				case 1:
					return int32Seq(lo, hi, func(int64) int32 { return 0 })
				}
				return nullArray(textType, hi-lo+1)
			},
		},
		Tellers: {
			name: Tellers,
			schema: arrow.NewSchema([]arrow.Field{
				{Name: "tid", Type: int32Type}, {Name: "bid", Type: int32Type, Nullable: true},
				{Name: "tbalance", Type: int32Type, Nullable: true}, fillerField(tellersFillerWidth),
			}, nil),
			rows: s * TellersPerBranch,
			column: func(i int, lo, hi int64) arrow.Array {
				switch i {
				case 0:
					return int32Seq(lo, hi, func(k int64) int32 { return int32(k) })
				case 1:
					return int32Seq(lo, hi, func(k int64) int32 { return int32((k-1)/TellersPerBranch + 1) })
				case 2:
					return int32Seq(lo, hi, func(int64) int32 { return 0 })
				}
				return nullArray(textType, hi-lo+1)
			},
		},
		History: {
			name: History,
			schema: arrow.NewSchema([]arrow.Field{
				{Name: "tid", Type: int32Type, Nullable: true}, {Name: "bid", Type: int32Type, Nullable: true},
				{Name: "aid", Type: int32Type, Nullable: true}, {Name: "delta", Type: int32Type, Nullable: true},
				{Name: "mtime", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
				fillerField(historyFillerWidth),
			}, nil),
			rows: 0,
			column: func(i int, lo, hi int64) arrow.Array {
				return nullArray([]arrow.DataType{int32Type, int32Type, int32Type, int32Type,
					&arrow.TimestampType{Unit: arrow.Microsecond}, textType}[i], hi-lo+1)
			},
		},
	}, nil
}

// TableNames lists the tables Tables returns, in registration order.
var TableNames = []string{Accounts, Branches, Tellers, History}

// Name returns the table's name, e.g. pgbench_accounts.
func (t *Table) Name() string { return t.name }

// Rows returns the table's row count.
func (t *Table) Rows() int64 { return t.rows }

// Schema implements sources.TableProvider.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// Statistics implements sources.StatisticsProvider.
func (t *Table) Statistics() sources.Statistics { return sources.Statistics{RowCount: t.rows} }

// Scan implements sources.TableProvider. Filters on the key column that
// SupportsFilters accepted narrow the rows read; Limit caps them.
func (t *Table) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	for _, c := range req.Projection {
		if c < 0 || c >= t.schema.NumFields() {
			return nil, fmt.Errorf("%s: no column %d", t.name, c)
		}
	}
	r := keyRange{lo: 1, hi: t.rows}
	for _, f := range req.Filters {
		if b, ok := keyBound(f); ok {
			r = r.intersect(b)
		}
	}
	if req.Limit >= 0 && r.hi-r.lo+1 > req.Limit {
		r.hi = r.lo + req.Limit - 1
	}
	schema := sources.ProjectSchema(t.schema, req.Projection)
	cols := req.Projection
	if cols == nil {
		cols = make([]int, t.schema.NumFields())
		for i := range cols {
			cols[i] = i
		}
	}
	next := r.lo
	read := func() (arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if next > r.hi {
			return nil, nil
		}
		lo, hi := next, min(r.hi, next+batchRows-1)
		next = hi + 1
		arrs := make([]arrow.Array, len(cols))
		for i, c := range cols {
			arrs[i] = t.column(c, lo, hi)
		}
		rec := array.NewRecordBatch(schema, arrs, hi-lo+1)
		for _, a := range arrs {
			a.Release()
		}
		return rec, nil
	}
	return batchio.NewReader(schema, read, nil), nil
}

// int32Seq returns the values f(k) for k in lo..hi.
func int32Seq(lo, hi int64, f func(int64) int32) arrow.Array {
	vals := make([]int32, hi-lo+1)
	for i := range vals {
		vals[i] = f(lo + int64(i))
	}
	return array.NewInt32Data(array.NewData(int32Type, len(vals),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(vals))}, nil, 0, 0))
}

// constText is a text column holding one value, built once for a whole
// batch and shared by every batch that needs it (Arrow arrays are
// immutable).
type constText struct{ full *array.String }

func newConstText(s string, n int) constText {
	offsets := make([]int32, n+1)
	for i := range offsets {
		offsets[i] = int32(i * len(s))
	}
	data := []byte(strings.Repeat(s, n))
	return constText{full: array.NewStringData(array.NewData(textType, n,
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets)), memory.NewBufferBytes(data)}, nil, 0, 0))}
}

// slice returns the first n values; the caller releases it.
func (c constText) slice(n int64) arrow.Array { return array.NewSlice(c.full, 0, n) }

// nullArray returns n NULLs of type dt.
func nullArray(dt arrow.DataType, n int64) arrow.Array {
	return array.MakeArrayOfNull(memory.DefaultAllocator, dt, int(n))
}

// Command metrics is a PostgreSQL-compatible service over live data and
// custom logic:
//
//   - table runtime_metrics is computed on every scan from the Go runtime
//     (a TableProvider written by hand);
//
//   - a query handler answers "SELECT err" with ERROR 42846 "bad type" and
//     "SHOW uptime" with a row of its own, and leaves every other statement
//     to riffq's engine;
//
//   - clients log in with SCRAM-SHA-256 as user "admin".
//
//     RIFFQ_PASSWORD=secret go run ./examples/metrics
//     PGPASSWORD=secret psql -h 127.0.0.1 -p 5435 -U admin -c "SELECT name, value FROM runtime_metrics ORDER BY name"
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// metricsTable computes its rows when scanned.
type metricsTable struct {
	started time.Time
}

var metricsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64},
	{Name: "unit", Type: arrow.BinaryTypes.String},
}, nil)

func (m *metricsTable) Schema() *arrow.Schema { return metricsSchema }

// Scan reads the runtime's numbers now; the projection is applied by
// building only the columns asked for.
func (m *metricsTable) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rows := []struct {
		name  string
		value float64
		unit  string
	}{
		{"goroutines", float64(runtime.NumGoroutine()), "count"},
		{"heap_alloc", float64(ms.HeapAlloc), "bytes"},
		{"gc_cycles", float64(ms.NumGC), "count"},
		{"uptime", time.Since(m.started).Seconds(), "seconds"},
		{"cpus", float64(runtime.NumCPU()), "count"},
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, metricsSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.name)
		b.Field(1).(*array.Float64Builder).Append(r.value)
		b.Field(2).(*array.StringBuilder).Append(r.unit)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl, err := sources.NewMemTable(metricsSchema, rec)
	if err != nil {
		return nil, err
	}
	return tbl.Scan(ctx, req)
}

// handler answers two statements itself.
type handler struct {
	started time.Time
}

var uptimeSchema = arrow.NewSchema([]arrow.Field{{Name: "uptime", Type: arrow.BinaryTypes.String}}, nil)

func (h handler) Describe(_ context.Context, q *riffq.Query) (*arrow.Schema, error) {
	switch normalize(q.SQL) {
	case "select err":
		return nil, badType()
	case "show uptime":
		return uptimeSchema, nil
	}
	return nil, riffq.ErrNotHandled
}

func (h handler) Query(_ context.Context, q *riffq.Query) (*riffq.Result, error) {
	switch normalize(q.SQL) {
	case "select err":
		return nil, badType()
	case "show uptime":
		b := array.NewStringBuilder(memory.DefaultAllocator)
		defer b.Release()
		b.Append(time.Since(h.started).Round(time.Second).String())
		col := b.NewArray()
		defer col.Release()
		rec := array.NewRecordBatch(uptimeSchema, []arrow.Array{col}, 1)
		defer rec.Release()
		rdr, err := array.NewRecordReader(uptimeSchema, []arrow.RecordBatch{rec})
		if err != nil {
			return nil, err
		}
		return &riffq.Result{Rows: rdr, Tag: "SHOW"}, nil
	}
	return nil, riffq.ErrNotHandled
}

func badType() error {
	return &pgerror.Error{Code: "42846", Message: "bad type", Hint: "this error comes from the application's query handler"}
}

func normalize(sql string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimSpace(sql), ";")), " "))
}

// run serves until ctx is done.
func run(ctx context.Context, addr, password string, logger *slog.Logger) error {
	started := time.Now()
	srv := riffq.NewServer(
		riffq.WithAddr(addr),
		riffq.WithLogger(logger),
		riffq.WithPassword(riffq.AuthSCRAM, "admin", password),
		riffq.WithQueryHandler(handler{started: started}),
		riffq.WithTable("runtime_metrics", &metricsTable{started: started}),
		riffq.WithDisconnectHook(func(s *riffq.Session) {
			logger.Info("client left", "user", s.User, "session", s.ID)
		}),
	)
	return srv.ListenAndServe(ctx)
}

func main() {
	addr := flag.String("listen", "127.0.0.1:5435", "address to listen on")
	flag.Parse()
	password := os.Getenv("RIFFQ_PASSWORD")
	if password == "" {
		fmt.Fprintln(os.Stderr, "metrics: set RIFFQ_PASSWORD")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr, password, slog.Default()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

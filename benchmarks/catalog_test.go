package benchmarks

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/internal/pgload"
	"github.com/riffq/riffq/internal/pgtest"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/csv"
	"github.com/riffq/riffq/sources/parquet"
)

// capturedQueries are the DBeaver and DataGrip catalog queries of
// testdata/clients/captures, in capture order.
func capturedQueries(b testing.TB) [][2]any {
	b.Helper()
	f, err := os.Open("../testdata/clients/captures/client-queries.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out [][2]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var q struct {
			Source string `json:"source"`
			SQL    string `json:"sql"`
			Params []any  `json:"params"`
		}
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(q.Source, "DBeaver") || strings.HasPrefix(q.Source, "IntelliJ") {
			out = append(out, [2]any{q.SQL, q.Params})
		}
	}
	return out
}

// BenchmarkCatalogReplay replays the captured DBeaver and DataGrip
// introspection queries against riffq and against PostgreSQL 15 holding
// the same sample tables, and reports the median time per query and the
// time of the whole sequence (queries that fail on a server count with the
// time they took to fail).
func BenchmarkCatalogReplay(b *testing.B) {
	queries := capturedQueries(b)
	tables := map[string]sources.TableProvider{}
	for _, name := range []string{"candles", "types"} {
		t, err := parquet.Open(filepath.Join("../testdata/sample", name+".parquet"))
		if err != nil {
			b.Fatal(err)
		}
		tables[name] = t
	}
	sym, err := csv.Open("../testdata/sample/symbols.csv")
	if err != nil {
		b.Fatal(err)
	}
	tables["symbols"] = sym
	var opts []riffq.Option
	for name, t := range tables {
		opts = append(opts, riffq.WithTable(name, t))
	}
	riffqURL := "postgres://bench@" + startServer(b, opts...) + "/riffq?sslmode=disable"
	pg := pgtest.ForTest(b)
	ctx := context.Background()
	load, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		b.Fatal(err)
	}
	for name, t := range tables {
		if _, err := pgload.CopyTable(ctx, load, name, t); err != nil {
			b.Fatal(err)
		}
	}
	load.Close(ctx)

	perQuery := map[string][]time.Duration{} // per target, time per run of each query
	for _, target := range []struct{ name, url string }{{"riffq", riffqURL}, {"postgres", pg.URL()}} {
		b.Run(target.name, func(b *testing.B) {
			conn, err := pgx.Connect(ctx, target.url)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close(ctx)
			var per []time.Duration
			byQuery := make([]time.Duration, len(queries))
			failures := 0
			for b.Loop() {
				for i, q := range queries {
					start := time.Now()
					if err := replay(ctx, conn, q[0].(string), q[1].([]any)); err != nil {
						failures++
						if conn.PgConn().TxStatus() != 'I' {
							_, _ = conn.Exec(ctx, "ROLLBACK")
						}
					}
					per = append(per, time.Since(start))
					byQuery[i] += time.Since(start)
				}
			}
			// The slowest queries, for go test -v: where the time goes.
			order := make([]int, len(queries))
			for i := range order {
				order[i] = i
			}
			slices.SortFunc(order, func(x, y int) int { return int(byQuery[y] - byQuery[x]) })
			for _, i := range order[:min(5, len(order))] {
				b.Logf("%.2f ms/run: %.120s", float64(byQuery[i].Microseconds())/1000/float64(b.N), oneLine(queries[i][0]))
			}
			for i := range byQuery {
				byQuery[i] /= time.Duration(b.N)
			}
			perQuery[target.name] = byQuery
			slices.Sort(per)
			b.ReportMetric(float64(per[len(per)/2].Microseconds())/1000, "median-ms/query")
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/sequence")
			b.ReportMetric(float64(failures)/float64(b.N), "failed/sequence")
		})
	}
	// Where riffq loses most against PostgreSQL, for go test -v.
	r, p := perQuery["riffq"], perQuery["postgres"]
	if len(r) == 0 || len(p) == 0 {
		return
	}
	order := make([]int, len(queries))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return int((r[y] - p[y]) - (r[x] - p[x])) })
	for _, i := range order[:min(8, len(order))] {
		b.Logf("riffq %.2f ms, postgres %.2f ms: %.120s", float64(r[i].Microseconds())/1000, float64(p[i].Microseconds())/1000, oneLine(queries[i][0]))
	}
}

func oneLine(sql any) string { return strings.Join(strings.Fields(sql.(string)), " ") }

func replay(ctx context.Context, conn *pgx.Conn, sql string, params []any) error {
	mode := pgx.QueryExecModeSimpleProtocol
	args := []any{}
	if len(params) > 0 {
		mode = pgx.QueryExecModeDescribeExec
		for _, p := range params {
			if p == nil {
				args = append(args, nil)
			} else {
				args = append(args, fmt.Sprint(p))
			}
		}
	}
	rows, err := conn.Query(ctx, sql, append([]any{mode}, args...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return rows.Err()
}

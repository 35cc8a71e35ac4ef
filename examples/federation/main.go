// Command federation serves three kinds of data as one PostgreSQL database,
// so one query can join them:
//
//   - the Parquet files of a directory (table per file, schema public);
//
//   - the tables of a remote PostgreSQL, in their own schemas, with filters
//     and limits pushed down as SQL;
//
//   - an HTTP JSON API, fetched on every scan by a TableProvider written
//     here in a few lines (table public.quotes).
//
//     go run ./examples/federation --parquet testdata/sample \
//     --postgres postgres://reader@db.internal/crm --api https://quotes.example/latest
//     psql -h 127.0.0.1 -p 5437 -c "SELECT a.owner, q.price, max(c.close) FROM crm.accounts a
//     JOIN quotes q USING (symbol) JOIN candles c USING (symbol) GROUP BY 1, 2"
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/parquet"
	"github.com/riffq/riffq/sources/postgres"
)

// Quote is one element of the API's JSON array, and one row of quotes.
type Quote struct {
	Symbol  string    `json:"symbol"`
	Price   float64   `json:"price"`
	Updated time.Time `json:"updated"`
}

// quotesTable reads the API on every scan, so queries see current prices.
type quotesTable struct {
	url    string
	client *http.Client
	schema *arrow.Schema
}

func newQuotesTable(url string) (*quotesTable, error) {
	empty, err := sources.FromStructs([]Quote{})
	if err != nil {
		return nil, err
	}
	return &quotesTable{url: url, client: &http.Client{Timeout: 10 * time.Second}, schema: empty.Schema()}, nil
}

func (q *quotesTable) Schema() *arrow.Schema { return q.schema }

func (q *quotesTable) Scan(ctx context.Context, req sources.ScanRequest) (array.RecordReader, error) {
	quotes, err := q.fetch(ctx)
	if err != nil {
		// 58030 (io_error): the data source failed, not the query.
		return nil, pgerror.New("58030", "quotes API: %v", err)
	}
	t, err := sources.FromStructs(quotes)
	if err != nil {
		return nil, err
	}
	return t.Scan(ctx, req)
}

func (q *quotesTable) fetch(ctx context.Context) ([]Quote, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, q.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := q.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", q.url, resp.Status)
	}
	var quotes []Quote
	if err := json.NewDecoder(resp.Body).Decode(&quotes); err != nil {
		return nil, fmt.Errorf("GET %s: %w", q.url, err)
	}
	return quotes, nil
}

// config is what the command line sets.
type config struct {
	addr, parquetDir, postgresURL, apiURL string
}

// run serves the three sources until ctx is done.
func run(ctx context.Context, cfg config, logger *slog.Logger) error {
	opts := []riffq.Option{riffq.WithAddr(cfg.addr), riffq.WithLogger(logger)}

	files, err := sources.Files(cfg.parquetDir, ".parquet")
	if err != nil {
		return err
	}
	for _, f := range files {
		t, err := parquet.Open(f)
		if err != nil {
			return err
		}
		opts = append(opts, riffq.WithTable(sources.TableName(f), t))
	}

	remote, err := postgres.Open(ctx, cfg.postgresURL, postgres.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer remote.Close()
	for _, t := range remote.Tables() {
		opts = append(opts, riffq.WithSchemaTable(t.RemoteSchema(), t.Name(), t))
	}

	quotes, err := newQuotesTable(cfg.apiURL)
	if err != nil {
		return err
	}
	opts = append(opts, riffq.WithTable("quotes", quotes))

	logger.Info("federating", "parquet", filepath.Clean(cfg.parquetDir), "remote_tables", len(remote.Tables()), "api", cfg.apiURL)
	return riffq.NewServer(opts...).ListenAndServe(ctx)
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "listen", "127.0.0.1:5437", "address to listen on")
	flag.StringVar(&cfg.parquetDir, "parquet", "testdata/sample", "directory of Parquet files")
	flag.StringVar(&cfg.postgresURL, "postgres", "", "remote PostgreSQL `URL`")
	flag.StringVar(&cfg.apiURL, "api", "", "`URL` of a JSON array of quotes")
	flag.Parse()
	if cfg.postgresURL == "" || cfg.apiURL == "" {
		fmt.Fprintln(os.Stderr, "federation: need --postgres and --api")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, slog.Default()); err != nil {
		fmt.Fprintln(os.Stderr, "federation:", err)
		os.Exit(1)
	}
}

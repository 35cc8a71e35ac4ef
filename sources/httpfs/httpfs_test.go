package httpfs_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/sources"
	"github.com/riffq/riffq/sources/csv"
	"github.com/riffq/riffq/sources/httpfs"
	"github.com/riffq/riffq/sources/parquet"
)

// serve serves the sample files with range support, requiring a bearer
// token; ranged is false for a server that ignores Range.
func serve(t *testing.T, ranged bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		data, err := os.ReadFile("../../testdata/sample" + r.URL.Path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if !ranged && r.Method == http.MethodGet {
			w.Write(data)
			return
		}
		http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(data))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func token() http.Header { return http.Header{"Authorization": {"Bearer s3cret"}} }

func count(t *testing.T, p sources.TableProvider, req sources.ScanRequest) int64 {
	t.Helper()
	r, err := p.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var n int64
	for r.Next() {
		n += r.RecordBatch().NumRows()
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestParquetOverHTTP(t *testing.T) {
	srv := serve(t, true)
	ctx := context.Background()
	fs := &httpfs.FS{Header: token()}
	url := srv.URL + "/candles.parquet"
	remote, err := parquet.OpenFS(ctx, fs, []string{url})
	if err != nil {
		t.Fatal(err)
	}
	local, err := parquet.Open("../../testdata/sample/candles.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if !remote.Schema().Equal(local.Schema()) {
		t.Fatalf("schema %s, local %s", remote.Schema(), local.Schema())
	}
	info, err := os.Stat("../../testdata/sample/candles.parquet")
	if err != nil {
		t.Fatal(err)
	}
	footer := fs.Fetched()
	if footer == 0 || footer >= info.Size()/2 {
		t.Errorf("opening fetched %d of %d bytes; want only the footer", footer, info.Size())
	}
	// One column: only its chunks are fetched.
	n := count(t, remote, sources.ScanRequest{Projection: []int{0}, Limit: -1})
	if want := count(t, local, sources.ScanRequest{Limit: -1}); n != want {
		t.Fatalf("%d rows, want %d", n, want)
	}
	oneColumn := fs.Fetched() - footer
	if oneColumn >= info.Size()/3 {
		t.Errorf("a one-column scan fetched %d of %d bytes", oneColumn, info.Size())
	}
	before := fs.Fetched()
	count(t, remote, sources.ScanRequest{Limit: -1})
	if all := fs.Fetched() - before; all <= oneColumn {
		t.Errorf("a full scan fetched %d bytes, no more than one column (%d)", all, oneColumn)
	}
	t.Logf("file %d bytes; footer %d, one column %d", info.Size(), footer, oneColumn)
}

func TestCSVOverHTTP(t *testing.T) {
	srv := serve(t, true)
	remote, err := csv.OpenFS(context.Background(), &httpfs.FS{Header: token()}, []string{srv.URL + "/symbols.csv"})
	if err != nil {
		t.Fatal(err)
	}
	local, err := csv.Open("../../testdata/sample/symbols.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !remote.Schema().Equal(local.Schema()) {
		t.Fatalf("schema %s, local %s", remote.Schema(), local.Schema())
	}
	r, err := remote.Scan(context.Background(), sources.ScanRequest{Projection: []int{1}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var names []string
	for r.Next() {
		col := r.RecordBatch().Column(0).(*array.String)
		for i := range col.Len() {
			names = append(names, col.Value(i))
		}
	}
	if r.Err() != nil || len(names) != 8 || names[1] != "Amazon.com, Inc." {
		t.Fatalf("names %q, err %v", names, r.Err())
	}
}

func TestHTTPErrors(t *testing.T) {
	ctx := context.Background()
	srv := serve(t, true)
	for _, tc := range []struct {
		fs   *httpfs.FS
		url  string
		want string
	}{
		{&httpfs.FS{}, srv.URL + "/candles.parquet", "401"},
		{&httpfs.FS{Header: token()}, srv.URL + "/nosuch.parquet", "404"},
		{&httpfs.FS{Header: token()}, "http://127.0.0.1:1/x.parquet", "connection refused"},
	} {
		if _, err := parquet.OpenFS(ctx, tc.fs, []string{tc.url}); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.url) {
			t.Errorf("%s: %v, want an error with %q and the URL", tc.url, err, tc.want)
		}
	}
}

// A server that ignores Range still serves Parquet: the file is fetched
// once, whole, and read from memory.
func TestServerWithoutRanges(t *testing.T) {
	plain := serve(t, false)
	fs := &httpfs.FS{Header: token()}
	p, err := parquet.OpenFS(context.Background(), fs, []string{plain.URL + "/candles.parquet"})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, p, sources.ScanRequest{Limit: -1}); n != 5760 {
		t.Errorf("%d rows", n)
	}
	info, _ := os.Stat("../../testdata/sample/candles.parquet")
	// Opening fetched it once; each scan opens the file and fetches again.
	if fs.Fetched() > 3*info.Size() {
		t.Errorf("fetched %d bytes of a %d-byte file", fs.Fetched(), info.Size())
	}
}

func TestTableName(t *testing.T) {
	for url, want := range map[string]string{
		"https://h/data/Orders.parquet?sig=x": "orders",
		"http://h/a/b/Trip-Data.csv":          "trip-data",
	} {
		if got := httpfs.TableName(url); got != want {
			t.Errorf("TableName(%q) = %q, want %q", url, got, want)
		}
	}
}

// A server that refuses HEAD, as an S3 presigned URL signed for GET does,
// still serves the file: its size comes from a ranged GET.
func TestServerRefusingHead(t *testing.T) {
	inner := serve(t, true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			http.Error(w, "signature does not match", http.StatusForbidden)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, inner.URL+r.URL.Path, nil)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	p, err := parquet.OpenFS(context.Background(), &httpfs.FS{Header: token()}, []string{srv.URL + "/candles.parquet"})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, p, sources.ScanRequest{Limit: -1}); n != 5760 {
		t.Errorf("%d rows", n)
	}
	if _, err := parquet.OpenFS(context.Background(), &httpfs.FS{}, []string{srv.URL + "/candles.parquet"}); err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "401") {
		t.Errorf("refused both ways: %v, want HEAD's 403 and GET's 401", err)
	}
}

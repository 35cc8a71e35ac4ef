// Package httpfs reads the files of the file providers (Parquet, CSV) from
// HTTP(S) servers. Random access is a range request per read, so a Parquet
// scan fetches the footer first and then only the column chunks it decodes;
// a server that ignores Range has the file downloaded once, whole (up to
// 1 GiB). Sequential reads (CSV) stream one response body.
package httpfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/riffq/riffq/sources"
)

// FS opens URLs as files.
type FS struct {
	// Client sends the requests; nil means http.DefaultClient.
	Client *http.Client
	// Header is added to every request (a bearer token, say).
	Header http.Header

	fetched atomic.Int64
}

// Fetched reports the bytes of response bodies read so far, across files.
func (fs *FS) Fetched() int64 { return fs.fetched.Load() }

// Open implements sources.FileSystem: it asks for the file's size (HEAD),
// which also checks that it exists. A server that refuses HEAD (an S3
// presigned URL is signed for GET only) or does not say the length is
// asked for the file's first byte instead, whose Content-Range says it.
func (fs *FS) Open(ctx context.Context, url string) (sources.File, error) {
	resp, err := fs.do(ctx, http.MethodHead, url, "")
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK && resp.ContentLength >= 0 {
		return &file{fs: fs, ctx: ctx, url: url, size: resp.ContentLength}, nil
	}
	head := resp.Status
	if resp.StatusCode == http.StatusOK {
		head = "no Content-Length"
	}
	size, err := fs.sizeByRange(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("HEAD %s: %s; %w", url, head, err)
	}
	return &file{fs: fs, ctx: ctx, url: url, size: size}, nil
}

// sizeByRange learns a file's size from a GET of its first byte.
func (fs *FS) sizeByRange(ctx context.Context, url string) (int64, error) {
	resp, err := fs.do(ctx, http.MethodGet, url, "bytes=0-0")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		// Content-Range: bytes 0-0/SIZE
		_, total, ok := strings.Cut(resp.Header.Get("Content-Range"), "/")
		if n, err := strconv.ParseInt(total, 10, 64); ok && err == nil && n >= 0 {
			return n, nil
		}
		return 0, fmt.Errorf("GET %s: Content-Range %q has no size", url, resp.Header.Get("Content-Range"))
	case http.StatusOK:
		if resp.ContentLength >= 0 {
			return resp.ContentLength, nil
		}
		return 0, fmt.Errorf("GET %s: no Content-Length", url)
	}
	return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
}

func (fs *FS) do(ctx context.Context, method, url, byteRange string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range fs.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if byteRange != "" {
		req.Header.Set("Range", byteRange)
	}
	client := fs.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	return resp, nil
}

// file is one URL, read at offsets through range requests or in sequence
// through one streamed response.
type file struct {
	fs   *FS
	ctx  context.Context
	url  string
	size int64

	pos  int64         // for Read and Seek
	body io.ReadCloser // the streamed response Read continues, if any
	// whole holds the file when the server ignores range requests: it is
	// downloaded once and read from memory.
	whole []byte
}

// maxWhole is the largest file downloaded whole from a server without
// range requests.
const maxWhole = 1 << 30

// ReadAt fetches bytes [off, off+len(p)) with one range request.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), f.size)
	if f.whole != nil {
		n := copy(p, f.whole[off:end])
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
	resp, err := f.fs.do(f.ctx, http.MethodGet, f.url, fmt.Sprintf("bytes=%d-%d", off, end-1))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && f.size <= maxWhole {
		// No range support: take the whole file once.
		whole, err := io.ReadAll(io.LimitReader(resp.Body, f.size+1))
		f.fs.fetched.Add(int64(len(whole)))
		if err != nil {
			return 0, fmt.Errorf("GET %s: %w", f.url, err)
		}
		if int64(len(whole)) != f.size {
			return 0, fmt.Errorf("GET %s: %d bytes, HEAD said %d", f.url, len(whole), f.size)
		}
		f.whole = whole
		return f.ReadAt(p, off)
	}
	if resp.StatusCode != http.StatusPartialContent {
		return 0, fmt.Errorf("GET %s range %d-%d: %s", f.url, off, end-1, resp.Status)
	}
	n, err := io.ReadFull(resp.Body, p[:end-off])
	f.fs.fetched.Add(int64(n))
	if err != nil {
		return n, fmt.Errorf("GET %s: %w", f.url, err)
	}
	if int64(n) < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Read continues one streamed GET from the current position.
func (f *file) Read(p []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	if f.body == nil {
		byteRange := ""
		if f.pos > 0 {
			byteRange = "bytes=" + strconv.FormatInt(f.pos, 10) + "-"
		}
		resp, err := f.fs.do(f.ctx, http.MethodGet, f.url, byteRange)
		if err != nil {
			return 0, err
		}
		want := http.StatusOK
		if byteRange != "" {
			want = http.StatusPartialContent
		}
		if resp.StatusCode != want {
			resp.Body.Close()
			return 0, fmt.Errorf("GET %s: %s", f.url, resp.Status)
		}
		f.body = resp.Body
	}
	n, err := f.body.Read(p)
	f.pos += int64(n)
	f.fs.fetched.Add(int64(n))
	if errors.Is(err, io.EOF) && f.pos < f.size {
		return n, fmt.Errorf("GET %s: %w", f.url, io.ErrUnexpectedEOF)
	}
	return n, err
}

// Seek moves the position Read continues from; a streamed response is
// dropped when the position changes.
func (f *file) Seek(offset int64, whence int) (int64, error) {
	pos := offset
	switch whence {
	case io.SeekCurrent:
		pos += f.pos
	case io.SeekEnd:
		pos += f.size
	}
	if pos < 0 {
		return 0, fmt.Errorf("seek %s: negative position", f.url)
	}
	if pos != f.pos && f.body != nil {
		f.body.Close()
		f.body = nil
	}
	f.pos = pos
	return pos, nil
}

// Close ends a streamed response.
func (f *file) Close() error {
	if f.body != nil {
		err := f.body.Close()
		f.body = nil
		return err
	}
	return nil
}

// TableName names the table a URL serves: the file name of its path,
// without extension, as for local files.
func TableName(url string) string {
	path := url
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	return sources.TableName(path)
}

package wire

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

// watchAfter is how long a statement runs before its connection is
// watched for the client going away: short statements never pay for it.
const watchAfter = 200 * time.Millisecond

// clientReader is what the protocol reader reads the client through. While
// a statement runs nothing reads the socket, so a client that died would
// go unnoticed until the statement's end — an hour of CPU for a runaway
// join. A watcher (watchClient) reads ahead instead; what it reads waits
// here for the protocol reader.
type clientReader struct {
	c *conn

	mu      sync.Mutex
	pending []byte // read by a watcher, not yet by the protocol reader
	err     error  // the read error a watcher met, returned once
}

func (r *clientReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		r.mu.Unlock()
		return n, nil
	}
	if err := r.err; err != nil {
		r.err = nil
		r.mu.Unlock()
		return 0, err
	}
	r.mu.Unlock()
	return r.c.nc.Read(p)
}

// watchClient cancels a statement whose client disconnects while it runs,
// once it has run for watchAfter: the watcher blocks reading the socket,
// and the end of the stream or a reset means no one waits for the
// statement's result (PostgreSQL notices this only when it next writes,
// or with client_connection_check_interval). Bytes the client sends
// meanwhile (a pipelined message, Terminate) are kept for the protocol
// reader, and the watch ends. stop ends the watch before the connection
// is read again.
func (c *conn) watchClient(cancel context.CancelFunc) (stop func()) {
	if c.in == nil {
		return func() {}
	}
	var (
		mu      sync.Mutex
		stopped bool
		done    chan struct{}
	)
	timer := time.AfterFunc(watchAfter, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		done = make(chan struct{})
		go func() {
			defer close(done)
			var b [1]byte
			n, err := c.nc.Read(b[:])
			c.in.mu.Lock()
			defer c.in.mu.Unlock()
			switch {
			case n > 0:
				c.in.pending = append(c.in.pending, b[:n]...)
			case errors.Is(err, os.ErrDeadlineExceeded):
				// stop interrupted the read.
			case err != nil:
				c.in.err = err
				if errors.Is(err, io.EOF) || !c.terminating.Load() {
					c.log.Info("client went away; canceling its statement", "err", err)
					cancel()
				}
			}
		}()
	})
	return func() {
		if timer.Stop() {
			return
		}
		mu.Lock()
		stopped = true
		d := done
		mu.Unlock()
		if d == nil {
			return
		}
		select {
		case <-d:
		default:
			c.setReadDeadline(time.Now())
			<-d
		}
		c.setReadDeadline(time.Time{})
	}
}

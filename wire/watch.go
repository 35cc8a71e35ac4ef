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

// watchClient marks the start of a statement whose client is to be
// watched: if the statement is still running after watchAfter, the
// server's watch loop (watchLoop) starts a watcher that blocks reading the
// socket, and the end of the stream or a reset cancels the statement, as
// no one waits for its result any more (PostgreSQL notices this only when
// it next writes, or with client_connection_check_interval). Bytes the
// client sends meanwhile (a pipelined message, Terminate) are kept for the
// protocol reader, and the watch ends. unwatchClient must be called before
// the connection is read again.
//
// Marking costs a clock read: a timer per statement was 4% of a SELECT 1's
// CPU.
func (c *conn) watchClient(cancel context.CancelFunc) {
	if c.in == nil {
		return
	}
	c.mu.Lock()
	c.watchFrom, c.watchCancel = time.Now(), cancel
	c.mu.Unlock()
	c.srv.startWatchLoop()
}

// unwatchClient ends the watch watchClient began, stopping its watcher if
// one started.
func (c *conn) unwatchClient() {
	if c.in == nil {
		return
	}
	c.mu.Lock()
	w := c.watcher
	c.watchFrom, c.watchCancel, c.watcher = time.Time{}, nil, nil
	c.mu.Unlock()
	if w == nil {
		return
	}
	select {
	case <-w:
	default:
		c.setReadDeadline(time.Now())
		<-w
	}
	c.setReadDeadline(time.Time{})
}

// watchDue starts c's watcher if its statement has run for watchAfter.
func (c *conn) watchDue(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watcher != nil || c.watchFrom.IsZero() || now.Sub(c.watchFrom) < watchAfter {
		return
	}
	done := make(chan struct{})
	c.watcher = done
	cancel := c.watchCancel
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
			// unwatchClient interrupted the read.
		case err != nil:
			c.in.err = err
			if errors.Is(err, io.EOF) || !c.terminating.Load() {
				c.log.Info("client went away; canceling its statement", "err", err)
				cancel()
			}
		}
	}()
}

// startWatchLoop starts the server's watch loop unless it runs.
func (s *Server) startWatchLoop() {
	if s.watching.Load() || !s.watching.CompareAndSwap(false, true) {
		return
	}
	go s.watchLoop()
}

// watchLoop starts the watchers of statements that have run for
// watchAfter, checking every half of it, until no statement is watched.
func (s *Server) watchLoop() {
	t := time.NewTicker(watchAfter / 2)
	defer t.Stop()
	for now := range t.C {
		s.mu.Lock()
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		active := false
		for _, c := range conns {
			c.watchDue(now)
			c.mu.Lock()
			active = active || !c.watchFrom.IsZero()
			c.mu.Unlock()
		}
		if !active {
			s.watching.Store(false)
			// A statement marked after the check above restarts the
			// loop only if it saw watching false: check once more.
			if !s.anyWatched() || !s.watching.CompareAndSwap(false, true) {
				return
			}
		}
	}
}

// anyWatched reports whether a statement is marked for watching.
func (s *Server) anyWatched() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.mu.Lock()
		w := !c.watchFrom.IsZero()
		c.mu.Unlock()
		if w {
			return true
		}
	}
	return false
}

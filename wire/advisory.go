package wire

import (
	"context"
	"sync"
)

// AdvisoryKey names an advisory lock: a bigint, or a pair of integers
// (Pair), which PostgreSQL keeps apart from the bigint of the same bits.
type AdvisoryKey struct {
	ID   int64
	Pair bool
}

// advisoryLocks are the server's advisory locks (pg_advisory_lock and its
// kin), which sessions take to coordinate with each other: migration tools
// take one so that only one of them migrates.
type advisoryLocks struct {
	mu    sync.Mutex
	locks map[AdvisoryKey]*advisoryLock
}

// advisoryLock is who holds one key: each holding session's counts, as a
// session may take a lock again (and must release it as often).
type advisoryLock struct {
	holds map[*Session]*advisoryHold
	// released is closed when a hold goes, to wake the sessions waiting.
	released chan struct{}
}

type advisoryHold struct {
	exclusive, shared         int // session-level holds
	exclusiveXact, sharedXact int // transaction-level holds
}

func (h *advisoryHold) empty() bool {
	return h.exclusive+h.shared+h.exclusiveXact+h.sharedXact == 0
}

// count is the count of holds in the mode given.
func (h *advisoryHold) count(shared, xact bool) *int {
	switch {
	case shared && xact:
		return &h.sharedXact
	case shared:
		return &h.shared
	case xact:
		return &h.exclusiveXact
	}
	return &h.exclusive
}

// conflicts reports whether s may not take the lock in the mode asked:
// another session holds it exclusively, or holds it at all when s asks
// for it exclusively. A session's own holds never conflict.
func (l *advisoryLock) conflicts(s *Session, shared bool) bool {
	for other, h := range l.holds {
		if other == s {
			continue
		}
		if h.exclusive+h.exclusiveXact > 0 || !shared && h.shared+h.sharedXact > 0 {
			return true
		}
	}
	return false
}

// AdvisoryLock takes the advisory lock key for the session, shared or
// exclusive, until the session releases it (AdvisoryUnlock, or its end)
// or, with xact, until its transaction ends. Without wait it returns
// false at once when another session holds a conflicting lock; with wait
// it waits for it, until ctx ends (a cancel request, statement_timeout).
func (s *Session) AdvisoryLock(ctx context.Context, key AdvisoryKey, shared, xact, wait bool) (bool, error) {
	t := &s.conn.srv.advisory
	for {
		t.mu.Lock()
		if t.locks == nil {
			t.locks = make(map[AdvisoryKey]*advisoryLock)
		}
		l := t.locks[key]
		if l == nil {
			l = &advisoryLock{holds: make(map[*Session]*advisoryHold)}
			t.locks[key] = l
		}
		if !l.conflicts(s, shared) {
			h := l.holds[s]
			if h == nil {
				h = &advisoryHold{}
				l.holds[s] = h
			}
			*h.count(shared, xact)++
			t.mu.Unlock()
			if xact {
				s.OnTxEnd(func() { t.release(s, key, shared, true) })
			}
			return true, nil
		}
		if !wait {
			t.mu.Unlock()
			return false, nil
		}
		if l.released == nil {
			l.released = make(chan struct{})
		}
		released := l.released
		t.mu.Unlock()
		select {
		case <-released:
		case <-ctx.Done():
			return false, context.Cause(ctx)
		}
	}
}

// AdvisoryUnlock releases one session-level hold of the lock key in the
// mode given; false when the session holds none (PostgreSQL warns then).
func (s *Session) AdvisoryUnlock(key AdvisoryKey, shared bool) bool {
	return s.conn.srv.advisory.release(s, key, shared, false)
}

// AdvisoryUnlockAll releases the session's session-level advisory locks
// (pg_advisory_unlock_all, and the end of the session).
func (s *Session) AdvisoryUnlockAll() {
	t := &s.conn.srv.advisory
	t.mu.Lock()
	defer t.mu.Unlock()
	for key, l := range t.locks {
		h := l.holds[s]
		if h == nil {
			continue
		}
		h.exclusive, h.shared = 0, 0
		t.dropIfEmptyLocked(key, l, s, h)
	}
}

// release takes back one hold of key by s; false when s has none.
func (t *advisoryLocks) release(s *Session, key AdvisoryKey, shared, xact bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.locks[key]
	if l == nil || l.holds[s] == nil {
		return false
	}
	h := l.holds[s]
	n := h.count(shared, xact)
	if *n == 0 {
		return false
	}
	*n--
	t.dropIfEmptyLocked(key, l, s, h)
	return true
}

// dropIfEmptyLocked forgets s's hold h of l when nothing is left of it,
// and l when no one holds it, waking the sessions waiting for l.
func (t *advisoryLocks) dropIfEmptyLocked(key AdvisoryKey, l *advisoryLock, s *Session, h *advisoryHold) {
	if !h.empty() {
		return
	}
	delete(l.holds, s)
	if l.released != nil {
		close(l.released)
		l.released = nil
	}
	if len(l.holds) == 0 {
		delete(t.locks, key)
	}
}

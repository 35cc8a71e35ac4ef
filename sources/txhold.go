package sources

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/riffq/riffq/pgerror"
)

// Transactional is implemented by writers whose changes a transaction
// block can undo. A block holds each table it changes until it ends, so
// no other statement changes the table under it, and snapshots the rows
// before each change, so ROLLBACK (or ROLLBACK TO SAVEPOINT) can put them
// back.
type Transactional interface {
	Writer
	// Hold waits until no other owner holds the table (or ctx ends, or
	// waiting would deadlock: 40P01), then makes owner its holder. took
	// is false when owner held it already; release ends a hold it took.
	Hold(ctx context.Context, owner *TxOwner) (release func(), took bool, err error)
	// Snapshot returns a function that puts the table's rows and schema
	// back as they are now, and one that says the snapshot is no longer
	// needed (the block ended), which must follow; the caller holds Lock.
	Snapshot() (restore, discard func())
}

// TxOwner is who holds tables: a transaction block, or a statement
// outside one. It records the table it waits for, so a wait that would
// close a cycle of owners is refused as PostgreSQL refuses deadlocks.
type TxOwner struct {
	waitingFor atomic.Pointer[txHold]
}

// txHold is a table's hold: free, or held by one owner.
type txHold struct {
	mu     sync.Mutex
	holder *TxOwner
	freed  chan struct{} // closed when the current hold ends
}

// deadlockTimeout is how long a wait lasts before looking for a cycle,
// PostgreSQL's deadlock_timeout default.
const deadlockTimeout = time.Second

func (h *txHold) hold(ctx context.Context, owner *TxOwner) (release func(), took bool, err error) {
	for {
		h.mu.Lock()
		switch h.holder {
		case owner:
			h.mu.Unlock()
			return func() {}, false, nil
		case nil:
			h.holder, h.freed = owner, make(chan struct{})
			h.mu.Unlock()
			return func() {
				h.mu.Lock()
				h.holder = nil
				close(h.freed)
				h.mu.Unlock()
			}, true, nil
		}
		freed := h.freed
		h.mu.Unlock()
		owner.waitingFor.Store(h)
		timer := time.NewTimer(deadlockTimeout)
		select {
		case <-freed:
		case <-ctx.Done():
			timer.Stop()
			owner.waitingFor.Store(nil)
			return nil, false, ctx.Err()
		case <-timer.C:
			if h.closesCycle(owner) {
				owner.waitingFor.Store(nil)
				return nil, false, pgerror.New("40P01", "deadlock detected").
					WithDetail("Another transaction holds a table this one waits for, while waiting for a table this one holds.")
			}
		}
		timer.Stop()
		owner.waitingFor.Store(nil)
	}
}

// closesCycle reports whether owner waiting for h closes a cycle: h's
// holder waits for a table whose holder waits ... for one owner holds.
func (h *txHold) closesCycle(owner *TxOwner) bool {
	for range 1000 {
		h.mu.Lock()
		holder := h.holder
		h.mu.Unlock()
		switch {
		case holder == nil:
			return false
		case holder == owner:
			return true
		}
		if h = holder.waitingFor.Load(); h == nil {
			return false
		}
	}
	return false
}

// Hold implements Transactional.
func (t *WritableTable) Hold(ctx context.Context, owner *TxOwner) (func(), bool, error) {
	return t.hold.hold(ctx, owner)
}

// Snapshot implements Transactional. It costs the same whatever the
// table's size, as every transaction (a pipeline's implicit one too) takes
// one: the rows are immutable batches that appends add after the ones a
// snapshot keeps a view of, and while a snapshot lives the batches of its
// view that a Replace or Reshape drops are kept (t.dropped) instead of
// released — only those, so that a block of many UPDATEs holds two versions
// of the table, not one per statement. The unique keys' index is rebuilt
// on restore.
func (t *WritableTable) Snapshot() (restore, discard func()) {
	t.mu.Lock()
	schema := t.schema
	view := &snapshotView{batches: t.batches[:len(t.batches):len(t.batches)]}
	t.views = append(t.views, view)
	t.mu.Unlock()
	var once sync.Once
	restore = func() {
		t.write.Lock()
		defer t.write.Unlock()
		// The rows were the table's: they pass its checks.
		_ = t.Reshape(schema, view.batches)
	}
	discard = func() {
		once.Do(func() {
			t.mu.Lock()
			t.views = slices.DeleteFunc(t.views, func(v *snapshotView) bool { return v == view })
			release := t.prune()
			t.mu.Unlock()
			for _, b := range release {
				b.Release()
			}
		})
	}
	return restore, discard
}

// snapshotView is the batch list a live snapshot restores.
type snapshotView struct {
	batches []arrow.RecordBatch
}

// drop releases batches the table no longer holds, or keeps those a live
// snapshot may put back; the caller holds mu.
func (t *WritableTable) drop(batches []arrow.RecordBatch) (release []arrow.RecordBatch) {
	if len(t.views) == 0 && len(t.dropped) == 0 {
		return batches
	}
	t.dropped = append(t.dropped, batches...)
	return t.prune()
}

// prune returns the dropped batches no live snapshot's view holds, to
// release, keeping the others; the caller holds mu. It runs when a
// Replace or Reshape (whose cost is the table's size anyway) or the end
// of a snapshot drops batches, never on appends.
func (t *WritableTable) prune() (release []arrow.RecordBatch) {
	live := make(map[arrow.RecordBatch]bool)
	for _, v := range t.views {
		for _, b := range v.batches {
			live[b] = true
		}
	}
	kept := t.dropped[:0]
	for _, b := range t.dropped {
		if live[b] {
			kept = append(kept, b)
		} else {
			release = append(release, b)
		}
	}
	clear(t.dropped[len(kept):])
	t.dropped = kept
	return release
}

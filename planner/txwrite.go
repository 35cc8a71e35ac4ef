package planner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riffq/riffq/pgerror"
	"github.com/riffq/riffq/sources"
)

// errLockTimeout is the cause of a wait ended by lock_timeout.
var errLockTimeout = errors.New("lock timeout")

// txOwnerKey keys a transaction block's *sources.TxOwner in its session.
type txOwnerKey struct{}

// lockWriter takes w for one statement's change and returns what gives it
// back. A table that can roll back (sources.Transactional) is first held:
// inside a transaction block by the block until it ends, with its rows
// snapshotted so ROLLBACK puts them back; outside one for the statement.
// Waiting for another block's hold ends with ctx (cancel,
// statement_timeout) or as a deadlock (40P01).
func (b *binder) lockWriter(ctx context.Context, w sources.Writer) (unlock func(), err error) {
	tw, ok := w.(sources.Transactional)
	if !ok {
		w.Lock()
		return w.Unlock, nil
	}
	if lt, ok := b.sess.(interface{ LockTimeout() time.Duration }); ok && lt.LockTimeout() > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, lt.LockTimeout(), errLockTimeout)
		defer cancel()
		defer func() {
			if err != nil && context.Cause(ctx) == errLockTimeout {
				err = pgerror.New("55P03", "canceling statement due to lock timeout")
			}
		}()
	}
	txs, _ := b.sess.(TxSession)
	if txs == nil || !txs.InTransaction() && !txs.InImplicitTransaction() {
		release, _, err := tw.Hold(ctx, &sources.TxOwner{})
		if err != nil {
			return nil, err
		}
		w.Lock()
		return func() { w.Unlock(); release() }, nil
	}
	owner, _ := txs.TxValue(txOwnerKey{}).(*sources.TxOwner)
	if owner == nil {
		owner = &sources.TxOwner{}
		txs.SetTxValue(txOwnerKey{}, owner)
	}
	release, took, err := tw.Hold(ctx, owner)
	if err != nil {
		return nil, err
	}
	if took {
		txs.OnTxEnd(release)
	}
	w.Lock()
	// The table's first change in the transaction snapshots it; later
	// ones need not, as rolling back restores the earliest state — unless
	// the undo epoch moved since: a savepoint changed, or other undo (DDL:
	// DROP INDEX's) was logged that must run after the rows are back. A
	// block of many UPDATEs so keeps one old version of the table, not
	// one per statement.
	epoch := undoEpoch(txs)
	if e, ok := txs.TxValue(snapshotKey{tw}).(int); !ok || e != epoch {
		restore, discard := tw.Snapshot()
		cat, db := b.cat, b.db
		txs.OnRollback(func() {
			before := tw.Schema()
			restore()
			if !before.Equal(tw.Schema()) {
				// An ALTER TABLE of the block is undone with the rows:
				// plans made since read columns the table lost.
				cat.ProviderChanged(db, w)
			}
		})
		txs.OnTxEnd(discard)
		txs.SetTxValue(snapshotKey{tw}, epoch)
	}
	return w.Unlock, nil
}

// snapshotKey keeps, for the transaction, the undo epoch in which a table
// was last snapshotted.
type snapshotKey struct{ table sources.Transactional }

// undoEpochKey keeps the transaction's undo epoch: it moves with every
// savepoint statement and every undo action other than a table snapshot
// (onRollback's).
type undoEpochKey struct{}

func undoEpoch(txs TxSession) int {
	n, _ := txs.TxValue(undoEpochKey{}).(int)
	return n
}

func advanceUndoEpoch(txs TxSession) { txs.SetTxValue(undoEpochKey{}, undoEpoch(txs)+1) }

// onRollback registers undo with the session's transaction block, if one
// is open: DDL inside a block is undone when it rolls back (CREATE TABLE
// drops the table, DROP TABLE brings it back).
func (b *binder) onRollback(undo func()) {
	if txs, ok := b.sess.(TxSession); ok && (txs.InTransaction() || txs.InImplicitTransaction()) {
		txs.OnRollback(undo)
		advanceUndoEpoch(txs)
	}
}

// notice sends the client a NOTICE, when the session can.
func (b *binder) notice(code, format string, args ...any) {
	if n, ok := b.sess.(interface{ Notice(code, message string) }); ok {
		n.Notice(code, fmt.Sprintf(format, args...))
	}
}

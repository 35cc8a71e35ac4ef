package engine

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/pgerror"
)

// AdvisoryLocker takes and releases a session's advisory locks, which
// pg_advisory_lock and its kin reach through the query's context
// (WithAdvisoryLocks). A key is a bigint, or two integers (pair).
type AdvisoryLocker interface {
	// Lock takes the lock, shared or exclusive, for the session or with
	// xact for its transaction; without wait it reports false at once
	// when another session holds a conflicting lock.
	Lock(ctx context.Context, key int64, pair, shared, xact, wait bool) (bool, error)
	// Unlock releases one session-level hold; false when there is none.
	Unlock(key int64, pair, shared bool) bool
	// UnlockAll releases every session-level hold of the session.
	UnlockAll()
}

type advisoryKey struct{}

// WithAdvisoryLocks returns a context whose queries take advisory locks
// through l.
func WithAdvisoryLocks(ctx context.Context, l AdvisoryLocker) context.Context {
	return context.WithValue(ctx, advisoryKey{}, l)
}

// IsAdvisoryLockFunc reports whether name is one of PostgreSQL's advisory
// lock functions: pg_[try_]advisory_[xact_]lock[_shared],
// pg_advisory_unlock[_shared] and pg_advisory_unlock_all.
func IsAdvisoryLockFunc(name string) bool {
	switch name {
	case "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
		"pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
		"pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all":
		return true
	}
	return false
}

// compileAdvisory evaluates the advisory lock function name over its key
// arguments (a bigint, or two integers), a row at a time, in row order.
// What it does is read from the name: unlock or lock, try (do not wait),
// xact (for the transaction), shared.
func compileAdvisory(name string, args []evaluator, out arrow.DataType) evaluator {
	all := name == "pg_advisory_unlock_all"
	unlock := strings.HasPrefix(name, "pg_advisory_unlock")
	try := strings.HasPrefix(name, "pg_try_")
	xact := strings.Contains(name, "_xact_")
	shared := strings.HasSuffix(name, "_shared")
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		locks, _ := ctx.Value(advisoryKey{}).(AdvisoryLocker)
		if locks == nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "advisory locks are not available to this session")
		}
		cols, err := evalArrays(ctx, args, b)
		if err != nil {
			return nil, err
		}
		defer releaseAll(cols)
		rb := array.NewBuilder(memory.DefaultAllocator, out)
		defer rb.Release()
		for r := range int(b.NumRows()) {
			if all {
				locks.UnlockAll()
				rb.(*array.StringBuilder).Append("") // void
				continue
			}
			key, pair, null := advisoryKeyAt(cols, r)
			switch {
			case null:
				rb.AppendNull()
			case unlock:
				rb.(*array.BooleanBuilder).Append(locks.Unlock(key, pair, shared))
			default:
				ok, err := locks.Lock(ctx, key, pair, shared, xact, !try)
				if err != nil {
					return nil, err
				}
				if try {
					rb.(*array.BooleanBuilder).Append(ok)
				} else {
					rb.(*array.StringBuilder).Append("") // void: the lock was taken
				}
			}
		}
		return compute.NewDatumWithoutOwning(rb.NewArray()), nil
	}
}

// advisoryKeyAt is row r's key: a bigint, or two integers packed into one
// (pair), as PostgreSQL keeps the two forms apart.
func advisoryKeyAt(cols []arrow.Array, r int) (key int64, pair, null bool) {
	for _, c := range cols {
		if c.IsNull(r) {
			return 0, false, true
		}
	}
	if len(cols) == 1 {
		return cols[0].(*array.Int64).Value(r), false, false
	}
	hi, lo := cols[0].(*array.Int32).Value(r), cols[1].(*array.Int32).Value(r)
	return int64(hi)<<32 | int64(uint32(lo)), true, false
}

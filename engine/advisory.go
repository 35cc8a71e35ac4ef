package engine

import (
	"context"
	"fmt"

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

// compileAdvisory evaluates the advisory lock function name over its key
// arguments (a bigint, or two integers), a row at a time, in row order:
// pg_[try_]advisory_[xact_]lock[_shared] and pg_advisory_unlock[_shared],
// and pg_advisory_unlock_all without arguments.
func compileAdvisory(name string, args []evaluator, out arrow.DataType) (evaluator, error) {
	var shared, xact, try, unlock, all bool
	switch name {
	case "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
		"pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared":
		shared = name[len(name)-7:] == "_shared"
		xact = name == "pg_advisory_xact_lock" || name == "pg_advisory_xact_lock_shared" || name == "pg_try_advisory_xact_lock" || name == "pg_try_advisory_xact_lock_shared"
		try = name[:7] == "pg_try_"
	case "pg_advisory_unlock", "pg_advisory_unlock_shared":
		shared, unlock = name == "pg_advisory_unlock_shared", true
	case "pg_advisory_unlock_all":
		all = true
	default:
		return nil, fmt.Errorf("advisory lock function %s", name)
	}
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		locks, _ := ctx.Value(advisoryKey{}).(AdvisoryLocker)
		if locks == nil {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "advisory locks are not available to this session")
		}
		cols := make([]arrow.Array, len(args))
		for i, a := range args {
			c, err := evalArray(ctx, a, b)
			if err != nil {
				releaseAll(cols[:i])
				return nil, err
			}
			cols[i] = c
		}
		defer releaseAll(cols)
		rb := array.NewBuilder(memory.DefaultAllocator, out)
		defer rb.Release()
		for r := range int(b.NumRows()) {
			if all {
				locks.UnlockAll()
				rb.(*array.StringBuilder).Append("")
				continue
			}
			key, pair, null := advisoryKeyAt(cols, r)
			if null {
				rb.AppendNull()
				continue
			}
			switch {
			case unlock:
				rb.(*array.BooleanBuilder).Append(locks.Unlock(key, pair, shared))
			default:
				ok, err := locks.Lock(ctx, key, pair, shared, xact, !try)
				if err != nil {
					return nil, err
				}
				if sb, isVoid := rb.(*array.StringBuilder); isVoid {
					sb.Append("") // void: the lock was taken
				} else {
					rb.(*array.BooleanBuilder).Append(ok)
				}
			}
		}
		return compute.NewDatumWithoutOwning(rb.NewArray()), nil
	}, nil
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

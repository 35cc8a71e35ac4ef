package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type backendSignalKey struct{}

// WithBackendSignal returns a context in which pg_cancel_backend(pid) and
// pg_terminate_backend(pid) reach the server's sessions through signal:
// it cancels the running statement of the session with process ID pid,
// or with terminate ends the session, and reports whether one has the ID.
func WithBackendSignal(ctx context.Context, signal func(pid int32, terminate bool) bool) context.Context {
	return context.WithValue(ctx, backendSignalKey{}, signal)
}

// compileSignalBackend evaluates pg_cancel_backend or pg_terminate_backend:
// true when a session with the process ID was signalled, false when none
// has it (or the server lets no query signal sessions).
func compileSignalBackend(pid evaluator, terminate bool) evaluator {
	return func(ctx context.Context, b arrow.RecordBatch) (compute.Datum, error) {
		pids, err := evalArray(ctx, pid, b)
		if err != nil {
			return nil, err
		}
		defer pids.Release()
		signal, _ := ctx.Value(backendSignalKey{}).(func(int32, bool) bool)
		p := pids.(*array.Int32)
		out := array.NewBooleanBuilder(memory.DefaultAllocator)
		defer out.Release()
		for i := range p.Len() {
			if p.IsNull(i) {
				out.AppendNull()
				continue
			}
			out.Append(signal != nil && signal(p.Value(i), terminate))
		}
		return compute.NewDatumWithoutOwning(out.NewArray()), nil
	}
}

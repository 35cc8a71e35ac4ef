// Package batchio adapts pull functions to Arrow's RecordReader, so operators
// and providers can be written as a plain "next batch" function.
package batchio

import (
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// NextFunc returns the next batch, or nil and a nil error at the end. The
// reader takes ownership of the returned batch.
type NextFunc func() (arrow.RecordBatch, error)

type reader struct {
	refs   atomic.Int64
	schema *arrow.Schema
	next   NextFunc
	close  func()
	cur    arrow.RecordBatch
	err    error
	done   bool
}

// NewReader returns a RecordReader that pulls batches from next and calls
// close (if not nil) once, when it is exhausted, fails or is released.
func NewReader(schema *arrow.Schema, next NextFunc, close func()) array.RecordReader {
	r := &reader{schema: schema, next: next, close: close}
	r.refs.Store(1)
	return r
}

func (r *reader) Retain() { r.refs.Add(1) }

func (r *reader) Release() {
	if r.refs.Add(-1) == 0 {
		r.releaseCurrent()
		r.finish()
	}
}

func (r *reader) Schema() *arrow.Schema { return r.schema }

func (r *reader) Next() bool {
	r.releaseCurrent()
	if r.done {
		return false
	}
	b, err := r.next()
	if err != nil || b == nil {
		r.err = err
		r.finish()
		return false
	}
	r.cur = b
	return true
}

func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record implements array.RecordReader.
func (r *reader) Record() arrow.RecordBatch { return r.cur }

func (r *reader) Err() error { return r.err }

func (r *reader) releaseCurrent() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *reader) finish() {
	if r.done {
		return
	}
	r.done = true
	if r.close != nil {
		r.close()
	}
}

// Empty returns a reader with schema and no batches.
func Empty(schema *arrow.Schema) array.RecordReader {
	return NewReader(schema, func() (arrow.RecordBatch, error) { return nil, nil }, nil)
}

// Prefetch reads r in its own goroutine, up to depth batches ahead, so that
// producing batches (decoding a file, say) overlaps with consuming them.
// Releasing the returned reader stops the goroutine and releases r.
func Prefetch(r array.RecordReader, depth int) array.RecordReader {
	ch := make(chan arrow.RecordBatch, depth)
	stop := make(chan struct{})
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		defer close(ch)
		for r.Next() {
			b := r.RecordBatch()
			b.Retain()
			select {
			case ch <- b:
			case <-stop:
				b.Release()
				return
			}
		}
		err = r.Err()
	}()
	var stopOnce bool
	return NewReader(r.Schema(), func() (arrow.RecordBatch, error) {
		b, ok := <-ch
		if !ok {
			<-done
			return nil, err
		}
		return b, nil
	}, func() {
		if !stopOnce {
			stopOnce = true
			close(stop)
			for b := range ch {
				b.Release()
			}
			<-done
			r.Release()
		}
	})
}

// Concat reads the readers opens returns one after another, in order,
// with up to parallel of them reading ahead at once (each up to depth
// batches, in a goroutine of its own), so that parts decoded serially
// are decoded on several cores. Releasing the result stops and releases
// every reader opened.
func Concat(schema *arrow.Schema, opens []func() (array.RecordReader, error), parallel, depth int) array.RecordReader {
	var window []array.RecordReader // the open readers, the current one first
	next := 0                       // the next part to open
	fill := func() error {
		for len(window) < max(parallel, 1) && next < len(opens) {
			r, err := opens[next]()
			if err != nil {
				return err
			}
			next++
			window = append(window, Prefetch(r, depth))
		}
		return nil
	}
	return NewReader(schema, func() (arrow.RecordBatch, error) {
		for {
			if err := fill(); err != nil {
				return nil, err
			}
			if len(window) == 0 {
				return nil, nil
			}
			cur := window[0]
			if cur.Next() {
				b := cur.RecordBatch()
				b.Retain()
				return b, nil
			}
			err := cur.Err()
			cur.Release()
			window = window[1:]
			if err != nil {
				return nil, err
			}
		}
	}, func() {
		for _, r := range window {
			r.Release()
		}
		window = nil
	})
}

package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/internal/batchio"
)

// Union streams its parts one after another (UNION ALL). The parts have the
// same column types; the output takes the first part's column names.
type Union struct {
	Parts  []Plan
	schema *arrow.Schema
}

// NewUnion returns the concatenation of parts.
func NewUnion(parts []Plan) *Union {
	fields := append([]arrow.Field{}, parts[0].Schema().Fields()...)
	for i := range fields {
		fields[i].Nullable = true
	}
	return &Union{Parts: parts, schema: arrow.NewSchema(fields, nil)}
}

func (u *Union) Schema() *arrow.Schema { return u.schema }
func (u *Union) Children() []Plan      { return u.Parts }
func (u *Union) String() string        { return "Union" }

func (u *Union) Execute(ctx context.Context) (array.RecordReader, error) {
	next := 0
	var cur array.RecordReader
	closeCur := func() {
		if cur != nil {
			cur.Release()
			cur = nil
		}
	}
	return batchio.NewReader(u.schema, func() (arrow.RecordBatch, error) {
		for {
			if cur == nil {
				if next == len(u.Parts) {
					return nil, nil
				}
				var err error
				if cur, err = u.Parts[next].Execute(ctx); err != nil {
					return nil, err
				}
				next++
			}
			if cur.Next() {
				b := cur.RecordBatch()
				return array.NewRecordBatch(u.schema, b.Columns(), b.NumRows()), nil
			}
			if err := cur.Err(); err != nil {
				return nil, err
			}
			closeCur()
		}
	}, closeCur), nil
}

package planner

import (
	"context"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/engine"
	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgtypes"
)

// withCatalogTypes gives a query's physical plan the catalog types of its
// logical result (pgtypes.TypeMetadata: oid, name, ... columns), which
// the physical operators do not carry: clients see them in RowDescription.
func withCatalogTypes(logical *arrow.Schema, p engine.Plan) engine.Plan {
	physical := p.Schema()
	if physical.NumFields() != logical.NumFields() {
		return p
	}
	fields := slices.Clone(physical.Fields())
	typed := false
	for i, f := range logical.Fields() {
		if pg := pgtypes.Annotation(f); pg != "" {
			fields[i] = pgtypes.Annotate(fields[i], pg)
			typed = true
		}
		if table, attnum := pgtypes.Origin(f); table != 0 {
			fields[i] = pgtypes.WithOrigin(fields[i], table, attnum)
			typed = true
		}
	}
	if !typed {
		return p
	}
	md := physical.Metadata()
	return &typedOutput{Plan: p, schema: arrow.NewSchema(fields, &md)}
}

// typedOutput is a plan whose batches are relabeled with schema, the
// plan's own schema plus catalog types. It is transparent in EXPLAIN.
type typedOutput struct {
	engine.Plan
	schema *arrow.Schema
}

func (t *typedOutput) Schema() *arrow.Schema { return t.schema }

// Unwrap returns the plan relabeled, for EXPLAIN.
func (t *typedOutput) Unwrap() engine.Plan { return t.Plan }

func (t *typedOutput) Execute(ctx context.Context) (array.RecordReader, error) {
	r, err := t.Plan.Execute(ctx)
	if err != nil {
		return nil, err
	}
	return batchio.NewReader(t.schema, func() (arrow.RecordBatch, error) {
		if !r.Next() {
			return nil, r.Err()
		}
		b := r.RecordBatch()
		return array.NewRecordBatch(t.schema, b.Columns(), b.NumRows()), nil
	}, r.Release), nil
}

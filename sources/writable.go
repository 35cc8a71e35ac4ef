package sources

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/pgerror"
)

// Writer is the capability of a table that SQL may change (INSERT,
// UPDATE, DELETE, TRUNCATE, COPY FROM). A provider without it is
// read-only.
type Writer interface {
	TableProvider
	// Lock serializes the statements that change the table: a statement
	// holds it from reading the rows it changes until it has replaced
	// them. Scans do not take it.
	Lock()
	Unlock()
	// Append adds rows; the caller holds Lock. Rows that break a
	// constraint fail the whole call with the constraint's SQLSTATE.
	Append(batches []arrow.RecordBatch) error
	// Replace sets the table's rows; the caller holds Lock.
	Replace(batches []arrow.RecordBatch) error
}

// KeyProvider is implemented by providers that know their table's primary
// and unique keys. The catalog lists them (pg_index, pg_constraint,
// information_schema) so clients show them; riffq does not check a
// provider's rows against them, so a provider declares only keys its data
// honours.
type KeyProvider interface {
	UniqueKeys() []UniqueKey
}

// ColumnDefaulter is implemented by providers whose columns have DEFAULT
// expressions: ColumnDefaults returns each column's as SQL text, "" for
// none. The catalog shows them (pg_attrdef, information_schema.columns).
type ColumnDefaulter interface {
	ColumnDefaults() []string
}

// UniqueKey is a PRIMARY KEY or UNIQUE constraint: no two rows may have
// equal values in Columns (rows with a NULL there never conflict). Name
// names the constraint and its index.
type UniqueKey struct {
	Name    string
	Columns []int
	Primary bool
}

// WritableTable is an in-memory table that SQL creates and changes (CREATE
// TABLE, INSERT, UPDATE, DELETE, TRUNCATE). Every statement's change is
// visible to every session as soon as it completes: there are no
// transactions to roll back. A scan reads the rows as they were when it
// started. Columns whose field is not nullable refuse NULLs (23502); the
// unique keys refuse duplicates (23505).
type WritableTable struct {
	name   string
	schema *arrow.Schema
	keys   []UniqueKey

	write   sync.Mutex   // held by the statement changing the table
	mu      sync.RWMutex // guards batches
	batches []arrow.RecordBatch
}

// NewWritableTable returns an empty table; name is used in constraint
// error messages.
func NewWritableTable(name string, schema *arrow.Schema, keys []UniqueKey) *WritableTable {
	return &WritableTable{name: name, schema: schema, keys: keys}
}

// Schema implements TableProvider.
func (t *WritableTable) Schema() *arrow.Schema { return t.schema }

// UniqueKeys returns the table's PRIMARY KEY and UNIQUE constraints.
func (t *WritableTable) UniqueKeys() []UniqueKey { return t.keys }

// Scan implements TableProvider over the rows at the time of the call.
func (t *WritableTable) Scan(ctx context.Context, req ScanRequest) (array.RecordReader, error) {
	t.mu.RLock()
	snapshot := make([]arrow.RecordBatch, len(t.batches))
	for i, b := range t.batches {
		b.Retain()
		snapshot[i] = b
	}
	t.mu.RUnlock()
	schema := ProjectSchema(t.schema, req.Projection)
	remaining := req.Limit
	i := 0
	next := func() (arrow.RecordBatch, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if i >= len(snapshot) || remaining == 0 {
			return nil, nil
		}
		rec := ProjectBatch(schema, snapshot[i], req.Projection)
		i++
		if remaining > 0 {
			if rec.NumRows() > remaining {
				sliced := rec.NewSlice(0, remaining)
				rec.Release()
				rec = sliced
			}
			remaining -= rec.NumRows()
		}
		return rec, nil
	}
	return batchio.NewReader(schema, next, func() {
		for _, b := range snapshot {
			b.Release()
		}
	}), nil
}

// Statistics reports the row count.
func (t *WritableTable) Statistics() Statistics {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var n int64
	for _, b := range t.batches {
		n += b.NumRows()
	}
	return Statistics{RowCount: n}
}

// Lock implements Writer.
func (t *WritableTable) Lock() { t.write.Lock() }

// Unlock implements Writer.
func (t *WritableTable) Unlock() { t.write.Unlock() }

// Append implements Writer.
func (t *WritableTable) Append(batches []arrow.RecordBatch) error {
	if err := t.check(batches, true); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, b := range batches {
		b.Retain()
		t.batches = append(t.batches, b)
	}
	return nil
}

// Replace implements Writer.
func (t *WritableTable) Replace(batches []arrow.RecordBatch) error {
	if err := t.check(batches, false); err != nil {
		return err
	}
	for _, b := range batches {
		b.Retain()
	}
	t.mu.Lock()
	old := t.batches
	t.batches = batches
	t.mu.Unlock()
	for _, b := range old {
		b.Release()
	}
	return nil
}

// check verifies the NOT NULL columns and unique keys over batches, plus
// the table's current rows when they stay.
func (t *WritableTable) check(batches []arrow.RecordBatch, withCurrent bool) error {
	for _, b := range batches {
		if !b.Schema().Equal(t.schema) {
			return fmt.Errorf("table %s: batch schema %s does not match %s", t.name, b.Schema(), t.schema)
		}
		for c, f := range t.schema.Fields() {
			if !f.Nullable && b.Column(c).NullN() > 0 {
				return &pgerror.Error{Code: "23502", Message: fmt.Sprintf("null value in column %q of relation %q violates not-null constraint", f.Name, t.name)}
			}
		}
	}
	if len(t.keys) == 0 {
		return nil
	}
	all := batches
	if withCurrent {
		t.mu.RLock()
		all = append(append([]arrow.RecordBatch{}, t.batches...), batches...)
		t.mu.RUnlock()
	}
	for _, k := range t.keys {
		seen := make(map[string]struct{})
		var sb strings.Builder
		for _, b := range all {
		rows:
			for r := range int(b.NumRows()) {
				sb.Reset()
				for _, c := range k.Columns {
					col := b.Column(c)
					if col.IsNull(r) {
						continue rows
					}
					v := col.ValueStr(r)
					fmt.Fprintf(&sb, "%d:%s", len(v), v)
				}
				key := sb.String()
				if _, dup := seen[key]; dup {
					names := make([]string, len(k.Columns))
					values := make([]string, len(k.Columns))
					for i, c := range k.Columns {
						names[i] = t.schema.Field(c).Name
						values[i] = b.Column(c).ValueStr(r)
					}
					return &pgerror.Error{Code: "23505",
						Message: fmt.Sprintf("duplicate key value violates unique constraint %q", k.Name),
						Detail:  fmt.Sprintf("Key (%s)=(%s) already exists.", strings.Join(names, ", "), strings.Join(values, ", "))}
				}
				seen[key] = struct{}{}
			}
		}
	}
	return nil
}

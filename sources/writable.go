package sources

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/batchio"
	"github.com/riffq/riffq/internal/pgtext"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/internal/take"
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

// Identity describes an identity column (GENERATED ... AS IDENTITY): how
// its values are generated and its sequence's parameters.
type Identity struct {
	Always                     bool // GENERATED ALWAYS; BY DEFAULT otherwise
	Start, Increment, Min, Max int64
}

// IdentityProvider is implemented by providers whose tables have identity
// columns: Identities returns each column's, nil for the others. The
// catalog shows them (pg_attribute.attidentity, information_schema, \d).
type IdentityProvider interface {
	Identities() []*Identity
}

// SequenceOwner is implemented by providers whose columns own sequences
// (serial and identity columns): OwnedSequences maps each such column's
// index to its sequence's name, a relation in the table's schema. The
// catalog records the ownership (pg_depend: psql's "Owned by", Django's
// sequence reset).
type SequenceOwner interface {
	OwnedSequences() map[int]string
}

// CheckConstrainer is implemented by providers whose tables have CHECK
// constraints. The catalog lists them (pg_constraint, \d).
type CheckConstrainer interface {
	CheckConstraints() []CheckConstraint
}

// CheckConstraint is a CHECK constraint: its name, its definition as
// pg_get_constraintdef prints it (CHECK (price > 0)), and the columns
// (0-based) it reads.
type CheckConstraint struct {
	Name       string
	Definition string
	Columns    []int
}

// SequenceProvider is implemented by the relation of a sequence: the
// catalog lists it as one (pg_class relkind S, pg_sequence).
type SequenceProvider interface {
	Sequence() SequenceInfo
}

// SequenceInfo describes a sequence: its integer type, its bounds and
// step, and where it is.
type SequenceInfo struct {
	Type                              arrow.DataType
	Start, Increment, Min, Max, Cache int64
	Last                              int64
	Called                            bool
}

// ForeignKeyProvider is implemented by providers whose tables have
// FOREIGN KEY constraints. The catalog lists them (pg_constraint,
// information_schema, \d).
type ForeignKeyProvider interface {
	ForeignKeys() []ForeignKey
}

// ForeignKey is a FOREIGN KEY constraint: Columns (0-based) of the table
// reference RefColumns of table RefSchema.RefTable, a unique key's
// columns. OnUpdate and OnDelete are pg_constraint's action codes ('a'
// no action, 'r' restrict, 'c' cascade, 'n' set null, 'd' set default).
type ForeignKey struct {
	Name                string
	Columns             []int
	RefSchema, RefTable string
	RefColumns          []int
	OnUpdate, OnDelete  byte
	// Definition is pg_get_constraintdef's text.
	Definition string
}

// UniqueKey is a PRIMARY KEY or UNIQUE constraint: no two rows may have
// equal values in Columns (rows with a NULL there never conflict). Name
// names the constraint and its index.
type UniqueKey struct {
	Name    string
	Columns []int
	Primary bool
	// Index marks the key of a unique index (CREATE UNIQUE INDEX): it
	// is enforced as a constraint is, but the catalog lists only its
	// index (Indexer).
	Index bool
}

// Index is an index made with CREATE INDEX. riffq reads no rows through
// it (scans and the join key filter serve lookups); the catalog lists it
// (pg_class, pg_index, pg_indexes, pg_get_indexdef), and a unique one
// refuses duplicate keys as a UNIQUE constraint does.
type Index struct {
	Name    string
	Columns []int
	// Desc, NullsFirst and Opclass describe each column as written:
	// its order and operator class ("" for the default).
	Desc, NullsFirst []bool
	Opclass          []string
	Method           string // the access method: btree, hash, ...
	Unique           bool
}

// Indexer is implemented by providers that keep indexes (CREATE INDEX,
// DROP INDEX); the caller of AddIndex and DropIndex holds the Writer's
// Lock.
type Indexer interface {
	Indexes() []Index
	// AddIndex adds an index; a unique one fails with 23505 when the
	// rows hold a duplicate key.
	AddIndex(Index) error
	// DropIndex removes the index called name, reporting whether there
	// was one.
	DropIndex(name string) bool
}

// WritableTable is an in-memory table that SQL creates and changes (CREATE
// TABLE, INSERT, UPDATE, DELETE, TRUNCATE). Every statement's change is
// visible to every session as soon as it completes (there is no isolation
// between sessions: a block's uncommitted rows are read by others), but a
// transaction block holds the tables it changes until it ends and can
// roll its changes back (Transactional). A scan reads the rows as they
// were when it started. Columns whose field is not nullable refuse NULLs (23502); the
// unique keys refuse duplicates (23505).
type WritableTable struct {
	name    string
	schema  *arrow.Schema
	keys    []UniqueKey // changed under both write and mu
	indexes []Index     // guarded by mu

	write sync.Mutex // held by the statement changing the table
	hold  txHold     // held by the transaction block changing the table
	// index holds, per unique key, the encoded keys of the rows; only
	// the statement holding write reads or changes it.
	index   []map[string]struct{}
	mu      sync.RWMutex // guards batches, stats, views, dropped
	batches []arrow.RecordBatch
	// views are the live snapshots' batch lists; dropped holds the
	// batches a Replace or Reshape dropped that one of them holds (see
	// Snapshot).
	views   []*snapshotView
	dropped []arrow.RecordBatch
	// stats are the column statistics of the current rows, computed when
	// first asked for; nil after a change.
	stats []ColumnStatistics
}

// NewWritableTable returns an empty table; name is used in constraint
// error messages.
func NewWritableTable(name string, schema *arrow.Schema, keys []UniqueKey) *WritableTable {
	index := make([]map[string]struct{}, len(keys))
	for i := range index {
		index[i] = make(map[string]struct{})
	}
	return &WritableTable{name: name, schema: schema, keys: keys, index: index}
}

// Schema implements TableProvider.
func (t *WritableTable) Schema() *arrow.Schema {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.schema
}

// UniqueKeys returns the table's PRIMARY KEY and UNIQUE constraints, and
// the keys of its unique indexes.
func (t *WritableTable) UniqueKeys() []UniqueKey {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.keys
}

// Indexes implements Indexer.
func (t *WritableTable) Indexes() []Index {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.indexes
}

// AddIndex implements Indexer. A unique index's key is checked against
// the rows, then enforced from the next change on.
func (t *WritableTable) AddIndex(ix Index) error {
	if ix.Unique {
		if err := t.AddUniqueKey(UniqueKey{Name: ix.Name, Columns: ix.Columns, Index: true}); err != nil {
			return err
		}
	}
	t.mu.Lock()
	t.indexes = append(slices.Clip(t.indexes), ix)
	t.mu.Unlock()
	return nil
}

// AddUniqueKey adds a unique key (ALTER TABLE ... ADD PRIMARY KEY or
// UNIQUE, CREATE UNIQUE INDEX): the rows are checked for a duplicate
// (23505) first; the caller holds Lock.
func (t *WritableTable) AddUniqueKey(k UniqueKey) error {
	seen := make(map[string]struct{})
	for _, b := range t.Rows() {
		for r := range int(b.NumRows()) {
			key, ok := t.keyOf(k, b, r)
			if !ok {
				continue
			}
			if _, dup := seen[key]; dup {
				names := make([]string, len(k.Columns))
				values := make([]string, len(k.Columns))
				for j, c := range k.Columns {
					names[j] = b.Schema().Field(c).Name
					values[j] = ValueText(b.Column(c), r)
				}
				b.Release()
				return &pgerror.Error{Code: "23505", Message: fmt.Sprintf("could not create unique index %q", k.Name),
					Detail: fmt.Sprintf("Key (%s)=(%s) is duplicated.", strings.Join(names, ", "), strings.Join(values, ", "))}
			}
			seen[key] = struct{}{}
		}
		b.Release()
	}
	t.mu.Lock()
	t.keys = append(slices.Clip(t.keys), k)
	t.index = append(t.index, seen)
	t.mu.Unlock()
	return nil
}

// DropUniqueKey removes unique key name (the undo of AddUniqueKey when
// a transaction block rolls back); the caller holds Lock.
func (t *WritableTable) DropUniqueKey(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if k := slices.IndexFunc(t.keys, func(k UniqueKey) bool { return k.Name == name }); k >= 0 {
		t.keys = slices.Delete(slices.Clone(t.keys), k, k+1)
		t.index = slices.Delete(t.index, k, k+1)
	}
}

// RemapIndexes follows a change of the table's columns (ALTER TABLE ...
// DROP COLUMN): column c of an index becomes column to[c]; an index on a
// column that is gone (to[c] < 0) is dropped, as PostgreSQL drops it.
// The caller holds Lock.
func (t *WritableTable) RemapIndexes(to []int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var kept []Index
	for _, ix := range t.indexes {
		cols := make([]int, len(ix.Columns))
		gone := false
		for i, c := range ix.Columns {
			if c >= len(to) || to[c] < 0 {
				gone = true
				break
			}
			cols[i] = to[c]
		}
		if !gone {
			ix.Columns = cols
			kept = append(kept, ix)
		}
	}
	t.indexes = kept
}

// DropIndex implements Indexer.
func (t *WritableTable) DropIndex(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.IndexFunc(t.indexes, func(ix Index) bool { return ix.Name == name })
	if i < 0 {
		return false
	}
	t.indexes = slices.Delete(slices.Clone(t.indexes), i, i+1)
	if k := slices.IndexFunc(t.keys, func(k UniqueKey) bool { return k.Index && k.Name == name }); k >= 0 {
		t.keys = slices.Delete(slices.Clone(t.keys), k, k+1)
		t.index = slices.Delete(t.index, k, k+1)
	}
	return true
}

// Scan implements TableProvider over the rows at the time of the call.
func (t *WritableTable) Scan(ctx context.Context, req ScanRequest) (array.RecordReader, error) {
	t.mu.RLock()
	snapshot := make([]arrow.RecordBatch, len(t.batches))
	for i, b := range t.batches {
		b.Retain()
		snapshot[i] = b
	}
	full := t.schema
	t.mu.RUnlock()
	schema := ProjectSchema(full, req.Projection)
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

// Statistics reports the row count and each column's null count and
// bounds, computed over the rows once after each change.
func (t *WritableTable) Statistics() Statistics {
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int64
	for _, b := range t.batches {
		n += b.NumRows()
	}
	if t.stats == nil {
		t.stats = make([]ColumnStatistics, t.schema.NumFields())
		for c := range t.stats {
			cols := make([]arrow.Array, len(t.batches))
			for i, b := range t.batches {
				cols[i] = b.Column(c)
			}
			t.stats[c] = ColumnStats(cols)
		}
	}
	return Statistics{RowCount: n, Columns: t.stats}
}

// Lock implements Writer.
func (t *WritableTable) Lock() { t.write.Lock() }

// Unlock implements Writer.
func (t *WritableTable) Unlock() { t.write.Unlock() }

// Append implements Writer.
func (t *WritableTable) Append(batches []arrow.RecordBatch) error {
	added, err := t.check(t.Schema(), batches, true)
	if err != nil {
		return err
	}
	for i, keys := range added {
		for k := range keys {
			t.index[i][k] = struct{}{}
		}
	}
	t.mu.Lock()
	for _, b := range batches {
		b.Retain()
		t.batches = append(t.batches, b)
		t.stats = nil
	}
	release := t.compactTail()
	t.mu.Unlock()
	for _, b := range release {
		b.Release()
	}
	return nil
}

// Tail compaction: a table filled row by row (an ORM's INSERTs) would
// otherwise hold a batch per row, and every scan, UPDATE and DELETE would
// pay per batch. Once smallBatches trailing batches hold fewer than
// smallBatchRows rows each, they become one.
const (
	smallBatchRows = 8192
	smallBatches   = 64
)

// compactTail merges the trailing small batches, returning the ones to
// release; the caller holds mu. The batch list is rebuilt, not changed
// in place, so snapshots' views of it stay as they were.
func (t *WritableTable) compactTail() []arrow.RecordBatch {
	n := 0
	for i := len(t.batches) - 1; i >= 0 && t.batches[i].NumRows() < smallBatchRows; i-- {
		n++
	}
	if n < smallBatches {
		return nil
	}
	keep := len(t.batches) - n
	tail := slices.Clone(t.batches[keep:])
	merged, err := batchio.Concatenate(t.schema, tail)
	if err != nil {
		return nil // left as they are
	}
	t.batches = append(t.batches[:keep:keep], merged)
	return t.drop(tail)
}

// Replace implements Writer.
func (t *WritableTable) Replace(batches []arrow.RecordBatch) error {
	index, err := t.check(t.Schema(), batches, false)
	if err != nil {
		return err
	}
	t.index = index
	for _, b := range batches {
		b.Retain()
	}
	t.mu.Lock()
	old := t.drop(t.batches)
	t.batches, t.stats = batches, nil
	t.mu.Unlock()
	for _, b := range old {
		b.Release()
	}
	return nil
}

// AppendNew appends the rows that conflict with no row of the table, nor
// with an earlier row of batches, on the unique keys numbered in keys (all
// of them when keys is nil), as INSERT ... ON CONFLICT DO NOTHING; the
// caller holds Lock. The other constraints are checked as Append does. It
// returns the rows that went in (the caller releases them).
func (t *WritableTable) AppendNew(batches []arrow.RecordBatch, keys []int) ([]arrow.RecordBatch, error) {
	if keys == nil {
		for i := range t.keys {
			keys = append(keys, i)
		}
	}
	// Keys of this statement's rows so far; the table's are in t.index.
	seen := make([]map[string]struct{}, len(keys))
	for i := range seen {
		seen[i] = make(map[string]struct{})
	}
	var kept []arrow.RecordBatch
	fail := func(err error) ([]arrow.RecordBatch, error) {
		for _, b := range kept {
			b.Release()
		}
		return nil, err
	}
	for _, b := range batches {
		idx := array.NewInt64Builder(memory.DefaultAllocator)
	rows:
		for r := range int(b.NumRows()) {
			keysOf := make([]string, len(keys))
			for i, k := range keys {
				key, ok := t.keyOf(t.keys[k], b, r)
				if !ok {
					keysOf[i] = ""
					continue // a NULL in the key conflicts with nothing
				}
				_, dup := seen[i][key]
				if _, inTable := t.index[k][key]; dup || inTable {
					continue rows
				}
				keysOf[i] = key
			}
			for i, key := range keysOf {
				if key != "" {
					seen[i][key] = struct{}{}
				}
			}
			idx.Append(int64(r))
		}
		indices := idx.NewArray()
		idx.Release()
		cols := make([]arrow.Array, b.NumCols())
		var err error
		for c := range cols {
			if cols[c], err = take.Array(context.Background(), b.Column(c), indices); err != nil {
				break
			}
		}
		rows := int64(indices.Len())
		indices.Release()
		if err != nil {
			for _, c := range cols {
				if c != nil {
					c.Release()
				}
			}
			return fail(err)
		}
		kept = append(kept, array.NewRecordBatch(t.Schema(), cols, rows))
		for _, c := range cols {
			c.Release()
		}
	}
	if err := t.Append(kept); err != nil {
		return fail(err)
	}
	return kept, nil
}

// Reshape gives the table a new schema and rows (ALTER TABLE ... ADD
// COLUMN, RENAME COLUMN); the caller holds Lock. The unique keys keep
// their column positions.
func (t *WritableTable) Reshape(schema *arrow.Schema, batches []arrow.RecordBatch) error {
	index, err := t.check(schema, batches, false)
	if err != nil {
		return err
	}
	t.index = index
	for _, b := range batches {
		b.Retain()
	}
	t.mu.Lock()
	prev := t.drop(t.batches)
	t.schema, t.batches, t.stats = schema, batches, nil
	t.mu.Unlock()
	for _, b := range prev {
		b.Release()
	}
	return nil
}

// Rename changes the name constraint errors use (ALTER TABLE ... RENAME
// TO).
func (t *WritableTable) Rename(name string) { t.name = name }

// Name is the table's name, as its errors give it.
func (t *WritableTable) Name() string { return t.name }

// Rows returns the table's rows, retained: the caller releases them.
func (t *WritableTable) Rows() []arrow.RecordBatch {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]arrow.RecordBatch, len(t.batches))
	for i, b := range t.batches {
		b.Retain()
		out[i] = b
	}
	return out
}

// KeyOf encodes row r's values of unique key number key, so that rows
// with equal encodings conflict; ok is false when one of them is NULL.
func (t *WritableTable) KeyOf(key int, b arrow.RecordBatch, r int) (string, bool) {
	return t.keyOf(t.keys[key], b, r)
}

// keyOf encodes row r's values of key k; ok is false when one is NULL.
func (t *WritableTable) keyOf(k UniqueKey, b arrow.RecordBatch, r int) (string, bool) {
	var sb strings.Builder
	for _, c := range k.Columns {
		col := b.Column(c)
		if col.IsNull(r) {
			return "", false
		}
		v := keyText(col, r)
		fmt.Fprintf(&sb, "%d:%s", len(v), v)
	}
	return sb.String(), true
}

// keyText is row r's value in a unique key, equal for values PostgreSQL
// finds equal: 0 and -0, 1.5 and 1.50 (a numeric with its own scale).
func keyText(col arrow.Array, r int) string {
	switch c := col.(type) {
	case *array.Float64:
		if c.Value(r) == 0 {
			return "0"
		}
	case *array.Float32:
		if c.Value(r) == 0 {
			return "0"
		}
	case *pgtypes.NumericArray:
		v := c.ValueStr(r)
		if strings.Contains(v, ".") {
			v = strings.TrimSuffix(strings.TrimRight(v, "0"), ".")
		}
		if v == "-0" {
			v = "0"
		}
		return v
	}
	return col.ValueStr(r)
}

// check verifies the NOT NULL columns and the unique keys of batches:
// among themselves and, when they are appended, against the table's
// rows. It returns the batches' encoded keys, per unique key.
func (t *WritableTable) check(schema *arrow.Schema, batches []arrow.RecordBatch, appended bool) ([]map[string]struct{}, error) {
	for _, b := range batches {
		if !b.Schema().Equal(schema) {
			return nil, fmt.Errorf("table %s: batch schema %s does not match %s", t.name, b.Schema(), schema)
		}
		for c, f := range schema.Fields() {
			if n := pgtypes.CharLength(f); n > 0 {
				if err := checkLength(b.Column(c), n, pgtypes.Annotation(f)); err != nil {
					return nil, err
				}
			}
			if col := b.Column(c); !f.Nullable && col.NullN() > 0 {
				e := &pgerror.Error{Code: "23502", Message: fmt.Sprintf("null value in column %q of relation %q violates not-null constraint", f.Name, t.name),
					TableName: t.name, ColumnName: f.Name}
				for r := range col.Len() {
					if col.IsNull(r) {
						return nil, e.WithDetail("Failing row contains %s.", FailingRow(b, r))
					}
				}
				return nil, e
			}
		}
	}
	out := make([]map[string]struct{}, len(t.keys))
	for i, k := range t.keys {
		seen := make(map[string]struct{})
		for _, b := range batches {
			for r := range int(b.NumRows()) {
				key, ok := t.keyOf(k, b, r)
				if !ok {
					continue // a NULL in the key conflicts with nothing
				}
				_, dup := seen[key]
				if !dup && appended {
					_, dup = t.index[i][key]
				}
				if dup {
					names := make([]string, len(k.Columns))
					values := make([]string, len(k.Columns))
					for j, c := range k.Columns {
						names[j] = schema.Field(c).Name
						values[j] = ValueText(b.Column(c), r)
					}
					return nil, &pgerror.Error{Code: "23505",
						Message:   fmt.Sprintf("duplicate key value violates unique constraint %q", k.Name),
						Detail:    fmt.Sprintf("Key (%s)=(%s) already exists.", strings.Join(names, ", "), strings.Join(values, ", ")),
						TableName: t.name, ConstraintName: k.Name}
				}
				seen[key] = struct{}{}
			}
		}
		out[i] = seen
	}
	return out, nil
}

// checkLength refuses a value longer than a varchar(n) or char(n) column's n
// characters (typ), as PostgreSQL does on assignment.
func checkLength(col arrow.Array, n int, typ string) error {
	s, ok := col.(*array.String)
	if !ok {
		return nil
	}
	for i := range s.Len() {
		if v := s.Value(i); s.IsValid(i) && len(v) > n && utf8.RuneCountInString(v) > n {
			return pgerror.New("22001", "value too long for type %s", typ)
		}
	}
	return nil
}

// FailingRow prints row r as PostgreSQL's constraint errors show it:
// (1, abc, null).
func FailingRow(b arrow.RecordBatch, r int) string {
	var sb strings.Builder
	sb.WriteByte('(')
	for c, col := range b.Columns() {
		if c > 0 {
			sb.WriteString(", ")
		}
		if col.IsNull(r) {
			sb.WriteString("null")
			continue
		}
		sb.WriteString(ValueText(col, r))
	}
	sb.WriteByte(')')
	return sb.String()
}

// ValueText is row r's value as PostgreSQL prints it in an error's DETAIL
// (a timestamptz in UTC).
func ValueText(col arrow.Array, r int) string {
	enc, err := pgtext.NewEncoder(col, time.UTC)
	if err != nil {
		return col.ValueStr(r)
	}
	return string(enc(nil, r))
}

package engine

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/pgerror"
)

// hashTable assigns dense group ids to distinct key tuples.
type hashTable struct {
	groups  map[string]uint32
	ints    intGroups // keys that pack into an int64 (see packGroupKeys)
	keys    []keyColumn
	ngroups int
	buf     []byte
}

// groupIDsOf assigns the group ids of n rows whose keys are cols.
func (h *hashTable) groupIDsOf(cols []arrow.Array, n int) []uint32 {
	ids := make([]uint32, n)
	if len(cols) == 0 {
		return ids
	}
	// A row whose key packs (not NULL, in range) is looked up as an int64,
	// the others by their encoding: each key is always found the same way.
	packed := packGroupKeys(cols)
	// Rows of one key often come together (a file sorted by the key): the
	// previous row's group is checked first.
	var prevKey int64
	prevID := -1
	for r := range n {
		if packed != nil {
			if k, ok := packed(r); ok {
				if prevID < 0 || k != prevKey {
					id, isNew := h.ints.lookup(k, uint32(h.ngroups))
					if isNew {
						h.newGroup(cols, r)
					}
					prevKey, prevID = k, int(id)
				}
				ids[r] = uint32(prevID)
				continue
			}
		}
		h.buf = h.buf[:0]
		for i, c := range cols {
			h.buf = h.keys[i].encode(h.buf, c, r)
		}
		id, ok := h.groups[string(h.buf)]
		if !ok {
			id = uint32(h.ngroups)
			h.groups[string(h.buf)] = id
			h.newGroup(cols, r)
		}
		ids[r] = id
	}
	return ids
}

// lookup finds the groups of n rows whose keys are cols without adding
// any: ids holds the groups found; missing lists the other rows, hashes
// their keys' hashes under seed.
func (h *hashTable) lookup(cols []arrow.Array, n int, seed maphash.Seed) (ids []uint32, missing []int32, hashes []uint64) {
	ids = make([]uint32, n)
	packed := packGroupKeys(cols)
	for r := range n {
		if packed != nil {
			if k, ok := packed(r); ok {
				if id, ok := h.ints.get(k); ok {
					ids[r] = id
				} else {
					missing, hashes = append(missing, int32(r)), append(hashes, maphash.Comparable(seed, k))
				}
				continue
			}
		}
		h.buf = h.buf[:0]
		for i, c := range cols {
			h.buf = h.keys[i].encode(h.buf, c, r)
		}
		if id, ok := h.groups[string(h.buf)]; ok {
			ids[r] = id
		} else {
			missing, hashes = append(missing, int32(r)), append(hashes, maphash.Bytes(seed, h.buf))
		}
	}
	return ids, missing, hashes
}

// packGroupKeys is packKeys for group keys, which also packs strings of
// at most three bytes (flags and status codes, the keys of TPC-H Q1) with
// their length; nil when cols do not pack. A key that packs always does,
// so each group is found one way.
func packGroupKeys(cols []arrow.Array) func(i int) (int64, bool) {
	if len(cols) == 0 || len(cols) > 2 {
		return nil
	}
	parts := make([]func(int) (int64, bool), len(cols))
	for j, c := range cols {
		if k, ok := intKey(c); ok {
			if c.NullN() == 0 {
				parts[j] = func(i int) (int64, bool) { return k(i), true }
			} else {
				parts[j] = func(i int) (int64, bool) { return k(i), c.IsValid(i) }
			}
			continue
		}
		s, ok := c.(*array.String)
		if !ok {
			return nil
		}
		parts[j] = func(i int) (int64, bool) {
			if s.IsNull(i) {
				return 0, false
			}
			v := s.Value(i)
			if len(v) > 3 {
				return 0, false
			}
			k := int64(len(v)) << 24
			for n := range len(v) {
				k |= int64(v[n]) << (8 * n)
			}
			return k, true
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	k0, k1 := parts[0], parts[1]
	return func(i int) (int64, bool) {
		a, ok0 := k0(i)
		b, ok1 := k1(i)
		if !ok0 || !ok1 || a != int64(int32(a)) || b != int64(int32(b)) {
			return 0, false
		}
		return a<<32 | int64(uint32(b)), true
	}
}

// newGroup adds row r's key as the next group's.
func (h *hashTable) newGroup(cols []arrow.Array, r int) {
	h.ngroups++
	for i, c := range cols {
		h.keys[i].add(c, r)
	}
}

// intGroups maps int64 keys to group ids. While the keys seen span a
// range at most denseSpread times their number (ids, dates, an order key
// of a file sorted by it), an array indexed by key holds the ids: no
// hashing, and neighbouring keys are neighbours in memory. Otherwise an
// open-addressing table with linear probing, at most half full, does.
type intGroups struct {
	hashed bool
	// Dense: dense[k-lo] is k's group id + 1 (0: none yet).
	dense []uint32
	lo    int64
	// Hashed: ids[i] is keys[i]'s group id + 1 (0: an empty slot).
	keys  []int64
	ids   []uint32
	n     int
	shift uint
}

// denseSpread bounds the dense array's length per group (beyond a first
// denseMin slots).
const (
	denseSpread = 8
	denseMin    = 1 << 16
)

// lookup returns k's group id, giving it id (isNew) when it has none.
func (t *intGroups) lookup(k int64, id uint32) (uint32, bool) {
	if !t.hashed {
		if off := uint64(k - t.lo); off < uint64(len(t.dense)) && t.n > 0 {
			if g := t.dense[off]; g != 0 {
				return g - 1, false
			}
			t.dense[off] = id + 1
			t.n++
			return id, true
		}
		if t.widen(k) {
			t.dense[k-t.lo] = id + 1
			t.n++
			return id, true
		}
		t.toHashed()
	}
	slot, found := t.find(k)
	if found {
		return t.ids[slot] - 1, false
	}
	t.keys[slot], t.ids[slot] = k, id+1
	if t.n++; t.n*2 > len(t.keys) {
		t.resize(len(t.keys) * 2)
	}
	return id, true
}

// get returns k's group id, if it has one.
func (t *intGroups) get(k int64) (uint32, bool) {
	if !t.hashed {
		if off := uint64(k - t.lo); off < uint64(len(t.dense)) && t.n > 0 && t.dense[off] != 0 {
			return t.dense[off] - 1, true
		}
		return 0, false
	}
	if slot, found := t.find(k); found {
		return t.ids[slot] - 1, true
	}
	return 0, false
}

// widen makes the dense array cover k, with room to grow, unless the span
// would be too sparse for the groups there are.
func (t *intGroups) widen(k int64) bool {
	lo, hi := k, k
	if t.n > 0 {
		lo, hi = min(t.lo, k), max(t.lo+int64(len(t.dense))-1, k)
	}
	limit := uint64(max(denseMin, denseSpread*(t.n+1)))
	d := uint64(hi) - uint64(lo) // the true difference, even past int64
	if d >= limit {
		return false
	}
	span := d + 1
	// Grow by half again on the side k is on, within the limit.
	size := min(span+span/2, limit)
	newLo := lo
	if t.n > 0 && k < t.lo {
		newLo = hi - int64(size) + 1
		if newLo > lo || newLo > hi { // overflow
			newLo = lo
		}
	}
	dense := make([]uint32, size)
	if t.n > 0 {
		copy(dense[t.lo-newLo:], t.dense)
	}
	t.dense, t.lo = dense, newLo
	return true
}

// toHashed moves the dense array's keys into the hash table.
func (t *intGroups) toHashed() {
	dense, lo := t.dense, t.lo
	t.hashed, t.dense, t.n = true, nil, 0
	size := 1 << 10
	for size < 2*len(dense)/denseSpread+2 {
		size *= 2
	}
	t.resize(size)
	for off, g := range dense {
		if g != 0 {
			slot, _ := t.find(lo + int64(off))
			t.keys[slot], t.ids[slot] = lo+int64(off), g
			t.n++
		}
	}
	if t.n*2 > len(t.keys) {
		t.resize(len(t.keys) * 2)
	}
}

// find returns k's slot in the hash table, or the empty slot where it
// belongs.
func (t *intGroups) find(k int64) (slot int, found bool) {
	mask := len(t.keys) - 1
	for i := int(uint64(k) * 0x9E3779B97F4A7C15 >> t.shift); ; i = (i + 1) & mask {
		switch {
		case t.ids[i] == 0:
			return i, false
		case t.keys[i] == k:
			return i, true
		}
	}
}

func (t *intGroups) resize(size int) {
	keys, ids := t.keys, t.ids
	t.keys, t.ids = make([]int64, size), make([]uint32, size)
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for i, id := range ids {
		if id != 0 {
			slot, _ := t.find(keys[i])
			t.keys[slot], t.ids[slot] = keys[i], id
		}
	}
}

// keyColumn collects the distinct values of one group key.
type keyColumn interface {
	// encode appends a hashable encoding of row r of a to buf.
	encode(buf []byte, a arrow.Array, r int) []byte
	// add appends row r of a as the key of a new group.
	add(a arrow.Array, r int)
	build(mem memory.Allocator) arrow.Array
}

type valueArray[T any] interface {
	arrow.Array
	Value(int) T
}

type appender[T any] interface {
	array.Builder
	Append(T)
}

// fixedKeys holds keys of a fixed-width type.
type fixedKeys[T comparable] struct {
	dt    arrow.DataType
	vals  []T
	valid []bool
	norm  func(T) T // canonical form (float -0 and NaN), or nil
}

func (k *fixedKeys[T]) encode(buf []byte, a arrow.Array, r int) []byte {
	if a.IsNull(r) {
		return append(buf, 0)
	}
	v := a.(valueArray[T]).Value(r)
	if k.norm != nil {
		v = k.norm(v)
	}
	buf = append(buf, 1)
	return append(buf, unsafe.Slice((*byte)(unsafe.Pointer(&v)), unsafe.Sizeof(v))...)
}

func (k *fixedKeys[T]) add(a arrow.Array, r int) {
	var v T
	valid := a.IsValid(r)
	if valid {
		v = a.(valueArray[T]).Value(r)
	}
	k.vals = append(k.vals, v)
	k.valid = append(k.valid, valid)
}

func (k *fixedKeys[T]) build(mem memory.Allocator) arrow.Array {
	b := array.NewBuilder(mem, k.dt)
	defer b.Release()
	ab := b.(appender[T])
	for i, v := range k.vals {
		if k.valid[i] {
			ab.Append(v)
		} else {
			ab.AppendNull()
		}
	}
	return b.NewArray()
}

// normInterval is an interval's canonical form under PostgreSQL's
// equality, which compares spans with a month as 30 days (so '1 day' =
// '24 hours' and '1 mon' = '30 days'): whole days carried out of the
// time and whole 30-day months out of the days, remainders non-negative.
// The group keeps the first value it met, as PostgreSQL does.
func normInterval(v arrow.MonthDayNanoInterval) arrow.MonthDayNanoInterval {
	const day = 86_400_000_000_000
	days := int64(v.Months)*30 + int64(v.Days) + floorDiv(v.Nanoseconds, day)
	rem := v.Nanoseconds - floorDiv(v.Nanoseconds, day)*day
	months := floorDiv(days, 30)
	return arrow.MonthDayNanoInterval{Months: int32(months), Days: int32(days - months*30), Nanoseconds: rem}
}

// floorDiv divides rounding toward minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// structKeys holds keys of a record type: a record's key is its fields'
// keys, so records with equal fields (NULLs included) are one group, as
// PostgreSQL groups records.
type structKeys struct {
	dt     *arrow.StructType
	fields []keyColumn
	valid  []bool
}

func (k *structKeys) encode(buf []byte, a arrow.Array, r int) []byte {
	if a.IsNull(r) {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	st := a.(*array.Struct)
	for i, f := range k.fields {
		buf = f.encode(buf, st.Field(i), r)
	}
	return buf
}

func (k *structKeys) add(a arrow.Array, r int) {
	k.valid = append(k.valid, a.IsValid(r))
	st := a.(*array.Struct)
	for i, f := range k.fields {
		f.add(st.Field(i), r)
	}
}

func (k *structKeys) build(mem memory.Allocator) arrow.Array {
	children := make([]arrow.ArrayData, len(k.fields))
	for i, f := range k.fields {
		c := f.build(mem)
		defer c.Release()
		children[i] = c.Data()
	}
	bitmap := make([]byte, bitutil.BytesForBits(int64(len(k.valid))))
	nulls := 0
	for i, ok := range k.valid {
		if ok {
			bitutil.SetBit(bitmap, i)
		} else {
			nulls++
		}
	}
	data := array.NewData(k.dt, len(k.valid), []*memory.Buffer{memory.NewBufferBytes(bitmap)}, children, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// listKeys holds keys that are arrays (GROUP BY, DISTINCT of a text[]
// column: catalog queries group by pg_attribute.attoptions). A group's
// array is kept as a one-row slice of its input, so the batches holding
// the groups' first rows stay in memory until the result is built.
type listKeys struct {
	dt   arrow.DataType
	elem keyColumn
	rows []arrow.Array
}

func (k *listKeys) encode(buf []byte, a arrow.Array, r int) []byte {
	if a.IsNull(r) {
		return append(buf, 0)
	}
	l := a.(*array.List)
	start, end := l.ValueOffsets(r)
	buf = append(buf, 1)
	buf = binary.AppendUvarint(buf, uint64(end-start))
	for i := start; i < end; i++ {
		buf = k.elem.encode(buf, l.ListValues(), int(i))
	}
	return buf
}

func (k *listKeys) add(a arrow.Array, r int) {
	k.rows = append(k.rows, array.NewSlice(a, int64(r), int64(r+1)))
}

func (k *listKeys) build(mem memory.Allocator) arrow.Array {
	defer func() {
		releaseAll(k.rows)
		k.rows = nil
	}()
	if len(k.rows) == 0 {
		return array.MakeArrayOfNull(mem, k.dt, 0)
	}
	out, err := array.Concatenate(k.rows, mem)
	if err != nil {
		panic(fmt.Sprintf("group keys: %v", err)) // slices of one type always concatenate
	}
	return out
}

// bytesKeys holds keys of a string or binary type.
type bytesKeys struct {
	dt    arrow.DataType
	vals  []string
	valid []bool
	// numeric keys compare as numbers: 1.5 and 1.50 are one key, the
	// first seen its value, as in PostgreSQL.
	numeric bool
}

func bytesAt(a arrow.Array, r int) string {
	switch v := a.(type) {
	case *array.String:
		return v.Value(r)
	case *array.LargeString:
		return v.Value(r)
	case *array.Binary:
		return string(v.Value(r))
	case *array.LargeBinary:
		return string(v.Value(r))
	case *array.FixedSizeBinary:
		return string(v.Value(r))
	case array.ExtensionArray:
		return bytesAt(v.Storage(), r)
	}
	panic(fmt.Sprintf("bytesAt: unexpected array %T", a))
}

func (k *bytesKeys) encode(buf []byte, a arrow.Array, r int) []byte {
	if a.IsNull(r) {
		return append(buf, 0)
	}
	s := bytesAt(a, r)
	if k.numeric {
		s = trimFraction(s)
	}
	buf = append(buf, 1)
	buf = append(buf, byte(len(s)), byte(len(s)>>8), byte(len(s)>>16), byte(len(s)>>24))
	return append(buf, s...)
}

// trimFraction drops a numeric text's trailing fractional zeros, and its
// point when no digit follows: the canonical key of its value.
func trimFraction(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" || s == "" || s == "-" {
		return "0"
	}
	return s
}

func (k *bytesKeys) add(a arrow.Array, r int) {
	valid := a.IsValid(r)
	s := ""
	if valid {
		s = bytesAt(a, r)
	}
	k.vals = append(k.vals, s)
	k.valid = append(k.valid, valid)
}

func (k *bytesKeys) build(mem memory.Allocator) arrow.Array {
	storage := k.dt
	if ext, ok := k.dt.(arrow.ExtensionType); ok {
		storage = ext.StorageType()
	}
	b := array.NewBuilder(mem, storage)
	defer b.Release()
	for i, v := range k.vals {
		switch {
		case !k.valid[i]:
			b.AppendNull()
		case storage.ID() == arrow.STRING || storage.ID() == arrow.LARGE_STRING:
			b.(interface{ Append(string) }).Append(v)
		default:
			b.(interface{ Append([]byte) }).Append([]byte(v))
		}
	}
	arr := b.NewArray()
	if ext, ok := k.dt.(arrow.ExtensionType); ok {
		defer arr.Release()
		return array.NewExtensionArrayWithStorage(ext, arr)
	}
	return arr
}

func normFloat64(v float64) float64 {
	if v == 0 {
		return 0
	}
	if math.IsNaN(v) {
		return math.NaN()
	}
	return v
}

func normFloat32(v float32) float32 {
	if v == 0 {
		return 0
	}
	if v != v {
		return float32(math.NaN())
	}
	return v
}

func newKeyColumn(dt arrow.DataType) (keyColumn, error) {
	switch dt.ID() {
	case arrow.BOOL:
		return &fixedKeys[bool]{dt: dt}, nil
	case arrow.INT8:
		return &fixedKeys[int8]{dt: dt}, nil
	case arrow.INT16:
		return &fixedKeys[int16]{dt: dt}, nil
	case arrow.INT32:
		return &fixedKeys[int32]{dt: dt}, nil
	case arrow.INT64:
		return &fixedKeys[int64]{dt: dt}, nil
	case arrow.UINT8:
		return &fixedKeys[uint8]{dt: dt}, nil
	case arrow.UINT16:
		return &fixedKeys[uint16]{dt: dt}, nil
	case arrow.UINT32:
		return &fixedKeys[uint32]{dt: dt}, nil
	case arrow.UINT64:
		return &fixedKeys[uint64]{dt: dt}, nil
	case arrow.FLOAT32:
		return &fixedKeys[float32]{dt: dt, norm: normFloat32}, nil
	case arrow.FLOAT64:
		return &fixedKeys[float64]{dt: dt, norm: normFloat64}, nil
	case arrow.DATE32:
		return &fixedKeys[arrow.Date32]{dt: dt}, nil
	case arrow.DATE64:
		return &fixedKeys[arrow.Date64]{dt: dt}, nil
	case arrow.TIMESTAMP:
		return &fixedKeys[arrow.Timestamp]{dt: dt}, nil
	case arrow.TIME64:
		return &fixedKeys[arrow.Time64]{dt: dt}, nil
	case arrow.DECIMAL128:
		return &fixedKeys[decimal128.Num]{dt: dt}, nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return &fixedKeys[arrow.MonthDayNanoInterval]{dt: dt, norm: normInterval}, nil
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY:
		return &bytesKeys{dt: dt}, nil
	case arrow.STRUCT:
		st := dt.(*arrow.StructType)
		k := &structKeys{dt: st}
		for _, f := range st.Fields() {
			fk, err := newKeyColumn(f.Type)
			if err != nil {
				return nil, err
			}
			k.fields = append(k.fields, fk)
		}
		return k, nil
	case arrow.LIST:
		elem, err := newKeyColumn(dt.(*arrow.ListType).Elem())
		if err != nil {
			return nil, err
		}
		return &listKeys{dt: dt, elem: elem}, nil
	case arrow.EXTENSION:
		// Values equal as their storage: numeric text (without trailing
		// fractional zeros), uuid bytes.
		if _, ok := dt.(*pgtypes.NumericType); ok {
			return &bytesKeys{dt: dt, numeric: true}, nil
		}
		switch dt.(arrow.ExtensionType).StorageType().ID() {
		case arrow.STRING, arrow.FIXED_SIZE_BINARY:
			if _, isJSON := dt.(*extensions.JSONType); !isJSON {
				return &bytesKeys{dt: dt}, nil
			}
		}
	}
	return nil, pgerror.New(pgerror.UndefinedFunction, "could not identify an equality operator for type %s", pgTypeName(dt))
}

package riffq_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/riffq/riffq"
	"github.com/riffq/riffq/internal/pgtypes"
	"github.com/riffq/riffq/sources"
)

// extraTypes is a table of the types that come only from sources: time,
// interval, uuid, json, oid and arrays.
func extraTypes(t *testing.T) sources.TableProvider {
	t.Helper()
	jsonType, _ := extensions.NewJSONType(arrow.BinaryTypes.String)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "t", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
		{Name: "iv", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true},
		{Name: "u", Type: extensions.NewUUIDType(), Nullable: true},
		{Name: "j", Type: jsonType, Nullable: true},
		{Name: "o", Type: pgtypes.OID(), Nullable: true},
		{Name: "ai", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
		{Name: "at", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "af", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	tb := b.Field(0).(*array.Time64Builder)
	for _, us := range []int64{45296789000, 0, 86399999999, 3723000000, 3723000000, 3723000000} {
		tb.Append(arrow.Time64(us))
	}
	ib := b.Field(1).(*array.MonthDayNanoIntervalBuilder)
	for _, v := range []arrow.MonthDayNanoInterval{
		{Months: 14, Days: 3, Nanoseconds: (4*3600+5*60+6)*1e9 + 5e8},
		{Days: -1, Nanoseconds: 2 * 3600 * 1e9},
		{},
		{Months: -14},
		{Nanoseconds: -1250 * 1e6},
		{Months: 1, Days: -1, Nanoseconds: 1e9},
	} {
		ib.Append(v)
	}
	ub := b.Field(2).(*extensions.UUIDBuilder)
	ub.Append(uuid.MustParse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
	ub.Append(uuid.UUID{})
	for range 4 {
		ub.AppendNull()
	}
	jb := b.Field(3).(*array.ExtensionBuilder).StorageBuilder().(*array.StringBuilder)
	jb.AppendValues([]string{`{"a": [1, 2]}`, `[]`, `null`}, nil)
	for range 3 {
		jb.AppendNull()
	}
	ob := b.Field(4).(*array.ExtensionBuilder).StorageBuilder().(*array.Uint32Builder)
	ob.AppendValues([]uint32{4294967295, 0, 26}, nil)
	for range 3 {
		ob.AppendNull()
	}
	lb := b.Field(5).(*array.ListBuilder)
	vb := lb.ValueBuilder().(*array.Int32Builder)
	lb.Append(true)
	vb.AppendValues([]int32{1, 0, 3}, []bool{true, false, true})
	lb.Append(true)
	lb.AppendNull()
	lb.Append(true)
	vb.Append(7)
	lb.AppendNull()
	lb.AppendNull()
	sb := b.Field(6).(*array.ListBuilder)
	svb := sb.ValueBuilder().(*array.StringBuilder)
	sb.Append(true)
	svb.AppendValues([]string{"a b", "", "NULL", `q"x`, "plain", `back\slash`}, nil)
	sb.Append(true)
	svb.AppendValues([]string{"{x}", ","}, nil)
	sb.Append(true)
	svb.AppendNull()
	for range 3 {
		sb.AppendNull()
	}
	fb := b.Field(7).(*array.ListBuilder)
	fvb := fb.ValueBuilder().(*array.Float64Builder)
	fb.Append(true)
	fvb.AppendValues([]float64{1.5, nan(), 0}, nil)
	fb.Append(true)
	fvb.Append(inf())
	fb.Append(true)
	fvb.Append(1e20)
	for range 3 {
		fb.AppendNull()
	}
	rec := b.NewRecordBatch()
	tbl, err := sources.NewMemTable(schema, rec)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// TestExtraTypes checks text output against what PostgreSQL 15 printed for
// the same values (psql -At of a VALUES list of time, interval, uuid, json,
// oid, int4[], text[] and float8[] literals), and that pgx decodes the
// binary forms to the same values.
func TestExtraTypes(t *testing.T) {
	url := startServer(t, riffq.WithTable("extras", extraTypes(t)))
	want := []string{
		`12:34:56.789|1 year 2 mons 3 days 04:05:06.5|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{"a": [1, 2]}|4294967295|{1,NULL,3}|{"a b","","NULL","q\"x",plain,"back\\slash"}|{1.5,NaN,0}`,
		`00:00:00|-1 days +02:00:00|00000000-0000-0000-0000-000000000000|[]|0|{}|{"{x}",","}|{Infinity}`,
		`23:59:59.999999|00:00:00||null|26||{NULL}|{1e+20}`,
		`01:02:03|-1 years -2 mons||||{7}||`,
		`01:02:03|-00:00:01.25||||||`,
		`01:02:03|1 mon -1 days +00:00:01||||||`,
	}
	simple := connect(t, url)
	ctx := context.Background()
	rows, err := simple.Query(ctx, "SELECT t, iv, u, j, o, ai, at, af FROM extras")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var parts []string
		for _, v := range rows.RawValues() {
			parts = append(parts, string(v))
		}
		got = append(got, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("text output:\n%s\nwant (PostgreSQL's):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Binary results through pgx's extended protocol.
	ext, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close(ctx)
	var (
		tm pgtype.Time
		iv pgtype.Interval
		u  pgtype.UUID
		j  map[string]any
		o  uint32
		ai []*int32
		at []string
		af []float64
	)
	err = ext.QueryRow(ctx, "SELECT t, iv, u, j, o, ai, at, af FROM extras LIMIT 1").Scan(&tm, &iv, &u, &j, &o, &ai, &at, &af)
	if err != nil {
		t.Fatal(err)
	}
	if tm.Microseconds != 45296789000 || iv.Months != 14 || iv.Days != 3 || iv.Microseconds != 14706500000 ||
		uuid.UUID(u.Bytes).String() != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" || o != 4294967295 ||
		len(ai) != 3 || ai[1] != nil || *ai[2] != 3 || len(at) != 6 || at[3] != `q"x` || len(af) != 3 || af[0] != 1.5 {
		t.Errorf("binary values: %v %v %v %v %v %v %v %v", tm, iv, u, j, o, ai, at, af)
	}
	if _, ok := j["a"]; !ok {
		t.Errorf("json: %v", j)
	}
	_ = time.Now
}

func nan() float64 { return zero() / zero() }
func inf() float64 { return 1 / zero() }

var zeroValue float64

func zero() float64 { return zeroValue }

// TestExtraTypeParameters binds time, interval, uuid and oid parameters,
// in text (simple protocol) and binary (pgx's extended protocol).
func TestExtraTypeParameters(t *testing.T) {
	url := startServer(t, riffq.WithTable("extras", extraTypes(t)))
	ctx := context.Background()
	ext, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close(ctx)
	simple := connect(t, url)
	u := uuid.MustParse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
	cases := []struct {
		where string
		arg   any
		want  int64
	}{
		{"t = $1", pgtype.Time{Microseconds: 3723000000, Valid: true}, 3},
		{"t > $1", pgtype.Time{Microseconds: 45296789000, Valid: true}, 1},
		{"u = $1", u, 1},
		{"o = $1", uint32(26), 1},
		{"iv = $1", pgtype.Interval{Days: -1, Microseconds: 2 * 3600e6, Valid: true}, 1},
	}
	for _, c := range cases {
		for name, conn := range map[string]*pgx.Conn{"binary": ext, "text": simple} {
			var n int64
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM extras WHERE "+c.where, c.arg).Scan(&n); err != nil {
				t.Errorf("%s, %s: %v", c.where, name, err)
				continue
			}
			if n != c.want {
				t.Errorf("%s, %s: count %d, want %d", c.where, name, n, c.want)
			}
		}
	}
}

// TestRecordResults reads a record-valued column (_pg_expandarray's) in
// binary, through pgx's extended protocol; catalog.slt reads it in text.
func TestRecordResults(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT information_schema._pg_expandarray(ARRAY[10, NULL]::int8[])")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(v[0]))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"[10 1]", "[<nil> 2]"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("binary records: got %v, want %v", got, want)
	}
	// A whole-row reference and an array of records, in binary.
	rows, err = conn.Query(ctx, "SELECT (SELECT t FROM (VALUES (1, 'x')) t(a, b)), array_agg(t ORDER BY a DESC) FROM (VALUES (1, 'x'), (2, NULL)) t(a, b)")
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(v...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "[[1 x] [[2 <nil>] [1 x]]]"; fmt.Sprint(got) != want {
		t.Errorf("binary record and record[]: got %v, want %s", got, want)
	}
}

// TestRegNames: a select list's reg* casts print the objects' names, as
// PostgreSQL's do, while comparisons and ORDER BY inside the query see
// OIDs. (The column's type is text where PostgreSQL's is regclass, so
// catalog.slt cannot hold this against PostgreSQL.)
func TestRegNames(t *testing.T) {
	conn := connect(t, startServer(t))
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT c.oid, c.relname::text, c.oid::regclass, c.relnamespace::regnamespace, c.relowner::regrole,
		c.oid::regclass = 'types'::regclass, 'int4'::regtype, 'information_schema.tables'::regclass, 99999::regclass
		FROM pg_class c WHERE c.relname IN ('types', 'symbols', 'types_pkey') ORDER BY c.oid::regclass DESC`)
	if err != nil {
		t.Fatal(err)
	}
	last := int64(-1)
	n := 0
	for rows.Next() {
		var oid uint32 // type oid, as PostgreSQL's pg_class.oid (pgx scans it as uint32)
		var name, rel, nsp, owner, typ, info, none string
		var same bool
		if err := rows.Scan(&oid, &name, &rel, &nsp, &owner, &same, &typ, &info, &none); err != nil {
			t.Fatal(err)
		}
		n++
		if last >= 0 && int64(oid) > last {
			t.Errorf("ORDER BY oid::regclass DESC: %d after %d; want OID order", oid, last)
		}
		last = int64(oid)
		got := fmt.Sprintf("%s %s %s %v %s %s %s", rel, nsp, owner, same, typ, info, none)
		want := fmt.Sprintf("%s public postgres %v integer information_schema.tables 99999", name, name == "types")
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if err := rows.Err(); err != nil || n != 3 {
		t.Fatalf("%d rows, %v", n, err)
	}
}

// TestNumericArrayParameter binds numeric[] parameters (an application's
// `x = ANY($1::numeric[])`), in text and binary, each element keeping its
// own scale.
func TestNumericArrayParameter(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	ext, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close(ctx)
	simple := connect(t, url)
	for name, conn := range map[string]*pgx.Conn{"binary": ext, "text": simple} {
		var hit, miss bool
		var text string
		if err := conn.QueryRow(ctx, "SELECT 1.5 = ANY($1::numeric[]), 0 = ANY($1::numeric[]), ($1::numeric[])::text", "{1.5,2.25}").Scan(&hit, &miss, &text); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !hit || miss || text != "{1.5,2.25}" {
			t.Errorf("%s: 1.5 in array %v, 0 in array %v, text %s; want true, false, {1.5,2.25}", name, hit, miss, text)
		}
	}
}

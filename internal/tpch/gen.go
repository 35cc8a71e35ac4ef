// Package tpch generates TPC-H data deterministically, as Parquet files,
// for the correctness tests (scale factor 0.01) and the benchmarks (scale
// factor 1).
//
// It follows the specification's table sizes, key relationships, value
// domains and the rules the 22 queries depend on (order dates and the
// line items' ship/commit/receipt dates, return flags and line statuses
// relative to the current date, part names built from colour words, phone
// numbers starting with the nation's country code, partsupp's supplier
// spreading, sparse order keys, customers without orders). Free text is
// drawn from a small vocabulary rather than dbgen's grammar, so the data is
// TPC-H-shaped but not byte-identical to dbgen's.
package tpch

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Tables lists the eight TPC-H tables in the order Generate writes them.
var Tables = []string{"region", "nation", "supplier", "part", "partsupp", "customer", "orders", "lineitem"}

var (
	money  = &arrow.Decimal128Type{Precision: 15, Scale: 2}
	int32T = arrow.PrimitiveTypes.Int32
	text   = arrow.BinaryTypes.String
	date   = arrow.FixedWidthTypes.Date32
)

func schema(names string, types ...arrow.DataType) *arrow.Schema {
	fields := make([]arrow.Field, len(types))
	for i, n := range strings.Fields(names) {
		fields[i] = arrow.Field{Name: n, Type: types[i]}
	}
	return arrow.NewSchema(fields, nil)
}

// Schemas holds each table's columns with the specification's types:
// identifiers and sizes are integer, money and quantities numeric(15,2).
var Schemas = map[string]*arrow.Schema{
	"region":   schema("r_regionkey r_name r_comment", int32T, text, text),
	"nation":   schema("n_nationkey n_name n_regionkey n_comment", int32T, text, int32T, text),
	"supplier": schema("s_suppkey s_name s_address s_nationkey s_phone s_acctbal s_comment", int32T, text, text, int32T, text, money, text),
	"part": schema("p_partkey p_name p_mfgr p_brand p_type p_size p_container p_retailprice p_comment",
		int32T, text, text, text, text, int32T, text, money, text),
	"partsupp": schema("ps_partkey ps_suppkey ps_availqty ps_supplycost ps_comment", int32T, int32T, int32T, money, text),
	"customer": schema("c_custkey c_name c_address c_nationkey c_phone c_acctbal c_mktsegment c_comment",
		int32T, text, text, int32T, text, money, text, text),
	"orders": schema("o_orderkey o_custkey o_orderstatus o_totalprice o_orderdate o_orderpriority o_clerk o_shippriority o_comment",
		int32T, int32T, text, money, date, text, text, int32T, text),
	"lineitem": schema("l_orderkey l_partkey l_suppkey l_linenumber l_quantity l_extendedprice l_discount l_tax "+
		"l_returnflag l_linestatus l_shipdate l_commitdate l_receiptdate l_shipinstruct l_shipmode l_comment",
		int32T, int32T, int32T, int32T, money, money, money, money, text, text, date, date, date, text, text, text),
}

// Value domains from the specification (clause 4.2.2.13 and 4.2.3).
var (
	regions = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}
	nations = []struct {
		name   string
		region int32
	}{
		{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4},
		{"ETHIOPIA", 0}, {"FRANCE", 3}, {"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2},
		{"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2}, {"JORDAN", 4}, {"KENYA", 0},
		{"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
		{"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
	}
	colours = strings.Fields(`almond antique aquamarine azure beige bisque black blanched blue blush
		brown burlywood burnished chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark
		deep dim dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green grey honeydew
		hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon medium metallic
		midnight mint misty moccasin navajo navy olive orange orchid pale papaya peach peru pink plum
		powder puff purple red rose rosy royal saddle salmon sandy seashell sienna sky slate smoke snow
		spring steel tan thistle tomato turquoise violet wheat white yellow`)
	typeSyllables = [3][]string{
		{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"},
		{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"},
		{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"},
	}
	containerSyllables = [2][]string{
		{"SM", "LG", "MED", "JUMBO", "WRAP"},
		{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"},
	}
	segments     = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"}
	priorities   = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	instructions = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes    = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	// words make the free-text comments; "special" and "requests" matter
	// to Q13, "Customer", "Complaints" and "Recommends" to Q16.
	words = strings.Fields(`furiously carefully quickly slyly blithely regular ironic final pending
		express bold silent even special unusual careful fluffy quiet deposits requests accounts packages
		theodolites pinto beans foxes ideas instructions dependencies excuses platelets asymptotes courts
		dolphins multipliers warthogs frets dinos attainments somas patterns forges braids sleep wake
		are haggle nag use boost affix detect integrate cajole solve thrash among above according across
		after against along alongside around at atop before behind beneath beside between beyond by`)
)

var (
	startDate   = day(1992, 1, 1)
	endDate     = day(1998, 12, 31)
	currentDate = day(1995, 6, 17)
)

func day(y int, m time.Month, d int) int32 {
	return int32(arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
}

// sizes are the row counts at a scale factor (clause 4.2.5).
type sizes struct {
	supplier, part, customer, orders int
}

func sizesFor(sf float64) sizes {
	n := func(base float64) int { return max(1, int(base*sf)) }
	return sizes{supplier: n(10_000), part: n(200_000), customer: n(150_000), orders: n(1_500_000)}
}

// Generate writes the eight tables at scale factor sf into dir as
// <table>.parquet. The same sf always gives the same files.
func Generate(dir string, sf float64, logger *slog.Logger) error {
	return GenerateWithProgress(dir, sf, logger, nil)
}

// Progress is how far the generation of one table has got.
type Progress struct {
	Table string
	// Rows is the number of rows generated so far.
	Rows int64
	// Total is the number of rows the table will have. For lineitem it
	// is an estimate (4 line items per order, the mean) until Done.
	Total int64
	// Done is set once, in the last report of the table, when its file
	// is complete; Total is then exact.
	Done bool
}

// progressEvery is how many rows pass between two progress reports.
const progressEvery = 16 * 1024

// GenerateWithProgress is Generate calling progress (when not nil) as
// each table fills: every few thousand rows and when it is done, from the
// calling goroutine.
func GenerateWithProgress(dir string, sf float64, logger *slog.Logger, progress func(Progress)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	g := &generator{dir: dir, n: sizesFor(sf), logger: logger, progress: progress}
	for _, step := range []func() error{g.region, g.nation, g.supplier, g.part, g.partsupp, g.customer, g.ordersAndLineitems} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

type generator struct {
	dir      string
	n        sizes
	logger   *slog.Logger
	progress func(Progress)
}

// totalRows is the number of rows a table will have (for lineitem, the
// expected number).
func (g *generator) totalRows(name string) int64 {
	switch name {
	case "region":
		return int64(len(regions))
	case "nation":
		return int64(len(nations))
	case "supplier":
		return int64(g.n.supplier)
	case "part":
		return int64(g.n.part)
	case "partsupp":
		return 4 * int64(g.n.part)
	case "customer":
		return int64(g.n.customer)
	case "orders":
		return int64(g.n.orders)
	}
	return 4 * int64(g.n.orders) // lineitem: 1 to 7 per order
}

// table is one Parquet file being written.
type table struct {
	name string
	f    *os.File
	w    *pqarrow.FileWriter
	b    *array.RecordBuilder
	rows int
	last time.Time
	log  *slog.Logger
	// progress, when not nil, is told about the rows written.
	progress func(Progress)
	total    int64
}

const rowGroup = 128 * 1024

func (g *generator) create(name string) (*table, error) {
	path := filepath.Join(g.dir, name+".parquet")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(rowGroup), parquet.WithStats(true),
		// decimal(15,2) as INT64, as Parquet allows for precision <= 18: it
		// decodes much faster than fixed-length big-endian bytes.
		parquet.WithStoreDecimalAsInteger(true))
	w, err := pqarrow.NewFileWriter(Schemas[name], f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &table{name: name, f: f, w: w, b: array.NewRecordBuilder(memory.DefaultAllocator, Schemas[name]),
		last: time.Now(), log: g.logger, progress: g.progress, total: g.totalRows(name)}, nil
}

// row appends one row of Go values (int32, int64 cents for money, string,
// arrow.Date32), flushing full row groups.
func (t *table) row(vals ...any) error {
	for i, v := range vals {
		switch b := t.b.Field(i).(type) {
		case *array.Int32Builder:
			b.Append(v.(int32))
		case *array.Decimal128Builder:
			b.Append(decimal128.FromI64(v.(int64)))
		case *array.StringBuilder:
			b.Append(v.(string))
		case *array.Date32Builder:
			b.Append(arrow.Date32(v.(int32)))
		}
	}
	t.rows++
	if t.progress != nil && t.rows%progressEvery == 0 {
		t.progress(Progress{Table: t.name, Rows: int64(t.rows), Total: max(t.total, int64(t.rows))})
	}
	if t.rows%rowGroup == 0 {
		return t.flush()
	}
	return nil
}

func (t *table) flush() error {
	rec := t.b.NewRecordBatch()
	defer rec.Release()
	if rec.NumRows() == 0 {
		return nil
	}
	if err := t.w.Write(rec); err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	if t.log != nil && time.Since(t.last) > 2*time.Second {
		t.log.Info("generating TPC-H", "table", t.name, "rows", t.rows)
		t.last = time.Now()
	}
	return nil
}

func (t *table) close() error {
	defer t.b.Release()
	if err := t.flush(); err != nil {
		t.w.Close()
		return err
	}
	if err := t.w.Close(); err != nil {
		return err
	}
	if t.progress != nil {
		t.progress(Progress{Table: t.name, Rows: int64(t.rows), Total: int64(t.rows), Done: true})
	}
	return nil
}

// rng gives each table its own deterministic stream.
func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7c4a_7c4a)) }

func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// comment is free text of about minLen..maxLen characters.
func comment(r *rand.Rand, minLen, maxLen int) string {
	target := between(r, minLen, maxLen)
	var sb strings.Builder
	for sb.Len() < target {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(words[r.IntN(len(words))])
	}
	s := sb.String()
	if len(s) > maxLen {
		s = strings.TrimRight(s[:maxLen], " ")
	}
	return s
}

const addressChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,. "

func address(r *rand.Rand) string {
	b := make([]byte, between(r, 10, 40))
	for i := range b {
		b[i] = addressChars[r.IntN(len(addressChars))]
	}
	return strings.TrimSpace(string(b))
}

// phone starts with the country code, nation key + 10 (clause 4.2.2.9).
func phone(r *rand.Rand, nation int32) string {
	return fmt.Sprintf("%02d-%03d-%03d-%04d", nation+10, between(r, 100, 999), between(r, 100, 999), between(r, 1000, 9999))
}

func acctbal(r *rand.Rand) int64 { return int64(between(r, -99_999, 999_999)) }

func (g *generator) region() error {
	t, err := g.create("region")
	if err != nil {
		return err
	}
	r := rng(1)
	for i, name := range regions {
		if err := t.row(int32(i), name, comment(r, 31, 115)); err != nil {
			return err
		}
	}
	return t.close()
}

func (g *generator) nation() error {
	t, err := g.create("nation")
	if err != nil {
		return err
	}
	r := rng(2)
	for i, n := range nations {
		if err := t.row(int32(i), n.name, n.region, comment(r, 31, 114)); err != nil {
			return err
		}
	}
	return t.close()
}

func (g *generator) supplier() error {
	t, err := g.create("supplier")
	if err != nil {
		return err
	}
	r := rng(3)
	for k := 1; k <= g.n.supplier; k++ {
		nation := int32(r.IntN(len(nations)))
		c := comment(r, 25, 100)
		// A few suppliers have complaints or recommendations on file
		// (clause 4.2.3: "Customer ... Complaints" / "Customer ... Recommends").
		switch x := r.IntN(1000); {
		case x < 5:
			c = insertCustomer(r, c, "Complaints")
		case x < 10:
			c = insertCustomer(r, c, "Recommends")
		}
		if err := t.row(int32(k), fmt.Sprintf("Supplier#%09d", k), address(r), nation, phone(r, nation), acctbal(r), c); err != nil {
			return err
		}
	}
	return t.close()
}

func insertCustomer(r *rand.Rand, c, what string) string {
	w := strings.Fields(c)
	at := r.IntN(len(w) + 1)
	w = append(w[:at], append([]string{"Customer", words[r.IntN(len(words))], what}, w[at:]...)...)
	return strings.Join(w, " ")
}

// retailPrice in cents (clause 4.2.3).
func retailPrice(partkey int) int64 {
	return int64(90000 + (partkey/10)%20001 + 100*(partkey%1000))
}

func (g *generator) part() error {
	t, err := g.create("part")
	if err != nil {
		return err
	}
	r := rng(4)
	for k := 1; k <= g.n.part; k++ {
		perm := r.Perm(len(colours))[:5]
		name := make([]string, 5)
		for i, c := range perm {
			name[i] = colours[c]
		}
		m := between(r, 1, 5)
		typ := typeSyllables[0][r.IntN(6)] + " " + typeSyllables[1][r.IntN(5)] + " " + typeSyllables[2][r.IntN(5)]
		container := containerSyllables[0][r.IntN(5)] + " " + containerSyllables[1][r.IntN(8)]
		if err := t.row(int32(k), strings.Join(name, " "), fmt.Sprintf("Manufacturer#%d", m),
			fmt.Sprintf("Brand#%d%d", m, between(r, 1, 5)), typ, int32(between(r, 1, 50)), container,
			retailPrice(k), comment(r, 5, 22)); err != nil {
			return err
		}
	}
	return t.close()
}

// partSupplier is the i-th (0..3) supplier of a part (clause 4.2.3).
func partSupplier(partkey, i, suppliers int) int {
	return (partkey+i*(suppliers/4+(partkey-1)/suppliers))%suppliers + 1
}

func (g *generator) partsupp() error {
	t, err := g.create("partsupp")
	if err != nil {
		return err
	}
	r := rng(5)
	for k := 1; k <= g.n.part; k++ {
		for i := range 4 {
			if err := t.row(int32(k), int32(partSupplier(k, i, g.n.supplier)), int32(between(r, 1, 9999)),
				int64(between(r, 100, 100_000)), comment(r, 49, 198)); err != nil {
				return err
			}
		}
	}
	return t.close()
}

func (g *generator) customer() error {
	t, err := g.create("customer")
	if err != nil {
		return err
	}
	r := rng(6)
	for k := 1; k <= g.n.customer; k++ {
		nation := int32(r.IntN(len(nations)))
		if err := t.row(int32(k), fmt.Sprintf("Customer#%09d", k), address(r), nation, phone(r, nation),
			acctbal(r), segments[r.IntN(len(segments))], comment(r, 29, 116)); err != nil {
			return err
		}
	}
	return t.close()
}

// ordersAndLineitems writes both tables in one pass: an order's status
// and total price come from its line items.
func (g *generator) ordersAndLineitems() error {
	orders, err := g.create("orders")
	if err != nil {
		return err
	}
	lines, err := g.create("lineitem")
	if err != nil {
		orders.close()
		return err
	}
	r := rng(7)
	clerks := max(1, g.n.supplier/10)
	type line struct {
		partkey, suppkey        int
		qty, price, disc, tax   int64
		flag, status            string
		ship, commit, receipt   int32
		instruct, mode, comment string
	}
	var items []line
	for i := range g.n.orders {
		// Only the first 8 of every 32 keys are used (clause 4.2.3).
		key := int32(i/8*32 + i%8 + 1)
		cust := between(r, 1, g.n.customer)
		for cust%3 == 0 && g.n.customer >= 3 { // a third of the customers have no orders
			cust = between(r, 1, g.n.customer)
		}
		orderDate := int32(between(r, int(startDate), int(endDate)-151))
		items = items[:0]
		var total int64
		nF, nO := 0, 0
		for range between(r, 1, 7) {
			var l line
			l.partkey = between(r, 1, g.n.part)
			l.suppkey = partSupplier(l.partkey, r.IntN(4), g.n.supplier)
			l.qty = int64(between(r, 1, 50))
			l.price = l.qty * retailPrice(l.partkey)
			l.disc = int64(between(r, 0, 10))
			l.tax = int64(between(r, 0, 8))
			l.ship = orderDate + int32(between(r, 1, 121))
			l.commit = orderDate + int32(between(r, 30, 90))
			l.receipt = l.ship + int32(between(r, 1, 30))
			switch {
			case l.receipt > currentDate:
				l.flag = "N"
			case r.IntN(2) == 0:
				l.flag = "R"
			default:
				l.flag = "A"
			}
			if l.ship > currentDate {
				l.status = "O"
				nO++
			} else {
				l.status = "F"
				nF++
			}
			l.instruct = instructions[r.IntN(len(instructions))]
			l.mode = shipModes[r.IntN(len(shipModes))]
			l.comment = comment(r, 10, 43)
			// price * (1 + tax) * (1 - discount), in cents, rounded.
			total += (l.price*(100+l.tax)*(100-l.disc) + 5000) / 10000
			items = append(items, l)
		}
		status := "P"
		if nO == 0 {
			status = "F"
		} else if nF == 0 {
			status = "O"
		}
		if err := orders.row(key, int32(cust), status, total, orderDate, priorities[r.IntN(len(priorities))],
			fmt.Sprintf("Clerk#%09d", between(r, 1, clerks)), int32(0), comment(r, 19, 78)); err != nil {
			return err
		}
		for n, l := range items {
			if err := lines.row(key, int32(l.partkey), int32(l.suppkey), int32(n+1), l.qty*100, l.price, l.disc, l.tax,
				l.flag, l.status, l.ship, l.commit, l.receipt, l.instruct, l.mode, l.comment); err != nil {
				return err
			}
		}
	}
	if err := orders.close(); err != nil {
		lines.close()
		return err
	}
	return lines.close()
}

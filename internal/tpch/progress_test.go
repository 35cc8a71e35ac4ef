package tpch

import (
	"slices"
	"testing"
)

func TestGenerateWithProgress(t *testing.T) {
	sf := 0.02
	n := sizesFor(sf)
	var done []string
	last := map[string]Progress{}
	err := GenerateWithProgress(t.TempDir(), sf, nil, func(p Progress) {
		prev, seen := last[p.Table]
		if slices.Contains(done, p.Table) {
			t.Errorf("%s: a report after the last: %+v", p.Table, p)
		}
		if seen && p.Rows < prev.Rows {
			t.Errorf("%s: rows went back from %d to %d", p.Table, prev.Rows, p.Rows)
		}
		if p.Rows > p.Total {
			t.Errorf("%s: %d rows of %d", p.Table, p.Rows, p.Total)
		}
		last[p.Table] = p
		if p.Done {
			done = append(done, p.Table)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(done, Tables) {
		t.Errorf("tables done in order %v, want %v", done, Tables)
	}
	want := map[string]int64{"region": 5, "nation": 25, "supplier": int64(n.supplier), "part": int64(n.part),
		"partsupp": 4 * int64(n.part), "customer": int64(n.customer), "orders": int64(n.orders)}
	for table, rows := range want {
		if p := last[table]; p.Rows != rows || p.Total != rows {
			t.Errorf("%s done with %d of %d rows, want %d", table, p.Rows, p.Total, rows)
		}
	}
	// lineitem has 1 to 7 lines per order: about 4.
	if li := last["lineitem"]; li.Rows < 3*int64(n.orders) || li.Rows > 5*int64(n.orders) || li.Total != li.Rows {
		t.Errorf("lineitem done with %d of %d rows for %d orders", li.Rows, li.Total, n.orders)
	}
	if _, ok := last["partsupp"]; !ok || len(last) != len(Tables) {
		t.Errorf("reports for %d tables, want %d", len(last), len(Tables))
	}
}

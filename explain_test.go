package riffq_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestExplainAnalyze checks that EXPLAIN ANALYZE runs the query and
// reports, per operator, the rows it produced, and the memory of those
// that hold rows.
func TestExplainAnalyze(t *testing.T) {
	conn := connect(t, startServer(t))
	rows, err := conn.Query(context.Background(), "EXPLAIN ANALYZE SELECT symbol, count(*) FROM candles WHERE close > 100 GROUP BY symbol ORDER BY 2 DESC")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(lines, "\n")
	stats := regexp.MustCompile(`\(actual time=[0-9.]+ ms rows=(\d+) batches=\d+( memory=[^)]+)?\)$`)
	want := map[string]string{"Scan: public.candles": "5760", "Filter:": "5040", "Aggregate:": "7", "Sort:": "7"}
	for _, l := range lines[:len(lines)-2] {
		m := stats.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("operator line without measurements: %q\n%s", l, text)
		}
		for prefix, rows := range want {
			if strings.HasPrefix(strings.TrimSpace(l), prefix) {
				if m[1] != rows {
					t.Errorf("%s produced %s rows, want %s\n%s", prefix, m[1], rows, text)
				}
				delete(want, prefix)
			}
		}
		if strings.HasPrefix(strings.TrimSpace(l), "Aggregate:") && m[2] == "" {
			t.Errorf("the aggregate reports no memory: %q", l)
		}
	}
	if len(want) > 0 {
		t.Errorf("operators missing from the plan: %v\n%s", want, text)
	}
	if !strings.HasPrefix(lines[len(lines)-2], "Planning Time: ") || !strings.HasPrefix(lines[len(lines)-1], "Execution Time: ") {
		t.Errorf("want planning and execution times last:\n%s", text)
	}
}

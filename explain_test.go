package riffq_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestExplainAnalyze checks that EXPLAIN ANALYZE runs the query and
// reports, per operator, the rows it produced, and the memory of those
// that hold rows.
func TestExplainAnalyze(t *testing.T) {
	conn := connect(t, startServer(t))
	lines := queryLines(t, conn, "EXPLAIN ANALYZE SELECT symbol, count(*) FROM candles WHERE close > 100 GROUP BY symbol ORDER BY 2 DESC")
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

// TestExplainKeyFilter checks where a hash join's build keys filter its
// other input: below the aggregate of a decorrelated subquery (the join
// swapped to hash the smaller side), and not at all for a full join,
// which keeps every row of both.
func TestExplainKeyFilter(t *testing.T) {
	conn := connect(t, startServer(t))
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE facts AS SELECT i % 50 AS k, i % 13 AS q FROM generate_series(1, 3000) AS g(i)",
		"CREATE TABLE dims AS SELECT i AS k, i % 4 AS grp, i % 3 AS tag FROM generate_series(0, 59) AS g(i)",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	explain := func(q string) string {
		t.Helper()
		lines := queryLines(t, conn, "EXPLAIN "+q)
		for i, l := range lines {
			lines[i] = strings.TrimSpace(l)
		}
		return strings.Join(lines, "\n")
	}
	plan := explain("SELECT count(*) FROM facts f, dims d WHERE d.k = f.k AND d.grp = 0 AND d.tag = 1 AND f.q < (SELECT avg(q) FROM facts WHERE k = d.k)")
	want := "Aggregate: groupBy=[facts.k] aggs=[avg(facts.q)]\nKeyFilter: [k] in keys of [d.k]\nScan: public.facts"
	if !strings.Contains(plan, want) || !strings.Contains(plan, "HashJoin: Right on=[key0 = d.k] keys=[d.k]") {
		t.Errorf("want the subquery's aggregate over a key filter, below a right join publishing d.k:\n%s", plan)
	}
	plan = explain("SELECT * FROM (SELECT k, count(*) FROM facts GROUP BY k) g FULL JOIN (SELECT * FROM dims WHERE grp = 0 AND tag = 1) d ON g.k = d.k")
	if strings.Contains(plan, "KeyFilter") {
		t.Errorf("a full join must not filter its inputs:\n%s", plan)
	}
}

// queryLines runs q and returns its single text column's values.
func queryLines(t *testing.T, conn *pgx.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
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
	return lines
}

// TestExplainSubplans checks that EXPLAIN shows, below the operator that
// evaluates it, the plan of each subquery that is not a join, with what
// was pushed into its scans.
func TestExplainSubplans(t *testing.T) {
	conn := connect(t, startServer(t))
	lines := queryLines(t, conn, "EXPLAIN SELECT symbol, (SELECT max(close) FROM candles) FROM symbols "+
		"WHERE symbol IN (SELECT symbol FROM candles WHERE volume > 1000)")
	text := strings.Join(lines, "\n")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^ +SubPlan \d \(scalar\)\n +Project: max\(candles\.close\)`),
		regexp.MustCompile(`(?m)^ +SubPlan \d \(IN\)\n(?: +.*\n)*? +Scan: public\.candles projection=\[symbol, volume\] filters=\[\(candles\.volume > 1000\)\]`),
	} {
		if !want.MatchString(text + "\n") {
			t.Errorf("plan does not match %s:\n%s", want, text)
		}
	}
}

// TestExplainDomainJoin checks that an aggregate subquery correlated by a
// comparison besides an equality runs as joins over the distinct outer
// values, not once per outer row.
func TestExplainDomainJoin(t *testing.T) {
	conn := connect(t, startServer(t))
	lines := queryLines(t, conn, "EXPLAIN SELECT (SELECT count(*) FROM candles d WHERE d.symbol = c.symbol AND d.ts < c.ts) FROM candles c")
	text := strings.Join(lines, "\n")
	if strings.Contains(text, "SubPlan") {
		t.Fatalf("the subquery runs per outer row:\n%s", text)
	}
	want := regexp.MustCompile(`HashJoin: Inner on=\[d\.symbol = outer0\] filter=\(d\.ts < outer1\)`)
	if !want.MatchString(text) {
		t.Errorf("plan does not match %s:\n%s", want, text)
	}
}

// TestExplainCorrelatedNotIn checks that a correlated NOT IN runs as an
// anti join, its NULL rules in the join's filter.
func TestExplainCorrelatedNotIn(t *testing.T) {
	conn := connect(t, startServer(t))
	text := strings.Join(queryLines(t, conn, "EXPLAIN SELECT count(*) FROM candles c WHERE c.symbol NOT IN (SELECT s.sector FROM symbols s WHERE s.symbol = c.symbol)"), "\n")
	if strings.Contains(text, "SubPlan") || !strings.Contains(text, "HashJoin: Anti on=[c.symbol = s.symbol]") || !strings.Contains(text, "(s.sector IS NULL)") {
		t.Errorf("not an anti join with NULL rules:\n%s", text)
	}
}

package main

import (
	"context"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pgbenchRun is one invocation of PostgreSQL's pgbench.
//
// Only pgbench's throughput is used. Its per-transaction log (-l) cannot
// give latency percentiles on a machine where the client is short of CPU:
// pgbench reads the clock once per pass over a connection's state machine,
// so a reply that arrived while the client thread was descheduled is
// logged with a latency of 0 (more than half of PostgreSQL's SELECT 1
// transactions at 8 clients on this 2-core machine). Latencies come from a
// pass of our own client instead (protocolPass).
type pgbenchRun struct {
	bin     string   // the pgbench binary
	args    []string // workload arguments (-S, -f script, -M mode, -c, -j)
	url     string
	seconds int
}

var (
	tpsRE    = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	txRE     = regexp.MustCompile(`number of transactions actually processed: (\d+)`)
	failedRE = regexp.MustCompile(`number of failed transactions: (\d+)`)
)

// run runs pgbench for its duration and returns the transactions per
// second it reports (without connection time), the transactions and the
// failures.
func (p pgbenchRun) run(ctx context.Context) (tps float64, txs, failed int64, err error) {
	args := append([]string{"-n", "-T", strconv.Itoa(p.seconds)}, p.args...)
	args = append(args, p.url)
	out, err := exec.CommandContext(ctx, p.bin, args...).CombinedOutput()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("pgbench %s: %v\n%s", strings.Join(p.args, " "), err, lastLines(out, 15))
	}
	if m := txRE.FindSubmatch(out); m != nil && string(m[1]) == "0" {
		return 0, 0, 0, fmt.Errorf("pgbench completed no transaction in %ds (connecting the clients can take longer than that)", p.seconds)
	}
	m := tpsRE.FindSubmatch(out)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("no tps in pgbench output:\n%s", lastLines(out, 15))
	}
	if tps, err = strconv.ParseFloat(string(m[1]), 64); err != nil {
		return 0, 0, 0, err
	}
	if m := txRE.FindSubmatch(out); m != nil {
		txs, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if m := failedRE.FindSubmatch(out); m != nil {
		failed, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	return tps, txs, failed, nil
}

// pgbenchSeconds is pgbench's -T for a duration: whole seconds, at least 1.
func pgbenchSeconds(d time.Duration) int {
	return max(1, int(math.Round(d.Seconds())))
}

// lastLines returns the last n lines of out, for error messages.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// parseMemoryLimit reads --query-memory-limit: bytes with an optional
// kB/MB/GB/TB suffix (powers of 1024, as PostgreSQL's memory settings),
// a percentage of total (the machine's memory), or 0 for no limit.
func parseMemoryLimit(s string, total int64) (int64, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		pct, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || pct < 0 || pct > 100 {
			return 0, fmt.Errorf("%q: want a percentage between 0%% and 100%%", s)
		}
		if total <= 0 {
			return 0, nil // unknown machine memory: no limit
		}
		return int64(float64(total) * pct / 100), nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"kB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	upper := strings.ToUpper(s)
	for _, u := range units {
		if strings.HasSuffix(upper, strings.ToUpper(u.suffix)) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q: want a size such as 4GB or 512MB, a percentage, or 0", s)
	}
	return int64(n * float64(mult)), nil
}

// physicalMemory is the machine's memory from /proc/meminfo, or 0 where
// that is not known.
func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

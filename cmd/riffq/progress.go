package main

import (
	"log/slog"
	"time"
)

// progress logs how far a long start-up step is, at most once per
// interval, so that opening thousands of files or inferring a large CSV
// does not look like a hang.
type progress struct {
	log      *slog.Logger
	what     string
	total    int
	done     int
	interval time.Duration
	last     time.Time
	start    time.Time
}

func newProgress(log *slog.Logger, what string, total int, interval time.Duration) *progress {
	now := time.Now()
	return &progress{log: log, what: what, total: total, interval: interval, last: now, start: now}
}

// step counts one unit done and logs when the interval has passed.
func (p *progress) step() {
	p.done++
	if now := time.Now(); now.Sub(p.last) >= p.interval && p.done < p.total {
		p.log.Info(p.what, "done", p.done, "of", p.total, "elapsed", now.Sub(p.start).Round(time.Millisecond))
		p.last = now
	}
}

// finish logs the total when the step took longer than one interval.
func (p *progress) finish() {
	if d := time.Since(p.start); d >= p.interval {
		p.log.Info(p.what+" done", "files", p.total, "elapsed", d.Round(time.Millisecond))
	}
}

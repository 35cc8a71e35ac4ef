package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/riffq/riffq/internal/tpch"
)

// progressLine draws the tables being generated on one terminal line,
// redrawn in place ("\r"), at most once per interval; a finished table
// gets a line of its own.
type progressLine struct {
	w        io.Writer
	interval time.Duration
	now      func() time.Time
	started  map[string]time.Time
	active   []tpch.Progress // tables in progress, in the order they began
	drawn    time.Time
	width    int // of the last line drawn, to blank what is left of it
}

func newProgressLine(w io.Writer, interval time.Duration) *progressLine {
	return &progressLine{w: w, interval: interval, now: time.Now, started: map[string]time.Time{}}
}

// update takes one report from tpch.GenerateWithProgress.
func (p *progressLine) update(pr tpch.Progress) {
	now := p.now()
	if _, ok := p.started[pr.Table]; !ok {
		p.started[pr.Table] = now
	}
	i := slices.IndexFunc(p.active, func(a tpch.Progress) bool { return a.Table == pr.Table })
	if pr.Done {
		if i >= 0 {
			p.active = slices.Delete(p.active, i, i+1)
		}
		took := now.Sub(p.started[pr.Table]).Round(100 * time.Millisecond)
		p.draw(fmt.Sprintf("%-8s %s rows in %s", pr.Table, count(pr.Rows), took), true)
		p.draw(p.line(), false)
		return
	}
	if i >= 0 {
		p.active[i] = pr
	} else {
		p.active = append(p.active, pr)
	}
	if now.Sub(p.drawn) >= p.interval {
		p.draw(p.line(), false)
		p.drawn = now
	}
}

// finish ends the line being drawn.
func (p *progressLine) finish() {
	if p.width > 0 {
		p.draw("", false)
	}
}

// line describes the tables in progress.
func (p *progressLine) line() string {
	parts := make([]string, len(p.active))
	for i, a := range p.active {
		approx := ""
		if a.Table == "lineitem" {
			approx = "~" // its total is an estimate until it is done
		}
		parts[i] = fmt.Sprintf("%s %s/%s%s rows (%d%%)", a.Table, count(a.Rows), approx, count(a.Total), 100*a.Rows/max(a.Total, 1))
	}
	return strings.Join(parts, "  ")
}

// draw overwrites the current line with s, and ends it when keep is set.
func (p *progressLine) draw(s string, keep bool) {
	pad := max(p.width-len(s), 0)
	fmt.Fprintf(p.w, "\r%s%s", s, strings.Repeat(" ", pad))
	if pad > 0 {
		fmt.Fprintf(p.w, "\r%s", s)
	}
	p.width = len(s)
	if keep {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}

// count formats a row count with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	p := newProgress(log, "opening files", 3, 0)
	p.step()
	p.step()
	p.step() // the last step is reported by finish, not as progress
	p.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "done=1 of=3") || !strings.Contains(lines[2], `msg="opening files done" files=3`) {
		t.Fatalf("log:\n%s", buf.String())
	}
	buf.Reset()
	quiet := newProgress(log, "opening files", 3, time.Hour)
	quiet.step()
	quiet.finish()
	if buf.Len() != 0 {
		t.Errorf("a quick step logged:\n%s", buf.String())
	}
}

// discard is a logger for tests that do not look at logs.
var discard = slog.New(slog.DiscardHandler)

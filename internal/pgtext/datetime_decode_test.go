package pgtext

import (
	"testing"
	"time"
)

// TestDecodeDateTime checks the free-form reader on spellings whose
// reading depends on DateStyle's order or on the fields around them (the
// SQL tests compare the common ones with PostgreSQL).
func TestDecodeDateTime(t *testing.T) {
	today := time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in    string
		order DateOrder
		want  string // wall time, RFC 3339 without zone; "" for an error
	}{
		{"1 2 2024 10:00", MDY, "2024-01-02T10:00:00"},
		{"1 2 2024 10:00", DMY, "2024-02-01T10:00:00"},
		{"2024 1 2", MDY, "2024-01-02T00:00:00"},
		{"1 Jan 2024", MDY, "2024-01-01T00:00:00"},
		{"Jan 1 24", MDY, "2024-01-01T00:00:00"},
		{"Jan 1 99 3pm", MDY, ""}, // as PostgreSQL: an hour needs its minutes
		{"Jan 1 99 3:00pm", MDY, "1999-01-01T15:00:00"},
		{"12:00:00.5 Jan 1 2024", MDY, "2024-01-01T12:00:00.5"},
		{"2024-01-01 23:59:59.9999996", MDY, "2024-01-02T00:00:00"},
		{"yesterday 10:00", MDY, "2024-06-14T10:00:00"},
		{"2024-01-01 T 101112", MDY, "2024-01-01T10:11:12"},
		{"2024-01-01 T", MDY, ""},
		{"Jan Feb 2024", MDY, ""},
		{"2024-01-01 10:00 10:00", MDY, ""},
		{"0 Jan 2024", MDY, ""},
		{"Jan 1 0000", MDY, ""},
	} {
		d, err := decodeDateTime(c.in, c.order, today)
		got := ""
		if err == nil {
			got = time.UnixMicro(d.wall()).UTC().Format("2006-01-02T15:04:05.999999")
		}
		if got != c.want {
			t.Errorf("%q (order %d): %q (%v), want %q", c.in, c.order, got, err, c.want)
		}
	}
}

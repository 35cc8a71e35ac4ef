package main

import "testing"

func TestParseMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		in    string
		total int64
		want  int64
		err   bool
	}{
		{"0", 8 << 30, 0, false},
		{"4GB", 0, 4 << 30, false},
		{"512MB", 0, 512 << 20, false},
		{"512mb", 0, 512 << 20, false},
		{"64kB", 0, 64 << 10, false},
		{"1048576", 0, 1 << 20, false},
		{"25%", 8 << 30, 2 << 30, false},
		{"25%", 0, 0, false},
		{"150%", 8 << 30, 0, true},
		{"lots", 0, 0, true},
		{"-1GB", 0, 0, true},
	} {
		got, err := parseMemoryLimit(tc.in, tc.total)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseMemoryLimit(%q, %d) = %d, %v; want %d, error %v", tc.in, tc.total, got, err, tc.want, tc.err)
		}
	}
}

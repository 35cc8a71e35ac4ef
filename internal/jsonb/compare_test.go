package jsonb

import "testing"

func TestCompare(t *testing.T) {
	// Each value is below the next, as PostgreSQL orders them.
	ordered := []string{`[]`, `null`, `""`, `"a"`, `"b"`, `-1`, `1`, `2.5`, `10`, `false`, `true`,
		`[1]`, `["a", 2]`, `[1, 2]`, `{}`, `{"b": 1}`, `{"a": 1, "b": 2}`}
	for i := range ordered {
		for j := range ordered {
			got, err := Compare(ordered[i], ordered[j])
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	for _, c := range [][2]string{{`1`, `1.0`}, {`{"a": [1, 2]}`, `{"a": [1.00, 2e0]}`}, {`1e2`, `100`}} {
		if got, _ := Compare(c[0], c[1]); got != 0 {
			t.Errorf("Compare(%s, %s) = %d, want 0", c[0], c[1], got)
		}
	}
	if _, err := Compare(`{`, `1`); err == nil {
		t.Error("Compare of invalid JSON: no error")
	}
}

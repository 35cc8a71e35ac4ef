package pgtext

import (
	"testing"
	"time"
)

// TestCivilMatchesTime checks the integer date and timestamp printers
// against time.Time's calendar over a wide range, BC years and the
// Gregorian leap rules included.
func TestCivilMatchesTime(t *testing.T) {
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for days := int64(-1_000_000); days <= 1_000_000; days += 37 {
		tm := epoch.AddDate(0, 0, int(days))
		if got, want := string(appendDays(nil, days)), string(AppendDate(nil, tm)); got != want {
			t.Fatalf("day %d: %s, want %s", days, got, want)
		}
	}
	// Every day of the table of common dates and either side of it.
	for days := int64(firstCommonDay - 2); days <= firstCommonDay+commonDays+1; days++ {
		tm := epoch.AddDate(0, 0, int(days))
		if got, want := string(appendDays(nil, days)), string(AppendDate(nil, tm)); got != want {
			t.Fatalf("day %d: %s, want %s", days, got, want)
		}
	}
	for _, us := range []int64{0, -1, 1, 86_399_999_999, -86_400_000_000, 951_782_400_123_456, -62_135_596_800_000_000, -62_198_755_200_000_001, 253_402_300_799_999_999} {
		tm := time.UnixMicro(us).UTC()
		if got, want := string(appendTimestampMicros(nil, us)), string(AppendTimestamp(nil, tm, false)); got != want {
			t.Errorf("%d µs: %s, want %s", us, got, want)
		}
	}
}

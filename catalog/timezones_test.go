package catalog

import (
	"os"
	"slices"
	"testing"
)

func TestZoneNames(t *testing.T) {
	if _, err := os.Stat(zoneinfoDir); err != nil {
		t.Skipf("no zoneinfo: %v", err)
	}
	names := zoneNames(zoneinfoDir)
	for _, want := range []string{"Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s missing from %d zones", want, len(names))
		}
	}
	for _, n := range names {
		if n == "posixrules" || len(n) > 6 && n[:6] == "right/" || n == "zone.tab" {
			t.Errorf("%s listed", n)
		}
	}
}

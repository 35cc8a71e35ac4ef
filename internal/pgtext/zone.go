package pgtext

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// posixZone is a POSIX time zone without daylight-saving rules: an
// optional abbreviation and the offset west of Greenwich (UTC+3 is three
// hours west, -05:30 five and a half hours east, as POSIX has it).
var posixZone = regexp.MustCompile(`^(<[^<>]+>|[A-Za-z]{3,})?([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?$`)

// LoadZone finds a time zone by name as PostgreSQL does: the UTC aliases,
// a tz database name in any case (america/new_york), or a POSIX zone
// (UTC+3, EST5, -05:30; POSIX counts west of Greenwich). ok is false for
// an unknown name.
func LoadZone(name string) (loc *time.Location, ok bool) {
	switch strings.ToUpper(name) {
	case "UTC", "GMT", "Z", "ZULU", "UCT", "UNIVERSAL":
		return time.UTC, true
	case "", "LOCAL":
		return nil, false
	}
	if m := posixZone.FindStringSubmatch(name); m != nil {
		// Read before the tz database, which is files on disk.
		h, _ := strconv.Atoi(m[3])
		mins, _ := strconv.Atoi(m[4])
		secs, _ := strconv.Atoi(m[5])
		west := h*3600 + mins*60 + secs
		if m[2] == "-" {
			west = -west
		}
		if west > 15*3600 || west < -15*3600 {
			return nil, false
		}
		return time.FixedZone(name, -west), true
	}
	for _, n := range []string{name, titleZone(name), strings.ToUpper(name)} {
		if l, err := time.LoadLocation(n); err == nil {
			return l, true
		}
	}
	return nil, false
}

// titleZone spells a tz database name as the database does: each word
// capitalized (america/new_york is America/New_York).
func titleZone(name string) string {
	b := []byte(strings.ToLower(name))
	for i := range b {
		if i == 0 || b[i-1] == '/' || b[i-1] == '_' || b[i-1] == '-' {
			if b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
			}
		}
	}
	return string(b)
}

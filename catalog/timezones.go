package catalog

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// zoneinfoDir is where Debian (and most systems) keep the IANA time zone
// files PostgreSQL's Debian build reads too.
const zoneinfoDir = "/usr/share/zoneinfo"

// fillTimezoneNames lists the time zones of the system's zoneinfo, as
// PostgreSQL's pg_timezone_names lists those of the tzdata it was built
// with: each zone's abbreviation, UTC offset and daylight saving state
// now. Without the directory the view is empty.
func fillTimezoneNames(_ *systemBuilder, r *rows) {
	now := time.Now()
	for _, name := range zoneNames(zoneinfoDir) {
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		t := now.In(loc)
		abbrev, offset := t.Zone()
		r.add("name", name, "abbrev", abbrev,
			"utc_offset", arrow.MonthDayNanoInterval{Nanoseconds: int64(offset) * int64(time.Second)}, "is_dst", t.IsDST())
	}
}

// zoneNames are the zone files under dir, by their names relative to it,
// sorted: regular files that start as TZif files do, leaving out the
// right/ tree (leap seconds, which PostgreSQL does not list) and
// posixrules.
func zoneNames(dir string) []string {
	var names []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if rel == "right" {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == "posixrules" || rel == "localtime" || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil
		}
		magic := make([]byte, 4)
		_, err = f.Read(magic)
		f.Close()
		if err == nil && bytes.Equal(magic, []byte("TZif")) {
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(names)
	return names
}

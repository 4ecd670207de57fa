package scan

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// File is one file to scan.
type File struct {
	Path string
	Size int64
	// Lines is set for NDJSON files (.ndjson, .jsonl, optionally .gz).
	Lines bool
}

// deliveryLag is how much earlier than its S3 folder's day an event may be:
// CloudTrail files land in the folder of their delivery day, usually
// minutes after the events they hold. A day folder is only skipped when
// even this lag could not bring its events inside the time window; events
// are filtered exactly by eventTime afterwards.
const deliveryLag = 24 * time.Hour

// Files lists the files to scan under the paths, in a deterministic order:
// each path in the order given, a directory's files in lexical order of
// their path. Named files are read whatever their extension; in
// directories only *.json, *.ndjson, *.jsonl (each optionally .gz) are
// read, and names starting with "." or "_" (hidden files, manifests) are
// not. Day folders of the S3 layout (.../YYYY/MM/DD/) that cannot hold
// events between since and until (zero: unbounded) are skipped whole.
func Files(paths []string, since, until time.Time) ([]File, error) {
	var out []File
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, File{Path: p, Size: info.Size(), Lines: isLines(p)})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				if day, ok := dayOf(path); ok && !dayInWindow(day, since, until) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || !isLogFile(d.Name()) {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			out = append(out, File{Path: path, Size: fi.Size(), Lines: isLines(path)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walking %s: %w", p, err)
		}
	}
	return out, nil
}

func isLogFile(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".ndjson") || strings.HasSuffix(name, ".jsonl")
}

func isLines(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(name, ".ndjson") || strings.HasSuffix(name, ".jsonl")
}

// dayOf reads a folder path ending in YYYY/MM/DD.
func dayOf(path string) (time.Time, bool) {
	parts := strings.Split(filepath.ToSlash(filepath.Clean(path)), "/")
	if len(parts) < 3 {
		return time.Time{}, false
	}
	y, m, d := parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
	if len(y) != 4 || len(m) != 2 || len(d) != 2 {
		return time.Time{}, false
	}
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	di, err3 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || err3 != nil || mi < 1 || mi > 12 || di < 1 || di > 31 {
		return time.Time{}, false
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di {
		return time.Time{}, false
	}
	return t, true
}

// dayInWindow reports whether the folder of a delivery day may hold events
// in [since, until).
func dayInWindow(day, since, until time.Time) bool {
	end := day.Add(24 * time.Hour) // events are delivered after they happen
	if !since.IsZero() && !end.After(since) {
		return false
	}
	if !until.IsZero() && !day.Add(-deliveryLag).Before(until) {
		return false
	}
	return true
}

// ParseTime reads a --since/--until value: RFC 3339 ("2026-11-01T10:00:00Z"),
// a date ("2026-11-01", midnight UTC), or an age before now ("36h", "7d",
// "90m").
func ParseTime(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("invalid time %q (want RFC 3339, YYYY-MM-DD, or an age such as 36h or 7d)", s)
}

package migrations_test

import (
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestTimestampsAreUnique: bun names a migration by its timestamp, so two files
// of one dialect with the same timestamp and different names are one migration
// to it (the second is silently merged into the first, or lost). Parallel work
// can pick the same minute: this catches it before a database does.
func TestTimestampsAreUnique(t *testing.T) {
	for _, dialect := range []string{"postgres", "sqlite"} {
		entries, err := fs.ReadDir(os.DirFS(dialect), ".")
		if err != nil {
			t.Fatal(err)
		}
		byStamp := map[string]string{}
		for _, e := range entries {
			name := e.Name()
			stamp, rest, ok := strings.Cut(name, "_")
			if !ok {
				t.Errorf("%s/%s: no timestamp_", dialect, name)
				continue
			}
			comment := strings.SplitN(rest, ".", 2)[0]
			if other, dup := byStamp[stamp]; dup && other != comment {
				t.Errorf("%s: timestamp %s names two migrations: %s and %s", dialect, stamp, other, comment)
			}
			byStamp[stamp] = comment
		}
	}
}

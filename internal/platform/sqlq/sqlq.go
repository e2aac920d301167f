// Package sqlq adapts hand-written SQL to the database it runs on.
package sqlq

import (
	"strconv"
	"strings"
)

// Numbered writes s's ? placeholders as PostgreSQL's $1, $2, … when
// postgres is true, and returns s unchanged for SQLite.
func Numbered(postgres bool, s string) string {
	if !postgres {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

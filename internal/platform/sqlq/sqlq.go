// Package sqlq adapts hand-written SQL to the database it runs on.
package sqlq

import (
	"database/sql"
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

// Strings reads a one-column result of strings. It takes QueryContext's
// results as they are, so a call reads sqlq.Strings(db.QueryContext(…)).
func Strings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

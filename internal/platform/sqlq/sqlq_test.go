package sqlq

import "testing"

func TestNumberedPlaceholdersFollowTheDatabase(t *testing.T) {
	for _, c := range []struct {
		postgres bool
		in, want string
	}{
		{true, "UPDATE t SET a = ? WHERE id IN (?, ?)", "UPDATE t SET a = $1 WHERE id IN ($2, $3)"},
		{false, "UPDATE t SET a = ? WHERE id IN (?, ?)", "UPDATE t SET a = ? WHERE id IN (?, ?)"},
		{true, "SELECT 1", "SELECT 1"},
	} {
		if got := Numbered(c.postgres, c.in); got != c.want {
			t.Errorf("Numbered(%v, %q) = %q, want %q", c.postgres, c.in, got, c.want)
		}
	}
}

package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"modernc.org/sqlite"

	"github.com/va/vams/ent/migrate"
	"github.com/va/vams/internal/store/schemadiff"
)

// The committed migrations produce exactly the ent schema: a schema change
// without `make migration` fails here, not in production.
func TestMigrationsMatchSchema(t *testing.T) {
	sql.Register("sqlite3", &sqlite.Driver{}) // Atlas opens SQLite by this name
	dir := t.TempDir()
	src := filepath.Join("migrations", "sqlite")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gd, err := sqltool.NewGooseDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = migrate.NamedDiff(context.Background(), "sqlite://drift?mode=memory&_pragma=foreign_keys(1)", "drift",
		schema.WithDir(gd), schema.WithMigrationMode(schema.ModeReplay), schema.WithDialect(dialect.SQLite),
		schema.WithFormatter(sqltool.GooseFormatter), schema.WithDropIndex(true), schema.WithDropColumn(true),
		schema.WithDiffHook(schemadiff.KeepHandWritten))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(entries) {
		t.Fatalf("the ent schema differs from store/migrations: run `make migration name=...` (a new file appeared among %d)", len(after))
	}
}

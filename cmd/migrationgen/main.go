// Command migrationgen writes the next versioned migration for both databases
// by diffing the ent schema against the migrations already committed, replayed
// on a scratch database: SQLite in memory and the PostgreSQL named by
// VAMS_DEV_DATABASE_URL (a throwaway database; it is wiped).
//
//	go run ./cmd/migrationgen <name>
package main

import (
	"context"
	"database/sql"
	"log"
	"os"

	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/lib/pq"
	"modernc.org/sqlite"

	"github.com/va/vams/ent/migrate"
	"github.com/va/vams/internal/store/schemadiff"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: migrationgen <name>")
	}
	name := os.Args[1]
	// Atlas opens SQLite through the name "sqlite3"; modernc registers "sqlite".
	sql.Register("sqlite3", &sqlite.Driver{})
	// Both dialects or neither: a migration without its twin would leave the
	// databases on different schemas.
	pg := os.Getenv("VAMS_DEV_DATABASE_URL")
	if pg == "" {
		log.Fatal("VAMS_DEV_DATABASE_URL must name a scratch PostgreSQL database (scripts/pg-throwaway.sh starts one)")
	}
	ctx := context.Background()
	gen(ctx, "internal/store/migrations/sqlite", dialect.SQLite, "sqlite://dev?mode=memory&_pragma=foreign_keys(1)", name)
	gen(ctx, "internal/store/migrations/postgres", dialect.Postgres, pg, name)
}

func gen(ctx context.Context, path, dia, url, name string) {
	dir, err := sqltool.NewGooseDir(path)
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	err = migrate.NamedDiff(ctx, url, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dia),
		schema.WithFormatter(sqltool.GooseFormatter),
		schema.WithDropIndex(true),
		schema.WithDropColumn(true),
		schema.WithDiffHook(schemadiff.KeepHandWritten),
	)
	if err != nil {
		log.Fatalf("%s: %v", dia, err)
	}
}

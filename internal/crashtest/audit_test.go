package crashtest

import (
	"context"
	"testing"
	"time"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// VAMS is killed (SIGKILL) right after it answered a mutation, with its
// audit worker set never to have run by then: the mutation's entry was
// committed with its change, so after the restart it is there and the
// worker chains it into a chain that verifies.
func TestKilledAfterMutationKeepsItsAuditEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		dir, addr, dbURL := t.TempDir(), freeAddr(t), b.DatabaseURL(t)
		env := []string{childEnv + "=1", "VAMS_MODE=demo", "VAMS_ADDR=" + addr, "VAMS_PUBLIC_URL=http://" + addr,
			"VAMS_DATA_DIR=" + dir, "DATABASE_URL=" + dbURL}
		v := startVAMS(t, addr, append(env, auditEnv+"=1h"))
		var out struct {
			CreateFolder struct{ Folder struct{ ID string } }
		}
		v.query(`mutation { createFolder(input: {name: "Kept through a crash"}) { folder { id } } }`, nil, &out)
		v.p.kill()
		folder := out.CreateFolder.Folder.ID

		v = startVAMS(t, addr, env)
		s, err := store.Open(context.Background(), store.Config{DatabaseURL: dbURL, DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		key, err := audit.LoadOrCreateKey(dir)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := audit.NewRecorder(s, key)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		vamstest.Eventually(t, 30*time.Second, "the entry to be chained after the restart", func() bool {
			entries, err := rec.Query(ctx, audit.Filter{Actor: rec.Actor(demo.Veteran1ICN)})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.Action == "createFolder" && en.TargetID == folder && en.Outcome == audit.OutcomeOK {
					if en.Pending {
						return false
					}
					n++
				}
			}
			if n > 1 {
				t.Fatalf("the entry was chained %d times", n)
			}
			return n == 1
		})
		if _, err := rec.Verify(ctx); err != nil {
			t.Fatalf("verify after the restart: %v", err)
		}
	})
}

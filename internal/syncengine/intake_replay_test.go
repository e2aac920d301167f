package syncengine_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/oh"
)

// The Atom intake's replay cache is in the database: a push seen before a
// restart (or by another instance) is still refused after it, respelled or
// not, and of concurrent copies of one push exactly one is accepted.
func TestAtomReplayRefusedAcrossRestartsAndRaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{NoAtomPush: true})
		secret := []byte("demo-publication-secret")
		var buf bytes.Buffer
		_ = oh.WriteAtom(&buf, []oh.AtomEntry{{EntryID: "urn:oh:message:va:1.0.-9.prsnl", MessageID: "1.0.-9.prsnl",
			PatientID: "20000001", Authority: "va", Updated: time.Now()}})
		post := func(sig string) int {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/intake/oh/atom", bytes.NewReader(buf.Bytes()))
			req.Header.Set(oh.SignatureHeader, sig)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return 0
			}
			res.Body.Close()
			return res.StatusCode
		}
		now := time.Now()
		good := oh.SignPublication(secret, now, buf.Bytes())
		ts, v1, _ := strings.Cut(strings.TrimPrefix(good, "t="), ",v1=")
		respelled := "v1=" + strings.ToUpper(v1) + ", t=" + ts
		if code := post(good); code != http.StatusAccepted {
			t.Fatalf("first push: %d", code)
		}
		if code := post(respelled); code != http.StatusUnauthorized {
			t.Fatalf("respelled replay before the restart: %d, want 401", code)
		}

		s.Restart(syncengine.Config{})
		for _, sig := range []string{good, respelled} {
			if code := post(sig); code != http.StatusUnauthorized {
				t.Fatalf("replay %q after the restart: %d, want 401", sig, code)
			}
		}

		// Copies of one fresh push at once: one gets in.
		fresh := oh.SignPublication(secret, now.Add(time.Second), buf.Bytes())
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			accepted int
		)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if post(fresh) == http.StatusAccepted {
					mu.Lock()
					accepted++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if accepted != 1 {
			t.Fatalf("%d of 8 concurrent copies accepted, want 1", accepted)
		}
		ctx := viewer.System(context.Background())
		if n, err := s.App.Store.Client.PublicationReplay.Query().Count(ctx); err != nil || n != 2 {
			t.Fatalf("recorded pushes = %d (%v), want 2", n, err)
		}
	})
}

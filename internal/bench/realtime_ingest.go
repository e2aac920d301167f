package bench

// The real-time benchmark's ingest hook: a route of the bench server's
// operator listener that ingests a clinician's message as a provider sync
// does, and the benchmark's client of it.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/providers"
)

type ingestRequest struct {
	VeteranID string `json:"veteranId"`
	Provider  string `json:"provider"`
	CareTeam  string `json:"careTeam"`
	Key       string `json:"key"`
}

type ingestResult struct {
	ID        string `json:"id"`
	Committed int64  `json:"committed"` // Unix nanoseconds
}

func (p *profiler) ingest(ctx context.Context, v rtVeteran, k int) (ingestResult, error) {
	body, _ := json.Marshal(ingestRequest{VeteranID: v.id, Provider: v.provider, CareTeam: v.careTeam, Key: strconv.Itoa(k)})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.url+ingestHookPath, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	res, err := p.client.Do(req)
	if err != nil {
		return ingestResult{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return ingestResult{}, err
	}
	if res.StatusCode != http.StatusOK {
		return ingestResult{}, fmt.Errorf("ingest hook: %d %.300s", res.StatusCode, raw)
	}
	var out ingestResult
	return out, json.Unmarshal(raw, &out)
}

// ingestHookPath is the bench server's ingest hook, on its operator
// listener (bench.Serve only: the vams command has no such route).
const ingestHookPath = "/bench/ingest"

// ingestHook ingests a clinician's message in a new thread through the
// domain core, as a provider sync does, and answers with its id and the
// time its transaction had committed (and its events were published).
func ingestHook(in *inbox.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req ingestRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.VeteranID == "" || req.Key == "" {
			http.Error(w, "want veteranId, provider, careTeam and key", http.StatusBadRequest)
			return
		}
		ext := "bench-rt-" + req.Key
		id, _, err := in.Ingest(viewer.System(r.Context()), inbox.Incoming{Provider: providerkind.Kind(req.Provider), VeteranID: req.VeteranID,
			Message: providers.Message{ExternalID: ext, ThreadExternalID: ext, CareTeamExternalID: req.CareTeam, Direction: providers.ToVeteran,
				AuthorName: "Bench Clinician", Subject: "Your question", Category: "OTHER", Body: "Thank you for your message. Please call the clinic.",
				BodyIncluded: true, SentAt: time.Now().UTC()}})
		committed := time.Now().UnixNano()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ingestResult{ID: id, Committed: committed})
	})
}

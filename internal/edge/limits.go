package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MaxDepth bounds how deeply an operation nests. The data graph today is at
// most nine levels deep (viewer → threads → edges → node → messages → edges →
// node → attachments → id), so 10 admits every real query and stops the
// nesting a future cycle in the schema (say Message.thread) would allow.
// Introspection is not counted: gqlparser bounds its cycles itself, and
// GraphiQL's query nests ofType deeper than any data query.
const MaxDepth = 10

// Error codes of the limits (extensions.code).
const (
	CodeQueryTooDeep           = "QUERY_TOO_DEEP"
	CodeIntrospectionDisabled  = "INTROSPECTION_DISABLED"
	CodePersistedQueryRequired = "PERSISTED_QUERY_REQUIRED"
	CodeBodyTooLarge           = "REQUEST_TOO_LARGE"
)

// depthLimit rejects an operation nested too deeply, after validation and
// before anything executes; without introspection (production) it also
// rejects __schema and __type there, with a code rather than as a resolver
// failure.
type depthLimit struct {
	max           int
	introspection bool
}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	if op == nil {
		return nil
	}
	depth, intro := selectionDepth(op.SelectionSet, map[string]bool{})
	if intro && !d.introspection {
		return codedError(CodeIntrospectionDisabled, "Introspection is disabled.")
	}
	if depth > d.max {
		return codedError(CodeQueryTooDeep, "The query is nested too deeply (at most %d levels).", d.max)
	}
	return nil
}

// selectionDepth returns how deep set goes, not counting below __schema and
// __type, and whether it selects either. Fragments count at the level they
// are spread; validation has already rejected fragment cycles, and
// inFragment guards against them anyway.
func selectionDepth(set ast.SelectionSet, inFragment map[string]bool) (depth int, intro bool) {
	for _, sel := range set {
		var d int
		var i bool
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				d, i = 1, true
				break
			}
			d, i = selectionDepth(s.SelectionSet, inFragment)
			d++
		case *ast.InlineFragment:
			d, i = selectionDepth(s.SelectionSet, inFragment)
		case *ast.FragmentSpread:
			if s.Definition == nil || inFragment[s.Name] {
				continue
			}
			inFragment[s.Name] = true
			d, i = selectionDepth(s.Definition.SelectionSet, inFragment)
			delete(inFragment, s.Name)
		}
		depth, intro = max(depth, d), intro || i
	}
	return depth, intro
}

// persistedOnly runs only operations on the safelist (production option):
// whatever a client sends — the query text or only its hash (APQ) — the
// operation must be one the VA.gov app was built with. It runs after the APQ
// extension has resolved a hash to its text.
type persistedOnly struct{ allowed map[string]string }

func (persistedOnly) ExtensionName() string                   { return "PersistedOnly" }
func (persistedOnly) Validate(graphql.ExecutableSchema) error { return nil }

func (p persistedOnly) MutateOperationParameters(_ context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if _, ok := p.allowed[queryHash(raw.Query)]; ok {
		return nil
	}
	return codedError(CodePersistedQueryRequired, "Only registered operations are accepted.")
}

// safelistCache is the APQ cache in persisted-only mode: it answers hashes
// from the safelist and learns nothing from clients, so APQ cannot be used to
// register a new operation.
type safelistCache map[string]string

func (c safelistCache) Get(_ context.Context, hash string) (string, bool) {
	q, ok := c[hash]
	return q, ok
}
func (safelistCache) Add(context.Context, string, string) {}

func queryHash(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

// LoadPersistedQueries reads an Apollo persisted-query manifest (the format
// `generate-persisted-query-manifest` writes) into the safelist Config wants:
// sha256 of the operation text → text. Each id must be its body's hash.
func LoadPersistedQueries(r io.Reader) (map[string]string, error) {
	var m struct {
		Format     string `json:"format"`
		Operations []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("persisted queries: %w", err)
	}
	if m.Format != "apollo-persisted-query-manifest" {
		return nil, fmt.Errorf("persisted queries: format %q, want apollo-persisted-query-manifest", m.Format)
	}
	out := make(map[string]string, len(m.Operations))
	for _, op := range m.Operations {
		if queryHash(op.Body) != op.ID {
			return nil, fmt.Errorf("persisted queries: operation %q: id is not the sha256 of its body", op.Name)
		}
		out[op.ID] = op.Body
	}
	return out, nil
}

// limitBody answers 413 (with write) for a body over limit, whether the
// client declared its length or streams it: a declared length is refused
// before reading; otherwise, once the reader hits the limit, the handler's
// own (4xx) answer is replaced by the 413.
func limitBody(limit int64, write errorWriter) middleware {
	tooLarge := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		write(w, r, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, fmt.Sprintf("The request is larger than %d bytes.", limit))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				tooLarge(w, r)
				return
			}
			lw := &limitWriter{ResponseWriter: w, tooLarge: func() { tooLarge(w, r) }}
			r.Body = &limitReader{ReadCloser: http.MaxBytesReader(w, r.Body, limit), hit: &lw.hit}
			next.ServeHTTP(lw, r)
		})
	}
}

type limitReader struct {
	io.ReadCloser
	hit *atomic.Bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		l.hit.Store(true)
	}
	return n, err
}

type limitWriter struct {
	http.ResponseWriter
	tooLarge func() // writes the 413 on the underlying writer
	hit      atomic.Bool
	decided  bool // header written: ours (413) or the handler's
	swallow  bool
}

func (w *limitWriter) WriteHeader(code int) {
	if w.decided {
		return
	}
	w.decided = true
	if w.hit.Load() {
		w.swallow = true
		w.tooLarge()
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *limitWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets streaming responses (SSE subscriptions) through the limit.
func (w *limitWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

package edge

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/viewer"
)

// auditFlushTimeout bounds writing a response's audit entries; they are
// written even when the client has gone away.
const auditFlushTimeout = 10 * time.Second

// targetTypes are the kinds of ID a veteran can name, by prefix.
var targetTypes = map[string]string{
	ids.Thread: "Thread", ids.Message: "Message", ids.Folder: "Folder", ids.Tag: "Tag",
	ids.CareTeam: "CareTeam", ids.Attachment: "Attachment", ids.Veteran: "Veteran",
}

// wellFormedID admits only IDs VAMS mints (prefix_ULID), so the trail never
// stores a client's free text in place of an ID.
var wellFormedID = regexp.MustCompile(`^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$`)

func auditTarget(id string) (typ, target string) {
	if !wellFormedID.MatchString(id) {
		return "", "malformed"
	}
	return targetTypes[ids.Prefix(id)], id
}

type requestIDKey struct{}

// withRequestID carries Logging's request id (already on the response
// headers) into the context, so audit entries and log lines can be joined.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), requestIDKey{}, w.Header().Get("X-Request-Id"))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// auditor records, per GraphQL response: every root mutation (action = the
// field's name, one entry per ID it names or returns, outcome), every node
// fetched by ID through node/nodes, and every message body read, whichever
// path reached it. Entries are collected while the response runs and
// appended in one transaction at its end.
type auditor struct {
	rec *audit.Recorder
	log *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
	graphql.FieldInterceptor
} = auditor{}

func (auditor) ExtensionName() string                   { return "Audit" }
func (auditor) Validate(graphql.ExecutableSchema) error { return nil }

type collector struct {
	mu     sync.Mutex
	events []audit.Event
}

func (c *collector) add(e audit.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
}

type collectorKey struct{}

func (a auditor) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	c := &collector{}
	resp := next(context.WithValue(ctx, collectorKey{}, c))
	c.mu.Lock()
	events := c.events
	c.mu.Unlock()
	a.flush(ctx, events)
	return resp
}

func (a auditor) flush(ctx context.Context, events []audit.Event) {
	if len(events) == 0 {
		return
	}
	actor := audit.SystemActor
	if v, ok := viewer.FromContext(ctx); ok && v.ICN != "" {
		actor = a.rec.Actor(v.ICN)
	}
	rid := requestID(ctx)
	for i := range events {
		events[i].Actor, events[i].RequestID = actor, rid
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditFlushTimeout)
	defer cancel()
	if err := a.rec.Record(ctx, events...); err != nil {
		a.log.ErrorContext(ctx, "audit append failed", "error", err.Error(), "request_id", rid, "entries", len(events))
	}
}

func (a auditor) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	c, _ := ctx.Value(collectorKey{}).(*collector)
	fc := graphql.GetFieldContext(ctx)
	if c == nil || fc == nil {
		return next(ctx)
	}
	switch {
	case fc.Object == "Mutation":
		res, err := next(ctx)
		outcome := outcomeOf(err)
		targets := idArguments(fc.Field.ArgumentMap(graphql.GetOperationContext(ctx).Variables))
		targets = appendResultIDs(targets, res)
		if len(targets) == 0 {
			c.add(audit.Event{Action: fc.Field.Name, Outcome: outcome})
		}
		for _, id := range targets {
			typ, target := auditTarget(id)
			c.add(audit.Event{Action: fc.Field.Name, TargetType: typ, TargetID: target, Outcome: outcome})
		}
		return res, err
	case fc.Object == "Query" && (fc.Field.Name == "node" || fc.Field.Name == "nodes"):
		res, err := next(ctx)
		for _, id := range foundIDs(fc.Field.ArgumentMap(graphql.GetOperationContext(ctx).Variables), res) {
			typ, target := auditTarget(id)
			c.add(audit.Event{Action: audit.ActionRead, TargetType: typ, TargetID: target, Outcome: audit.OutcomeOK})
		}
		return res, err
	case fc.Object == "Message" && fc.Field.Name == "body":
		res, err := next(ctx)
		if err == nil {
			e := audit.Event{Action: audit.ActionRead, TargetType: "Message", Outcome: audit.OutcomeOK}
			if m, ok := parentObject(fc).(*ent.Message); ok {
				e.TargetID = m.ID
			}
			c.add(e)
		}
		return res, err
	}
	return next(ctx)
}

func outcomeOf(err error) string {
	if err == nil {
		return audit.OutcomeOK
	}
	if e, ok := inbox.AsError(err); ok {
		return audit.OutcomeError + ":" + string(e.Code)
	}
	return audit.OutcomeError
}

// idArguments collects the values of every argument or input field named
// …Id or …Ids, in a stable order.
func idArguments(args map[string]any) []string {
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(k, x[k])
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if strings.HasSuffix(key, "Id") || strings.HasSuffix(key, "Ids") || key == "id" || key == "ids" {
				out = appendUnique(out, x)
			}
		}
	}
	walk("", args)
	return out
}

// appendResultIDs adds the IDs of the entities a mutation payload returns
// (the thread and message sendMessage created, the folder createFolder made).
func appendResultIDs(out []string, payload any) []string {
	v := reflect.ValueOf(payload)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return out
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return out
	}
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.Struct {
			continue
		}
		if id := f.Elem().FieldByName("ID"); id.IsValid() && id.Kind() == reflect.String {
			out = appendUnique(out, id.String())
		}
	}
	return out
}

// foundIDs pairs node/nodes arguments with non-null results: only what the
// viewer actually received was read.
func foundIDs(args map[string]any, res any) []string {
	switch r := res.(type) {
	case ent.Noder:
		if id, ok := args["id"].(string); ok && r != nil {
			return []string{id}
		}
	case []ent.Noder:
		asked, _ := args["ids"].([]any)
		var out []string
		for i, n := range r {
			if n == nil || i >= len(asked) {
				continue
			}
			if id, ok := asked[i].(string); ok {
				out = appendUnique(out, id)
			}
		}
		return out
	}
	return nil
}

// parentObject is the object a field is resolved on. Inside a list the
// parent context is the element's, which holds only its index; the object
// is then found in the list itself.
func parentObject(fc *graphql.FieldContext) any {
	p := fc.Parent
	if p == nil {
		return nil
	}
	if p.Result == nil && p.Index != nil && p.Parent != nil {
		list := reflect.ValueOf(p.Parent.Result)
		if list.Kind() == reflect.Slice && *p.Index < list.Len() {
			return list.Index(*p.Index).Interface()
		}
		return nil
	}
	return p.Result
}

func appendUnique(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// auditExport records an attachment download (action export), and a
// refused one as an error: asking for another veteran's file is worth
// knowing about.
func (h *Handler) auditExport(next http.Handler) http.Handler {
	if h.cfg.Audit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		if r.Method != http.MethodGet {
			return
		}
		outcome := audit.OutcomeOK
		switch {
		case sw.status == http.StatusNotFound:
			outcome = audit.OutcomeError + ":" + string(inbox.CodeNotFound)
		case sw.status >= 400:
			outcome = audit.OutcomeError
		}
		typ, target := auditTarget(r.PathValue("id"))
		v, _ := viewer.FromContext(r.Context())
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), auditFlushTimeout)
		defer cancel()
		err := h.cfg.Audit.Record(ctx, audit.Event{Actor: h.cfg.Audit.Actor(v.ICN), Action: audit.ActionExport,
			TargetType: typ, TargetID: target, Outcome: outcome, RequestID: w.Header().Get("X-Request-Id")})
		if err != nil {
			h.cfg.Log.ErrorContext(ctx, "audit append failed", "error", err.Error())
		}
	})
}

// AuditRoutes serves the audit trail to operators:
//
//	GET /ops/audit?actor=&since=&limit=   entries, oldest first (JSON)
//	GET /ops/audit/verify                 walks the chain; 200 with its head, or 409 naming the first broken entry
//
// actor is a keyed actor as recorded, or an ICN, which is keyed here; since
// is RFC 3339. A valid token without the operator role gets 403. Operators'
// own queries are audited too.
func (h *Handler) AuditRoutes(mux *http.ServeMux) {
	if h.cfg.Audit == nil {
		return
	}
	mux.Handle("GET /ops/audit", h.operator(http.HandlerFunc(h.auditQuery)))
	mux.Handle("GET /ops/audit/verify", h.operator(http.HandlerFunc(h.auditVerify)))
}

// operator lets through verified tokens carrying the operator role. It does
// not enroll the caller as a veteran, unlike the veteran-facing endpoints.
func (h *Handler) operator(next http.Handler) http.Handler {
	return auth.Middleware(h.cfg.Verifier, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := auth.ClaimsFrom(r.Context())
		if !claims.HasRole(string(viewer.RoleOperator)) {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": "operator role required", "code": "FORBIDDEN"})
			return
		}
		next.ServeHTTP(w, r)
	}))
}

var hexActor = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (h *Handler) auditQuery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor")}
	if f.Actor != "" && !hexActor.MatchString(f.Actor) {
		f.Actor = h.cfg.Audit.Actor(f.Actor)
	}
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "since must be an RFC 3339 time", "code": "INVALID_INPUT"})
			return
		}
		f.Since = t
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "limit must be a positive number", "code": "INVALID_INPUT"})
			return
		}
		f.Limit = n
	}
	entries, err := h.cfg.Audit.Query(r.Context(), f)
	h.recordOperator(w, r, audit.ActionQuery, err)
	if err != nil {
		h.opsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}

func (h *Handler) auditVerify(w http.ResponseWriter, r *http.Request) {
	head, err := h.cfg.Audit.Verify(r.Context())
	var broken *audit.BrokenError
	switch {
	case errors.As(err, &broken):
		h.recordOperator(w, r, "auditVerify", nil)
		writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "brokenAt": broken.ID, "reason": broken.Reason, "verified": head})
	case err != nil:
		h.recordOperator(w, r, "auditVerify", err)
		h.opsError(w, r, err)
	default:
		h.recordOperator(w, r, "auditVerify", nil)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "head": head})
	}
}

func (h *Handler) recordOperator(w http.ResponseWriter, r *http.Request, action string, err error) {
	claims, _ := auth.ClaimsFrom(r.Context())
	if rerr := h.cfg.Audit.Record(context.WithoutCancel(r.Context()), audit.Event{Actor: h.cfg.Audit.Actor(claims.ICN),
		Action: action, Outcome: outcomeOf(err), RequestID: w.Header().Get("X-Request-Id")}); rerr != nil {
		h.cfg.Log.ErrorContext(r.Context(), "audit append failed", "error", rerr.Error())
	}
}

func (h *Handler) opsError(w http.ResponseWriter, r *http.Request, err error) {
	id := correlationID()
	h.cfg.Log.ErrorContext(r.Context(), "audit endpoint failed", "correlation_id", id, "error", err.Error())
	writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "internal error", "code": "INTERNAL", "correlationId": id})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

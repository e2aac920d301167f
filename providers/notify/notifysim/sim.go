package notifysim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/va/vams/providers/simstate"
)

// Template is a notification template as the service holds it; ((name))
// placeholders are filled from the call's personalisation.
type Template struct {
	ID      string `json:"id"`
	Subject string `json:"subject"` // email subject or push title
	Body    string `json:"body"`
}

// Config configures a simulator.
type Config struct {
	// ServiceID and Secret are the two parts of the API key callers sign
	// their tokens with.
	ServiceID, Secret string
	Templates         []Template
	// StateFile keeps what was received across restarts (empty: memory only).
	StateFile string
	Log       *slog.Logger
	// Now is the simulator's clock for token ages (default time.Now).
	Now func() time.Time
}

// Recipient names whom a notification is for, as VA Notify's
// recipient_identifier does (id_type ICN, VAPROFILEID, …).
type Recipient struct {
	IDType  string `json:"id_type"`
	IDValue string `json:"id_value"`
}

// Notification is one notification the simulator accepted.
type Notification struct {
	ID              string            `json:"id"`
	Channel         string            `json:"channel"` // "push" or "email"
	MobileApp       string            `json:"mobileApp,omitempty"`
	TemplateID      string            `json:"templateId"`
	Recipient       Recipient         `json:"recipient"`
	EmailAddress    string            `json:"emailAddress,omitempty"`
	Personalisation map[string]string `json:"personalisation"`
	Reference       string            `json:"reference"`
	// Subject and Body are the template rendered with the personalisation:
	// what the veteran sees.
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// saved is the state file's layout.
type saved struct {
	Seq           int            `json:"seq"`
	Notifications []Notification `json:"notifications"`
	Duplicates    int            `json:"duplicates"`
}

const stateVersion = 1

// Simulator is the notification service; it is an http.Handler.
type Simulator struct {
	cfg       Config
	templates map[string]Template
	mux       *http.ServeMux
	faults    faults
	state     *simstate.Writer

	mu    sync.Mutex
	s     saved
	byRef map[string]int // reference → index in s.Notifications
}

// Open starts a simulator, loading its state file when it has one.
func Open(cfg Config) (*Simulator, error) {
	cfg.Log = cmp.Or(cfg.Log, slog.Default())
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Simulator{cfg: cfg, templates: map[string]Template{}, byRef: map[string]int{}}
	for _, t := range cfg.Templates {
		s.templates[t.ID] = t
	}
	if cfg.StateFile != "" {
		var err error
		s.state, err = simstate.Open(cfg.StateFile, stateVersion, &s.s, s.reindex,
			func() any { s.mu.Lock(); defer s.mu.Unlock(); return s.s }, 0, cfg.Log)
		if err != nil {
			return nil, err
		}
	}
	s.routes()
	return s, nil
}

// Close saves the state.
func (s *Simulator) Close() error { return s.state.Close() }

func (s *Simulator) reindex() {
	s.byRef = map[string]int{}
	for i, n := range s.s.Notifications {
		if n.Reference != "" {
			s.byRef[n.Reference] = i
		}
	}
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Simulator) routes() {
	s.mux = http.NewServeMux()
	s.mux.Handle("POST /v2/notifications/push", s.faults.wrap(s.authed(s.notify("push"))))
	s.mux.Handle("POST /v2/notifications/email", s.faults.wrap(s.authed(s.notify("email"))))
	s.mux.HandleFunc("GET /control/notifications", s.list)
	s.mux.HandleFunc("DELETE /control/notifications", s.clear)
	s.mux.HandleFunc("POST /control/faults", s.faults.control)
}

// request is the body of both notification calls.
type request struct {
	MobileApp       string            `json:"mobile_app"`
	TemplateID      string            `json:"template_id"`
	Recipient       *Recipient        `json:"recipient_identifier"`
	EmailAddress    string            `json:"email_address"`
	Personalisation map[string]string `json:"personalisation"`
	Reference       string            `json:"reference"`
}

var placeholder = regexp.MustCompile(`\(\(([^()]+)\)\)`)

func (s *Simulator) notify(channel string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req request
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
			apiError(w, http.StatusBadRequest, "BadRequestError", "Invalid JSON")
			return
		}
		n, msg := s.build(channel, req)
		if msg != "" {
			apiError(w, http.StatusBadRequest, "BadRequestError", msg)
			return
		}
		s.mu.Lock()
		if i, ok := s.byRef[n.Reference]; ok && n.Reference != "" && !s.faults.ignoreReferences() {
			n = s.s.Notifications[i]
			s.s.Duplicates++
		} else {
			s.s.Seq++
			n.ID = fmt.Sprintf("%08d-0000-4000-8000-%012d", s.s.Seq, s.s.Seq)
			n.ReceivedAt = s.cfg.Now().UTC()
			s.s.Notifications = append(s.s.Notifications, n)
			if n.Reference != "" {
				s.byRef[n.Reference] = len(s.s.Notifications) - 1
			}
		}
		s.mu.Unlock()
		s.state.Changed()
		writeJSON(w, http.StatusCreated, map[string]any{"id": n.ID, "reference": n.Reference,
			"template": map[string]string{"id": n.TemplateID}, "uri": "/v2/notifications/" + n.ID,
			"content": map[string]string{"subject": n.Subject, "body": n.Body}})
	}
}

// build checks a call and renders its template; msg says what is wrong.
func (s *Simulator) build(channel string, req request) (n Notification, msg string) {
	t, ok := s.templates[req.TemplateID]
	switch {
	case !ok:
		return n, "Template not found"
	case channel == "push" && req.MobileApp == "":
		return n, "mobile_app is a required property"
	case (req.Recipient == nil || req.Recipient.IDValue == "") && (channel == "push" || req.EmailAddress == ""):
		return n, "recipient_identifier or email_address is required"
	}
	var missing string
	render := func(text string) string {
		return placeholder.ReplaceAllStringFunc(text, func(m string) string {
			key := m[2 : len(m)-2]
			v, ok := req.Personalisation[key]
			if !ok {
				missing = key
			}
			return v
		})
	}
	n = Notification{Channel: channel, MobileApp: req.MobileApp, TemplateID: t.ID, EmailAddress: req.EmailAddress,
		Personalisation: req.Personalisation, Reference: req.Reference, Subject: render(t.Subject), Body: render(t.Body)}
	if req.Recipient != nil {
		n.Recipient = *req.Recipient
	}
	if missing != "" {
		return n, "Missing personalisation: " + missing
	}
	return n, ""
}

// Received lists the notifications accepted so far, oldest first.
func (s *Simulator) Received() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.s.Notifications...)
}

// Listing is the body of GET /control/notifications.
type Listing struct {
	Notifications []Notification `json:"notifications"`
	// Duplicates counts calls answered from an earlier notification with
	// the same reference.
	Duplicates int `json:"duplicates"`
}

func (s *Simulator) list(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	l := Listing{Notifications: append([]Notification{}, s.s.Notifications...), Duplicates: s.s.Duplicates}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, l)
}

func (s *Simulator) clear(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.s.Notifications, s.s.Duplicates, s.byRef = nil, 0, map[string]int{}
	s.mu.Unlock()
	s.state.Changed()
	w.WriteHeader(http.StatusNoContent)
}

// apiError answers in VA Notify's error shape.
func apiError(w http.ResponseWriter, status int, kind, msg string) {
	writeJSON(w, status, map[string]any{"status_code": status,
		"errors": []map[string]string{{"error": kind, "message": msg}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

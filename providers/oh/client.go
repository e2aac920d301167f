package oh

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// PersonnelPrefix marks a care-team external id that names an individual
// (a PERSONNEL receiver) rather than a message pool, e.g. "personnel:1234".
// Plain numeric ids are pool ids.
const PersonnelPrefix = "personnel:"

// Credentials supplies the CareAware OAuth access token sent as
// "Authorization: Bearer <token>". The spec requires the token's authority
// to match the URI's authority.
type Credentials interface {
	Token(ctx context.Context) (string, error)
}

// BearerToken is a fixed access token.
type BearerToken string

// Token returns the token itself.
func (t BearerToken) Token(context.Context) (string, error) { return string(t), nil }

// Config configures a Client.
type Config struct {
	// BaseURL is the service root, e.g.
	// "https://host/messaging/va/service" or "http://host/sim/oh".
	BaseURL string
	// Authority is the OH tenant used when a Veteran has no OHAuthority.
	Authority   string
	Credentials Credentials // nil sends no Authorization header
	HTTPClient  *http.Client
	// ListCap is the per-window list limit (default DefaultListCap); a full
	// answer makes ListMessages halve the window.
	ListCap int
	// ConflictRetries is how many times a status write is re-applied after
	// a 409 before giving up with ErrConflict (default 2).
	ConflictRetries int
	// FHIRBaseURL is the FHIR R4 service root, under which come
	// {authority}/Practitioner/{id} reads for clinicians' names (default
	// BaseURL + "/fhir/r4", where the simulator serves them).
	FHIRBaseURL string
	// Now is the time the name cache expires by (default time.Now); VAMS
	// passes its one clock.
	Now func() time.Time
}

// Client is the OH provider: Millennium Messaging Web Services (REST 10.8).
type Client struct {
	base    string
	cfg     Config
	hc      *http.Client
	listCap int
	retries int
	fhir    string
	authors authorCache
}

var _ providers.Provider = (*Client)(nil)

// New builds a Client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("oh: invalid BaseURL")
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient // copy: we change redirect handling only for ourselves
		hc = &c
	}
	// A 301 means a patient merge; it must reach us, not be followed.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{base: strings.TrimRight(cfg.BaseURL, "/"), cfg: cfg, hc: hc, listCap: cfg.ListCap, retries: cfg.ConflictRetries}
	if c.listCap <= 0 {
		c.listCap = DefaultListCap
	}
	if c.retries <= 0 {
		c.retries = 2
	}
	c.fhir = strings.TrimRight(cfg.FHIRBaseURL, "/")
	if c.fhir == "" {
		c.fhir = c.base + "/fhir/r4"
	}
	c.authors.names = map[string]authorName{}
	c.authors.now = cfg.Now
	if c.authors.now == nil {
		c.authors.now = time.Now
	}
	return c, nil
}

// Kind reports providerkind.OH.
func (c *Client) Kind() providerkind.Kind { return providerkind.OH }

// Capabilities is what OH takes with a message through this adapter: no
// files, since the API posts attachments by media id, uploaded through a
// media service outside it (Send refuses them too); text as NormalizeText
// leaves it.
var Capabilities = providers.Capabilities{Text: NormalizeText}

// Capabilities reports the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities }

const (
	inbox  = "inbox"
	outbox = "outbox"
)

func (c *Client) authority(v providers.Veteran) string {
	if v.OHAuthority != "" {
		return v.OHAuthority
	}
	return c.cfg.Authority
}

func (c *Client) patientPath(v providers.Veteran) (string, error) {
	if v.OHPatientID == "" {
		return "", perr(providers.ErrRejected, "NO_PATIENT", reasonNoPatient)
	}
	return "/" + url.PathEscape(c.authority(v)) + "/patients/" + url.PathEscape(v.OHPatientID), nil
}

// locationSegments splits the path of a Location header (an absolute or
// relative URL) into its segments, still escaped; nil if it does not parse.
// The answers name what they made or moved by such paths: a patient under
// patientPath's form, a sent message by its last segment.
func locationSegments(loc string) []string {
	u, err := url.Parse(loc)
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(u.EscapedPath(), "/"), "/")
}

// patientFromLocation extracts {patientId} from a 301 Location such as
// /{authority}/patients/{patientId}/inbox/messages.
func patientFromLocation(loc string) string {
	segs := locationSegments(loc)
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] == "patients" {
			p, err := url.PathUnescape(segs[i+1])
			if err != nil {
				return ""
			}
			return p
		}
	}
	return ""
}

// lastSegment is a Location's last path segment, unescaped; "" when the
// path has no slash.
func lastSegment(loc string) string {
	segs := locationSegments(loc)
	if len(segs) < 2 {
		return ""
	}
	s, err := url.PathUnescape(segs[len(segs)-1])
	if err != nil {
		return ""
	}
	return s
}

// Health asks for pools by a name no pool has: cheap, authenticated, and
// exercising the authority.
func (c *Client) Health(ctx context.Context) error {
	_, _, err := c.do(ctx, "health", http.MethodGet, "/"+url.PathEscape(c.cfg.Authority)+"/pools",
		url.Values{"name": {"vams-health-check"}}, nil, nil)
	return err
}

// Package config is VAMS's one configuration loader: everything comes from
// the environment, with defaults that run the embedded demo.
package config

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Mode selects demo (embedded database, simulators, demo data, development
// token issuer) or production (real providers, OIDC, no playground).
type Mode string

const (
	Demo       Mode = "demo"
	Production Mode = "production"
)

// Config is VAMS's configuration.
type Config struct {
	Addr string // VAMS_ADDR
	// OperatorAddr is the operator listener's address: metrics, /ops/ and
	// the audit trail, kept off the public listener (VAMS_OPERATOR_ADDR,
	// or the deprecated VAMS_METRICS_ADDR). Empty: no operator listener.
	OperatorAddr string
	PublicURL    string // VAMS_PUBLIC_URL: how clients and the dev issuer reach this server
	DataDir      string // VAMS_DATA_DIR
	DatabaseURL  string // DATABASE_URL
	Mode         Mode   // VAMS_MODE

	OIDCIssuer   string // VAMS_OIDC_ISSUER
	OIDCAudience string // VAMS_OIDC_AUDIENCE
	OIDCJWKSURL  string // VAMS_OIDC_JWKS_URL
	OIDCICNClaim string // VAMS_OIDC_ICN_CLAIM

	MHVBaseURL  string // VAMS_MHV_BASE_URL
	MHVAppToken string // VAMS_MHV_APP_TOKEN
	MHVAPIKey   string // VAMS_MHV_API_KEY

	OHBaseURL           string // VAMS_OH_BASE_URL
	OHAuthority         string // VAMS_OH_AUTHORITY
	OHToken             string // VAMS_OH_TOKEN
	OHPublicationSecret string // VAMS_OH_PUBLICATION_SECRET: HMAC key of the Atom intake

	// The notification service (VA Notify): its root URL, the API key
	// ("<name>-<service id>-<secret>") and the templates of the new-message
	// push, the new-message email and the daily digest. In production an
	// empty NotifyBaseURL turns notifications off (logged at start); in demo
	// mode the simulator on this server (or VAMS_NOTIFY_BASE_URL) is used.
	NotifyBaseURL        string // VAMS_NOTIFY_BASE_URL
	NotifyAPIKey         string // VAMS_NOTIFY_API_KEY
	NotifyMobileApp      string // VAMS_NOTIFY_MOBILE_APP (default VA_FLAGSHIP_APP)
	NotifyPushTemplate   string // VAMS_NOTIFY_PUSH_TEMPLATE_ID
	NotifyEmailTemplate  string // VAMS_NOTIFY_EMAIL_TEMPLATE_ID
	NotifyDigestTemplate string // VAMS_NOTIFY_DIGEST_TEMPLATE_ID
	// NotifyDigestHour is the local hour (0–23, in each veteran's time zone)
	// daily digests go at (VAMS_NOTIFY_DIGEST_HOUR, default 8).
	NotifyDigestHour int

	ReconcileInterval time.Duration // VAMS_RECONCILE_INTERVAL
	SweepInterval     time.Duration // VAMS_SWEEP_INTERVAL
	// ChangeRetention is how long delta sync can answer from (VAMS_CHANGE_RETENTION).
	ChangeRetention time.Duration
	AllowedOrigins  []string // VAMS_ALLOWED_ORIGINS, comma-separated
	// FreshnessBound is how stale an active veteran's view of a provider may
	// get before their next query checks it (VAMS_FRESHNESS_BOUND, default
	// 5s; 0 turns freshness on demand off); FreshnessBudget is how long that
	// query waits for the check (VAMS_FRESHNESS_BUDGET, default 300ms).
	FreshnessBound, FreshnessBudget time.Duration

	AuditKey string // VAMS_AUDIT_KEY: keys the actor hashes of the audit trail (random per data dir in demo)
	// PersistedQueries, when set, is the path of the app's persisted-query
	// manifest, and only its operations are accepted (VAMS_PERSISTED_QUERIES).
	PersistedQueries string
	// CutoverSchedule is the path of the facilities' cutover schedules, a
	// JSON list of {stationNumber, phases: {p0…p7: "YYYY-MM-DD"}, complete}
	// (VAMS_CUTOVER_SCHEDULE); empty: phases only as the facilities table
	// holds them.
	CutoverSchedule string

	// SendsPerHour and SendBurst bound each veteran's sends, one limit per
	// veteran kept in the database (VAMS_SEND_LIMIT_PER_HOUR,
	// VAMS_SEND_LIMIT_BURST); zero takes the mode's default (see
	// inbox.SendLimit).
	SendsPerHour float64
	SendBurst    int

	// ProviderRateMHV and ProviderRateOH are the requests a second VAMS
	// makes to each provider, all instances together (VAMS_PROVIDER_RATE_MHV,
	// VAMS_PROVIDER_RATE_OH; 0 or unset: unlimited). Freshness checks have
	// priority; the historic import takes what is left.
	ProviderRateMHV, ProviderRateOH float64

	// DBStatementCache is how many statements each PostgreSQL connection
	// keeps prepared (VAMS_DB_STATEMENT_CACHE; unset: 256; 0: none, for a
	// pooler in transaction mode such as PgBouncer's). In this struct 0
	// takes the default and a negative number means none.
	DBStatementCache int

	// Deprecated names the deprecated variables set, each with what
	// replaces it, for a warning at startup.
	Deprecated []string
}

// Load reads the environment.
func Load() (Config, error) {
	c := Config{
		Addr:                env("VAMS_ADDR", "127.0.0.1:8080"),
		OperatorAddr:        os.Getenv("VAMS_OPERATOR_ADDR"),
		DataDir:             env("VAMS_DATA_DIR", "./data"),
		DatabaseURL:         os.Getenv("DATABASE_URL"),
		Mode:                Mode(env("VAMS_MODE", string(Demo))),
		OIDCIssuer:          os.Getenv("VAMS_OIDC_ISSUER"),
		OIDCAudience:        os.Getenv("VAMS_OIDC_AUDIENCE"),
		OIDCJWKSURL:         os.Getenv("VAMS_OIDC_JWKS_URL"),
		OIDCICNClaim:        env("VAMS_OIDC_ICN_CLAIM", "icn"),
		MHVBaseURL:          os.Getenv("VAMS_MHV_BASE_URL"),
		MHVAppToken:         os.Getenv("VAMS_MHV_APP_TOKEN"),
		MHVAPIKey:           os.Getenv("VAMS_MHV_API_KEY"),
		OHBaseURL:           os.Getenv("VAMS_OH_BASE_URL"),
		OHAuthority:         env("VAMS_OH_AUTHORITY", "va"),
		OHToken:             os.Getenv("VAMS_OH_TOKEN"),
		OHPublicationSecret: os.Getenv("VAMS_OH_PUBLICATION_SECRET"),
		AuditKey:            os.Getenv("VAMS_AUDIT_KEY"),
		PersistedQueries:    os.Getenv("VAMS_PERSISTED_QUERIES"),

		NotifyBaseURL:        os.Getenv("VAMS_NOTIFY_BASE_URL"),
		NotifyAPIKey:         os.Getenv("VAMS_NOTIFY_API_KEY"),
		NotifyMobileApp:      env("VAMS_NOTIFY_MOBILE_APP", "VA_FLAGSHIP_APP"),
		NotifyPushTemplate:   os.Getenv("VAMS_NOTIFY_PUSH_TEMPLATE_ID"),
		NotifyEmailTemplate:  os.Getenv("VAMS_NOTIFY_EMAIL_TEMPLATE_ID"),
		NotifyDigestTemplate: os.Getenv("VAMS_NOTIFY_DIGEST_TEMPLATE_ID"),
	}
	if old := os.Getenv("VAMS_METRICS_ADDR"); old != "" {
		c.Deprecated = append(c.Deprecated, "VAMS_METRICS_ADDR: use VAMS_OPERATOR_ADDR")
		if c.OperatorAddr == "" {
			c.OperatorAddr = old
		}
	}
	c.PublicURL = strings.TrimRight(env("VAMS_PUBLIC_URL", "http://"+c.Addr), "/")
	d, err := time.ParseDuration(env("VAMS_RECONCILE_INTERVAL", "1m"))
	if err != nil || d <= 0 {
		return c, fmt.Errorf("VAMS_RECONCILE_INTERVAL: want a positive duration such as 1m")
	}
	c.ReconcileInterval = d
	d, err = time.ParseDuration(env("VAMS_SWEEP_INTERVAL", "1h"))
	if err != nil || d <= 0 {
		return c, fmt.Errorf("VAMS_SWEEP_INTERVAL: want a positive duration such as 24h")
	}
	c.SweepInterval = d
	d, err = time.ParseDuration(env("VAMS_CHANGE_RETENTION", "720h"))
	if err != nil || d <= 0 {
		return c, fmt.Errorf("VAMS_CHANGE_RETENTION: want a positive duration such as 720h (30 days)")
	}
	c.ChangeRetention = d
	if c.FreshnessBound, err = time.ParseDuration(env("VAMS_FRESHNESS_BOUND", "5s")); err != nil || c.FreshnessBound < 0 {
		return c, fmt.Errorf("VAMS_FRESHNESS_BOUND: want a duration such as 5s (0 turns it off)")
	}
	if c.FreshnessBudget, err = time.ParseDuration(env("VAMS_FRESHNESS_BUDGET", "300ms")); err != nil || c.FreshnessBudget <= 0 {
		return c, fmt.Errorf("VAMS_FRESHNESS_BUDGET: want a positive duration such as 300ms")
	}
	c.CutoverSchedule = os.Getenv("VAMS_CUTOVER_SCHEDULE")
	if c.NotifyDigestHour, err = strconv.Atoi(env("VAMS_NOTIFY_DIGEST_HOUR", "8")); err != nil || c.NotifyDigestHour < 0 || c.NotifyDigestHour > 23 {
		return c, fmt.Errorf("VAMS_NOTIFY_DIGEST_HOUR: want an hour from 0 to 23")
	}
	if v := os.Getenv("VAMS_SEND_LIMIT_PER_HOUR"); v != "" {
		if c.SendsPerHour, err = strconv.ParseFloat(v, 64); err != nil || !(c.SendsPerHour > 0) || math.IsInf(c.SendsPerHour, 0) {
			return c, fmt.Errorf("VAMS_SEND_LIMIT_PER_HOUR: want a positive number of sends an hour such as 20")
		}
	}
	if v := os.Getenv("VAMS_SEND_LIMIT_BURST"); v != "" {
		if c.SendBurst, err = strconv.Atoi(v); err != nil || c.SendBurst <= 0 {
			return c, fmt.Errorf("VAMS_SEND_LIMIT_BURST: want a positive number of sends at once such as 5")
		}
	}
	if c.DBStatementCache, err = StatementCache(); err != nil {
		return c, err
	}
	for name, dst := range map[string]*float64{"VAMS_PROVIDER_RATE_MHV": &c.ProviderRateMHV, "VAMS_PROVIDER_RATE_OH": &c.ProviderRateOH} {
		if v := os.Getenv(name); v != "" {
			if *dst, err = strconv.ParseFloat(v, 64); err != nil || !(*dst >= 0) || math.IsInf(*dst, 0) {
				return c, fmt.Errorf("%s: want requests a second such as 50 (0 for unlimited)", name)
			}
		}
	}
	for _, o := range strings.Split(os.Getenv("VAMS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	switch c.Mode {
	case Demo:
	case Production:
		var missing []string
		for name, v := range map[string]string{
			"DATABASE_URL": c.DatabaseURL, "VAMS_OIDC_ISSUER": c.OIDCIssuer, "VAMS_OIDC_AUDIENCE": c.OIDCAudience,
			"VAMS_OIDC_JWKS_URL": c.OIDCJWKSURL, "VAMS_MHV_BASE_URL": c.MHVBaseURL, "VAMS_OH_BASE_URL": c.OHBaseURL,
			"VAMS_OH_PUBLICATION_SECRET": c.OHPublicationSecret, "VAMS_AUDIT_KEY": c.AuditKey,
		} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return c, fmt.Errorf("production mode needs %s", strings.Join(missing, ", "))
		}
		// Demo mode has the simulator's key; production must name its own.
		if c.NotifyBaseURL != "" && c.NotifyAPIKey == "" {
			return c, fmt.Errorf("VAMS_NOTIFY_BASE_URL needs VAMS_NOTIFY_API_KEY")
		}
	default:
		return c, fmt.Errorf("VAMS_MODE must be demo or production, not %q", c.Mode)
	}
	return c, nil
}

// StatementCache reads VAMS_DB_STATEMENT_CACHE as Config.DBStatementCache
// holds it (the benchmark's floors read it too, so both sides match).
func StatementCache() (int, error) {
	v := os.Getenv("VAMS_DB_STATEMENT_CACHE")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < 0:
		return 0, fmt.Errorf("VAMS_DB_STATEMENT_CACHE: want a number of statements such as 256 (0 for none)")
	case n == 0:
		return -1, nil
	}
	return n, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

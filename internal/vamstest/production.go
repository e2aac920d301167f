package vamstest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/platform/config"
)

// Production is VAMS assembled in production mode on SQLite, trusting a
// development issuer as its OIDC provider; the providers are unreachable
// and the workers are not started.
type Production struct {
	App    *app.App
	Issuer *auth.DevIssuer
}

// NewProduction assembles VAMS in production mode.
func NewProduction(t testing.TB) *Production {
	t.Helper()
	mux := http.NewServeMux()
	idp := httptest.NewServer(mux)
	t.Cleanup(idp.Close)
	iss, err := auth.LoadOrCreateDevIssuer(t.TempDir(), idp.URL)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("GET "+auth.DevJWKSPath, iss.JWKSHandler())
	vc := iss.VerifierConfig()
	cfg := config.Config{Mode: config.Production, DataDir: t.TempDir(), PublicURL: "http://127.0.0.1",
		OIDCIssuer: vc.Issuer, OIDCAudience: vc.Audience, OIDCJWKSURL: vc.JWKSURL, OIDCICNClaim: "icn",
		MHVBaseURL: "http://127.0.0.1:1/", OHBaseURL: "http://127.0.0.1:1", OHAuthority: "va",
		OHPublicationSecret: "production-secret", AuditKey: "production audit key, 32 bytes.", ReconcileInterval: time.Hour}
	a, err := app.New(context.Background(), cfg, app.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return &Production{App: a, Issuer: iss}
}

// Token issues a bearer token for icn, with roles.
func (p *Production) Token(t testing.TB, icn string, roles ...string) string {
	t.Helper()
	tok, err := p.Issuer.Issue(icn, time.Hour, roles...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

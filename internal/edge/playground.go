package edge

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"time"
)

// The GraphiQL page and its assets are embedded so the playground works
// offline and under a strict CSP; scripts/refresh-graphiql.sh refreshes the
// vendored GraphiQL and React bundles from npm.
//
//go:embed playground/page.html playground/assets
var playgroundFiles embed.FS

// Playground paths.
const (
	PlaygroundAssetsPath    = "/playground/assets/"
	PlaygroundDemoTokenPath = "/playground/demo-token"
)

// playgroundCSP lets the page load nothing but this server's scripts, styles
// and API; GraphiQL's stylesheet inlines its fonts and icons as data: URLs.
// Subscriptions open a WebSocket to this server: CSP Level 3 lets 'self'
// cover ws: and wss: on the page's host, but browsers that predate it
// (Safari before 16) need the host named, so it is (playgroundCSPFor).
const playgroundCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'%s; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// cspHost is what a Host header must look like to be named in the CSP:
// Go's server admits sub-delimiters (";" among them) that would end the
// directive.
var cspHost = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)

// playgroundCSPFor is the page's CSP for a request to host.
func playgroundCSPFor(host string) string {
	ws := ""
	if cspHost.MatchString(host) {
		ws = " ws://" + host + " wss://" + host
	}
	return fmt.Sprintf(playgroundCSP, ws)
}

// Playground serves GraphiQL at / (mounted in demo mode only).
type Playground struct {
	// Endpoint is the GraphQL endpoint's path.
	Endpoint string
	// SubscriptionEndpoint is the path where GraphiQL opens a
	// graphql-transport-ws WebSocket for subscription operations (on the
	// page's own host, ws: or wss: as the page is http: or https:); empty
	// sends subscriptions over HTTP like everything else.
	SubscriptionEndpoint string
	// DemoToken, when set, issues a token for the n-th demo veteran
	// (1-based; ErrNoDemoVeteran past the last), served at
	// GET /playground/demo-token?veteran=n and put in the page's headers.
	DemoToken func(n int) (DemoToken, error)
}

// DemoToken is the answer of the demo-token endpoint.
type DemoToken struct {
	Veteran     int       `json:"veteran"`
	Veterans    int       `json:"veterans"` // how many demo veterans there are
	ICN         string    `json:"icn"`
	DisplayName string    `json:"displayName"`
	Token       string    `json:"token"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// ErrNoDemoVeteran is DemoToken's answer for a number with no demo veteran.
var ErrNoDemoVeteran = errors.New("no such demo veteran")

var playgroundPage = template.Must(template.ParseFS(playgroundFiles, "playground/page.html"))

// Routes mounts the page, its assets and, with DemoToken, the demo-token
// endpoint.
func (p Playground) Routes(mux *http.ServeMux) {
	data := struct{ Assets, Endpoint, SubscriptionEndpoint, DemoTokenPath string }{
		Assets: PlaygroundAssetsPath, Endpoint: p.Endpoint, SubscriptionEndpoint: p.SubscriptionEndpoint}
	if p.DemoToken != nil {
		data.DemoTokenPath = PlaygroundDemoTokenPath
		mux.HandleFunc("GET "+PlaygroundDemoTokenPath, p.serveDemoToken)
	}
	var page bytes.Buffer
	if err := playgroundPage.Execute(&page, data); err != nil {
		panic(err) // the template and its data are fixed: a bug
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", playgroundCSPFor(r.Host))
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(page.Bytes())
	})
	mux.Handle("GET "+PlaygroundAssetsPath+"{file...}", playgroundAssets())
}

func (p Playground) serveDemoToken(w http.ResponseWriter, r *http.Request) {
	n := 1
	if s := r.URL.Query().Get("veteran"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			writeError(w, r, http.StatusBadRequest, CodeInvalidInput, "veteran: want a number, e.g. ?veteran=1")
			return
		}
	}
	tok, err := p.DemoToken(n)
	switch {
	case errors.Is(err, ErrNoDemoVeteran):
		writeError(w, r, http.StatusNotFound, CodeNotFound, "no such demo veteran")
	case err != nil:
		writeError(w, r, http.StatusInternalServerError, CodeInternal, "could not issue a demo token")
	default:
		writeJSON(w, http.StatusOK, tok)
	}
}

type playgroundAsset struct {
	content []byte
	etag    string
}

// playgroundAssets serves the embedded files by name, revalidated by content
// hash (embedded files have no modification time), without directory
// listings.
func playgroundAssets() http.Handler {
	sub, err := fs.Sub(playgroundFiles, "playground/assets")
	if err != nil {
		panic(err)
	}
	assets := map[string]playgroundAsset{}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, name)
		sum := sha256.Sum256(b)
		assets[name] = playgroundAsset{content: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return err
	})
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		a, ok := assets[name]
		if !ok {
			writeError(w, r, http.StatusNotFound, CodeNotFound, "No such playground file.")
			return
		}
		w.Header().Set("ETag", a.etag)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(a.content))
	})
}

package edge_test

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// Editors of the GraphiQL page, read through their CodeMirror instances.
const (
	queryEditor    = `.graphiql-query-editor .CodeMirror`
	queryInput     = `.graphiql-query-editor textarea`
	headersEditor  = `section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror`
	responseEditor = `section.result-window .CodeMirror`
	runButton      = `button.graphiql-execute-button`
	activeTab      = `.graphiql-tab-active .graphiql-tab-button`
)

// recordProblems collects, on every page, CSP violations and uncaught
// errors into window.__problems (CDP scripts run whatever the page's CSP).
const recordProblems = `window.__problems = [];
document.addEventListener("securitypolicyviolation", e =>
  window.__problems.push("CSP " + e.violatedDirective + " blocked " + e.blockedURI));
window.addEventListener("error", e => window.__problems.push("error: " + e.message));`

// The playground loads from this server alone, under its CSP, prefills the
// chosen demo veteran's token, runs a query typed into the editor, and runs
// a subscription over this server's WebSocket that shows a care team's
// message when it arrives.
func TestPlaygroundRunsQueryAndSubscriptionInHeadlessChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		vamstest.MissingTool(t, "chromium is not installed (apt-get install chromium)")
	}
	s := vamstest.NewSystem(t, storetest.Backends(t)[0])
	ctx := browser(t, chromium)
	veteran := demo.Directory.Veterans[2] // OH teams only: their messages arrive at once (Atom)

	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: recordProblems}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/?veteran=3"),
		chromedp.WaitVisible(chromedp.CSS(headersEditor)),
	)
	if err != nil {
		t.Fatalf("loading the playground: %v", err)
	}
	if headers := editorValue(t, ctx, headersEditor); !strings.Contains(headers, `"Authorization": "Bearer ey`) {
		t.Errorf("headers editor not prefilled with the demo token: %q", headers)
	}

	run(t, ctx, "query Me { viewer { displayName } }", "Me")
	waitForResponse(t, ctx, "displayName")
	if response := editorValue(t, ctx, responseEditor); !strings.Contains(response, fmt.Sprintf(`"displayName": %q`, veteran.DisplayName)) {
		t.Errorf("response does not name demo veteran 3 (%s): %s", veteran.DisplayName, response)
	}

	run(t, ctx, "subscription Arrivals { messageReceived { message { body } } }", "Arrivals")
	vamstest.Eventually(t, time.Minute, "the page's subscription to reach VAMS", func() bool { return s.App.Bus.Count() > 0 })
	const body = "Your lab results are in and look normal."
	s.Control("oh", http.MethodPost, "clinician-messages", map[string]any{"icn": veteran.ICN, "careTeam": "300100", "body": body}, nil)
	waitForResponse(t, ctx, body)

	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__problems`))
	if err != nil || len(problems) > 0 {
		t.Errorf("page problems: %q %v", problems, err)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range loaded {
		if !strings.HasPrefix(u, s.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("loaded from off this server: %s", u)
		}
	}
}

// run replaces the editor's operation by typing it, as a person would (the
// editor closes brackets itself, and typing "}" steps over them), and runs
// it once GraphiQL has read its name.
func run(t *testing.T, ctx context.Context, operation, name string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(queryEditor)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(queryEditor)+`).CodeMirror.execCommand("selectAll")`),
		chromedp.SendKeys(chromedp.CSS(queryInput), operation),
	)
	if err != nil {
		t.Fatalf("typing %q: %v", operation, err)
	}
	if typed := editorValue(t, ctx, queryEditor); strings.TrimSpace(typed) != operation {
		t.Fatalf("the query editor reads %q after typing %q", typed, operation)
	}
	err = chromedp.Do(ctx,
		// GraphiQL reads the operation name from the editor a moment after
		// a change; run before that and it sends the previous name with the
		// typed text (and a subscription over HTTP). The tab takes the new
		// name at that moment.
		chromedp.Poll[chromedp.Void](`document.querySelector(`+jsString(activeTab)+`)?.textContent === `+jsString(name)),
		chromedp.Click(chromedp.CSS(runButton)),
	)
	if err != nil {
		t.Fatalf("running %s: %v", name, err)
	}
}

// waitForResponse waits until the response pane shows text.
func waitForResponse(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](
		`(document.querySelector(`+jsString(responseEditor)+`)?.CodeMirror.getValue() ?? "").includes(`+jsString(text)+`)`))
	if err != nil {
		t.Fatalf("waiting for %q in the response: %v; response: %s", text, err, editorValue(t, ctx, responseEditor))
	}
}

// browser starts headless Chromium for the test.
func browser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	return ctx
}

func editorValue(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(sel)+`).CodeMirror.getValue()`))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return v
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

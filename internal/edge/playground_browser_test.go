package edge_test

import (
	"context"
	"fmt"
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
// chosen demo veteran's token, and runs a query typed into the editor.
func TestPlaygroundRunsQueryInHeadlessChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		vamstest.MissingTool(t, "chromium is not installed (apt-get install chromium)")
	}
	s := vamstest.NewSystem(t, storetest.Backends(t)[0])
	ctx := browser(t, chromium)
	veteran := demo.Directory.Veterans[1]

	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: recordProblems}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/?veteran=2"),
		chromedp.WaitVisible(chromedp.CSS(headersEditor)),
	)
	if err != nil {
		t.Fatalf("loading the playground: %v", err)
	}
	if headers := editorValue(t, ctx, headersEditor); !strings.Contains(headers, `"Authorization": "Bearer ey`) {
		t.Errorf("headers editor not prefilled with the demo token: %q", headers)
	}

	// Replace the sample query by typing, as a person would: the editor
	// closes brackets itself, and typing "}" steps over them.
	const query = "{ viewer { displayName } }"
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(queryEditor)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(queryEditor)+`).CodeMirror.execCommand("selectAll")`),
		chromedp.SendKeys(chromedp.CSS(queryInput), query),
	)
	if err != nil {
		t.Fatalf("typing the query: %v", err)
	}
	if typed := editorValue(t, ctx, queryEditor); strings.TrimSpace(typed) != query {
		t.Fatalf("the query editor reads %q after typing %q", typed, query)
	}
	err = chromedp.Do(ctx,
		// GraphiQL reads the operation name from the editor a moment after
		// a change; run before that and it sends the sample's name (Inbox)
		// with the typed query. The tab takes the new name at that moment.
		chromedp.Poll[chromedp.Void](`document.querySelector(`+jsString(activeTab)+`)?.textContent !== "Inbox"`),
		chromedp.Click(chromedp.CSS(runButton)),
		chromedp.Poll[chromedp.Void](`(document.querySelector(`+jsString(responseEditor)+`)?.CodeMirror.getValue() ?? "").includes("displayName")`),
	)
	if err != nil {
		t.Fatalf("running the query: %v; response: %s", err, editorValue(t, ctx, responseEditor))
	}
	if response := editorValue(t, ctx, responseEditor); !strings.Contains(response, fmt.Sprintf(`"displayName": %q`, veteran.DisplayName)) {
		t.Errorf("response does not name demo veteran 2 (%s): %s", veteran.DisplayName, response)
	}

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

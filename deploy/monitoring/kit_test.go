// Package monitoring_test checks the operations kit in this directory (the
// Grafana dashboard and the Prometheus alert rules) against the metrics VAMS
// registers and the runbook they link.
package monitoring_test

import (
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	_ "modernc.org/sqlite"

	"github.com/va/vams/internal/platform/metrics"
	"github.com/va/vams/internal/vamstest"
)

// synthesized are series Prometheus itself adds to every scrape.
var synthesized = []string{"up"}

var (
	quoted   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	matchers = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	grouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	token    = regexp.MustCompile(`[0-9][0-9a-zA-Z_.]*|[a-zA-Z_:][a-zA-Z0-9_:]*`)
	keywords = []string{"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"}
)

// metricNames is every metric a PromQL expression selects: the identifiers
// left once strings, label matchers, ranges and grouping labels are gone,
// other than function names (followed by "(") and keywords.
func metricNames(expr string) []string {
	e := grouping.ReplaceAllString(matchers.ReplaceAllString(quoted.ReplaceAllString(expr, `""`), ""), "")
	var names []string
	for _, loc := range token.FindAllStringIndex(e, -1) {
		tok := e[loc[0]:loc[1]]
		rest := strings.TrimLeft(e[loc[1]:], " \t\n")
		if tok[0] >= '0' && tok[0] <= '9' || strings.HasPrefix(rest, "(") || slices.Contains(keywords, strings.ToLower(tok)) {
			continue
		}
		names = append(names, tok)
	}
	return names
}

func TestMetricNamesOfAnExpression(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`rate(http_requests_total[5m])`, []string{"http_requests_total"}},
		{`sum by (code) (rate(vams_graphql_errors_total{code="INTERNAL", job=~"v.*"}[5m])) > 0.5`, []string{"vams_graphql_errors_total"}},
		{`histogram_quantile(0.95, sum by (le, operation) (rate(a_bucket[5m]))) / on (instance) group_left b offset 1h`, []string{"a_bucket", "b"}},
		{`up{job="vams"} == 0 or absent(c)`, []string{"up", "c"}},
	} {
		if got := metricNames(c.expr); !slices.Equal(got, c.want) {
			t.Errorf("metricNames(%q) = %q, want %q", c.expr, got, c.want)
		}
	}
}

// registered is every series name VAMS's registry can export, with the
// series a histogram or summary adds.
func registered(t *testing.T) map[string]bool {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	names := map[string]bool{}
	for _, n := range append(metrics.New(db, "sqlite3", func() int { return 0 }).Names(), synthesized...) {
		for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
			names[n+suffix] = true
		}
	}
	for _, n := range []string{"vams_graphql_operation_seconds", "vams_outbox_jobs", "vams_subscribers", "go_goroutines"} {
		if !names[n] {
			t.Fatalf("registry lacks %s: Names does not see the registry", n)
		}
	}
	return names
}

type dashboard struct {
	Panels []panel `json:"panels"`
}

type panel struct {
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"` // rows
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func (p panel) exprs() map[string][]string {
	out := map[string][]string{}
	for _, tg := range p.Targets {
		out[p.Title] = append(out[p.Title], tg.Expr)
	}
	for _, sub := range p.Panels {
		for k, v := range sub.exprs() {
			out[k] = append(out[k], v...)
		}
	}
	return out
}

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readRules(t *testing.T) ruleFile {
	b, err := os.ReadFile("vams-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.Unmarshal(b, &rf); err != nil {
		t.Fatal(err)
	}
	return rf
}

// The dashboard queries only metrics VAMS registers.
func TestDashboardNamesOnlyRegisteredMetrics(t *testing.T) {
	names := registered(t)
	b, err := os.ReadFile("vams-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range d.Panels {
		for title, exprs := range p.exprs() {
			for _, e := range exprs {
				n++
				for _, m := range metricNames(e) {
					if !names[m] {
						t.Errorf("panel %q queries %s, which VAMS does not register: %s", title, m, e)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no dashboard queries found")
	}
}

// Each alert rule names only registered metrics and links an existing
// section of the runbook.
func TestAlertRulesNameRegisteredMetricsAndLinkTheRunbook(t *testing.T) {
	names := registered(t)
	runbook, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(runbook), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			anchors[slug(h)] = true
		}
	}
	n := 0
	for _, g := range readRules(t).Groups {
		for _, r := range g.Rules {
			n++
			for _, m := range metricNames(r.Expr) {
				if !names[m] {
					t.Errorf("alert %s names %s, which VAMS does not register: %s", r.Alert, m, r.Expr)
				}
			}
			page, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "#")
			if page != "docs/operations.md" || !anchors[anchor] {
				t.Errorf("alert %s links %q, not a section of docs/operations.md", r.Alert, r.Annotations["runbook_url"])
			}
		}
	}
	if n == 0 {
		t.Fatal("no alert rules found")
	}
}

// slug is GitHub's anchor for a heading.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// promtool accepts the rules (Debian's prometheus package; .ci/run
// installs it).
func TestPromtoolChecksTheRules(t *testing.T) {
	if _, err := exec.LookPath("promtool"); err != nil {
		vamstest.MissingTool(t, "promtool not installed (apt-get install prometheus)")
	}
	out, err := exec.Command("promtool", "check", "rules", "vams-alerts.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

package mhv

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// cassette is a vets-api VCR recording with one interaction (see testdata).
type cassette struct {
	HTTPInteractions []interaction `yaml:"http_interactions"`
}

type interaction struct {
	Request struct {
		Method  string         `yaml:"method"`
		URI     string         `yaml:"uri"`
		Body    vcrBody        `yaml:"body"`
		Headers map[string]any `yaml:"headers"`
	} `yaml:"request"`
	Response struct {
		Status struct {
			Code int `yaml:"code"`
		} `yaml:"status"`
		Headers map[string]any `yaml:"headers"`
		Body    vcrBody        `yaml:"body"`
	} `yaml:"response"`
}

type vcrBody struct {
	String string `yaml:"string"`
}

func loadCassette(t testing.TB, rel string) interaction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	var c cassette
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if len(c.HTTPInteractions) != 1 {
		t.Fatalf("%s: %d interactions", rel, len(c.HTTPInteractions))
	}
	return c.HTTPInteractions[0]
}

// header reads a VCR header, recorded either as a list or a scalar.
func header(h map[string]any, name string) string {
	for k, v := range h {
		if !strings.EqualFold(k, name) {
			continue
		}
		switch x := v.(type) {
		case string:
			return x
		case []any:
			if len(x) > 0 {
				return fmt.Sprint(x[0])
			}
		}
	}
	return ""
}

var prefixRe = regexp.MustCompile(`^<[A-Z_]+>(/v1/sm/patient/|/mhv-sm-api/patient/v1/)`)

// resource is the request path and query after either recorded prefix.
func (it interaction) resource() string {
	return prefixRe.ReplaceAllString(it.Request.URI, "")
}

func (it interaction) body() []byte { return []byte(it.Response.Body.String) }

// allCassettes lists every cassette under testdata.
func allCassettes(t testing.TB) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".yml") {
			rel, _ := filepath.Rel("testdata", p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

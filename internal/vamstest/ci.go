package vamstest

import (
	"os"
	"testing"
)

// MissingTool skips the test when a tool it drives (a browser, the client
// suite's node_modules) is absent, except in CI (CI=true), where .ci/run
// installs it and a skip would hide a suite that never ran.
func MissingTool(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: .ci/run must install it)", why)
	}
	t.Skip(why)
}

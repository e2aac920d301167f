package wire

import (
	"encoding/json"
	"os"
	"testing"
	"unicode/utf8"
)

func TestPractitionerDisplayName(t *testing.T) {
	cases := []struct {
		name string
		json string
		want string
	}{
		{"official text first", `{"resourceType":"Practitioner","name":[{"use":"usual","text":"Angie"},{"use":"official","text":"Stratford, Angela Cerner"}]}`, "Stratford, Angela Cerner"},
		{"family and given when no text", `{"resourceType":"Practitioner","name":[{"use":"official","family":"Stone","given":["Sally","Ann"]}]}`, "Stone, Sally Ann"},
		{"any name when none is official", `{"resourceType":"Practitioner","name":[{"family":"Stone"}]}`, "Stone"},
		{"blank names skipped", `{"resourceType":"Practitioner","name":[{"use":"official","text":"  "},{"given":["Sally"]}]}`, "Sally"},
		{"no name", `{"resourceType":"Practitioner"}`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p Practitioner
			if err := json.Unmarshal([]byte(c.json), &p); err != nil {
				t.Fatal(err)
			}
			if got := p.DisplayName(); got != c.want {
				t.Errorf("DisplayName() = %q, want %q", got, c.want)
			}
		})
	}
}

// Whatever a FHIR server sends, a display name is valid UTF-8 without
// surrounding space, and decoding never panics.
func FuzzPractitionerName(f *testing.F) {
	f.Add(`{"resourceType":"Practitioner","name":[{"use":"official","family":"Stone","given":["Sally"]}]}`)
	if b, err := os.ReadFile("../../testdata/cerner-r4-communication-read.json"); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		var p Practitioner
		if json.Unmarshal([]byte(s), &p) != nil {
			return
		}
		n := p.DisplayName()
		if !utf8.ValidString(n) || (n != "" && (n[0] == ' ' || n[len(n)-1] == ' ')) {
			t.Fatalf("display name %q", n)
		}
	})
}

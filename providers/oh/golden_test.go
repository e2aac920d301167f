package oh

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

func loadSwagger(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/messaging-rest-swagger_v3.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("swagger: %v", err)
	}
	return doc
}

func schemaProps(t *testing.T, doc map[string]any, names ...string) map[string]map[string]any {
	t.Helper()
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	out := map[string]map[string]any{}
	for _, n := range names {
		s, ok := schemas[n].(map[string]any)
		if !ok {
			t.Fatalf("schema %q missing", n)
		}
		for k, v := range s["properties"].(map[string]any) {
			out[k], _ = v.(map[string]any)
		}
	}
	return out
}

func jsonFields(v any) []string {
	var out []string
	rt := reflect.TypeOf(v)
	for i := 0; i < rt.NumField(); i++ {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// TestWireMatchesSwagger pins every JSON field the adapter and simulator
// exchange to a property of the swagger schema it claims to implement.
func TestWireMatchesSwagger(t *testing.T) {
	doc := loadSwagger(t)
	tests := []struct {
		v       any
		schemas []string
		ext     []string // documented simulator extensions
	}{
		{wire.Message{}, []string{"Message", "MessageLite"}, nil},
		{wire.SendMessage{}, []string{"SendMessage"}, nil},
		{wire.Receiver{}, []string{"Receiver"}, nil},
		{wire.Attachment{}, []string{"Attachment", "PostAttachment"}, nil},
		{wire.TextSection{}, []string{"Message Text"}, nil},
		{wire.Sensitivity{}, []string{"Sensitivity"}, nil},
		{wire.EMail{}, []string{"EMail"}, nil},
		{wire.Pool{}, []string{"Pool"}, []string{"stationNumber", "facilityName", "healthCareSystem"}},
		{wire.Messages{}, []string{"Messages"}, nil},
		{wire.MessagesByID{}, []string{"MessagesById"}, nil},
		{wire.PoolsByID{}, []string{"PoolsById"}, nil},
		{wire.RecipientAccessByPoolID{}, []string{"RecipientAccessStatusByPoolId"}, nil},
	}
	for _, tc := range tests {
		props := schemaProps(t, doc, tc.schemas...)
		for _, f := range jsonFields(tc.v) {
			if _, ok := props[f]; !ok && !slices.Contains(tc.ext, f) {
				t.Errorf("%T.%s is not a property of %v", tc.v, f, tc.schemas)
			}
		}
	}
	// Enums the code relies on.
	enum := func(schema, prop string) []string {
		var out []string
		for _, v := range schemaProps(t, doc, schema)[prop]["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	for _, s := range []string{wire.StatusUnread, wire.StatusOpened, wire.StatusOnHold, wire.StatusDeleted, wire.StatusUnknown} {
		if !slices.Contains(enum("MessageLite", "status"), s) || !slices.Contains(enum("Receiver", "status"), s) {
			t.Errorf("status %s not in the swagger enum", s)
		}
	}
	for _, s := range []string{wire.ReceiverPool, wire.ReceiverPersonnel} {
		if !slices.Contains(enum("PostReceiver", "type"), s) {
			t.Errorf("receiver type %s not in the swagger enum", s)
		}
	}
	if !slices.Contains(enum("SendMessage", "formatType"), wire.FormatRTF) {
		t.Errorf("RTF not a SendMessage formatType")
	}
	// Paths and methods the client calls.
	paths := doc["paths"].(map[string]any)
	for path, method := range map[string]string{
		"/{authority}/patients/{patientId}/inbox/messages":                              "get",
		"/{authority}/patients/{patientId}/inbox/messages/{messageIds}":                 "get",
		"/{authority}/patients/{patientId}/inbox/messages/{messageIds}/status/{status}": "put",
		"/{authority}/patients/{patientId}/outbox/messages":                             "post",
		"/{authority}/patients/{patientId}/outbox/messages/{messageIds}":                "get",
		"/{authority}/pools":                            "get",
		"/{authority}/pools/{poolIds}/recipient-access": "get",
	} {
		p, ok := paths[path].(map[string]any)
		if !ok || p[method] == nil {
			t.Errorf("%s %s not in the swagger", strings.ToUpper(method), path)
		}
	}
	// The list filter spells OPENED as OPEN and offers DELETED.
	var statusEnum []any
	for _, prm := range paths["/{authority}/patients/{patientId}/inbox/messages"].(map[string]any)["get"].(map[string]any)["parameters"].([]any) {
		if pm := prm.(map[string]any); pm["name"] == "statuses" {
			statusEnum = pm["schema"].(map[string]any)["enum"].([]any)
		}
	}
	for _, s := range []string{"UNREAD", wire.FilterOpen, "ONHOLD", "DELETED"} {
		if !slices.Contains(statusEnum, any(s)) {
			t.Errorf("statuses filter lacks %s", s)
		}
	}
}

func canonicalJSON(t *testing.T, data []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRESTPayloadRoundTrip(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Run("Messages", func(t *testing.T) {
		in := read("rest-messages-list.json")
		msgs, err := decodeMessages(in)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(wire.Messages{Messages: msgs})
		if a, b := canonicalJSON(t, in), canonicalJSON(t, out); a != b {
			t.Errorf("round trip differs:\n%s\n%s", a, b)
		}
		got := toDomain(msgs[0], inbox, false)
		if got.ExternalID != "2170961659:-6:0:0" || got.Version != "" || got.CareTeamExternalID != "15730568" ||
			got.Direction != providers.ToVeteran || got.Status != providers.StatusUnread || got.BodyIncluded ||
			!got.SentAt.Equal(time.Date(2024, 3, 1, 14, 5, 0, 0, time.UTC)) ||
			len(got.Attachments) != 1 || got.Attachments[0].Filename != "results.pdf" {
			t.Errorf("inbox lite message mapped to %+v", got)
		}
		got = toDomain(msgs[1], outbox, false)
		if got.Direction != providers.ToClinician || got.Status != providers.StatusDeleted || got.CareTeamExternalID != "15726730" ||
			got.ClinicianReadAt == nil || !got.ClinicianReadAt.Equal(time.Date(2024, 3, 3, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("outbox lite message mapped to %+v", got)
		}
	})
	t.Run("MessagesById", func(t *testing.T) {
		in := read("rest-messages-by-id.json")
		msgs, err := decodeMessagesByID(in)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]wire.Message{}
		for _, m := range msgs {
			byID[m.ID] = m
		}
		out, _ := json.Marshal(wire.MessagesByID{MessagesByID: byID})
		if a, b := canonicalJSON(t, in), canonicalJSON(t, out); a != b {
			t.Errorf("round trip differs:\n%s\n%s", a, b)
		}
		got := toDomain(msgs[0], inbox, true)
		if got.Body != "Your refill was sent.\nCall us with questions." || got.InReplyToExternalID != "2170961745" ||
			got.ThreadExternalID != "2170961745" || got.CareTeamExternalID != "15726730" || got.Status != providers.StatusRead {
			t.Errorf("by-id message mapped to %+v", got)
		}
	})
	t.Run("SendMessage", func(t *testing.T) {
		in := read("rest-send-message.json")
		var sm wire.SendMessage
		if err := json.Unmarshal(in, &sm); err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(sm)
		if a, b := canonicalJSON(t, in), canonicalJSON(t, out); a != b {
			t.Errorf("round trip differs:\n%s\n%s", a, b)
		}
	})
	t.Run("PoolsByName keeps order", func(t *testing.T) {
		in := read("rest-pools-by-name.json")
		pools, err := wire.DecodePoolsByName(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(pools) != 3 || pools[0].Key != "Primary Care - Dayton" || pools[1].Key != "Dayton Primary Care Team" {
			t.Fatalf("pools = %+v", pools)
		}
		out, err := wire.EncodePoolsByName(pools)
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		_ = json.Compact(&compact, in)
		if compact.String() != string(out) {
			t.Errorf("round trip differs:\n%s\n%s", compact.String(), out)
		}
	})
}

// TestCernerIDShape checks the id parsing against Cerner's own example id.
func TestCernerIDShape(t *testing.T) {
	var c struct {
		ID   string `json:"id"`
		Meta struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
		InResponseTo []struct {
			Reference string `json:"reference"`
		} `json:"inResponseTo"`
	}
	data, err := os.ReadFile("testdata/cerner-r4-communication-read.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	canon, ver := wire.SplitID(c.ID)
	if canon != "489580643.0.-4.prsnl" || ver != c.Meta.VersionID {
		t.Errorf("SplitID(%q) = %q, %q; versionId %q", c.ID, canon, ver, c.Meta.VersionID)
	}
	if got := wire.WithVersion(c.ID, "3"); got != "489580643.3.-4.prsnl" {
		t.Errorf("WithVersion = %q", got)
	}
	parent := strings.TrimPrefix(c.InResponseTo[0].Reference, "Communication/")
	if n, ok := wire.ParseEntity(parent); !ok || n != 512657279 {
		t.Errorf("ParseEntity(%q) = %d, %v", parent, n, ok)
	}
	for _, odd := range []string{"2170961659:-6:0:0", "abc.def.x", "", "1.2", ".0.-4.prsnl"} {
		if canon, ver := wire.SplitID(odd); canon != odd || ver != "" {
			t.Errorf("SplitID(%q) = %q, %q", odd, canon, ver)
		}
	}
}

func FuzzDecodeMessages(f *testing.F) {
	for _, name := range []string{"rest-messages-list.json", "rest-messages-by-id.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"messages":[{"id":"1.x.-4.prsnl","createDate":"bad","texts":[{"formatType":"RTF","text":"{\\rtf1\\u99999999?"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if msgs, err := decodeMessages(data); err == nil {
			for _, m := range msgs {
				_ = toDomain(m, outbox, true)
				_ = toDomain(m, inbox, false)
			}
		}
		if msgs, err := decodeMessagesByID(data); err == nil {
			for _, m := range msgs {
				_ = toDomain(m, inbox, true)
			}
		}
		_, _ = wire.DecodePoolsByName(data)
	})
}

package inbox

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Real file openings, one per allowed type, and some that must be refused.
var attachmentSeeds = []struct {
	name string
	data []byte
}{
	{"rash.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")},
	{"scan.pdf", []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")},
	{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")},
	{"x.gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")},
	{"letter.docx", []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml")},
	{"old.doc", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00")},
	{"notes.rtf", []byte(`{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard Itchy since Monday.\par}`)},
	{"notes.txt", []byte("itchy since Monday\nBP 128/84\n")},
	{"scan.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00 this program cannot be run in DOS mode")},
	{"run.exe", []byte("MZ")},
	{`C:\Users\vet\My Documents\labs.txt`, []byte("A1C 6.1")},
	{"../../etc/passwd.txt", []byte("root:x:0:0")},
	{"empty.txt", nil},
	{".txt", []byte("x")},
	{"nul.txt", []byte("a\x00b")},
}

// CheckAttachments never panics, refuses with a typed error naming no file,
// and passes only files whose bytes are what their name says.
func FuzzCheckAttachments(f *testing.F) {
	for _, s := range attachmentSeeds {
		f.Add(s.name, s.data, int64(len(s.data)), 1)
	}
	f.Add("big.txt", bytes.Repeat([]byte("a"), 4096), int64(MaxAttachmentSize+1), 1)
	f.Add("twice.txt", []byte("same"), int64(4), 2)
	f.Add("many.txt", []byte("x"), int64(1), MaxAttachments+1)
	f.Fuzz(func(t *testing.T, name string, data []byte, declared int64, copies int) {
		copies = 1 + (copies&0x7fffffff)%(MaxAttachments+1)
		files := make([]File, copies)
		for i := range files {
			files[i] = File{Filename: name, Size: declared, Content: bytes.NewReader(data)}
		}
		out, err := CheckAttachments(files)
		if err != nil {
			e, ok := AsError(err)
			if !ok || e.Code == "" || e.Field != "attachments" {
				t.Fatalf("untyped refusal: %v", err)
			}
			if len(name) >= 8 && strings.Contains(e.Message, name) {
				t.Fatalf("message repeats the file name: %q", e.Message)
			}
			return
		}
		if len(out) != copies || copies > 1 && len(data) > 0 && strings.EqualFold(out[0].Filename, out[1].Filename) {
			t.Fatalf("accepted %d files (%d sent), duplicates allowed", len(out), copies)
		}
		for _, c := range out {
			ext := strings.ToLower(c.Filename[strings.LastIndex(c.Filename, ".")+1:])
			switch {
			case !bytes.Equal(c.Data, data):
				t.Fatal("stored bytes differ from the upload")
			case len(c.Data) == 0 || len(c.Data) > MaxAttachmentSize || declared > MaxAttachmentSize:
				t.Fatalf("size %d (declared %d) accepted", len(c.Data), declared)
			case strings.ContainsAny(c.Filename, `/\`):
				t.Fatalf("path kept in file name %q", c.Filename)
			case allowedTypes[ext] != c.ContentType || !contentMatches(ext, c.Data):
				t.Fatalf("%q accepted as %s", c.Filename, c.ContentType)
			}
		}
	})
}

// The text rules of sending — subject, body, folder and tag names, the
// electronic signature — never panic, refuse with typed errors that do not
// repeat the input, and accept only what they promise (and what PostgreSQL
// can store).
func FuzzSendValidation(f *testing.F) {
	f.Add("Refill request", "Please refill my lisinopril.", "Travel Claims", "Follow-up", "Alex Morgan")
	f.Add("  ", " \n ", "Bills & Co", "urgent!!", "Alex <script>")
	f.Add(strings.Repeat("x", MaxSubjectLength+1), strings.Repeat("é", 10), strings.Repeat("a", MaxFolderNameLength+1), "a-b c", "Siobhán O'Connor-Nuñez")
	f.Add("Résultats d'analyse 日本語", "\x00\xff invalid utf8 \xc3", "Inbox", "-", "J. R. R. Tolkien")
	f.Add(strings.Repeat("ü", MaxSubjectLength), "ok", " Padded Name ", " tag ", strings.Repeat("a", MaxSignatureFieldSize+1))
	f.Fuzz(func(t *testing.T, subject, body, folderName, tagName, signer string) {
		typed := func(err error, input string) {
			t.Helper()
			if err == nil {
				return
			}
			e, ok := AsError(err)
			if !ok || e.Code == "" || e.Field == "" {
				t.Fatalf("untyped refusal: %v", err)
			}
			if len(input) >= 8 && strings.Contains(e.Message, input) {
				t.Fatalf("message repeats the input: %q", e.Message)
			}
		}
		if err := checkSubject(subject); err == nil {
			if strings.TrimSpace(subject) == "" || utf8.RuneCountInString(subject) > MaxSubjectLength || !storable(subject) {
				t.Fatalf("subject %q accepted", subject)
			}
		} else {
			typed(err, subject)
		}
		if len(body) <= 4096 { // the length rule is the same for every size
			if err := checkBody(body); err == nil && (strings.TrimSpace(body) == "" || !storable(body)) {
				t.Fatalf("blank or unstorable body accepted")
			} else {
				typed(err, body)
			}
		}
		if name, err := checkFolderName(folderName); err == nil {
			if name != strings.TrimSpace(name) || name == "" || len(name) > MaxFolderNameLength || !folderNameRE.MatchString(name) {
				t.Fatalf("folder name %q accepted as %q", folderName, name)
			}
		} else {
			typed(err, folderName)
		}
		if name, err := checkTagName(tagName); err == nil {
			if name == "" || len(name) > MaxTagNameLength || !tagNameRE.MatchString(name) {
				t.Fatalf("tag name %q accepted as %q", tagName, name)
			}
		} else {
			typed(err, tagName)
		}
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		signed, err := signBody(body, &Signature{FullName: signer, Certified: true}, now)
		if err != nil {
			typed(err, signer)
			return
		}
		name := strings.TrimSpace(signer)
		if !strings.HasPrefix(signed, body) || !strings.HasSuffix(signed, name+"\nSigned electronically on 2026-01-02.") ||
			strings.ContainsAny(name, "<>&\"\n") {
			t.Fatalf("signature %q gave %q", signer, signed)
		}
	})
}

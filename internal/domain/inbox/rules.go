package inbox

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/thread"
)

// The rules below carry VA.gov's and MHV's figures (see docs/rules.md).
const (
	MaxSubjectLength      = 50
	MaxBodyLength         = 100_000 // no MHV limit is documented; this bounds abuse
	MaxAttachments        = 4
	MaxAttachmentSize     = 6 * 1024 * 1024
	MaxAttachmentsTotal   = 10 * 1024 * 1024
	ReplyWindow           = 45 * 24 * time.Hour
	MaxFolderNameLength   = 50
	MaxTagNameLength      = 50
	MaxSignatureFieldSize = 100
)

var (
	folderNameRE = regexp.MustCompile(`^[0-9A-Za-z ]+$`)
	tagNameRE    = regexp.MustCompile(`^[0-9A-Za-z -]+$`)
	// Letters (any script), spaces, hyphens, apostrophes and periods: a name.
	signerNameRE = regexp.MustCompile(`^[\p{L} '.-]+$`)
)

// CategoryInfo labels a category as VA.gov does.
type CategoryInfo struct {
	Category    thread.Category
	Label       string
	Description string
}

// Categories is the fixed list a veteran picks from, in VA.gov's order.
var Categories = []CategoryInfo{
	{thread.CategoryOTHER, "General", "Ask questions about non-urgent, non-emergency issues."},
	{thread.CategoryCOVID, "COVID", "Ask about COVID-19 care, testing and vaccines."},
	{thread.CategoryAPPOINTMENTS, "Appointment", "Ask about upcoming or past appointments."},
	{thread.CategoryMEDICATIONS, "Medication", "Ask about prescriptions and refills."},
	{thread.CategoryTEST_RESULTS, "Test", "Ask about test results."},
	{thread.CategoryEDUCATION, "Education", "Ask for health education materials."},
}

func validCategory(c thread.Category) bool { return thread.CategoryValidator(c) == nil }

func checkCategory(c thread.Category) error {
	if !validCategory(c) {
		return newErr(CodeInvalidCategory, "category", "Choose one of the listed categories.")
	}
	return nil
}

// storable reports whether PostgreSQL can store s as text: valid UTF-8
// without NUL. SQLite would store either, so the rule is checked here for
// both backends alike.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func checkText(field, s string) error {
	if !storable(s) {
		return newErr(CodeInvalidText, field, "This text contains characters that can't be saved (such as NUL). Remove them and try again.")
	}
	return nil
}

// textRule is what a subject or a body must be: given, and not too long.
type textRule struct {
	field             string
	max               int
	required, tooLong Code
	requiredMsg       string
	tooLongMsg        string // formatted with max
}

func (r textRule) check(s string) error {
	if err := checkText(r.field, s); err != nil {
		return err
	}
	if strings.TrimSpace(s) == "" {
		return newErr(r.required, r.field, "%s", r.requiredMsg)
	}
	if utf8.RuneCountInString(s) > r.max {
		return newErr(r.tooLong, r.field, r.tooLongMsg, r.max)
	}
	return nil
}

var (
	subjects = textRule{"subject", MaxSubjectLength, CodeSubjectRequired, CodeSubjectTooLong,
		"Enter a subject.", "Enter %d characters or less for the subject."}
	bodies = textRule{"body", MaxBodyLength, CodeBodyRequired, CodeBodyTooLong,
		"Enter a message.", "Your message is too long (at most %d characters)."}
)

func checkSubject(s string) error { return subjects.check(s) }

func checkBody(s string) error { return bodies.check(s) }

// nameRule is what a veteran may call a folder or a tag.
type nameRule struct {
	noun    string // "Folder"
	allowed string // the characters allowed, in words
	re      *regexp.Regexp
	max     int
	code    Code
}

// check returns the name trimmed, or why it is refused.
func (r nameRule) check(s string) (string, error) {
	if err := checkText("name", s); err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if s == "" || !r.re.MatchString(s) {
		return "", newErr(r.code, "name", "%s names can contain only %s.", r.noun, r.allowed)
	}
	if len(s) > r.max {
		return "", newErr(r.code, "name", "Enter %d characters or less for the %s name.", r.max, strings.ToLower(r.noun))
	}
	return s, nil
}

var (
	folderNames = nameRule{"Folder", "letters, numbers and spaces", folderNameRE, MaxFolderNameLength, CodeFolderNameInvalid}
	tagNames    = nameRule{"Tag", "letters, numbers, spaces and hyphens", tagNameRE, MaxTagNameLength, CodeTagNameInvalid}
)

func checkFolderName(s string) (string, error) { return folderNames.check(s) }

func checkTagName(s string) (string, error) { return tagNames.check(s) }

// ReplyBlock explains why a veteran cannot message a care team, or is "".
type ReplyBlock string

const (
	BlockNone                 ReplyBlock = ""
	BlockTooOld               ReplyBlock = "TOO_OLD"
	BlockBlocked              ReplyBlock = "BLOCKED"
	BlockNotAssociated        ReplyBlock = "NOT_ASSOCIATED"
	BlockInactive             ReplyBlock = "INACTIVE"
	BlockFacilityInTransition ReplyBlock = "FACILITY_IN_TRANSITION"
)

// cutoverBlocked reports whether a facility's EHR cutover phase pauses new
// messages (p3–p5, per VA's cutover plan).
func cutoverBlocked(phase string) bool {
	switch phase {
	case "p3", "p4", "p5":
		return true
	}
	return false
}

// CareTeamBlock decides whether the veteran can message ct. assoc is nil when
// the veteran is not associated with the team.
func CareTeamBlock(ct *ent.CareTeam, fac *ent.Facility, assoc *ent.Association) ReplyBlock {
	switch {
	case assoc == nil:
		return BlockNotAssociated
	case assoc.Blocked:
		return BlockBlocked
	case !ct.Active || ct.ReplacedByID != nil:
		// A replaced team's conversations moved to the team that replaced it.
		return BlockInactive
	case fac != nil && cutoverBlocked(fac.CutoverPhase):
		return BlockFacilityInTransition
	}
	return BlockNone
}

// ThreadReplyBlock adds the 45-day window to the care team's state.
func ThreadReplyBlock(t *ent.Thread, team ReplyBlock, now time.Time) ReplyBlock {
	if team != BlockNone {
		return team
	}
	if t.MessageCount > 0 && now.Sub(t.LastMessageAt) > ReplyWindow {
		return BlockTooOld
	}
	return BlockNone
}

func blockError(b ReplyBlock, field string) error {
	switch b {
	case BlockTooOld:
		return newErr(CodeReplyWindowClosed, field, "This conversation is too old for new replies. The last message is more than 45 days old; start a new message instead.")
	case BlockBlocked:
		return newErr(CodeCareTeamBlocked, field, "You can't send messages to this care team.")
	case BlockNotAssociated:
		return newErr(CodeCareTeamNotAssociated, field, "You're no longer connected to this care team.")
	case BlockInactive:
		return newErr(CodeCareTeamInactive, field, "This care team no longer takes messages.")
	case BlockFacilityInTransition:
		return newErr(CodeFacilityInTransition, field, "Messages to this facility are paused while it moves to a new health record system.")
	}
	return nil
}

// File is an attachment as uploaded.
type File struct {
	Filename string
	Size     int64 // as declared by the client; checked against the content
	Content  io.Reader
}

// checkedFile is an attachment that passed every rule.
type checkedFile struct {
	Filename    string
	ContentType string
	Data        []byte
}

var allowedTypes = map[string]string{
	"doc": "application/msword", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"gif": "image/gif", "jpg": "image/jpeg", "jpeg": "image/jpeg", "pdf": "application/pdf", "png": "image/png",
	"rtf": "application/rtf", "txt": "text/plain", "xls": "application/vnd.ms-excel",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// contentMatches checks the bytes, not the name: a renamed executable is not a PDF.
func contentMatches(ext string, data []byte) bool {
	sniffed := http.DetectContentType(data)
	switch ext {
	case "gif", "jpg", "jpeg", "png", "pdf":
		return sniffed == allowedTypes[ext]
	case "doc", "xls":
		// OLE2 compound file.
		return bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	case "docx", "xlsx":
		return bytes.HasPrefix(data, []byte("PK\x03\x04"))
	case "rtf":
		return bytes.HasPrefix(data, []byte(`{\rtf`))
	case "txt":
		return utf8.Valid(data) && !bytes.ContainsRune(data, 0)
	}
	return false
}

// CheckAttachments reads and validates files before anything is stored.
func CheckAttachments(files []File) ([]checkedFile, error) {
	if len(files) > MaxAttachments {
		return nil, newErr(CodeTooManyAttachments, "attachments", "You can attach up to %d files.", MaxAttachments)
	}
	var (
		out   []checkedFile
		total int64
		seen  = map[string]bool{}
	)
	for i, f := range files {
		field := "attachments"
		if !storable(f.Filename) {
			return nil, newErr(CodeInvalidText, field, "File %d's name contains characters that can't be saved (such as NUL). Rename the file and try again.", i+1)
		}
		name := path.Base(strings.ReplaceAll(f.Filename, `\`, "/"))
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
		if _, ok := allowedTypes[ext]; !ok || name == "" {
			return nil, newErr(CodeAttachmentTypeNotAllowed, field, "File %d: only doc, docx, gif, jpg, jpeg, pdf, png, rtf, txt, xls and xlsx files can be attached.", i+1)
		}
		if f.Size > MaxAttachmentSize {
			return nil, newErr(CodeAttachmentTooLarge, field, "File %d is larger than 6 MB.", i+1)
		}
		data, err := io.ReadAll(io.LimitReader(f.Content, MaxAttachmentSize+1))
		if err != nil {
			return nil, newErr(CodeInvalidInput, field, "File %d could not be read.", i+1)
		}
		if len(data) > MaxAttachmentSize {
			return nil, newErr(CodeAttachmentTooLarge, field, "File %d is larger than 6 MB.", i+1)
		}
		if len(data) == 0 {
			return nil, newErr(CodeAttachmentEmpty, field, "File %d is empty.", i+1)
		}
		total += int64(len(data))
		if total > MaxAttachmentsTotal {
			return nil, newErr(CodeAttachmentsTooLarge, field, "Attachments can add up to 10 MB at most.")
		}
		key := fmt.Sprintf("%s/%d", strings.ToLower(name), len(data))
		if seen[key] {
			return nil, newErr(CodeAttachmentDuplicate, field, "File %d is attached twice.", i+1)
		}
		seen[key] = true
		if !contentMatches(ext, data) {
			return nil, newErr(CodeAttachmentTypeNotAllowed, field, "File %d's content doesn't match its type.", i+1)
		}
		out = append(out, checkedFile{Filename: name, ContentType: allowedTypes[ext], Data: data})
	}
	return out, nil
}

// Signature is a veteran's electronic signature for teams that require one.
type Signature struct {
	FullName  string
	Certified bool
}

// checkSignature checks what the veteran typed, before any team decides
// whether the signature is needed.
func checkSignature(sig *Signature) error {
	if sig == nil {
		return nil
	}
	return checkText("electronicSignature.fullName", sig.FullName)
}

// signBody appends the electronic signature exactly as VA.gov does.
func signBody(body string, sig *Signature, now time.Time) (string, error) {
	if sig == nil || !sig.Certified {
		return "", newErr(CodeSignatureRequired, "electronicSignature", "This care team requires your electronic signature: enter your full name and certify it.")
	}
	name := strings.TrimSpace(sig.FullName)
	if name == "" || utf8.RuneCountInString(name) > MaxSignatureFieldSize || !signerNameRE.MatchString(name) {
		return "", newErr(CodeSignatureInvalid, "electronicSignature.fullName", "Enter your full name using letters, spaces, hyphens, apostrophes and periods only.")
	}
	return body + "\n\n--------------------------------------------------\n\n" + name + "\nSigned electronically on " + now.Format("2006-01-02") + ".", nil
}

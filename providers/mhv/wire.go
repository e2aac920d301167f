package mhv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Wire types mirror MHV's camelCase JSON exactly as recorded in the vets-api
// cassettes. They stay unexported so the wire format never leaves this package.

// flexID accepts an id as a JSON number, a JSON string or null, because MHV
// and its callers are not consistent (recipientId is a string in multipart
// sends, triageTeamId a string in preference updates).
type flexID int64

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*f = 0
			return nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Some ids arrive as floats in hand-edited data ("1.0"); keep the integer part.
		fl, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("mhv: bad id %q", s)
		}
		n = int64(fl)
	}
	*f = flexID(n)
	return nil
}

func (f flexID) String() string { return strconv.FormatInt(int64(f), 10) }

// wireError is MHV's error body.
type wireError struct {
	ErrorCode        flexID `json:"errorCode"`
	DeveloperMessage string `json:"developerMessage"`
	Message          string `json:"message"`
}

// wireAttachmentRef is an entry of a message object's attachments.attachment list.
type wireAttachmentRef struct {
	ID             flexID `json:"id"`
	Name           string `json:"name"`
	AttachmentSize int64  `json:"attachmentSize"`
}

type wireAttachmentList struct {
	Attachment []wireAttachmentRef `json:"attachment"`
}

// wireParties is what every MHV message object carries, whichever call
// answers it: its subject and category, who sent it to whom, and the triage
// group it belongs to.
type wireParties struct {
	Category        string  `json:"category"`
	Subject         string  `json:"subject"`
	SenderID        flexID  `json:"senderId"`
	SenderName      string  `json:"senderName"`
	RecipientID     flexID  `json:"recipientId"`
	RecipientName   string  `json:"recipientName"`
	TriageGroupName *string `json:"triageGroupName"`
	IsOhMessage     bool    `json:"isOhMessage"`
}

// wireMessage is the message object of message/{id}/read, POST message,
// message/{id}/reply, drafts and folder listings.
type wireMessage struct {
	wireParties
	ID                   flexID              `json:"id"`
	Body                 *string             `json:"body"`
	Attachment           bool                `json:"attachment"`
	Attachments          *wireAttachmentList `json:"attachments"`
	SentDate             string              `json:"sentDate"`
	ReadReceipt          *string             `json:"readReceipt"`
	TriageGroupID        flexID              `json:"triageGroupId"`
	ProxySenderName      *string             `json:"proxySenderName"`
	SuggestedNameDisplay *string             `json:"suggestedNameDisplay"`
}

type wireMessageList struct {
	Message []wireMessage `json:"message"`
}

// wireThreadAttachment is an attachment of allmessagesforthread.
type wireThreadAttachment struct {
	AttachmentID       flexID `json:"attachmentId"`
	AttachmentName     string `json:"attachmentName"`
	AttachmentSize     int64  `json:"attachmentSize"`
	AttachmentMimeType string `json:"attachmentMimeType"`
}

// wireThreadRow is what the thread views (a thread's messages, a folder's
// threads) say of a message besides its parties: where it sits and when it
// was sent or drafted.
type wireThreadRow struct {
	wireParties
	MessageID flexID  `json:"messageId"`
	ThreadID  flexID  `json:"threadId"`
	FolderID  flexID  `json:"folderId"`
	SentDate  *string `json:"sentDate"`
	DraftDate *string `json:"draftDate"`
}

// wireThreadMessage is one element of message/{id}/messagesforthread and
// message/{id}/allmessagesforthread/1.
type wireThreadMessage struct {
	wireThreadRow
	HasAttachments  bool                   `json:"hasAttachments"`
	MessageBody     *string                `json:"messageBody"`
	ReadReceipt     *string                `json:"readReceipt"`
	ReadReceiptDate *string                `json:"readReceiptDate"`
	ReplyDisabled   bool                   `json:"replyDisabled"`
	Attachments     []wireThreadAttachment `json:"attachments"`
}

// wireThreadSummary is one row of folder/threadlistview/{folderId}.
type wireThreadSummary struct {
	wireThreadRow
	ThreadPageSize      int  `json:"threadPageSize"`
	MessageCount        int  `json:"messageCount"`
	HasAttachment       bool `json:"hasAttachment"`
	ThreadHasAttachment bool `json:"threadHasAttachment"`
	UnsentDrafts        bool `json:"unsentDrafts"`
	UnreadMessages      bool `json:"unreadMessages"`
}

type wireFolder struct {
	ID           flexID `json:"id"`
	Name         string `json:"name"`
	Count        int    `json:"count"`
	UnreadCount  int    `json:"unreadCount"`
	SystemFolder bool   `json:"systemFolder"`
}

type wireFolderList struct {
	Folder []wireFolder `json:"folder"`
}

// wireTriageTeam covers both triageteam (4 fields) and alltriageteams (many).
type wireTriageTeam struct {
	TriageTeamID         flexID  `json:"triageTeamId"`
	Name                 string  `json:"name"`
	RelationType         string  `json:"relationType"`
	PreferredTeam        bool    `json:"preferredTeam"`
	StationNumber        *string `json:"stationNumber"`
	BlockedStatus        bool    `json:"blockedStatus"`
	LocationName         *string `json:"locationName"`
	HealthCareSystemName *string `json:"healthCareSystemName"`
	SuggestedNameDisplay *string `json:"suggestedNameDisplay"`
	TeamName             *string `json:"teamName"`
	LeadProviderName     *string `json:"leadProviderName"`
	OhTriageGroup        bool    `json:"ohTriageGroup"`
	VirtualGroup         bool    `json:"virtualGroup"`
	Active               *bool   `json:"active"`
}

type wireTriageTeamList struct {
	TriageTeam []wireTriageTeam `json:"triageTeam"`
}

// wireAllTriageMeta is element 0 of the alltriageteams array.
type wireAllTriageMeta struct {
	AssociatedTriageGroups            int    `json:"associatedTriageGroups"`
	FriendlyTriageTeamPilotFacilities string `json:"friendlyTriageTeamPilotFacilities"`
	AssociatedBlockedTriageGroups     int    `json:"associatedBlockedTriageGroups"`
}

type wireCategories struct {
	MessageCategoryType []string `json:"messageCategoryType"`
}

type wireSignature struct {
	SignatureName    *string `json:"signatureName"`
	IncludeSignature bool    `json:"includeSignature"`
	SignatureTitle   *string `json:"signatureTitle"`
}

type wireMessageStatus struct {
	MessageID         flexID `json:"messageId"`
	Status            string `json:"status"`
	IsOhMessage       bool   `json:"isOhMessage"`
	OhSecureMessageID string `json:"ohSecureMessageId"`
}

// wireSendRequest is the JSON body of POST message, message/{id}/reply and drafts.
type wireSendRequest struct {
	ID          int64  `json:"id,omitempty"` // draft id when sending or updating a draft
	Category    string `json:"category,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Body        string `json:"body"`
	RecipientID int64  `json:"recipientId,omitempty"`
}

// --- decoders -------------------------------------------------------------

var errEmptyBody = errors.New("mhv: empty response body")

func decodeJSON[T any](b []byte) (T, error) {
	var v T
	if len(bytes.TrimSpace(b)) == 0 {
		return v, errEmptyBody
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("mhv: decode %T: %w", v, err)
	}
	return v, nil
}

func decodeError(b []byte) (wireError, bool) {
	e, err := decodeJSON[wireError](b)
	if err != nil || e.ErrorCode == 0 {
		return wireError{}, false
	}
	return e, true
}

func decodeMessage(b []byte) (wireMessage, error)         { return decodeJSON[wireMessage](b) }
func decodeMessageList(b []byte) (wireMessageList, error) { return decodeJSON[wireMessageList](b) }
func decodeThread(b []byte) ([]wireThreadMessage, error)  { return decodeJSON[[]wireThreadMessage](b) }
func decodeThreadList(b []byte) ([]wireThreadSummary, error) {
	return decodeJSON[[]wireThreadSummary](b)
}
func decodeFolders(b []byte) (wireFolderList, error) { return decodeJSON[wireFolderList](b) }
func decodeFolder(b []byte) (wireFolder, error)      { return decodeJSON[wireFolder](b) }
func decodeTriageTeams(b []byte) (wireTriageTeamList, error) {
	return decodeJSON[wireTriageTeamList](b)
}
func decodeCategories(b []byte) (wireCategories, error) { return decodeJSON[wireCategories](b) }
func decodeSignature(b []byte) (wireSignature, error)   { return decodeJSON[wireSignature](b) }
func decodeMessageStatus(b []byte) (wireMessageStatus, error) {
	return decodeJSON[wireMessageStatus](b)
}

// decodeAllTriageTeams reads the alltriageteams tuple: a metadata object
// followed by {"triageTeam":[...]}. Elements are told apart by their keys,
// not their position, so a reordered answer still decodes.
func decodeAllTriageTeams(b []byte) (wireAllTriageMeta, []wireTriageTeam, error) {
	var meta wireAllTriageMeta
	raw, err := decodeJSON[[]json.RawMessage](b)
	if err != nil {
		return meta, nil, err
	}
	var teams []wireTriageTeam
	for _, el := range raw {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(el, &probe); err != nil {
			return meta, nil, fmt.Errorf("mhv: decode alltriageteams element: %w", err)
		}
		if _, ok := probe["triageTeam"]; ok {
			var l wireTriageTeamList
			if err := json.Unmarshal(el, &l); err != nil {
				return meta, nil, fmt.Errorf("mhv: decode alltriageteams teams: %w", err)
			}
			teams = append(teams, l.TriageTeam...)
			continue
		}
		if err := json.Unmarshal(el, &meta); err != nil {
			return meta, nil, fmt.Errorf("mhv: decode alltriageteams metadata: %w", err)
		}
	}
	return meta, teams, nil
}

// decodeSession reads the session answer's headers: MHV returns the token in
// "Token" and its expiry (RFC 1123) in "Expires"; the body is empty.
func decodeSession(token, expires string) (string, time.Time, error) {
	if token == "" {
		return "", time.Time{}, errors.New("mhv: session answer without Token header")
	}
	exp, err := parseMHVTime(expires)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("mhv: session Expires header: %w", err)
	}
	return token, exp, nil
}

// --- value helpers --------------------------------------------------------

// MHV uses RFC 1123 dates on message objects, ISO dates with offset on thread
// views and zone-less ISO dates for readReceiptDate (taken as UTC).
var mhvTimeLayouts = []string{
	time.RFC1123,
	time.RFC1123Z,
	"2006-01-02T15:04:05.000-07:00",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000",
	"2006-01-02T15:04:05",
}

func parseMHVTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty time")
	}
	for _, l := range mhvTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", s)
}

func parseMHVTimePtr(s *string) (time.Time, bool) {
	if s == nil {
		return time.Time{}, false
	}
	t, err := parseMHVTime(*s)
	return t, err == nil
}

var (
	brTag  = regexp.MustCompile(`(?i)<br\s*/?>`)
	anyTag = regexp.MustCompile(`<[^>]*>`)
)

// cleanText turns MHV's HTML-ish text into plain text as vets-api does
// (Nokogiri .text): MHV escapes what veterans type, so a raw '<' is markup.
func cleanText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	s = brTag.ReplaceAllString(s, "\n")
	s = anyTag.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

func strOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// normalizeCategory maps recorded variants onto the VAMS category list.
func normalizeCategory(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	switch c {
	case "OTHERS":
		return "OTHER"
	case "TEST_RESULT":
		return "TEST_RESULTS"
	}
	return c
}

// signatureRequired mirrors vets-api's rule: privacy/release-of-information
// admin teams require the veteran's electronic signature.
var (
	sigAdminRe = regexp.MustCompile(`(?i)[\s_]*(Privacy Issues?|Release of Information Medical Records|Record Amendment)[\s_]*Admin`)
	sigROIRe   = regexp.MustCompile(`(?i)[\s_]*Release[\s_]*of[\s_]*Information`)
)

func signatureRequired(name string) bool {
	return sigAdminRe.MatchString(name) || sigROIRe.MatchString(name)
}

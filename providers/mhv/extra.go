package mhv

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"

	"github.com/va/vams/providers"
)

// MHV endpoints beyond providers.Provider. They return small domain types of
// this package so callers never handle MHV's wire format.

// MHV system folders.
const (
	FolderInbox   int64 = 0
	FolderSent    int64 = -1
	FolderDrafts  int64 = -2
	FolderDeleted int64 = -3
)

// Folder is an MHV folder (system folders have ids 0, -1, -2, -3).
type Folder struct {
	ID          int64
	Name        string
	Count       int
	UnreadCount int
	System      bool
}

// Signature is the veteran's MHV message signature preference.
type Signature struct {
	Name    string
	Title   string
	Include bool
}

// Draft is a draft to save; ID updates an existing draft, InReplyToExternalID
// saves a reply draft (message/{id}/replydraft).
type Draft struct {
	ID                  string
	CareTeamExternalID  string
	Category            string
	Subject             string
	Body                string
	InReplyToExternalID string
}

// Folders lists the veteran's folders (GET folder).
func (c *Client) Folders(ctx context.Context, v providers.Veteran) ([]Folder, error) {
	fl, err := fetchJSON(ctx, c, v.MHVCorrelationID, call{method: http.MethodGet, path: "folder"}, decodeFolders)
	if err != nil {
		return nil, err
	}
	out := make([]Folder, 0, len(fl.Folder))
	for _, f := range fl.Folder {
		out = append(out, folderFromWire(f))
	}
	return out, nil
}

func folderFromWire(f wireFolder) Folder {
	return Folder{ID: int64(f.ID), Name: f.Name, Count: f.Count, UnreadCount: f.UnreadCount, System: f.SystemFolder}
}

// Categories lists MHV's message categories (GET message/category).
func (c *Client) Categories(ctx context.Context, v providers.Veteran) ([]string, error) {
	cats, err := fetchJSON(ctx, c, v.MHVCorrelationID, call{method: http.MethodGet, path: "message/category"}, decodeCategories)
	if err != nil {
		return nil, err
	}
	return cats.MessageCategoryType, nil
}

// Signature reads the veteran's signature (GET preferences/signature); MHV
// answers {} when none is set, which yields a zero Signature.
func (c *Client) Signature(ctx context.Context, v providers.Veteran) (Signature, error) {
	s, err := fetchJSON(ctx, c, v.MHVCorrelationID, call{method: http.MethodGet, path: "preferences/signature"}, decodeSignature)
	if err != nil {
		return Signature{}, err
	}
	return Signature{Name: strOrEmpty(s.SignatureName), Title: strOrEmpty(s.SignatureTitle), Include: s.IncludeSignature}, nil
}

// SaveDraft creates or updates a draft (POST message/draft) or a reply draft
// (POST message/{id}/replydraft) and returns the draft's id.
func (c *Client) SaveDraft(ctx context.Context, v providers.Veteran, d Draft) (string, error) {
	req := wireSendRequest{Category: d.Category, Subject: d.Subject, Body: d.Body}
	if d.ID != "" {
		id, err := strconv.ParseInt(d.ID, 10, 64)
		if err != nil {
			return "", checkID(d.ID)
		}
		req.ID = id
	}
	path := "message/draft"
	if d.InReplyToExternalID != "" {
		if err := checkID(d.InReplyToExternalID); err != nil {
			return "", err
		}
		path = "message/" + d.InReplyToExternalID + "/replydraft"
		req.Category, req.Subject = "", "" // MHV takes only the body of a reply draft
	} else if d.CareTeamExternalID != "" {
		id, err := strconv.ParseInt(d.CareTeamExternalID, 10, 64)
		if err != nil {
			return "", rejected("119", reasonNoTeam)
		}
		req.RecipientID = id
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	m, err := fetchJSON(ctx, c, v.MHVCorrelationID, call{method: http.MethodPost, path: path, body: body}, decodeMessage)
	if err != nil {
		return "", err
	}
	return m.ID.String(), nil
}

// Move moves a message to a folder (POST message/{id}/move/tofolder/{folderId}).
func (c *Client) Move(ctx context.Context, v providers.Veteran, externalID string, folderID int64) error {
	if err := checkID(externalID); err != nil {
		return err
	}
	_, _, err := c.do(ctx, v.MHVCorrelationID, call{
		method: http.MethodPost,
		path:   "message/" + externalID + "/move/tofolder/" + strconv.FormatInt(folderID, 10),
		body:   []byte("{}"),
	})
	return err
}

// Delete soft-deletes a message the way vets-api does (POST message/{id}).
func (c *Client) Delete(ctx context.Context, v providers.Veteran, externalID string) error {
	if err := checkID(externalID); err != nil {
		return err
	}
	_, _, err := c.do(ctx, v.MHVCorrelationID, call{method: http.MethodPost, path: "message/" + externalID, body: []byte("{}")})
	return err
}

// Attachment downloads one attachment (GET message/{id}/attachment/{attId}).
// S3-backed attachments, for which MHV answers a JSON pointer instead of the
// bytes, are reported as ErrUnsupported.
func (c *Client) Attachment(ctx context.Context, v providers.Veteran, messageID, attachmentID string) (providers.Attachment, error) {
	if err := checkID(messageID); err != nil {
		return providers.Attachment{}, err
	}
	if err := checkID(attachmentID); err != nil {
		return providers.Attachment{}, err
	}
	raw, hdr, err := c.do(ctx, v.MHVCorrelationID, call{method: http.MethodGet, path: "message/" + messageID + "/attachment/" + attachmentID})
	if err != nil {
		return providers.Attachment{}, err
	}
	ct := hdr.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt == "application/json" {
		return providers.Attachment{}, &providers.Error{Kind: providers.ErrUnsupported, Code: "s3-attachment", Reason: reasonUnsupported}
	}
	a := providers.Attachment{ContentType: ct, Data: raw}
	if _, params, err := mime.ParseMediaType(hdr.Get("Content-Disposition")); err == nil {
		a.Filename = params["filename"]
	}
	return a, nil
}

// mhvNotifyMe is the number POST preferences/notification takes for each
// frequency ({"0":"None","1":"Each message","2":"Once daily"}, mhv §3 #2).
var mhvNotifyMe = map[providers.EmailFrequency]int{providers.EmailNone: 0, providers.EmailEachMessage: 1, providers.EmailDaily: 2}

// emailSettings is GET preferences/notification's answer (the part VAMS uses).
type emailSettings struct {
	EmailAddress string `json:"emailAddress"`
}

// SetEmailFrequency writes MHV's email notification frequency (POST
// preferences/notification). MHV wants the email address with it, so the
// address it holds is read first (GET) and sent back unchanged.
func (c *Client) SetEmailFrequency(ctx context.Context, v providers.Veteran, f providers.EmailFrequency) error {
	n, ok := mhvNotifyMe[f]
	if !ok {
		return rejected("", "Unknown email frequency.")
	}
	cur, err := fetchJSON(ctx, c, v.MHVCorrelationID, call{method: http.MethodGet, path: "preferences/notification"},
		func(b []byte) (emailSettings, error) {
			var out emailSettings
			return out, json.Unmarshal(b, &out)
		})
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"emailAddress": cur.EmailAddress, "notifyMe": n})
	if err != nil {
		return err
	}
	_, _, err = c.do(ctx, v.MHVCorrelationID, call{method: http.MethodPost, path: "preferences/notification", body: body, contentType: "application/json"})
	return err
}

package wire

import (
	"strings"
)

// The FHIR R4 shapes VAMS reads from Millennium, as far as it reads them:
// Messaging REST carries only personnelSenderId, so a clinician's name comes
// from the Practitioner (or the Communication's sender.display).

// Reference is a FHIR Reference.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// HumanName is a FHIR HumanName.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

// Practitioner is a FHIR R4 Practitioner, as far as VAMS reads it.
type Practitioner struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id"`
	Active       *bool       `json:"active,omitempty"`
	Name         []HumanName `json:"name,omitempty"`
}

// Communication is a FHIR R4 Communication as Cerner returns it on read,
// as far as VAMS reads it (cerner-r4-communication-read.json).
type Communication struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id"`
	Status       string      `json:"status"`
	Subject      *Reference  `json:"subject,omitempty"`
	Topic        *Topic      `json:"topic,omitempty"`
	Sent         string      `json:"sent,omitempty"`
	Recipient    []Reference `json:"recipient,omitempty"`
	Sender       *Reference  `json:"sender,omitempty"`
	InResponseTo []Reference `json:"inResponseTo,omitempty"`
}

// Topic is a CodeableConcept with free text only ("similar to the subject
// field of an email").
type Topic struct {
	Text string `json:"text"`
}

// DisplayName is how the practitioner is shown: an official name before
// any other, its text, else "Family, Given …" (the "LAST, FIRST" order of
// MHV's senderName).
func (p Practitioner) DisplayName() string {
	for _, officialOnly := range []bool{true, false} {
		for _, n := range p.Name {
			if officialOnly && n.Use != "official" {
				continue
			}
			if s := n.display(); s != "" {
				return s
			}
		}
	}
	return ""
}

func (n HumanName) display() string {
	if t := strings.TrimSpace(Normalize(n.Text)); t != "" {
		return t
	}
	family := strings.TrimSpace(Normalize(n.Family))
	given := strings.TrimSpace(Normalize(strings.Join(n.Given, " ")))
	if family != "" && given != "" {
		return family + ", " + given
	}
	return family + given
}

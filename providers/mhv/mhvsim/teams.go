package mhvsim

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// Triage teams, the veteran's preferred teams and signature.

func (s *Simulator) isPreferred(p *patient, t *team) bool {
	if v, ok := p.preferred[t.ID]; ok {
		return v
	}
	return t.Preferred || t.preferredBy[p.CorrelationID]
}

// teamsOf lists the teams associated with the patient, in seed order.
func (s *Simulator) teamsOf(p *patient) []*team {
	var out []*team
	for _, t := range s.teams {
		if t.serves(p.CorrelationID) {
			out = append(out, t)
		}
	}
	return out
}

// patientTeam is the patient's team id, or nil when there is no such team or
// it does not serve the patient (MHV shows a patient their own teams only).
func (s *Simulator) patientTeam(p *patient, id int64) *team {
	if t := s.teamByID[id]; t != nil && t.serves(p.CorrelationID) {
		return t
	}
	return nil
}

func (s *Simulator) triageTeams(w http.ResponseWriter, _ *http.Request, p *patient) {
	list := []any{}
	for _, t := range s.teamsOf(p) {
		list = append(list, map[string]any{
			"name": t.Name, "relationType": "PATIENT", "triageTeamId": t.ID, "preferredTeam": s.isPreferred(p, t),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"triageTeam": list})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Simulator) allTriageTeams(w http.ResponseWriter, _ *http.Request, p *patient) {
	list := []any{}
	blocked := 0
	teams := s.teamsOf(p)
	for _, t := range teams {
		b := t.blocked[p.CorrelationID]
		if b {
			blocked++
		}
		display := t.Name
		if t.FacilityName != "" {
			display = t.FacilityName + " | " + t.Name
		}
		list = append(list, map[string]any{
			"triageTeamId": t.ID, "name": t.Name, "stationNumber": t.StationNumber,
			"blockedStatus": b, "preferredTeam": s.isPreferred(p, t),
			"locationName": nullable(t.FacilityName), "leadProviderName": nil, "teamName": nil,
			"suggestedNameDisplay": display, "healthCareSystemName": nullable(t.HealthCareSystem),
			"groupTypeEnumVal": nil, "subGroupTypeEnumVal": nil,
			"groupTypePatientDisplay": nil, "subGroupTypePatientDisplay": nil,
			"relationType": "PATIENT", "active": true, "ohTriageGroup": false,
		})
	}
	writeJSON(w, http.StatusOK, []any{
		map[string]any{"associatedTriageGroups": len(teams), "friendlyTriageTeamPilotFacilities": "", "associatedBlockedTriageGroups": blocked},
		map[string]any{"triageTeam": list},
	})
}

func (s *Simulator) getSignature(w http.ResponseWriter, _ *http.Request, p *patient) {
	if p.signature == nil {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	writeJSON(w, http.StatusOK, p.signature)
}

func (s *Simulator) postSignature(w http.ResponseWriter, r *http.Request, p *patient) {
	var in struct {
		SignatureName    string `json:"signatureName"`
		SignatureTitle   string `json:"signatureTitle"`
		IncludeSignature bool   `json:"includeSignature"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || in.SignatureName == "" || in.SignatureTitle == "" {
		mhvError(w, http.StatusBadRequest, 154, "", "Email Signature Name and Title is required")
		return
	}
	p.signature = signatureObject(in.SignatureName, in.SignatureTitle, in.IncludeSignature)
	writeJSON(w, http.StatusOK, p.signature)
}

func (s *Simulator) preferredTeams(w http.ResponseWriter, r *http.Request, p *patient) {
	var in []map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		mhvError(w, http.StatusInternalServerError, 99, "", "Unknown application error occurred")
		return
	}
	for _, e := range in {
		if s.patientTeam(p, flexInt(e["triageTeamId"])) == nil {
			mhvError(w, http.StatusInternalServerError, 99, "", "Unknown application error occurred")
			return
		}
	}
	for _, e := range in {
		v := e["preferredTeam"]
		p.preferred[flexInt(e["triageTeamId"])] = v == true || v == "true"
	}
	success(w)
}

// notifyFrequencies are MHV's notifyMe values by the number POST takes
// (preferences/notification/list: {"0":"None","1":"Each message","2":"Once daily"}).
var notifyFrequencies = []string{"None", "Each message", "Once daily"}

// emailOf is the address MHV holds for a patient (the simulator makes one up).
func emailOf(p *patient) string { return "patient" + p.CorrelationID + "@example.com" }

func (s *Simulator) getNotification(w http.ResponseWriter, _ *http.Request, p *patient) {
	writeJSON(w, http.StatusOK, map[string]any{"emailAddress": emailOf(p), "notifyMe": cmp.Or(p.notify, notifyFrequencies[1])})
}

func (s *Simulator) postNotification(w http.ResponseWriter, r *http.Request, p *patient) {
	var in struct {
		EmailAddress string `json:"emailAddress"`
		NotifyMe     *int   `json:"notifyMe"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || in.NotifyMe == nil ||
		*in.NotifyMe < 0 || *in.NotifyMe >= len(notifyFrequencies) {
		mhvError(w, http.StatusInternalServerError, 99, "", "Unknown application error occurred")
		return
	}
	if in.EmailAddress == "" || strings.ContainsAny(in.EmailAddress, " \t") || !strings.Contains(in.EmailAddress, "@") {
		mhvError(w, http.StatusBadRequest, 152, "", "Email address is invalid")
		return
	}
	p.notify = notifyFrequencies[*in.NotifyMe]
	w.WriteHeader(http.StatusOK)
}

// NotifyMe is a patient's email notification frequency as MHV holds it
// ("None", "Each message", "Once daily"), for tests.
func (s *Simulator) NotifyMe(correlationID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.patients[correlationID]; p != nil {
		return cmp.Or(p.notify, notifyFrequencies[1])
	}
	return ""
}

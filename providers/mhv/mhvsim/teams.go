package mhvsim

import (
	"encoding/json"
	"io"
	"net/http"
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

package ohsim

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/va/vams/providers/oh/internal/wire"
)

// FHIRPath is where the simulator serves its FHIR R4 reads, under which
// come {authority}/Practitioner/{id} and {authority}/Communication/{id}.
const FHIRPath = "/fhir/r4"

func (s *Simulator) fhirRoutes(m *http.ServeMux) {
	m.HandleFunc("GET "+FHIRPath+"/{authority}/Practitioner/{id}", s.getPractitioner)
	m.HandleFunc("GET "+FHIRPath+"/{authority}/Communication/{id}", s.getCommunication)
}

func practitioner(p Personnel) wire.Practitioner {
	active := true
	return wire.Practitioner{ResourceType: "Practitioner", ID: strconv.FormatInt(p.ID, 10), Active: &active,
		Name: []wire.HumanName{{Use: "official", Text: p.Text, Family: p.Family, Given: p.Given}}}
}

// fhirNotFound answers as a FHIR server does: an OperationOutcome.
func fhirNotFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}`))
}

func writeFHIR(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/fhir+json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Simulator) getPractitioner(w http.ResponseWriter, r *http.Request) {
	if !s.authorityOK(w, r) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	p, ok := s.staff[id]
	s.mu.Unlock()
	if !ok {
		fhirNotFound(w)
		return
	}
	writeFHIR(w, practitioner(p))
}

// getCommunication reads a care team's message as Cerner's R4 Communication
// (sender is the writing Practitioner, with its display name).
func (s *Simulator) getCommunication(w http.ResponseWriter, r *http.Request) {
	if !s.authorityOK(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMsg(r.PathValue("id"))
	if m == nil || m.box != inbox {
		fhirNotFound(w)
		return
	}
	c := wire.Communication{ResourceType: "Communication", ID: m.canonical(), Status: "completed",
		Sent: m.created.UTC().Format("2006-01-02T15:04:05.000Z"), Topic: &wire.Topic{Text: m.subject}}
	if p := s.patients[m.icn]; p != nil {
		c.Subject = &wire.Reference{Reference: "Patient/" + p.PatientID}
	}
	if st, ok := s.staff[m.authorID]; ok {
		c.Sender = &wire.Reference{Reference: "Practitioner/" + strconv.FormatInt(st.ID, 10), Display: practitioner(st).DisplayName()}
	}
	if pl := s.poolByID[m.poolID]; pl != nil {
		c.Recipient = []wire.Reference{{Reference: "Group/" + strconv.FormatInt(pl.id, 10), Display: pl.Name}}
	}
	for _, ref := range m.refs {
		c.InResponseTo = append(c.InResponseTo, wire.Reference{Reference: "Communication/" + ref})
	}
	writeFHIR(w, c)
}

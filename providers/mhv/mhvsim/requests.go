package mhvsim

import (
	"net/http"
	"sync/atomic"
)

// Route names of the API requests a test counts with Requests.
const (
	RouteFolders = "GET folder"
	// RouteFullThread is a thread read with bodies (a listing reads threads
	// without, unless they have files).
	RouteFullThread = "GET message/{id}/allmessagesforthread/{page}"
)

// Requests is how many API requests the simulator has received on route
// (method and path pattern below the patient prefix, as RouteFolders), so
// tests can assert how often VAMS calls MHV.
func (s *Simulator) Requests(route string) int64 {
	if n, ok := s.requests.Load(route); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

func (s *Simulator) counted(route string, h http.HandlerFunc) http.HandlerFunc {
	n, _ := s.requests.LoadOrStore(route, new(atomic.Int64))
	return func(w http.ResponseWriter, r *http.Request) {
		n.(*atomic.Int64).Add(1)
		h(w, r)
	}
}

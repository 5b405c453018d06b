package fakegithub

import (
	"slices"
	"time"
)

// Call is one request the fake received and the status of its response.
type Call struct {
	Method string `json:"method"`
	// Path is the request path below the API root, such as
	// "/repos/acme/app/check-runs".
	Path  string `json:"path"`
	Query string `json:"query"`
	// Route is the Route* constant the request matched.
	Route string `json:"route"`
	// InstallationID is the installation of the token, or the installation
	// that an App route read or issued a token for; 0 when there is none.
	InstallationID int64     `json:"installation_id"`
	Status         int       `json:"status"`
	Time           time.Time `json:"time"`
	RequestID      string    `json:"request_id"`
	RequestBody    []byte    `json:"request_body"`
}

func (s *Server) record(ex *exchange, status int) {
	s.calls = append(s.calls, Call{
		Method:         ex.r.Method,
		Path:           ex.r.URL.Path,
		Query:          ex.r.URL.RawQuery,
		Route:          ex.route,
		InstallationID: ex.installationID,
		Status:         status,
		Time:           ex.received,
		RequestID:      ex.requestID,
		RequestBody:    ex.body,
	})
}

// Calls returns every request received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the requests that matched route, in order.
func (s *Server) CallsTo(route string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []Call
	for _, c := range s.calls {
		if c.Route == route {
			matched = append(matched, c)
		}
	}
	return matched
}

package fakegithub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// adminPrefix is the path of the control API, beside the REST API, through
// which a test drives a fake that runs as a separate process. It needs no
// credentials and its requests are not recorded as calls.
const adminPrefix = "/_fakegithub/"

// AdminURL returns the base URL of the control API, with a trailing slash.
func (s *Server) AdminURL() string {
	return s.baseURL + adminPrefix
}

func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+adminPrefix+"calls", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, s.Calls())
	})
	mux.HandleFunc("GET "+adminPrefix+"check-runs", s.adminCheckRuns)
	mux.HandleFunc("GET "+adminPrefix+"statuses", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		writeAdminJSON(w, http.StatusOK, s.Statuses(q.Get("owner"), q.Get("repo"), q.Get("sha")))
	})
	mux.HandleFunc("POST "+adminPrefix+"faults", s.adminInjectFault)
	mux.HandleFunc("DELETE "+adminPrefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+adminPrefix+"installations", s.adminAddInstallation)
	mux.HandleFunc("DELETE "+adminPrefix+"installations/{id}", s.adminRemoveInstallation)
	mux.HandleFunc("POST "+adminPrefix+"installations/{id}/repositories", s.adminAddRepository)
	mux.HandleFunc("DELETE "+adminPrefix+"installations/{id}/repositories/{owner}/{name}",
		s.adminRemoveRepository)
	mux.HandleFunc("PUT "+adminPrefix+"installations/{id}/permissions", s.adminSetPermissions)
	mux.HandleFunc("PUT "+adminPrefix+"installations/{id}/suspended", s.adminSetSuspended)
	mux.HandleFunc("POST "+adminPrefix+"installations/{id}/tokens", s.adminIssueToken)
	mux.HandleFunc("POST "+adminPrefix+"installations/{id}/tokens/expire", s.adminExpireTokens)
}

// adminCheckRuns lists every check run, or those of one commit when owner,
// repo and head_sha are given.
func (s *Server) adminCheckRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("head_sha") == "" {
		writeAdminJSON(w, http.StatusOK, s.AllCheckRuns())
		return
	}
	writeAdminJSON(w, http.StatusOK, s.CheckRuns(q.Get("owner"), q.Get("repo"), q.Get("head_sha")))
}

// adminFault is the JSON form of a Fault, with durations as Go duration
// strings ("2s") and the kind by name.
type adminFault struct {
	Route      string `json:"route"`
	Times      int    `json:"times"`
	Kind       string `json:"kind"`
	Status     int    `json:"status"`
	RetryAfter string `json:"retry_after"`
	ResetAfter string `json:"reset_after"`
	Latency    string `json:"latency"`
}

var faultKindNames = map[string]FaultKind{
	"": FaultNone, "none": FaultNone, "server_error": FaultServerError,
	"secondary_rate_limit": FaultSecondaryRateLimit, "primary_rate_limit": FaultPrimaryRateLimit,
}

func (s *Server) adminInjectFault(w http.ResponseWriter, r *http.Request) {
	var req adminFault
	if !readAdminJSON(w, r, &req) {
		return
	}
	kind, ok := faultKindNames[req.Kind]
	if !ok {
		adminError(w, http.StatusBadRequest, fmt.Sprintf(
			"kind %q is invalid; use none, server_error, secondary_rate_limit or primary_rate_limit", req.Kind))
		return
	}
	fault := Fault{Route: req.Route, Times: req.Times, Kind: kind, Status: req.Status}
	for _, d := range []struct {
		name  string
		value string
		dst   *time.Duration
	}{
		{"retry_after", req.RetryAfter, &fault.RetryAfter},
		{"reset_after", req.ResetAfter, &fault.ResetAfter},
		{"latency", req.Latency, &fault.Latency},
	} {
		if d.value == "" {
			continue
		}
		parsed, err := time.ParseDuration(d.value)
		if err != nil {
			adminError(w, http.StatusBadRequest, d.name+" is not a duration such as 2s: "+err.Error())
			return
		}
		*d.dst = parsed
	}
	s.InjectFault(fault)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminAddInstallation(w http.ResponseWriter, r *http.Request) {
	var inst Installation
	if !readAdminJSON(w, r, &inst) {
		return
	}
	if err := s.AddInstallation(inst); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminRemoveInstallation(w http.ResponseWriter, r *http.Request) {
	if id, ok := adminInstallationID(w, r); ok {
		s.RemoveInstallation(id)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) adminAddRepository(w http.ResponseWriter, r *http.Request) {
	id, ok := adminInstallationID(w, r)
	var repo Repository
	if !ok || !readAdminJSON(w, r, &repo) {
		return
	}
	if err := s.AddRepository(id, repo); err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminRemoveRepository(w http.ResponseWriter, r *http.Request) {
	if id, ok := adminInstallationID(w, r); ok {
		s.RemoveRepository(id, r.PathValue("owner"), r.PathValue("name"))
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) adminSetPermissions(w http.ResponseWriter, r *http.Request) {
	id, ok := adminInstallationID(w, r)
	var permissions map[string]string
	if !ok || !readAdminJSON(w, r, &permissions) {
		return
	}
	adminResult(w, s.SetPermissions(id, permissions))
}

func (s *Server) adminSetSuspended(w http.ResponseWriter, r *http.Request) {
	id, ok := adminInstallationID(w, r)
	var req struct {
		Suspended bool `json:"suspended"`
	}
	if !ok || !readAdminJSON(w, r, &req) {
		return
	}
	adminResult(w, s.SetSuspended(id, req.Suspended))
}

func (s *Server) adminIssueToken(w http.ResponseWriter, r *http.Request) {
	id, ok := adminInstallationID(w, r)
	if !ok {
		return
	}
	token, err := s.IssueToken(id)
	if err != nil {
		adminError(w, http.StatusNotFound, err.Error())
		return
	}
	writeAdminJSON(w, http.StatusCreated, map[string]string{"token": token})
}

func (s *Server) adminExpireTokens(w http.ResponseWriter, r *http.Request) {
	if id, ok := adminInstallationID(w, r); ok {
		writeAdminJSON(w, http.StatusOK, map[string]int{"expired": s.ExpireInstallationTokens(id)})
	}
}

func adminInstallationID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		adminError(w, http.StatusBadRequest,
			fmt.Sprintf("installation id %q is invalid; use a positive number", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

func readAdminJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		adminError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func adminResult(w http.ResponseWriter, err error) {
	if err != nil {
		adminError(w, http.StatusNotFound, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func adminError(w http.ResponseWriter, status int, message string) {
	writeAdminJSON(w, status, map[string]string{"message": message})
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

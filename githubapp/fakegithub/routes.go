package fakegithub

import (
	"net/http"
	"strings"
)

// Routes of the fake, as net/http patterns relative to the API root. Calls
// record the route they matched, and faults select routes by these strings.
const (
	RouteGetApp                 = "GET /app"
	RouteListInstallations      = "GET /app/installations"
	RouteGetInstallation        = "GET /app/installations/{installation_id}"
	RouteCreateAccessToken      = "POST /app/installations/{installation_id}/access_tokens"
	RouteGetRepoInstallation    = "GET /repos/{owner}/{repo}/installation"
	RouteGetOrgInstallation     = "GET /orgs/{org}/installation"
	RouteGetUserInstallation    = "GET /users/{username}/installation"
	RouteListInstallationRepos  = "GET /installation/repositories"
	RouteCreateCheckRun         = "POST /repos/{owner}/{repo}/check-runs"
	RouteUpdateCheckRun         = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
	RouteGetCheckRun            = "GET /repos/{owner}/{repo}/check-runs/{check_run_id}"
	RouteListAnnotations        = "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations"
	RouteListCheckRunsForRef    = "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"
	RouteCreateStatus           = "POST /repos/{owner}/{repo}/statuses/{sha}"
	RouteListStatusesForRef     = "GET /repos/{owner}/{repo}/commits/{ref}/statuses"
	RouteGetCombinedStatusOfRef = "GET /repos/{owner}/{repo}/commits/{ref}/status"
	// RouteUnknown is recorded for requests that match no route (404).
	RouteUnknown = "/"
)

// authMode is the credential a route requires.
type authMode int

const (
	authNone         authMode = iota
	authAppJWT                // Authorization: Bearer <App JWT>
	authInstallation          // Authorization: token|Bearer ghs_...
)

func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	s.handle(api, RouteGetApp, authAppJWT, s.getApp)
	s.handle(api, RouteListInstallations, authAppJWT, s.listInstallations)
	s.handle(api, RouteGetInstallation, authAppJWT, s.getInstallation)
	s.handle(api, RouteCreateAccessToken, authAppJWT, s.createAccessToken)
	s.handle(api, RouteGetRepoInstallation, authAppJWT, s.getRepoInstallation)
	s.handle(api, RouteGetOrgInstallation, authAppJWT, s.getOrgInstallation)
	s.handle(api, RouteGetUserInstallation, authAppJWT, s.getUserInstallation)
	s.handle(api, RouteListInstallationRepos, authInstallation, s.listInstallationRepos)
	s.handle(api, RouteCreateCheckRun, authInstallation, s.createCheckRun)
	s.handle(api, RouteUpdateCheckRun, authInstallation, s.updateCheckRun)
	s.handle(api, RouteGetCheckRun, authInstallation, s.getCheckRun)
	s.handle(api, RouteListAnnotations, authInstallation, s.listAnnotations)
	s.handle(api, RouteListCheckRunsForRef, authInstallation, s.listCheckRunsForRef)
	s.handle(api, RouteCreateStatus, authInstallation, s.createStatus)
	s.handle(api, RouteListStatusesForRef, authInstallation, s.listStatuses)
	s.handle(api, RouteGetCombinedStatusOfRef, authInstallation, s.getCombinedStatus)
	s.handle(api, RouteUnknown, authNone, s.notFound)

	root := http.NewServeMux()
	root.Handle(apiPrefix, http.StripPrefix(strings.TrimSuffix(apiPrefix, "/"), api))
	s.adminRoutes(root)
	return root
}

func (s *Server) handle(mux *http.ServeMux, route string, auth authMode, h handler) {
	mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, route, auth, h)
	})
}

func (s *Server) notFound(*exchange) reply {
	return errorReply(http.StatusNotFound, "Not Found", docsRoot)
}

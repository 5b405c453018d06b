package fakegithub

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Handlers of the routes that authenticate with the App JWT.

func (s *Server) getApp(*exchange) reply {
	return jsonReply(http.StatusOK, s.renderApp())
}

func (s *Server) listInstallations(ex *exchange) reply {
	ids := slices.Sorted(maps.Keys(s.installations))
	page := s.paginate(ex, len(ids))
	list := make([]any, 0, page.end-page.start)
	for _, id := range ids[page.start:page.end] {
		list = append(list, s.renderInstallation(templateInstallation, s.installations[id]))
	}
	rp := jsonReply(http.StatusOK, list)
	page.setLink(rp.header)
	return rp
}

func (s *Server) getInstallation(ex *exchange) reply {
	id, ok := pathInt64(ex, "installation_id")
	state := s.installations[id]
	if !ok || state == nil {
		return errorReply(http.StatusNotFound, "Not Found", docsRoot)
	}
	ex.installationID = id
	return jsonReply(http.StatusOK, s.renderInstallation(templateInstallation, state))
}

func (s *Server) getRepoInstallation(ex *exchange) reply {
	state, _ := s.repositoryLocked(ex.r.PathValue("owner"), ex.r.PathValue("repo"))
	return s.installationReply(ex, state)
}

func (s *Server) getOrgInstallation(ex *exchange) reply {
	state := s.installationByAccountLocked(ex.r.PathValue("org"))
	if state != nil && state.Account.Type != AccountOrganization {
		state = nil
	}
	return s.installationReply(ex, state)
}

func (s *Server) getUserInstallation(ex *exchange) reply {
	// GitHub serves this route for organizations too.
	return s.installationReply(ex, s.installationByAccountLocked(ex.r.PathValue("username")))
}

func (s *Server) installationReply(ex *exchange, state *installation) reply {
	if state == nil {
		return errorReply(http.StatusNotFound, "Not Found", docsRoot)
	}
	ex.installationID = state.ID
	return jsonReply(http.StatusOK, s.renderInstallation(templateOrgInstall, state))
}

// accessTokenRequest is the body of POST /app/installations/{id}/access_tokens.
type accessTokenRequest struct {
	Repositories  []string          `json:"repositories"`
	RepositoryIDs []int64           `json:"repository_ids"`
	Permissions   map[string]string `json:"permissions"`
}

func (s *Server) createAccessToken(ex *exchange) reply {
	id, ok := pathInt64(ex, "installation_id")
	state := s.installations[id]
	if !ok || state == nil {
		return errorReply(http.StatusNotFound, "Not Found", docsCreateAccessToken)
	}
	ex.installationID = id
	if state.Suspended {
		return errorReply(http.StatusForbidden, messageSuspended, docsCreateAccessToken)
	}

	var req accessTokenRequest
	if err := decodeJSON(ex.body, &req); err != nil {
		return errorReply(http.StatusBadRequest, "Problems parsing JSON", docsCreateAccessToken)
	}
	repositoryIDs, ok := selectRepositories(state, req)
	if !ok {
		return errorReply(http.StatusUnprocessableEntity,
			"There is at least one repository that does not exist or is not accessible to the parent installation.",
			docsCreateAccessToken)
	}
	permissions := state.Permissions
	if req.Permissions != nil {
		if !permissionsGranted(state.Permissions, req.Permissions) {
			return errorReply(http.StatusUnprocessableEntity,
				"The permissions requested are not granted to this installation.", docsCreateAccessToken)
		}
		permissions = req.Permissions
	}

	token := s.issueTokenLocked(state, permissions, repositoryIDs)
	return jsonReply(http.StatusCreated, s.renderAccessToken(state, token))
}

// permissionsGranted reports whether every requested permission level is
// within the installation's.
func permissionsGranted(granted, requested map[string]string) bool {
	for name, level := range requested {
		if !permissionAllows(granted[name], level) {
			return false
		}
	}
	return true
}

// selectRepositories resolves the repositories a token request limits the
// token to; nil means no limit. It reports false for an unknown repository.
func selectRepositories(state *installation, req accessTokenRequest) ([]int64, bool) {
	if req.Repositories == nil && req.RepositoryIDs == nil {
		return nil, true
	}
	ids := []int64{}
	for _, name := range req.Repositories {
		i := slices.IndexFunc(state.Repositories, func(r Repository) bool {
			return strings.EqualFold(r.Name, name) && strings.EqualFold(r.Owner, state.Account.Login)
		})
		if i < 0 {
			return nil, false
		}
		ids = append(ids, state.Repositories[i].ID)
	}
	for _, id := range req.RepositoryIDs {
		if !slices.ContainsFunc(state.Repositories, func(r Repository) bool { return r.ID == id }) {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func (s *Server) renderAccessToken(state *installation, token *accessToken) object {
	body := s.templates.object(templateAccessToken)
	body["token"] = token.value
	body["expires_at"] = timestamp(token.expiresAt)
	body["permissions"] = maps.Clone(token.permissions)
	body["repository_selection"] = state.RepositorySelection
	if token.repositoryIDs == nil {
		delete(body, "repositories")
		return body
	}
	body["repository_selection"] = "selected"
	repos := []any{}
	for _, repo := range state.Repositories {
		if slices.Contains(token.repositoryIDs, repo.ID) {
			repos = append(repos, s.renderRepository(repo, state.Account))
		}
	}
	body["repositories"] = repos
	return body
}

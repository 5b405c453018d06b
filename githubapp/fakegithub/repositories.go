package fakegithub

import (
	"net/http"
)

// messageNotAccessible is GitHub's 403 message when an installation token
// lacks the repository or the permission for a call.
const messageNotAccessible = "Resource not accessible by integration"

func (s *Server) listInstallationRepos(ex *exchange) reply {
	var reachable []Repository
	for i := range ex.installation.Repositories {
		if s.tokenReaches(ex, &ex.installation.Repositories[i]) {
			reachable = append(reachable, ex.installation.Repositories[i])
		}
	}
	page := s.paginate(ex, len(reachable))
	list := make([]any, 0, page.end-page.start)
	for _, repo := range reachable[page.start:page.end] {
		list = append(list, s.renderRepository(repo, ex.installation.Account))
	}
	selection := ex.installation.RepositorySelection
	if ex.token.repositoryIDs != nil {
		selection = "selected"
	}
	rp := jsonReply(http.StatusOK, object{
		"total_count":          len(reachable),
		"repository_selection": selection,
		"repositories":         list,
	})
	page.setLink(rp.header)
	return rp
}

// authorizeRepository resolves the {owner}/{repo} of an installation-token
// request. An unknown repository gets 404; one outside the token's reach or
// a missing permission gets 403 "Resource not accessible by integration".
// level is "read" or "write" of the named permission.
func (s *Server) authorizeRepository(ex *exchange, permission, level, documentationURL string) (*Repository, reply, bool) {
	_, repo := s.repositoryLocked(ex.r.PathValue("owner"), ex.r.PathValue("repo"))
	if repo == nil {
		return nil, errorReply(http.StatusNotFound, "Not Found", documentationURL), false
	}
	allowed := s.tokenReaches(ex, repo) &&
		permissionAllows(ex.token.permissions[permission], level) &&
		permissionAllows(ex.installation.Permissions[permission], level)
	if !allowed {
		return nil, errorReply(http.StatusForbidden, messageNotAccessible, documentationURL), false
	}
	return repo, reply{}, true
}

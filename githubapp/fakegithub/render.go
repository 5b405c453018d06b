package fakegithub

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// timestamp formats a time as GitHub does in JSON bodies.
func timestamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// baseReplacer moves the remaining github.com URLs of a template to the
// fake's API and web roots. It runs after the specific replacements.
func (s *Server) basePairs() []string {
	return []string{"https://api.github.com/", s.URL(), "https://github.com/", s.WebURL()}
}

// renderAccount fills the account object of a template.
func (s *Server) renderAccount(template object, acct Account) object {
	login := acct.Login
	replacer := strings.NewReplacer(append([]string{
		"https://api.github.com/users/octocat", s.apiURL("users/%s", login),
		"https://api.github.com/users/github", s.apiURL("users/%s", login),
		"https://api.github.com/orgs/github", s.apiURL("orgs/%s", login),
		"https://github.com/octocat", s.webURL("%s", login),
		"https://github.com/github", s.webURL("%s", login),
	}, s.basePairs()...)...)
	rewriteStrings(template, replacer)
	template["login"] = login
	template["id"] = acct.ID
	template["node_id"] = legacyNodeID(acct.Type, acct.ID)
	template["type"] = acct.Type
	template["avatar_url"] = fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", acct.ID)
	template["site_admin"] = false
	return template
}

// renderBot returns the bot user that acts for the App, the creator of its
// commit statuses.
func (s *Server) renderBot() object {
	template := s.templates.object(templateStatus)["creator"].(object)
	// The bot id is arbitrary; GitHub assigns one per App.
	bot := Account{Login: s.opts.AppSlug + "[bot]", ID: 1_000_000 + s.opts.AppID, Type: "Bot"}
	return s.renderAccount(template, bot)
}

// renderApp returns the App in the shape of GET /app.
func (s *Server) renderApp() object {
	app := s.templates.object(templateApp)
	rewriteStrings(app, strings.NewReplacer(append([]string{
		"https://github.com/apps/octoapp", s.webURL("apps/%s", s.opts.AppSlug),
	}, s.basePairs()...)...))
	app["id"] = s.opts.AppID
	app["slug"] = s.opts.AppSlug
	app["client_id"] = s.opts.ClientID
	app["node_id"] = legacyNodeID("Integration", s.opts.AppID)
	app["owner"] = s.renderAccount(app["owner"].(object), s.opts.AppOwner)
	app["name"] = s.opts.AppName
	app["external_url"] = s.WebURL()
	app["created_at"] = timestamp(s.started)
	app["updated_at"] = timestamp(s.started)
	app["permissions"] = maps.Clone(s.opts.AppPermissions)
	app["events"] = append([]string(nil), s.opts.AppEvents...)
	app["installations_count"] = len(s.installations)
	return app
}

// renderInstallation fills an installation template (the shape of
// GET /app/installations/{id} or of GET /orgs/{org}/installation).
func (s *Server) renderInstallation(templateName string, inst *installation) object {
	body := s.templates.object(templateName)
	account := inst.Account
	htmlURL := s.webURL("organizations/%s/settings/installations/%d", account.Login, inst.ID)
	if account.Type == AccountUser {
		htmlURL = s.webURL("settings/installations/%d", inst.ID)
	}

	body["id"] = inst.ID
	body["account"] = s.renderAccount(body["account"].(object), account)
	body["access_tokens_url"] = s.apiURL("app/installations/%d/access_tokens", inst.ID)
	body["repositories_url"] = s.apiURL("installation/repositories")
	body["html_url"] = htmlURL

	body["app_id"] = s.opts.AppID
	body["app_slug"] = s.opts.AppSlug
	body["client_id"] = s.opts.ClientID
	body["target_id"] = account.ID
	body["target_type"] = account.Type
	body["permissions"] = maps.Clone(inst.Permissions)
	body["events"] = append([]string(nil), s.opts.AppEvents...)

	body["single_file_name"] = nil
	body["has_multiple_single_files"] = false
	body["single_file_paths"] = []any{}
	body["repository_selection"] = inst.RepositorySelection

	body["created_at"] = timestamp(inst.createdAt)
	body["updated_at"] = timestamp(inst.createdAt)
	body["suspended_at"] = timestamp(inst.suspendedAt)
	body["suspended_by"] = nil
	if inst.Suspended {
		body["suspended_by"] = s.renderAccount(s.templates.object(templateStatus)["creator"].(object), account)
	}
	return body
}

// renderRepository fills the repository template of the installation
// repositories list.
func (s *Server) renderRepository(repo Repository, owner Account) object {
	body := s.templates.object(templateRepositories)["repositories"].([]any)[0].(object)
	full := repo.FullName()
	host := strings.TrimPrefix(s.baseURL, "http://")
	rewriteStrings(body, strings.NewReplacer(append([]string{
		"https://api.github.com/repos/octocat/Hello-World", s.apiURL("repos/%s", full),
		"https://github.com/octocat/Hello-World", s.webURL("%s", full),
		"https://svn.github.com/octocat/Hello-World", s.webURL("%s", full),
		"git:github.com/octocat/Hello-World.git", "git://" + host + "/" + full + ".git",
		"git@github.com:octocat/Hello-World.git", "git@" + host + ":" + full + ".git",
	}, s.basePairs()...)...))

	visibility := "public"
	if repo.Private {
		visibility = "private"
	}

	body["id"] = repo.ID
	body["node_id"] = legacyNodeID("Repository", repo.ID)
	body["name"] = repo.Name
	body["full_name"] = full
	body["owner"] = s.renderAccount(body["owner"].(object), owner)
	body["private"] = repo.Private
	body["visibility"] = visibility

	body["description"] = nil
	body["homepage"] = nil
	body["mirror_url"] = nil
	body["topics"] = []any{}
	body["license"] = nil
	body["custom_properties"] = object{}

	body["created_at"] = timestamp(s.started)
	body["updated_at"] = timestamp(s.started)
	body["pushed_at"] = timestamp(s.started)
	delete(body, "temp_clone_token")
	return body
}

package fakegithub

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// Account types, as GitHub spells them in "type" fields.
const (
	AccountOrganization = "Organization"
	AccountUser         = "User"
)

// Account is a GitHub user or organization.
type Account struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	// Type is AccountOrganization or AccountUser. Default AccountOrganization.
	Type string `json:"type"`
}

// Repository is a repository that an installation can reach.
type Repository struct {
	ID    int64  `json:"id"`
	Owner string `json:"owner"`
	Name  string `json:"name"`
	// Private marks the repository private; the fake enforces access the
	// same way either way.
	Private bool `json:"private"`
}

// FullName returns "owner/name".
func (r Repository) FullName() string {
	return r.Owner + "/" + r.Name
}

// Installation is an installation of the App on an account.
type Installation struct {
	ID      int64   `json:"id"`
	Account Account `json:"account"`
	// Permissions maps a permission name ("checks", "statuses", ...) to
	// "read" or "write". Default the App's permissions.
	Permissions map[string]string `json:"permissions"`
	// RepositorySelection is "all" or "selected". Default "selected".
	RepositorySelection string `json:"repository_selection"`
	// Suspended installations get 403 for tokens and token use.
	Suspended    bool         `json:"suspended"`
	Repositories []Repository `json:"repositories"`
}

// installation is the server's state for one installation.
type installation struct {
	Installation
	createdAt   time.Time
	suspendedAt time.Time
}

// AddInstallation adds an installation, or replaces the one with that id.
// A repository may belong to one installation only, as an App has one
// installation per account.
func (s *Server) AddInstallation(inst Installation) error {
	if inst.ID <= 0 {
		return fmt.Errorf("add installation: id %d must be positive", inst.ID)
	}
	if inst.Account.Login == "" || inst.Account.ID <= 0 {
		return fmt.Errorf("add installation %d: account login and a positive account id are required", inst.ID)
	}
	if inst.Account.Type == "" {
		inst.Account.Type = AccountOrganization
	}
	if inst.Permissions == nil {
		inst.Permissions = maps.Clone(s.opts.AppPermissions)
	} else {
		inst.Permissions = maps.Clone(inst.Permissions)
	}
	if inst.RepositorySelection == "" {
		inst.RepositorySelection = "selected"
	}
	repos := inst.Repositories
	inst.Repositories = nil

	s.mu.Lock()
	defer s.mu.Unlock()
	state := &installation{Installation: inst, createdAt: s.now()}
	if inst.Suspended {
		state.suspendedAt = s.now()
	}
	s.installations[inst.ID] = state
	for _, repo := range repos {
		if err := s.addRepositoryLocked(state, repo); err != nil {
			return err
		}
	}
	return nil
}

// RemoveInstallation deletes an installation and revokes its tokens, as
// uninstalling the App does.
func (s *Server) RemoveInstallation(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.installations, id)
	for value, token := range s.tokens {
		if token.installationID == id {
			delete(s.tokens, value)
		}
	}
}

// AddRepository gives an installation access to a repository.
func (s *Server) AddRepository(installationID int64, repo Repository) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := s.installations[installationID]
	if state == nil {
		return fmt.Errorf("add repository %s: installation %d not found", repo.FullName(), installationID)
	}
	return s.addRepositoryLocked(state, repo)
}

func (s *Server) addRepositoryLocked(state *installation, repo Repository) error {
	if repo.ID <= 0 || repo.Owner == "" || repo.Name == "" {
		return fmt.Errorf("add repository %q to installation %d: id, owner and name are required",
			repo.FullName(), state.ID)
	}
	if other, _ := s.repositoryLocked(repo.Owner, repo.Name); other != nil && other.ID != state.ID {
		return fmt.Errorf("add repository %s to installation %d: it belongs to installation %d; remove it there first",
			repo.FullName(), state.ID, other.ID)
	}
	s.removeRepositoryLocked(state, repo.Owner, repo.Name)
	state.Repositories = append(state.Repositories, repo)
	return nil
}

// RemoveRepository takes a repository away from an installation. Tokens
// already issued lose access to it at once.
func (s *Server) RemoveRepository(installationID int64, owner, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state := s.installations[installationID]; state != nil {
		s.removeRepositoryLocked(state, owner, name)
	}
}

func (s *Server) removeRepositoryLocked(state *installation, owner, name string) {
	kept := state.Repositories[:0]
	for _, repo := range state.Repositories {
		if !sameRepository(repo, owner, name) {
			kept = append(kept, repo)
		}
	}
	state.Repositories = kept
}

// SetPermissions replaces an installation's permissions, as accepting new
// permissions does. Tokens issued before keep the permissions they had.
func (s *Server) SetPermissions(installationID int64, permissions map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := s.installations[installationID]
	if state == nil {
		return fmt.Errorf("set permissions: installation %d not found", installationID)
	}
	state.Permissions = maps.Clone(permissions)
	return nil
}

// SetSuspended suspends or unsuspends an installation.
func (s *Server) SetSuspended(installationID int64, suspended bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := s.installations[installationID]
	if state == nil {
		return fmt.Errorf("set suspended: installation %d not found", installationID)
	}
	state.Suspended = suspended
	state.suspendedAt = time.Time{}
	if suspended {
		state.suspendedAt = s.now()
	}
	return nil
}

// repositoryLocked finds a repository by owner and name, case-insensitively
// as GitHub does, with the installation that contains it.
func (s *Server) repositoryLocked(owner, name string) (*installation, *Repository) {
	for _, state := range s.installations {
		for i := range state.Repositories {
			if sameRepository(state.Repositories[i], owner, name) {
				return state, &state.Repositories[i]
			}
		}
	}
	return nil, nil
}

func (s *Server) installationByAccountLocked(login string) *installation {
	for _, state := range s.installations {
		if strings.EqualFold(state.Account.Login, login) {
			return state
		}
	}
	return nil
}

func sameRepository(repo Repository, owner, name string) bool {
	return strings.EqualFold(repo.Owner, owner) && strings.EqualFold(repo.Name, name)
}

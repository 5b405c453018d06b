package githubapp

import (
	"encoding/json"
	"strings"

	"github.com/google/go-github/v62/github"
)

// Webhook payload shapes with only the fields CentralCloud reads. Decoding
// into go-github's full event types fails on fields that CentralCloud
// never reads, such as the "2018-04-25 20:42:10" timestamps of older
// check_run payloads, and a delivery must not fail for those.

// hookAccount is a user or organization.
type hookAccount struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Type  string `json:"type"`
}

// hookInstallation is an installation of the App. Payloads of other
// events than installation carry only its id.
type hookInstallation struct {
	ID          int64             `json:"id"`
	Account     hookAccount       `json:"account"`
	Permissions map[string]string `json:"permissions"`
}

// hookRepository is a repository; installation payloads omit its owner.
type hookRepository struct {
	ID       int64        `json:"id"`
	Name     string       `json:"name"`
	FullName string       `json:"full_name"`
	Owner    *hookAccount `json:"owner"`
}

// hookEvent has the fields that every event shares.
type hookEvent struct {
	Action       string            `json:"action"`
	Installation *hookInstallation `json:"installation"`
	Repository   *hookRepository   `json:"repository"`
	Sender       *hookAccount      `json:"sender"`
}

func (e *hookEvent) installationID() int64 {
	if e.Installation == nil {
		return 0
	}
	return e.Installation.ID
}

func (e *hookEvent) repositoryName() string {
	if e.Repository == nil {
		return ""
	}
	return e.Repository.FullName
}

func (e *hookEvent) repositoryRef() RepositoryRef {
	if e.Repository == nil {
		return RepositoryRef{}
	}
	return e.Repository.ref()
}

// ref returns the repository's reference. The owner comes from full_name
// when the payload has no owner object.
func (r hookRepository) ref() RepositoryRef {
	ref := RepositoryRef{ID: r.ID, Name: r.Name}
	if r.Owner != nil {
		ref.Owner = r.Owner.Login
	}
	if owner, _, ok := strings.Cut(r.FullName, "/"); ok && ref.Owner == "" {
		ref.Owner = owner
	}
	return ref
}

// delivery returns the delivery's identity for deduplication and logs.
func (e *hookEvent) delivery(eventType, deliveryID string) delivery {
	return delivery{
		ID:             deliveryID,
		Event:          eventType,
		Action:         e.Action,
		InstallationID: e.installationID(),
		Repository:     e.repositoryName(),
	}
}

// installationFromAPI converts go-github's installation, as GET
// /app/installations/{id} returns it, to the payload shape.
func installationFromAPI(inst *github.Installation) *hookInstallation {
	out := &hookInstallation{
		ID: inst.GetID(),
		Account: hookAccount{
			ID: inst.GetAccount().GetID(), Login: inst.GetAccount().GetLogin(), Type: inst.GetAccount().GetType(),
		},
	}
	if encoded, err := json.Marshal(inst.GetPermissions()); err == nil {
		_ = json.Unmarshal(encoded, &out.Permissions)
	}
	return out
}

// refFromAPI returns the reference of a go-github repository.
func refFromAPI(repo *github.Repository) RepositoryRef {
	return hookRepository{ID: repo.GetID(), Name: repo.GetName(), FullName: repo.GetFullName(),
		Owner: &hookAccount{Login: repo.GetOwner().GetLogin()}}.ref()
}

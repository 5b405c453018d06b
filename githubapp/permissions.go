package githubapp

import (
	"encoding/json"

	"github.com/google/go-github/v62/github"
)

// permissionsFromMap converts stored permissions back to go-github's type.
func permissionsFromMap(perms map[string]string) *github.InstallationPermissions {
	encoded, err := json.Marshal(perms)
	if err != nil {
		return nil
	}
	var out github.InstallationPermissions
	if err := json.Unmarshal(encoded, &out); err != nil {
		return nil
	}
	return &out
}

// publishMode returns how a check is published with these permissions:
// as a check run with checks:write, else as a commit status with
// statuses:write, else not at all ("").
func publishMode(perms map[string]string) string {
	switch {
	case perms["checks"] == "write":
		return modeCheckRun
	case perms["statuses"] == "write":
		return modeCommitStatus
	}
	return ""
}

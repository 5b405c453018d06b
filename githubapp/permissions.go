package githubapp

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

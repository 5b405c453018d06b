// Package fakegithub is a fake GitHub REST API server for one GitHub App, for
// tests and the end-to-end demo. It listens on a loopback port over plain
// HTTP, so the real go-githubapp, ghinstallation, httpcache and go-github
// code runs against it unchanged: point go-githubapp's V3APIURL (our
// github.v3_api_url) at Server.URL().
//
// The API lives under /api/v3/, laid out like GitHub Enterprise Server.
// Response bodies are the recorded GitHub bodies under
// shared/fixtures/github/api, filled in with the fake's values, so fields it
// does not model keep GitHub's names and types.
//
// # What it emulates
//
//   - App authentication: an RS256 JWT signed by the App's key, with "iss"
//     the App id (or client id) and whole-second "iat" and "exp". "exp" must
//     lie in the future and at most ten minutes after both "iat" and the
//     server's clock, and "iat" at most 60 seconds in the future. Failures
//     get 401 with GitHub's messages.
//   - Installation tokens (ghs_...), issued by POST
//     /app/installations/{id}/access_tokens with an expiry (one hour by
//     default), optionally limited to repositories and permissions. A token
//     reaches only its installation's repositories; a missing repository
//     gets 404, one outside the token's reach or a missing permission
//     (checks, statuses) 403 "Resource not accessible by integration".
//     Suspended installations get 403 "This installation has been
//     suspended".
//   - Installations and repositories, seeded by Options or a Seed file and
//     changed at run time (AddInstallation, AddRepository, SetPermissions,
//     SetSuspended, ...), served by GET /app, /app/installations,
//     /app/installations/{id}, /repos/{o}/{r}/installation,
//     /orgs/{org}/installation, /users/{user}/installation and
//     /installation/repositories.
//   - Check runs: create, update, get, list for a commit, list annotations.
//     Requests are validated as GitHub documents it (422 "Validation
//     Failed"): name and head_sha required, status and conclusion values,
//     conclusion required to complete, output title and summary required
//     when output is sent, summary and text at most 65535 characters, at
//     most 50 annotations per request with their required fields, at most
//     three actions. Annotations are appended on every update, so a
//     retried batch is duplicated, as on GitHub. A completed run is never
//     reopened: an update with status queued or in_progress keeps it
//     completed and applies its other fields, which is how GitHub is
//     reported to behave (its documentation is silent).
//   - Commit statuses: create, list and combined status for a commit.
//   - Every response carries X-GitHub-Request-Id and X-RateLimit-Limit,
//     -Remaining, -Used, -Reset and -Resource. Each installation and the App
//     have an hourly primary limit (Options.RateLimit). GET responses carry
//     an ETag and answer a matching If-None-Match with 304, which is not
//     counted against the limit, so httpcache revalidation can be tested.
//   - Lists paginate with page and per_page (30 by default, at most 100) and
//     a Link header.
//   - Recording: Calls, CallsTo, CheckRuns, CheckRun, AllCheckRuns, Statuses
//     and IssuedTokens.
//   - Faults (InjectFault): per route and count, 5xx answers, secondary rate
//     limits (403 with Retry-After, go-github's *AbuseRateLimitError),
//     primary rate limits (X-RateLimit-Remaining 0 and a reset time,
//     go-github's *RateLimitError) and latency; ExpireToken and
//     ExpireInstallationTokens make the next use of a token answer 401 "Bad
//     credentials".
//
// # Running it as a process
//
// The command in cmd/fakegithub serves the same fake for the end-to-end test
// and demos and prints the API base URL on standard output. A control API
// without credentials beside the REST API, at AdminURL() (the server root
// plus /_fakegithub/), lets such a test read and change the fake:
//
//	GET    calls                                     recorded calls
//	GET    check-runs?owner=O&repo=R&head_sha=SHA    check runs (all without head_sha)
//	GET    statuses?owner=O&repo=R&sha=SHA           commit statuses
//	POST   faults                                    {"route", "times", "kind", "status",
//	                                                  "retry_after", "reset_after", "latency"}
//	DELETE faults
//	POST   installations                             an Installation as in a Seed file
//	DELETE installations/{id}
//	POST   installations/{id}/repositories           a Repository
//	DELETE installations/{id}/repositories/{owner}/{name}
//	PUT    installations/{id}/permissions            {"checks": "write", ...}
//	PUT    installations/{id}/suspended              {"suspended": true}
//	POST   installations/{id}/tokens                 issues a token: {"token": "ghs_..."}
//	POST   installations/{id}/tokens/expire          {"expired": n}
//
// Fault kinds are none, server_error, secondary_rate_limit and
// primary_rate_limit; durations are Go duration strings such as "2s".
//
// # What it does not emulate
//
//   - Webhooks: the fake sends none. Tests deliver recorded payloads
//     themselves.
//   - Git data: there are no commits, branches or tags. Any 40- or
//     64-character hex SHA is accepted as head_sha, and the {ref} of the
//     list endpoints matches commit SHAs only.
//   - Check suites beyond an id per commit, pull_requests of check runs
//     (always empty), output images (accepted, not returned), rerequest
//     endpoints, the 1000-runs-per-name cap, GraphQL, user (OAuth) tokens,
//     secondary rate limits that arise by themselves, conditional requests
//     with If-Modified-Since, and gzip.
//   - The exact wording of GitHub's per-field validation messages, which
//     GitHub does not document; the codes and fields follow GitHub's shape
//     and the messages are the fake's own.
//   - Access to public repositories by installations that do not own them:
//     every repository is reachable by its own installation only.
package fakegithub

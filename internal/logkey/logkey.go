// Package logkey names the zerolog field keys used across CentralCloud, so
// that one key is never spelled two ways.
package logkey

// Field keys for structured log lines.
const (
	Error          = "error"
	RequestID      = "request_id"
	ServerRunID    = "server_run_id"
	OrgID          = "org_id"
	OrgLogin       = "org"
	RepositoryID   = "repository_id"
	Repository     = "repository"
	DeliveryID     = "delivery_id"
	InstallationID = "installation_id"
	EventType      = "event"
	Action         = "action"
	Queue          = "queue"
	MessageID      = "msg_id"
	ReadCount      = "read_ct"
	Component      = "component"
	Method         = "method"
	Route          = "route"
	Path           = "path"
	Status         = "status"
	Duration       = "duration"
	Bytes          = "bytes"
	TokenID        = "token_id"
	Address        = "address"
	DataDir        = "data_dir"
	Version        = "version"
	ETag           = "etag"
	KeyID          = "key_id"
	Queues         = "queues"
	RetryIn        = "retry_in"
	Failures       = "failures"
	Panic          = "panic"
	Stack          = "stack"
	Grace          = "grace"
	Cause          = "cause"
	Patterns       = "patterns"
	Findings       = "findings"
	Dropped        = "dropped"
	Events         = "events"
	Cutoff         = "cutoff"
	Interval       = "interval"
	Result         = "result"
	GitHubClient   = "github_client"
	RateLimitLeft  = "rate_limit_remaining"
	HeadSHA        = "head_sha"
	CheckRunID     = "check_run_id"
	Trigger        = "trigger"
	Conclusion     = "conclusion"
	RetryAfter     = "retry_after"
	MessageType    = "message_type"
	Count          = "count"
	PullRequest    = "pull_request"
	HookID         = "hook_id"
	CheckName      = "check_name"
	OrgCreated     = "org_created"
	Reason         = "reason"
	APIURL         = "api_url"
	AdminURL       = "admin_url"
)

// Field keys for pattern snapshots.
const (
	PatternSetVersion = "pattern_set_version"
	Changed           = "changed"
	Created           = "created"
)

// Field keys for the scanner client and the scan command.
const (
	Operation = "operation"
	Attempt   = "attempt"
	Delay     = "delay"
	EventID   = "event_id"
)

// Field keys for the service process and the embedded database.
const (
	Port           = "port"
	OwnerPID       = "owner_pid"
	User           = "user"
	Timeout        = "timeout"
	Waited         = "waited"
	Serve          = "serve"
	Work           = "work"
	Final          = "final"
	Duplicate      = "duplicate"
	ScannerEventID = "scanner_event_id"
)

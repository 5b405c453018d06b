// Package client is the Go client for the CentralCloud scanner API, and the
// reference for scanner authors who write their own.
//
// A scanner run takes three steps:
//
//	c, err := client.New("https://centralcloud.example.com", client.Options{Token: token})
//	run, err := c.RegisterRun(ctx, client.RunRequest{
//		LocalRunID: "ci-1234",
//		Repo:       client.Repository{Owner: "acme", Name: "widgets"},
//		Commit:     sha,
//	})
//	snapshot, err := c.SyncSnapshot(ctx, run) // the org's current patterns
//	result, err := c.Upload(ctx, run.ServerRunID, client.Results{SARIF: [][]byte{log}})
//	if result.Conclusion == client.ConclusionFailure { … block the merge … }
//
// RegisterRun sends the ETag of the last snapshot the client verified and
// the client's HPKE public key. The response then reports whether the
// patterns changed and, when they did, carries the new snapshot sealed to
// that key.
// SyncSnapshot verifies it through package snapshots/client, or fetches it
// from GET /patterns/snapshot when the response had none. State keeps the
// ETag, the key and the snapshot on disk between processes.
//
// Upload posts the results to POST /scanner/events. Native findings go in
// batches of Limits.BatchSize. A SARIF log goes whole, so the server reads
// its rules and base URIs together with its results. The exception is a
// log with more than Limits.MaxEventFindings results or more than
// Limits.MaxEventBytes bytes: it is split into logs of Limits.BatchSize
// results that repeat the run's metadata. Every event but the last carries
// "final": false. Each event's event_id is derived from the server run id,
// the batch number and the batch count, so an upload retried with the same
// input (by this client, or by rerunning the whole scanner) stores nothing
// twice.
//
// Every request is retried on network errors and on 429, 502, 503 and 504,
// with exponential backoff and jitter, waiting at least as long as the
// response's Retry-After. Retrying POSTs is safe because run registration
// is idempotent on local_run_id and events on event_id. Bodies of 1 KiB or
// more are sent gzip-compressed. A response with another error status
// becomes an *APIError that carries the RFC 9457 problem details.
package client

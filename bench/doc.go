// Package bench drives a CentralCloud service on loopback with bounded
// loads and reports throughput and latency percentiles, next to the limit
// that the machine reaches on the same path without CentralCloud: a bare
// net/http handler, or the same SQL issued raw through pgx.
package bench

package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Row is one scenario of the report: CentralCloud's result, the limit
// measured on the same path, and the peak resident size during the run.
type Row struct {
	Ours  Result
	Limit *Result
	// LimitName says what the limit is, e.g. "bare net/http".
	LimitName string
	// PeakRSS is the highest resident size seen while Ours ran; 0 when
	// unknown.
	PeakRSS int64
}

// Ratio returns ours / limit in operations per second, or 0 without a
// limit.
func (r Row) Ratio() float64 {
	if r.Limit == nil || r.Limit.PerSecond() == 0 {
		return 0
	}
	return r.Ours.PerSecond() / r.Limit.PerSecond()
}

// Report is the outcome of a run.
type Report struct {
	Rows []Row
	// IdleRSS is the resident size before any load; 0 when unknown.
	IdleRSS int64
	RSSNote string
	// LoadAverage is the machine's one-minute load average before the
	// run, from LoadAverage; "" when unknown.
	LoadAverage string
}

// Write prints the report as two aligned tables.
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tok\terrors\treq/s\tp50\tp99\tp999\tlimit req/s\tlimit p99\tours/limit\tpeak RSS MiB\t")
	for _, row := range r.Rows {
		o := row.Ours
		limitRate, limitP99, ratio := "-", "-", "-"
		if row.Limit != nil {
			limitRate = fmt.Sprintf("%.0f", row.Limit.PerSecond())
			limitP99 = ms(row.Limit.Percentile(0.99))
			ratio = fmt.Sprintf("%.2f", row.Ratio())
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", o.Name, o.Requests-o.Errors, o.Errors,
			o.PerSecond(), ms(o.Percentile(0.50)), ms(o.Percentile(0.99)), ms(o.Percentile(0.999)),
			limitRate, limitP99, ratio, mib(row.PeakRSS))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "latencies in ms; limits:")
	for _, row := range r.Rows {
		if row.Limit != nil {
			fmt.Fprintf(w, "  %s: %s\n", row.Ours.Name, row.LimitName)
		}
	}
	for _, row := range r.Rows {
		if row.Ours.FirstError != nil {
			fmt.Fprintf(w, "first error of %s: %v\n", row.Ours.Name, row.Ours.FirstError)
		}
		if row.Limit != nil && row.Limit.FirstError != nil {
			fmt.Fprintf(w, "first error of the limit of %s: %v\n", row.Ours.Name, row.Limit.FirstError)
		}
	}
	if r.LoadAverage != "" {
		fmt.Fprintf(w, "load average before the run: %s (over one minute; other work on the machine lowers every figure)\n", r.LoadAverage)
	}
	if r.IdleRSS > 0 {
		_, err := fmt.Fprintf(w, "idle RSS: %s MiB (%s)\n", mib(r.IdleRSS), r.RSSNote)
		return err
	}
	return nil
}

// Failed reports whether any scenario had errors.
func (r Report) Failed() bool {
	for _, row := range r.Rows {
		if row.Ours.Errors > 0 || (row.Limit != nil && row.Limit.Errors > 0) {
			return true
		}
	}
	return false
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(b)/(1<<20))
}

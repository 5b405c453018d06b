package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/centralcloud/centralcloud/queue"
	"github.com/centralcloud/centralcloud/store"
)

// auditQueueRequeued is the audit action of an operator's requeue.
const auditQueueRequeued = "queue.requeued"

func newQueueCommand(app *cliApp) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "Inspect the pgmq queues and requeue dead letters",
	}
	cmd.AddCommand(newQueueStatsCommand(app), newQueueDeadCommand(app), newQueueRequeueCommand(app))
	return cmd
}

func newQueueStatsCommand(app *cliApp) *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Print each queue's length, visible length, message ages in seconds, total sent and dead letters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			all, err := queue.MetricsAll(cmd.Context(), pool)
			if err != nil {
				return err
			}
			dead, err := queue.CountDeadLetters(cmd.Context(), pool)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(app.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "QUEUE\tLENGTH\tVISIBLE\tOLDEST_AGE_S\tNEWEST_AGE_S\tTOTAL_SENT\tDEAD_LETTERS")
			for _, s := range all {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", s.Queue, s.Length, s.VisibleLength,
					int64(s.OldestAge.Seconds()), int64(s.NewestAge.Seconds()), s.TotalMessages, dead[s.Queue])
			}
			return tw.Flush()
		},
	}
}

func newQueueDeadCommand(app *cliApp) *cobra.Command {
	var queueName string
	var all, asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "dead [--queue NAME] [--all] [--json]",
		Short: "List dead letters, oldest first: messages archived after their last read failed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 {
				return &usageError{command: "centralcloud queue dead",
					err: fmt.Errorf("--limit %d is below 1: give 1 or more", limit)}
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			letters, err := queue.ListDeadLetters(cmd.Context(), pool,
				queue.DeadLetterFilter{Queue: queueName, IncludeRequeued: all, Limit: limit})
			if err != nil {
				return err
			}
			if asJSON {
				return printDeadLettersJSON(app, letters)
			}
			return printDeadLetters(app, letters)
		},
	}
	cmd.Flags().StringVar(&queueName, "queue", "", "only this queue, e.g. centralcloud_checks")
	cmd.Flags().BoolVar(&all, "all", false, "include dead letters that were already requeued")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per dead letter, with message and headers")
	cmd.Flags().IntVar(&limit, "limit", 1000, "maximum number of dead letters to print")
	return cmd
}

func printDeadLetters(app *cliApp, letters []queue.DeadLetter) error {
	tw := tabwriter.NewWriter(app.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tQUEUE\tMSG_ID\tREADS\tDEAD_AT\tREQUEUED_AT\tLAST_ERROR")
	for _, d := range letters {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", d.ID, d.Queue, d.MsgID, d.ReadCount,
			formatTime(&d.DeadAt), formatTime(d.RequeuedAt), oneLine(d.LastError, 120))
	}
	return tw.Flush()
}

func printDeadLettersJSON(app *cliApp, letters []queue.DeadLetter) error {
	enc := json.NewEncoder(app.stdout)
	for _, d := range letters {
		err := enc.Encode(map[string]any{
			"id": d.ID, "queue": d.Queue, "msg_id": d.MsgID, "read_ct": d.ReadCount,
			"enqueued_at": d.EnqueuedAt.UTC().Format(time.RFC3339), "dead_at": d.DeadAt.UTC().Format(time.RFC3339),
			"requeued_at": d.RequeuedAt, "requeued_msg_id": d.RequeuedMsgID,
			"message": d.Body, "headers": d.Headers, "last_error": d.LastError,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// oneLine joins s onto one line and cuts it to at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func newQueueRequeueCommand(app *cliApp) *cobra.Command {
	var queueName string
	cmd := &cobra.Command{
		Use:   "requeue ID... | requeue --queue NAME",
		Short: "Send dead letters back to their queue as new messages; prints each new msg_id",
		Long: "Send dead letters back to their queue as new messages, with their headers and a read\n" +
			"count of zero. Give the ids that queue dead prints, or --queue to requeue every dead\n" +
			"letter of one queue. A dead letter is requeued at most once.",
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseRequeueArgs(queueName, args)
			if err != nil {
				return &usageError{command: "centralcloud queue requeue", err: err}
			}
			pool, err := app.toolDatabase(cmd.Context())
			if err != nil {
				return err
			}
			if queueName != "" {
				n, err := queue.RequeueAll(cmd.Context(), pool, queueName)
				if err != nil {
					return err
				}
				fmt.Fprintf(app.stderr, "requeued %d dead letters of queue %s\n", n, queueName)
				return auditRequeue(cmd, app, map[string]any{"queue": queueName, "count": n})
			}
			for _, id := range ids {
				msgID, err := queue.Requeue(cmd.Context(), pool, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(app.stderr, "requeued dead letter %s as message %d\n", id, msgID)
				fmt.Fprintln(app.stdout, msgID)
				if err := auditRequeue(cmd, app, map[string]any{"dead_letter_id": id.String(), "msg_id": msgID}); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&queueName, "queue", "", "requeue every dead letter of this queue instead of listed ids")
	return cmd
}

func parseRequeueArgs(queueName string, args []string) ([]uuid.UUID, error) {
	if queueName != "" && len(args) > 0 {
		return nil, errors.New("give dead letter ids or --queue, not both")
	}
	if queueName == "" && len(args) == 0 {
		return nil, errors.New("missing dead letter ids: copy them from centralcloud queue dead, or use --queue")
	}
	ids := make([]uuid.UUID, len(args))
	for i, arg := range args {
		id, err := uuid.Parse(arg)
		if err != nil {
			return nil, fmt.Errorf("ID %q is not a dead letter id: copy it from centralcloud queue dead", arg)
		}
		ids[i] = id
	}
	return ids, nil
}

func auditRequeue(cmd *cobra.Command, app *cliApp, details map[string]any) error {
	pool, err := app.toolDatabase(cmd.Context())
	if err != nil {
		return err
	}
	return store.InsertAudit(cmd.Context(), pool, store.AuditEvent{
		Actor: "cli", Action: auditQueueRequeued, Reason: "queue requeue", Details: details,
	})
}

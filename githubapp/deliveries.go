package githubapp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
	"github.com/centralcloud/centralcloud/queue"
)

// webhookDeps are the dependencies that the event handlers share.
type webhookDeps struct {
	pool    *pgxpool.Pool
	metrics *Metrics
	appID   int64
}

// delivery identifies one webhook delivery.
type delivery struct {
	ID             string
	Event          string
	Action         string
	InstallationID int64
	Repository     string
}

// deliveryWork is a handler's work for a new delivery, inside the
// transaction that records it. It returns webhookResultProcessed or
// webhookResultIgnored.
type deliveryWork func(ctx context.Context, tx pgx.Tx) (string, error)

// process records the delivery and runs work in the same transaction, so a
// delivery is either fully handled and recorded or, on error, neither, and
// GitHub can redeliver it. A delivery id seen before is skipped.
func (d *webhookDeps) process(ctx context.Context, dl delivery, work deliveryWork) error {
	ctx = withDeliveryLogger(ctx, dl)
	result := webhookResultDuplicate
	err := database.InTx(ctx, d.pool, func(tx pgx.Tx) error {
		fresh, err := recordDelivery(ctx, tx, dl, nil)
		if err != nil || !fresh {
			return err
		}
		result, err = work(ctx, tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("handle %s delivery %s: %w", dl.Event, dl.ID, err)
	}
	d.handled(ctx, dl, result)
	return nil
}

// processCheckRequest records a delivery whose only work is to request a
// check run on a commit: pull_request, check_suite, check_run and
// merge_group. The delivery row and the check message are written in one
// statement without an explicit transaction, so the acknowledgement waits
// for one round trip and one commit. A nil req records the delivery as
// ignored, and so does a request that checkMessage rejects. The handler
// has attached the delivery's logger to ctx with withDeliveryLogger.
func (d *webhookDeps) processCheckRequest(ctx context.Context, dl delivery, req *commitRequest) error {
	var msg *CheckMessage
	if req != nil {
		msg = req.checkMessage(ctx)
	}
	fresh, err := recordDelivery(ctx, d.pool, dl, msg)
	if err != nil {
		return fmt.Errorf("handle %s delivery %s: %w", dl.Event, dl.ID, err)
	}
	result := webhookResultDuplicate
	switch {
	case fresh && msg != nil:
		result = webhookResultProcessed
	case fresh:
		result = webhookResultIgnored
	}
	d.handled(ctx, dl, result)
	return nil
}

// handled counts and logs a delivery that was recorded or skipped.
func (d *webhookDeps) handled(ctx context.Context, dl delivery, result string) {
	d.metrics.countDelivery(dl.Event, dl.Action, result)
	zerolog.Ctx(ctx).Info().Str(logkey.Result, result).Msg("webhook delivery handled")
}

// recordDelivery inserts the delivery row and reports whether it is new.
// When the delivery is new and msg is not nil, the same statement sends
// msg on the Checks queue, so the two commit together. A concurrent insert
// of the same id makes this statement wait for it, then report a duplicate
// if it committed.
func recordDelivery(ctx context.Context, db database.DBTX, dl delivery, msg *CheckMessage) (bool, error) {
	var installationID *int64
	if dl.InstallationID != 0 {
		installationID = &dl.InstallationID
	}
	var repository *string
	if dl.Repository != "" {
		repository = &dl.Repository
	}
	var body []byte
	if msg != nil {
		var err error
		if body, err = json.Marshal(msg); err != nil {
			return false, fmt.Errorf("encode %s message: %w", msg.Type, err)
		}
	}
	var fresh bool
	// queued is read only so that the statement runs the queued CTE.
	var queued int
	err := db.QueryRow(ctx, `WITH recorded AS (
		   INSERT INTO webhook_deliveries (delivery_id, event, action, installation_id, repository)
		   VALUES ($1, $2, $3, $4, $5)
		   ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id
		 ), queued AS (
		   SELECT pgmq.send($6, $7::jsonb) FROM recorded WHERE $7::jsonb IS NOT NULL
		 )
		 SELECT EXISTS (SELECT FROM recorded), (SELECT count(*) FROM queued)`,
		dl.ID, dl.Event, dl.Action, installationID, repository, queue.Checks, body).Scan(&fresh, &queued)
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	return fresh, nil
}

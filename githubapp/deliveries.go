package githubapp

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/centralcloud/centralcloud/database"
	"github.com/centralcloud/centralcloud/internal/logkey"
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
	logger := zerolog.Ctx(ctx)
	result := webhookResultDuplicate
	err := database.InTx(ctx, d.pool, func(tx pgx.Tx) error {
		fresh, err := recordDelivery(ctx, tx, dl)
		if err != nil || !fresh {
			return err
		}
		result, err = work(ctx, tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("handle %s delivery %s: %w", dl.Event, dl.ID, err)
	}
	d.metrics.countDelivery(dl.Event, dl.Action, result)
	logger.Info().Str(logkey.Result, result).Msg("webhook delivery handled")
	return nil
}

// recordDelivery inserts the delivery row and reports whether it is new.
// A concurrent transaction inserting the same id makes this one wait for
// it, then report a duplicate if it committed.
func recordDelivery(ctx context.Context, tx pgx.Tx, dl delivery) (bool, error) {
	var installationID *int64
	if dl.InstallationID != 0 {
		installationID = &dl.InstallationID
	}
	var repository *string
	if dl.Repository != "" {
		repository = &dl.Repository
	}
	var id string
	err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries
		(delivery_id, event, action, installation_id, repository)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id`,
		dl.ID, dl.Event, dl.Action, installationID, repository).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	return true, nil
}

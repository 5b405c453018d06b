package githubapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
)

// commitLockWait bounds how long a handler waits for another handler of
// the same commit before the message is retried.
const commitLockWait = 10 * time.Second

// commitLockBusyRetry is the retry delay of a message whose commit stayed
// locked for commitLockWait.
const commitLockBusyRetry = 2 * time.Second

// errCommitBusy means another handler held the commit's lock too long.
var errCommitBusy = errors.New("another worker is publishing this commit's check run")

// withCommitLock runs fn while holding a session advisory lock on the
// target's commit, on a connection of its own. Handlers of one commit on
// every replica thus run one at a time, so two of them never both create a
// check run on GitHub or both send the same annotation batch. The
// statements of fn commit one by one, so the progress recorded before a
// failure survives it.
func (h *ChecksHandler) withCommitLock(ctx context.Context, t *checkTarget, fn func(conn *pgxpool.Conn) error) error {
	conn, err := h.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection for commit lock: %w", err)
	}
	key := "centralcloud:check:" + t.RepositoryID.String() + ":" + t.HeadSHA
	if err := lockCommit(ctx, conn, key); err != nil {
		conn.Release()
		return err
	}
	defer unlockCommit(ctx, conn, key)
	return fn(conn)
}

func lockCommit(ctx context.Context, conn *pgxpool.Conn, key string) error {
	if _, err := conn.Exec(ctx, `SELECT set_config('lock_timeout', $1, false)`,
		fmt.Sprintf("%dms", commitLockWait.Milliseconds())); err != nil {
		return fmt.Errorf("set lock timeout: %w", err)
	}
	_, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1, 0))`, key)
	if _, resetErr := conn.Exec(ctx, `RESET lock_timeout`); resetErr != nil && err == nil {
		err = fmt.Errorf("reset lock timeout: %w", resetErr)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
		return retryAfter(errCommitBusy, commitLockBusyRetry)
	}
	if err != nil {
		return fmt.Errorf("lock commit: %w", err)
	}
	return nil
}

// unlockCommit releases the lock and the connection. When the unlock
// fails, the connection is closed, which releases every lock it holds.
func unlockCommit(ctx context.Context, conn *pgxpool.Conn, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, key); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("commit unlock failed; closing its connection")
		_ = conn.Hijack().Close(ctx)
		return
	}
	conn.Release()
}

-- Dead letters: messages that a worker gave up on after the configured
-- number of reads, or at once for a permanent error. The worker archives
-- the message with pgmq.archive and, in the same transaction, copies it here
-- with its last error, so that operators can list it and send it back with
-- `centralcloud queue dead|requeue` even after the archive is cleaned up.
CREATE TABLE queue_dead_letters (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  queue_name      text NOT NULL,
  msg_id          bigint NOT NULL,
  read_ct         integer NOT NULL,
  enqueued_at     timestamptz NOT NULL,
  message         jsonb,
  headers         jsonb,
  last_error      text NOT NULL,
  dead_at         timestamptz NOT NULL DEFAULT now(),
  -- Set when an operator sent the message back; the new message has a new
  -- msg_id in the same queue.
  requeued_at     timestamptz,
  requeued_msg_id bigint
);
CREATE INDEX queue_dead_letters_pending ON queue_dead_letters (queue_name, dead_at)
  WHERE requeued_at IS NULL;

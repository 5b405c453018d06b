-- Queues are pgmq queues. Where the server offers the pgmq extension, this
-- migration creates it. Otherwise it installs a compatibility schema written
-- in plain SQL and PL/pgSQL: a schema "pgmq" with the subset of pgmq's SQL
-- API that CentralCloud calls, with pgmq 1.5's function names, argument
-- order, result columns and semantics, so that the same Go code runs on both.
-- The compatibility schema is a fallback for servers without the extension
-- (Debian 12's PostgreSQL packages have none); docs/queues.md describes it.
--
-- The compatibility objects are created in a staging schema and renamed to
-- "pgmq" only when the extension is missing, so that this file stays plain
-- SQL instead of strings run by EXECUTE. Function bodies therefore name the
-- final schema "pgmq"; PL/pgSQL resolves those names at the first call,
-- which happens after the rename.
CREATE SCHEMA pgmq_compat_install;

-- One row per queue, like pgmq.meta in the extension.
CREATE TABLE pgmq_compat_install.meta (
  queue_name     varchar NOT NULL UNIQUE,
  is_partitioned boolean NOT NULL DEFAULT false,
  is_unlogged    boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE pgmq_compat_install.message_record AS (
  msg_id      bigint,
  read_ct     integer,
  enqueued_at timestamptz,
  vt          timestamptz,
  message     jsonb,
  headers     jsonb
);

CREATE TYPE pgmq_compat_install.metrics_result AS (
  queue_name           text,
  queue_length         bigint,
  newest_msg_age_sec   integer,
  oldest_msg_age_sec   integer,
  total_messages       bigint,
  scrape_time          timestamptz,
  queue_visible_length bigint
);

CREATE TYPE pgmq_compat_install.queue_record AS (
  queue_name     varchar,
  is_partitioned boolean,
  is_unlogged    boolean,
  created_at     timestamptz
);

-- compat_table returns the quoted, schema-qualified name of a queue's table:
-- prefix 'q_' for the queue, 'a_' for its archive. It rejects names that
-- pgmq rejects: 48 characters or more, or containing $, ;, -- or quotes.
-- It is not part of pgmq's API, and Go code never calls it.
CREATE FUNCTION pgmq_compat_install.compat_table(queue_name text, prefix text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
  IF queue_name IS NULL OR queue_name = '' THEN
    RAISE EXCEPTION 'queue name is missing: pass a non-empty queue name';
  END IF;
  IF length(queue_name) >= 48 THEN
    RAISE EXCEPTION 'queue name % is too long: use fewer than 48 characters', queue_name;
  END IF;
  IF queue_name ~ '[$;''"]' OR strpos(queue_name, '--') > 0 THEN
    RAISE EXCEPTION 'queue name % is invalid: remove $, ;, -- and quotes', queue_name;
  END IF;
  RETURN format('pgmq.%I', prefix || lower(queue_name));
END
$fn$;

-- create makes the queue table, its archive table and the meta row. Calling
-- it for an existing queue does nothing.
CREATE FUNCTION pgmq_compat_install.create(queue_name text)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  q text := pgmq.compat_table(queue_name, 'q_');
  a text := pgmq.compat_table(queue_name, 'a_');
BEGIN
  -- Two sessions creating the same queue at once would race on the tables.
  PERFORM pg_advisory_xact_lock(hashtext('pgmq.create'), hashtext(lower(queue_name)));
  EXECUTE format(
    'CREATE TABLE IF NOT EXISTS %s (
       msg_id      bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
       read_ct     integer NOT NULL DEFAULT 0,
       enqueued_at timestamptz NOT NULL DEFAULT now(),
       vt          timestamptz NOT NULL,
       message     jsonb,
       headers     jsonb
     )', q);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (vt)', 'q_' || lower(queue_name) || '_vt_idx', q);
  EXECUTE format(
    'CREATE TABLE IF NOT EXISTS %s (
       msg_id      bigint PRIMARY KEY,
       read_ct     integer NOT NULL DEFAULT 0,
       enqueued_at timestamptz NOT NULL DEFAULT now(),
       archived_at timestamptz NOT NULL DEFAULT now(),
       vt          timestamptz NOT NULL,
       message     jsonb,
       headers     jsonb
     )', a);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (archived_at)',
    'archived_at_idx_' || lower(queue_name), a);
  INSERT INTO pgmq.meta (queue_name) VALUES (queue_name) ON CONFLICT DO NOTHING;
END
$fn$;

-- drop_queue removes the queue, its archive and its meta row. It returns
-- false when no such queue existed.
CREATE FUNCTION pgmq_compat_install.drop_queue(queue_name text)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  existed boolean;
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %s', pgmq.compat_table(queue_name, 'q_'));
  EXECUTE format('DROP TABLE IF EXISTS %s', pgmq.compat_table(queue_name, 'a_'));
  DELETE FROM pgmq.meta m WHERE m.queue_name = drop_queue.queue_name;
  existed := FOUND;
  RETURN existed;
END
$fn$;

-- send_batch with headers and a visibility time is the one insert that every
-- send and send_batch overload ends in. It returns one msg_id per message,
-- in the order of msgs. headers is NULL or has one element per message.
CREATE FUNCTION pgmq_compat_install.send_batch(
  queue_name text, msgs jsonb[], headers jsonb[], delay timestamptz)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  IF headers IS NOT NULL AND cardinality(headers) <> cardinality(msgs) THEN
    RAISE EXCEPTION 'send_batch got % messages but % headers: pass one header per message',
      cardinality(msgs), cardinality(headers);
  END IF;
  RETURN QUERY EXECUTE format(
    'INSERT INTO %s (vt, message, headers)
     SELECT $3, m.msg, h.hdr
       FROM unnest($1) WITH ORDINALITY AS m(msg, n)
       LEFT JOIN unnest($2) WITH ORDINALITY AS h(hdr, n) ON h.n = m.n
      ORDER BY m.n
     RETURNING msg_id', pgmq.compat_table(queue_name, 'q_'))
    USING msgs, headers, delay;
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send_batch(
  queue_name text, msgs jsonb[], headers jsonb[], delay integer)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send_batch(queue_name, msgs, headers,
    clock_timestamp() + make_interval(secs => delay));
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send_batch(queue_name text, msgs jsonb[], headers jsonb[])
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send_batch(queue_name, msgs, headers, clock_timestamp());
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send_batch(queue_name text, msgs jsonb[], delay timestamptz)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send_batch(queue_name, msgs, NULL::jsonb[], delay);
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send_batch(queue_name text, msgs jsonb[], delay integer)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send_batch(queue_name, msgs, NULL::jsonb[],
    clock_timestamp() + make_interval(secs => delay));
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send_batch(queue_name text, msgs jsonb[])
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send_batch(queue_name, msgs, NULL::jsonb[], clock_timestamp());
END
$fn$;

-- send with headers and a visibility time is the one single-message insert
-- that the other send overloads call. It returns the new msg_id as one row.
CREATE FUNCTION pgmq_compat_install.send(
  queue_name text, msg jsonb, headers jsonb, delay timestamptz)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY EXECUTE format(
    'INSERT INTO %s (vt, message, headers) VALUES ($1, $2, $3) RETURNING msg_id',
    pgmq.compat_table(queue_name, 'q_'))
    USING delay, msg, headers;
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send(
  queue_name text, msg jsonb, headers jsonb, delay integer)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send(queue_name, msg, headers,
    clock_timestamp() + make_interval(secs => delay));
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send(queue_name text, msg jsonb, headers jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send(queue_name, msg, headers, clock_timestamp());
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send(queue_name text, msg jsonb, delay timestamptz)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send(queue_name, msg, NULL::jsonb, delay);
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send(queue_name text, msg jsonb, delay integer)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send(queue_name, msg, NULL::jsonb,
    clock_timestamp() + make_interval(secs => delay));
END
$fn$;

CREATE FUNCTION pgmq_compat_install.send(queue_name text, msg jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT pgmq.send(queue_name, msg, NULL::jsonb, clock_timestamp());
END
$fn$;

-- read takes up to qty visible messages, oldest msg_id first, skipping rows
-- that other readers hold locked. It hides them for vt seconds and counts
-- the read. An empty conditional matches every message; otherwise a message
-- matches when it contains conditional (jsonb @>).
CREATE FUNCTION pgmq_compat_install.read(
  queue_name text, vt integer, qty integer, conditional jsonb DEFAULT '{}')
RETURNS SETOF pgmq_compat_install.message_record
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH picked AS (
       SELECT msg_id FROM %1$s
        WHERE vt <= clock_timestamp()
          AND ($3 = ''{}''::jsonb OR message @> $3)
        ORDER BY msg_id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
     )
     UPDATE %1$s q
        SET vt = clock_timestamp() + make_interval(secs => $1),
            read_ct = q.read_ct + 1
       FROM picked
      WHERE q.msg_id = picked.msg_id
     RETURNING q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message, q.headers',
    pgmq.compat_table(queue_name, 'q_'))
    USING vt, qty, coalesce(conditional, '{}'::jsonb);
END
$fn$;

-- read_with_poll repeats read every poll_interval_ms until it returns a
-- message or max_poll_seconds have passed, and then returns what it has,
-- possibly nothing. Each read runs as its own statement, so in READ
-- COMMITTED it sees messages committed while it waits.
CREATE FUNCTION pgmq_compat_install.read_with_poll(
  queue_name text, vt integer, qty integer,
  max_poll_seconds integer DEFAULT 5, poll_interval_ms integer DEFAULT 100,
  conditional jsonb DEFAULT '{}')
RETURNS SETOF pgmq_compat_install.message_record
LANGUAGE plpgsql AS $fn$
DECLARE
  deadline timestamptz := clock_timestamp() + make_interval(secs => max_poll_seconds);
  got      integer;
BEGIN
  LOOP
    RETURN QUERY SELECT * FROM pgmq.read(queue_name, vt, qty, conditional);
    GET DIAGNOSTICS got = ROW_COUNT;
    IF got > 0 OR clock_timestamp() >= deadline THEN
      RETURN;
    END IF;
    PERFORM pg_sleep(poll_interval_ms / 1000.0);
  END LOOP;
END
$fn$;

-- pop deletes and returns the first visible message, without counting a
-- read.
CREATE FUNCTION pgmq_compat_install.pop(queue_name text)
RETURNS SETOF pgmq_compat_install.message_record
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY EXECUTE format(
    'DELETE FROM %1$s
      WHERE msg_id = (
        SELECT msg_id FROM %1$s
         WHERE vt <= clock_timestamp()
         ORDER BY msg_id
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
     RETURNING msg_id, read_ct, enqueued_at, vt, message, headers',
    pgmq.compat_table(queue_name, 'q_'));
END
$fn$;

-- set_vt makes the message visible vt seconds from now (0: at once) and
-- returns it, or no row when the message is gone.
CREATE FUNCTION pgmq_compat_install.set_vt(queue_name text, msg_id bigint, vt integer)
RETURNS SETOF pgmq_compat_install.message_record
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY EXECUTE format(
    'UPDATE %s SET vt = clock_timestamp() + make_interval(secs => $2)
      WHERE msg_id = $1
     RETURNING msg_id, read_ct, enqueued_at, vt, message, headers',
    pgmq.compat_table(queue_name, 'q_'))
    USING msg_id, vt;
END
$fn$;

-- delete removes one message and returns whether it existed.
CREATE FUNCTION pgmq_compat_install.delete(queue_name text, msg_id bigint)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  deleted bigint;
BEGIN
  EXECUTE format('DELETE FROM %s WHERE msg_id = $1 RETURNING msg_id',
    pgmq.compat_table(queue_name, 'q_'))
    INTO deleted USING msg_id;
  RETURN deleted IS NOT NULL;
END
$fn$;

-- delete with an array returns the ids it removed; unknown ids are skipped.
CREATE FUNCTION pgmq_compat_install.delete(queue_name text, msg_ids bigint[])
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY EXECUTE format('DELETE FROM %s WHERE msg_id = ANY($1) RETURNING msg_id',
    pgmq.compat_table(queue_name, 'q_'))
    USING msg_ids;
END
$fn$;

-- archive with an array moves the messages to the archive table, keeping
-- read_ct and setting archived_at, and returns the ids it moved. Unknown ids
-- are skipped.
CREATE FUNCTION pgmq_compat_install.archive(queue_name text, msg_ids bigint[])
RETURNS SETOF bigint
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH moved AS (
       DELETE FROM %s WHERE msg_id = ANY($1)
       RETURNING msg_id, read_ct, enqueued_at, vt, message, headers
     )
     INSERT INTO %s (msg_id, read_ct, enqueued_at, vt, message, headers)
     SELECT msg_id, read_ct, enqueued_at, vt, message, headers FROM moved
     RETURNING msg_id',
    pgmq.compat_table(queue_name, 'q_'), pgmq.compat_table(queue_name, 'a_'))
    USING msg_ids;
END
$fn$;

-- archive moves one message to the archive table and returns whether it
-- existed.
CREATE FUNCTION pgmq_compat_install.archive(queue_name text, msg_id bigint)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN EXISTS (SELECT 1 FROM pgmq.archive(queue_name, ARRAY[msg_id]));
END
$fn$;

-- purge_queue deletes every message of the queue, leaving the archive, and
-- returns how many it deleted.
CREATE FUNCTION pgmq_compat_install.purge_queue(queue_name text)
RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  deleted bigint;
BEGIN
  EXECUTE format('DELETE FROM %s', pgmq.compat_table(queue_name, 'q_'));
  GET DIAGNOSTICS deleted = ROW_COUNT;
  RETURN deleted;
END
$fn$;

-- metrics counts the queue's messages (all, and those visible now), the ages
-- in seconds of its newest and oldest message from enqueued_at (NULL when
-- empty), and total_messages, the number of msg_ids ever handed out. Like
-- pgmq, total_messages reads the identity sequence, so ids consumed by
-- rolled-back sends count too.
CREATE FUNCTION pgmq_compat_install.metrics(queue_name text)
RETURNS pgmq_compat_install.metrics_result
LANGUAGE plpgsql AS $fn$
DECLARE
  q      text := pgmq.compat_table(queue_name, 'q_');
  result record;
BEGIN
  EXECUTE format(
    'SELECT $1::text,
            count(*),
            extract(epoch FROM now() - max(enqueued_at))::integer,
            extract(epoch FROM now() - min(enqueued_at))::integer,
            coalesce(pg_sequence_last_value(pg_get_serial_sequence($2, ''msg_id'')), 0),
            now(),
            count(*) FILTER (WHERE vt <= clock_timestamp())
       FROM %s', q)
    INTO result USING queue_name, q;
  RETURN result;
END
$fn$;

-- metrics_all returns metrics for every queue in pgmq.meta. A queue dropped
-- by another session while this runs is left out instead of failing the
-- call.
CREATE FUNCTION pgmq_compat_install.metrics_all()
RETURNS SETOF pgmq_compat_install.metrics_result
LANGUAGE plpgsql AS $fn$
DECLARE
  name text;
BEGIN
  FOR name IN SELECT m.queue_name FROM pgmq.meta m ORDER BY m.queue_name LOOP
    BEGIN
      RETURN NEXT pgmq.metrics(name);
    EXCEPTION WHEN undefined_table THEN
      CONTINUE;
    END;
  END LOOP;
END
$fn$;

-- list_queues returns one row per queue from pgmq.meta.
CREATE FUNCTION pgmq_compat_install.list_queues()
RETURNS SETOF pgmq_compat_install.queue_record
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY SELECT m.queue_name, m.is_partitioned, m.is_unlogged, m.created_at
    FROM pgmq.meta m ORDER BY m.queue_name;
END
$fn$;

-- Keep the compatibility schema only where the extension is missing. A
-- server that already has a "pgmq" schema (the extension, or this schema
-- from an earlier install) keeps it.
DO $migration$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgmq') THEN
    DROP SCHEMA pgmq_compat_install CASCADE;
    CREATE EXTENSION IF NOT EXISTS pgmq;
  ELSIF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'pgmq') THEN
    DROP SCHEMA pgmq_compat_install CASCADE;
  ELSE
    ALTER SCHEMA pgmq_compat_install RENAME TO pgmq;
  END IF;
END
$migration$;

-- uuid_generate_v7() backs every id that CentralCloud creates. The pg_uuidv7
-- extension provides it where the server has the extension; otherwise this
-- migration installs an SQL function with the same name and output: a
-- version 7 UUID (RFC 9562) whose first 48 bits are the Unix time in
-- milliseconds, followed by the version nibble, random bits and the variant.
DO $migration$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_uuidv7') THEN
    CREATE EXTENSION IF NOT EXISTS pg_uuidv7;
  ELSIF NOT EXISTS (
    SELECT 1 FROM pg_proc WHERE proname = 'uuid_generate_v7' AND pronargs = 0
  ) THEN
    CREATE FUNCTION uuid_generate_v7() RETURNS uuid
    LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $fn$
    DECLARE
      unix_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
      -- gen_random_uuid() is a version 4 UUID: its variant bits are
      -- already 10 and its version nibble is 0100.
      bytes bytea := uuid_send(gen_random_uuid());
    BEGIN
      -- Bytes 0-5: the 48-bit big-endian millisecond timestamp.
      bytes := overlay(bytes PLACING substring(int8send(unix_ms) FROM 3) FROM 1 FOR 6);
      -- Turn version 0100 into 0111 by setting the two low bits of the
      -- version nibble (bits 52 and 53 in set_bit's numbering).
      bytes := set_bit(set_bit(bytes, 52, 1), 53, 1);
      RETURN encode(bytes, 'hex')::uuid;
    END
    $fn$;
  END IF;
END
$migration$;

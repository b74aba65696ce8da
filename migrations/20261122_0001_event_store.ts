// Event store schema (DESIGN.md section 3): streams, events, and wf_append() / wf_append_one(), which
// check the expected revision and append in one round trip.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE streams (
      stream_id  text PRIMARY KEY,
      revision   bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE events (
      global_position bigint GENERATED ALWAYS AS IDENTITY,
      transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
      stream_id       text NOT NULL,
      stream_revision bigint NOT NULL,
      event_id        uuid NOT NULL,
      type            text NOT NULL,
      schema_version  integer NOT NULL,
      data            jsonb NOT NULL,
      metadata        jsonb NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT events_pkey PRIMARY KEY (transaction_id, global_position),
      CONSTRAINT events_event_id_key UNIQUE (event_id),
      CONSTRAINT events_stream_revision_key UNIQUE (stream_id, stream_revision)
    );

    -- Claims p_count revisions of a stream after checking the expected revision; returns the revision
    -- before them (-1 for a new stream). p_expected is 'no_stream' | 'any' | 'stream_exists' | a revision.
    -- SQLSTATE WF001: wrong expected revision (DETAIL: the actual revision or 'no_stream').
    CREATE FUNCTION wf_claim_revisions(p_stream_id text, p_expected text, p_count integer)
    RETURNS bigint LANGUAGE plpgsql AS $fn$
    DECLARE
      v_before bigint;
    BEGIN
      IF p_expected = 'no_stream' THEN
        INSERT INTO streams (stream_id, revision) VALUES (p_stream_id, p_count - 1)
          ON CONFLICT (stream_id) DO NOTHING;
        IF NOT FOUND THEN
          SELECT s.revision INTO v_before FROM streams s WHERE s.stream_id = p_stream_id;
          RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'WF001', DETAIL = v_before::text;
        END IF;
        RETURN -1;
      ELSIF p_expected = 'any' THEN
        INSERT INTO streams AS s (stream_id, revision) VALUES (p_stream_id, p_count - 1)
          ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + p_count, updated_at = now()
          RETURNING s.revision - p_count INTO v_before;
      ELSIF p_expected = 'stream_exists' THEN
        UPDATE streams s SET revision = s.revision + p_count, updated_at = now()
          WHERE s.stream_id = p_stream_id RETURNING s.revision - p_count INTO v_before;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'WF001', DETAIL = 'no_stream';
        END IF;
      ELSE
        UPDATE streams s SET revision = s.revision + p_count, updated_at = now()
          WHERE s.stream_id = p_stream_id AND s.revision = p_expected::bigint
          RETURNING s.revision - p_count INTO v_before;
        IF NOT FOUND THEN
          SELECT s.revision INTO v_before FROM streams s WHERE s.stream_id = p_stream_id;
          RAISE EXCEPTION 'wrong expected revision'
            USING ERRCODE = 'WF001', DETAIL = coalesce(v_before::text, 'no_stream');
        END IF;
      END IF;
      RETURN v_before;
    END
    $fn$;

    -- The original result of an append whose event ids are all stored already in this stream (an
    -- idempotent retry); no row when none are stored. SQLSTATE WF002: only some are, or in another stream.
    -- Appends do not call it: a repeated id fails on events_event_id_key (or on the expected revision),
    -- and only then does the caller ask for the original result. The happy path stays one insert.
    CREATE FUNCTION wf_prior_append(p_stream_id text, p_event_ids uuid[])
    RETURNS TABLE (next_revision bigint, last_commit text, last_prepare bigint)
    LANGUAGE plpgsql AS $fn$
    DECLARE
      v_found integer;
      v_elsewhere boolean;
    BEGIN
      SELECT count(*), coalesce(bool_or(e.stream_id <> p_stream_id), false) INTO v_found, v_elsewhere
        FROM events e WHERE e.event_id = ANY (p_event_ids);
      IF v_found = 0 THEN
        RETURN;
      END IF;
      IF v_found <> cardinality(p_event_ids) OR v_elsewhere THEN
        RAISE EXCEPTION 'event ids already stored by another append' USING ERRCODE = 'WF002';
      END IF;
      RETURN QUERY
        SELECT e.stream_revision, e.transaction_id::text, e.global_position
        FROM events e WHERE e.event_id = ANY (p_event_ids)
        ORDER BY e.stream_revision DESC LIMIT 1;
    END
    $fn$;

    -- Appends a batch to one stream in one round trip. Subscribers are woken by the appending process
    -- after commit (a NOTIFY here would take the notify queue's lock across every commit's WAL flush,
    -- serialising all appenders).
    CREATE FUNCTION wf_append(
      p_stream_id text, p_expected text,
      p_event_ids uuid[], p_types text[], p_versions integer[], p_data jsonb[], p_metadata jsonb[]
    ) RETURNS TABLE (next_revision bigint, last_commit text, last_prepare bigint)
    LANGUAGE plpgsql AS $fn$
    DECLARE
      v_count  integer := coalesce(cardinality(p_event_ids), 0);
      v_before bigint;
    BEGIN
      IF v_count = 0 THEN
        RAISE EXCEPTION 'append needs at least one event' USING ERRCODE = '22023';
      END IF;
      v_before := wf_claim_revisions(p_stream_id, p_expected, v_count);
      RETURN QUERY
        WITH inserted AS (
          INSERT INTO events (stream_id, stream_revision, event_id, type, schema_version, data, metadata)
          SELECT p_stream_id, v_before + i.ord, i.id, i.type, i.version, i.data, i.meta
          FROM unnest(p_event_ids, p_types, p_versions, p_data, p_metadata)
            WITH ORDINALITY AS i(id, type, version, data, meta, ord)
          ORDER BY i.ord
          RETURNING global_position
        )
        SELECT v_before + v_count, pg_current_xact_id()::text, max(inserted.global_position) FROM inserted;
    END
    $fn$;

    -- The same for one event, with scalar arguments (cheaper than one-element arrays).
    CREATE FUNCTION wf_append_one(
      p_stream_id text, p_expected text,
      p_event_id uuid, p_type text, p_version integer, p_data jsonb, p_metadata jsonb
    ) RETURNS TABLE (next_revision bigint, last_commit text, last_prepare bigint)
    LANGUAGE plpgsql AS $fn$
    DECLARE
      v_revision bigint;
      v_position bigint;
    BEGIN
      v_revision := wf_claim_revisions(p_stream_id, p_expected, 1) + 1;
      INSERT INTO events (stream_id, stream_revision, event_id, type, schema_version, data, metadata)
        VALUES (p_stream_id, v_revision, p_event_id, p_type, p_version, p_data, p_metadata)
        RETURNING global_position INTO v_position;
      RETURN QUERY SELECT v_revision, pg_current_xact_id()::text, v_position;
    END
    $fn$;

    CREATE TABLE projection_checkpoints (
      projection_name  text PRIMARY KEY,
      position_commit  bigint NOT NULL,
      position_prepare bigint NOT NULL,
      updated_at       timestamptz NOT NULL DEFAULT now(),
      last_error       text,
      last_error_at    timestamptz
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS projection_checkpoints;
    DROP FUNCTION IF EXISTS wf_append_one(text, text, uuid, text, integer, jsonb, jsonb);
    DROP FUNCTION IF EXISTS wf_append(text, text, uuid[], text[], integer[], jsonb[], jsonb[]);
    DROP FUNCTION IF EXISTS wf_prior_append(text, uuid[]);
    DROP FUNCTION IF EXISTS wf_claim_revisions(text, text, integer);
    DROP TABLE IF EXISTS events;
    DROP TABLE IF EXISTS streams;
  `);
}

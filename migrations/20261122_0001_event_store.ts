// Event store schema (DESIGN.md section 3): streams, events, and wf_append(), which checks the
// expected revision and appends a batch in one round trip.
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

    -- Appends to one stream. p_expected is 'no_stream' | 'any' | 'stream_exists' | a revision.
    -- SQLSTATE WF001: wrong expected revision (DETAIL: the actual revision or 'no_stream').
    -- SQLSTATE WF002: some of the event ids are already stored, but not as this exact append.
    CREATE FUNCTION wf_append(
      p_stream_id text, p_expected text,
      p_event_ids uuid[], p_types text[], p_versions integer[], p_data jsonb[], p_metadata jsonb[]
    ) RETURNS TABLE (next_revision bigint, last_commit text, last_prepare bigint, was_stored boolean)
    LANGUAGE plpgsql AS $fn$
    DECLARE
      v_count   integer := cardinality(p_event_ids);
      v_before  bigint;
      v_found   integer;
    BEGIN
      IF v_count IS NULL OR v_count = 0 THEN
        RAISE EXCEPTION 'append needs at least one event' USING ERRCODE = '22023';
      END IF;

      -- Idempotent retry: the same ids, already stored in this stream, return the original result.
      SELECT count(*) INTO v_found FROM events WHERE event_id = ANY (p_event_ids);
      IF v_found > 0 THEN
        IF v_found = v_count AND NOT EXISTS (
          SELECT 1 FROM events WHERE event_id = ANY (p_event_ids) AND stream_id <> p_stream_id
        ) THEN
          RETURN QUERY
            SELECT e.stream_revision, e.transaction_id::text, e.global_position, true
            FROM events e WHERE e.event_id = ANY (p_event_ids)
            ORDER BY e.stream_revision DESC LIMIT 1;
          RETURN;
        END IF;
        RAISE EXCEPTION 'event ids already stored by another append' USING ERRCODE = 'WF002';
      END IF;

      IF p_expected = 'no_stream' THEN
        INSERT INTO streams (stream_id, revision) VALUES (p_stream_id, v_count - 1)
          ON CONFLICT (stream_id) DO NOTHING;
        IF NOT FOUND THEN
          SELECT s.revision INTO v_before FROM streams s WHERE s.stream_id = p_stream_id;
          RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'WF001', DETAIL = v_before::text;
        END IF;
        v_before := -1;
      ELSIF p_expected = 'any' THEN
        INSERT INTO streams AS s (stream_id, revision) VALUES (p_stream_id, v_count - 1)
          ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + v_count, updated_at = now()
          RETURNING s.revision - v_count INTO v_before;
      ELSIF p_expected = 'stream_exists' THEN
        UPDATE streams s SET revision = s.revision + v_count, updated_at = now()
          WHERE s.stream_id = p_stream_id RETURNING s.revision - v_count INTO v_before;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'WF001', DETAIL = 'no_stream';
        END IF;
      ELSE
        UPDATE streams s SET revision = s.revision + v_count, updated_at = now()
          WHERE s.stream_id = p_stream_id AND s.revision = p_expected::bigint
          RETURNING s.revision - v_count INTO v_before;
        IF NOT FOUND THEN
          SELECT s.revision INTO v_before FROM streams s WHERE s.stream_id = p_stream_id;
          RAISE EXCEPTION 'wrong expected revision'
            USING ERRCODE = 'WF001', DETAIL = coalesce(v_before::text, 'no_stream');
        END IF;
      END IF;

      RETURN QUERY
        WITH inserted AS (
          INSERT INTO events (stream_id, stream_revision, event_id, type, schema_version, data, metadata)
          SELECT p_stream_id, v_before + i.ord, i.id, i.type, i.version, i.data, i.meta
          FROM unnest(p_event_ids, p_types, p_versions, p_data, p_metadata)
            WITH ORDINALITY AS i(id, type, version, data, meta, ord)
          ORDER BY i.ord
          RETURNING global_position
        )
        SELECT v_before + v_count, pg_current_xact_id()::text, max(inserted.global_position), false
        FROM inserted;
      PERFORM pg_notify('wf_events', p_stream_id);
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
    DROP FUNCTION IF EXISTS wf_append(text, text, uuid[], text[], integer[], jsonb[], jsonb[]);
    DROP TABLE IF EXISTS events;
    DROP TABLE IF EXISTS streams;
  `);
}

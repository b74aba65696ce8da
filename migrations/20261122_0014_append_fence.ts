// Fenced appends (DESIGN.md section 9: "an attempt's appends are fenced"). wf_append() and wf_append_one()
// take optional fences: "append only if the latest event of stream S about key K is event E", checked in the
// append's own transaction while S's `streams` row is held FOR SHARE, so an append to S that would end the
// attempt (its record's end) either lands before the check (and the check sees it) or waits until the fenced
// append committed. The key is an event's data->>'instanceId' (set on every record event of a session
// stream, old ones included); the partial index makes the check one index probe, whatever the session size.
import type { Knex } from 'knex';

const oldSignatures = {
  many: 'wf_append(text, text, uuid[], text[], integer[], jsonb[], jsonb[])',
  one: 'wf_append_one(text, text, uuid, text, integer, jsonb, jsonb)',
};

/** The bodies of 0001, with the fence check in front. */
const appendFunctions = (fenced: boolean) => {
  const fenceParams = fenced
    ? `, p_fence_streams text[] DEFAULT NULL, p_fence_keys text[] DEFAULT NULL, p_fence_events uuid[] DEFAULT NULL`
    : '';
  const fenceCheck = fenced
    ? `IF p_fence_streams IS NOT NULL THEN
        PERFORM wf_check_fences(p_stream_id, p_fence_streams, p_fence_keys, p_fence_events);
      END IF;`
    : '';
  return `
    CREATE FUNCTION wf_append(
      p_stream_id text, p_expected text,
      p_event_ids uuid[], p_types text[], p_versions integer[], p_data jsonb[], p_metadata jsonb[]${fenceParams}
    ) RETURNS TABLE (next_revision bigint, last_commit text, last_prepare bigint)
    LANGUAGE plpgsql AS $fn$
    DECLARE
      v_count  integer := coalesce(cardinality(p_event_ids), 0);
      v_before bigint;
    BEGIN
      IF v_count = 0 THEN
        RAISE EXCEPTION 'append needs at least one event' USING ERRCODE = '22023';
      END IF;
      ${fenceCheck}
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

    CREATE FUNCTION wf_append_one(
      p_stream_id text, p_expected text,
      p_event_id uuid, p_type text, p_version integer, p_data jsonb, p_metadata jsonb${fenceParams}
    ) RETURNS TABLE (next_revision bigint, last_commit text, last_prepare bigint)
    LANGUAGE plpgsql AS $fn$
    DECLARE
      v_revision bigint;
      v_position bigint;
    BEGIN
      ${fenceCheck}
      v_revision := wf_claim_revisions(p_stream_id, p_expected, 1) + 1;
      INSERT INTO events (stream_id, stream_revision, event_id, type, schema_version, data, metadata)
        VALUES (p_stream_id, v_revision, p_event_id, p_type, p_version, p_data, p_metadata)
        RETURNING global_position INTO v_position;
      RETURN QUERY SELECT v_revision, pg_current_xact_id()::text, v_position;
    END
    $fn$;
  `;
};

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX events_session_instance_idx
      ON events (stream_id, (data->>'instanceId'), stream_revision DESC)
      WHERE stream_id LIKE 'session-%';

    -- Raises WF003 unless, for each i, the latest event of p_streams[i] whose data->>'instanceId' is
    -- p_keys[i] is p_events[i] (DETAIL: i, a space, and the latest event id about the key or 'none').
    CREATE FUNCTION wf_check_fences(p_target text, p_streams text[], p_keys text[], p_events uuid[])
    RETURNS void LANGUAGE plpgsql AS $fn$
    DECLARE
      v_latest uuid;
    BEGIN
      IF p_target = ANY (p_streams) THEN
        RAISE EXCEPTION 'a fence must name another stream than the one appended to' USING ERRCODE = '22023';
      END IF;
      -- Sorted, so two fenced appends never wait on each other's locks in opposite orders.
      PERFORM 1 FROM streams s WHERE s.stream_id = ANY (p_streams) ORDER BY s.stream_id FOR SHARE;
      FOR i IN 1 .. coalesce(cardinality(p_streams), 0) LOOP
        IF p_streams[i] LIKE 'session-%' THEN
          SELECT e.event_id INTO v_latest FROM events e
           WHERE e.stream_id = p_streams[i] AND e.stream_id LIKE 'session-%'
             AND e.data->>'instanceId' = p_keys[i]
           ORDER BY e.stream_revision DESC LIMIT 1;
        ELSE
          SELECT e.event_id INTO v_latest FROM events e
           WHERE e.stream_id = p_streams[i] AND e.data->>'instanceId' = p_keys[i]
           ORDER BY e.stream_revision DESC LIMIT 1;
        END IF;
        IF v_latest IS DISTINCT FROM p_events[i] THEN
          RAISE EXCEPTION 'append fenced' USING ERRCODE = 'WF003',
            DETAIL = i::text || ' ' || coalesce(v_latest::text, 'none');
        END IF;
      END LOOP;
    END
    $fn$;

    DROP FUNCTION ${oldSignatures.many};
    DROP FUNCTION ${oldSignatures.one};
    ${appendFunctions(true)}
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION wf_append(text, text, uuid[], text[], integer[], jsonb[], jsonb[], text[], text[], uuid[]);
    DROP FUNCTION wf_append_one(text, text, uuid, text, integer, jsonb, jsonb, text[], text[], uuid[]);
    ${appendFunctions(false)}
    DROP FUNCTION wf_check_fences(text, text[], text[], uuid[]);
    DROP INDEX events_session_instance_idx;
  `);
}

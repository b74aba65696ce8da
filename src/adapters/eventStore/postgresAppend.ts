// Appends to the PostgreSQL event store: one call of wf_append / wf_append_one (migrations 0001, 0014), on
// the store's pool or inside a caller's transaction, and what its errors mean.
import type pg from 'pg';
import type { EventData } from '../../domain/events/envelope.js';
import {
  FencedAppendError,
  WrongExpectedRevisionError,
  fencesOf,
  type AppendFence,
  type AppendOptions,
  type AppendResult,
  type ExpectedRevision,
  type SqlTransaction,
} from './port.js';

/** Runs one statement and returns its rows. */
export type RunQuery = <R extends pg.QueryResultRow>(query: pg.QueryConfig) => Promise<R[]>;

interface AppendRow {
  next_revision: string;
  last_commit: string;
  last_prepare: string;
}

const toAppendResult = (row: AppendRow): AppendResult => ({
  nextExpectedRevision: BigInt(row.next_revision),
  position: { commit: BigInt(row.last_commit), prepare: BigInt(row.last_prepare) },
});

function appendQuery(
  streamId: string,
  events: readonly EventData[],
  expectedRevision: ExpectedRevision,
  fences: readonly AppendFence[],
): pg.QueryConfig {
  const expected = typeof expectedRevision === 'bigint' ? expectedRevision.toString() : expectedRevision;
  const [only] = events;
  // Fenced appends pass three more arrays; unfenced ones keep the shorter statement (the defaults are NULL).
  const fenced = fences.length > 0;
  const fenceArgs = fenced ? ', $8::text[], $9::text[], $10::uuid[]' : '';
  const fenceValues = fenced
    ? [fences.map((f) => f.stream), fences.map((f) => f.key), fences.map((f) => f.eventId)]
    : [];
  const suffix = fenced ? '_fenced' : '';
  // Named statements are prepared once per connection.
  if (events.length === 1 && only) {
    return {
      name: `wf_append_one${suffix}`,
      text: `SELECT next_revision, last_commit, last_prepare FROM wf_append_one($1, $2, $3, $4, $5, $6, $7${fenceArgs})`,
      values: [
        streamId,
        expected,
        only.eventId,
        only.type,
        only.schemaVersion,
        JSON.stringify(only.data),
        JSON.stringify(only.metadata),
        ...fenceValues,
      ],
    };
  }
  return {
    name: `wf_append${suffix}`,
    text: `SELECT next_revision, last_commit, last_prepare FROM wf_append($1, $2, $3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[]${fenceArgs})`,
    values: [
      streamId,
      expected,
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
      ...fenceValues,
    ],
  };
}

/**
 * Runs statements in a caller's transaction. Placeholders become knex's `?`: the statements here name
 * $1..$n once each, in order. A failed statement would abort the caller's transaction, so `attempt` runs
 * under a savepoint: after a conflict the retry check still runs, and the caller gets the typed error
 * with its transaction alive (a COMMIT of an aborted one silently rolls back).
 */
export function transactionRunner(trx: SqlTransaction): {
  run: RunQuery;
  attempt: <T>(work: () => Promise<T>) => Promise<T>;
} {
  const run: RunQuery = async <R extends pg.QueryResultRow>(query: pg.QueryConfig) =>
    ((await trx.raw(query.text.replace(/\$\d+/g, '?'), query.values ?? [])) as pg.QueryResult<R>).rows;
  return {
    run,
    async attempt(work) {
      await trx.raw('SAVEPOINT wf_append', []);
      try {
        return await work();
      } catch (err) {
        await trx.raw('ROLLBACK TO SAVEPOINT wf_append', []);
        throw err;
      }
    },
  };
}

async function priorAppend(
  run: RunQuery,
  streamId: string,
  events: readonly EventData[],
): Promise<AppendResult | undefined> {
  try {
    const [row] = await run<AppendRow>({
      text: 'SELECT next_revision, last_commit, last_prepare FROM wf_prior_append($1, $2::uuid[])',
      values: [streamId, events.map((e) => e.eventId)],
    });
    return row ? toAppendResult(row) : undefined;
  } catch (err) {
    if ((err as { code?: string }).code === 'WF002') {
      throw new Error(`stream ${streamId}: some of these event ids are already stored by another append`, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * One append. `attempt` wraps the wf_append call (a savepoint in a caller's transaction); the retry check
 * runs after it, with `run`.
 */
export async function appendEvents(
  run: RunQuery,
  attempt: <T>(work: () => Promise<T>) => Promise<T>,
  streamId: string,
  events: readonly EventData[],
  options: AppendOptions,
): Promise<AppendResult> {
  const fences = fencesOf(options);
  try {
    const [row] = await attempt(() =>
      run<AppendRow>(appendQuery(streamId, events, options.expectedRevision, fences)),
    );
    return toAppendResult(row!);
  } catch (err) {
    const e = err as { code?: string; detail?: string; constraint?: string };
    const duplicateId = e.code === '23505' && e.constraint === 'events_event_id_key';
    if (e.code !== 'WF001' && e.code !== 'WF003' && !duplicateId) throw err;
    // A retry of an append that did land (its reply was lost, or another copy won the race; a fence
    // checked then held): return the original result. Otherwise it is a real conflict.
    const prior = await priorAppend(run, streamId, events);
    if (prior) return prior;
    if (duplicateId) throw err;
    if (e.code === 'WF003') {
      const [index, latest] = (e.detail ?? '').split(' ');
      const fence = fences[Number(index) - 1] ?? fences[0]!;
      throw new FencedAppendError(streamId, fence, latest === 'none' ? undefined : latest);
    }
    const actual = e.detail === 'no_stream' || e.detail === undefined ? 'no_stream' : BigInt(e.detail);
    throw new WrongExpectedRevisionError(streamId, options.expectedRevision, actual);
  }
}

// The account ledger an account sync starts from, read through a snapshot (account_ledger_snapshots) so a
// nightly sync reads the events since the last one instead of the instance's whole account history.
// The snapshot is a cache of a fold of the log, never part of it: a failure to read or write one is
// logged and the sync folds from the start. It is used only when the stream still holds, at its
// revision, the very event it was taken after (same id); otherwise the log it came from is not this one.
import type { Knex } from 'knex';
import { prepared } from '../../adapters/db/preparedStatements.js';
import type { FencedStore } from '../../adapters/eventStore/fencedStore.js';
import {
  foldLedger,
  type AccountLedger,
  type LedgerEvent,
  type LedgerState,
} from '../../domain/accounts/ledger.js';
import { LEDGER_FOLD_VERSION, ledgerStateJson, ledgerStateOf } from '../../domain/accounts/ledgerSnapshot.js';
import type { EventData, RecordedEvent } from '../../domain/events/envelope.js';
import type { Logger } from '../../logger.js';

/** Read events, or events this process just appended (their data as it gave them to the store). */
export const toLedgerEvents = (events: readonly EventData[]): LedgerEvent[] =>
  events.map((e) => ({ type: e.type, eventId: e.eventId, data: e.data, occurredAt: e.metadata.occurredAt }));

export interface LedgerSnapshot {
  revision: bigint;
  /** The id of the event at `revision`: the last one folded into the state. */
  eventId: string;
  state: LedgerState;
}

export interface LedgerSnapshots {
  /** The stream's snapshot of the current fold version; undefined when it has none. */
  load(streamId: string): Promise<LedgerSnapshot | undefined>;
  /** Keeps it unless a snapshot at a later revision is already stored. */
  save(streamId: string, snapshot: LedgerSnapshot): Promise<void>;
  logger: Logger;
}

const TABLE = 'account_ledger_snapshots';

export const ledgerSnapshots = (knex: Knex, logger: Logger): LedgerSnapshots => ({
  logger,
  async load(streamId) {
    const row = await knex(TABLE)
      .where({ stream_id: streamId, fold_version: LEDGER_FOLD_VERSION })
      .options(prepared)
      .first<{ revision: string; event_id: string; state: unknown } | undefined>(
        'revision',
        'event_id',
        'state',
      );
    return row && { revision: BigInt(row.revision), eventId: row.event_id, state: ledgerStateOf(row.state) };
  },
  async save(streamId, snapshot) {
    await knex
      .raw(
        `INSERT INTO ${TABLE} AS s (stream_id, revision, event_id, fold_version, state, taken_at)
       VALUES (?, ?, ?, ?, ?::json, now())
       ON CONFLICT (stream_id) DO UPDATE
         SET revision = EXCLUDED.revision, event_id = EXCLUDED.event_id, fold_version = EXCLUDED.fold_version,
             state = EXCLUDED.state, taken_at = EXCLUDED.taken_at
       WHERE s.revision < EXCLUDED.revision OR s.fold_version <> EXCLUDED.fold_version`,
        [
          streamId,
          snapshot.revision.toString(),
          snapshot.eventId,
          LEDGER_FOLD_VERSION,
          ledgerStateJson(snapshot.state),
        ],
      )
      .options(prepared);
  },
});

export interface LedgerRead {
  ledger: AccountLedger;
  /** The stream's revision the ledger is folded up to (the expected revision of the next append). */
  revision: bigint | 'no_stream';
  /** The snapshot being written of this ledger (settles, never rejects: a failure is logged). */
  saved: Promise<void>;
}

/**
 * The events after the snapshot, when the stream holds at its revision the event it was taken after;
 * undefined otherwise. With eventIdAt the id alone is looked up; without it the event is read back.
 */
async function eventsAfter(
  store: Pick<FencedStore, 'readStream' | 'eventIdAt'>,
  streamId: string,
  snapshot: LedgerSnapshot,
): Promise<RecordedEvent[] | undefined> {
  if (store.eventIdAt) {
    const id = await store.eventIdAt(streamId, snapshot.revision);
    return id === snapshot.eventId ? store.readStream(streamId, { from: snapshot.revision + 1n }) : undefined;
  }
  const events = await store.readStream(streamId, { from: snapshot.revision });
  const at = events[0];
  return at && at.revision === snapshot.revision && at.eventId === snapshot.eventId
    ? events.slice(1)
    : undefined;
}

/** The ledger of an account stream: from its snapshot and the events after it, else from the start. */
export async function readLedger(
  store: Pick<FencedStore, 'readStream' | 'eventIdAt'>,
  streamId: string,
  snapshots?: LedgerSnapshots,
): Promise<LedgerRead> {
  const snapshot = await snapshots?.load(streamId).catch((err: unknown) => {
    snapshots.logger.warn(
      { err, streamId },
      'could not read the account ledger snapshot; folding from the start',
    );
    return undefined;
  });
  let ledger: AccountLedger;
  let last: { revision: bigint; eventId: string } | undefined;
  const after = snapshot && (await eventsAfter(store, streamId, snapshot));
  if (snapshot && after) {
    ledger = foldLedger(toLedgerEvents(after), undefined, snapshot.state);
    last = after.at(-1) ?? snapshot;
  } else {
    const events = await store.readStream(streamId);
    ledger = foldLedger(toLedgerEvents(events));
    last = events.at(-1);
  }
  let saved = Promise.resolve();
  if (snapshots && last && (!snapshot || last.revision > snapshot.revision))
    saved = snapshots
      .save(streamId, { revision: last.revision, eventId: last.eventId, state: ledger })
      .catch((err: unknown) =>
        snapshots.logger.warn({ err, streamId }, 'could not write the account ledger snapshot'),
      );
  return { ledger, revision: last ? last.revision : 'no_stream', saved };
}

/**
 * After a sync's appends: the ledger it started from with what it appended folded on, as the snapshot at
 * `revision` (the last appended event's). The fold reads only what a stored event keeps (strings,
 * booleans, arrays, plain objects), so it is the fold the next sync would make of the events read back.
 */
export async function saveLedgerAfter(
  snapshots: LedgerSnapshots | undefined,
  streamId: string,
  before: LedgerState,
  appended: readonly EventData[],
  revision: bigint,
): Promise<void> {
  const last = appended.at(-1);
  if (!snapshots || !last) return;
  const state = foldLedger(toLedgerEvents(appended), undefined, before);
  await snapshots
    .save(streamId, { revision, eventId: last.eventId, state })
    .catch((err: unknown) =>
      snapshots.logger.warn({ err, streamId }, 'could not write the account ledger snapshot'),
    );
}

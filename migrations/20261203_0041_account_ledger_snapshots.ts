// account_ledger_snapshots: the folded ledger of each accounts-{instanceId} stream, kept between account
// syncs so a sync reads the events since the snapshot instead of the whole stream (src/commands/sync/
// ledgerSnapshots.ts; docs/decisions.md "Account ledger snapshots"). Derived data, never part of the log:
// a lost or stale row only makes the next sync fold from the start. `state` is json, not jsonb, so the
// state reads back with the key order it was written with.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE account_ledger_snapshots (
      stream_id    text PRIMARY KEY,
      revision     bigint NOT NULL,
      event_id     uuid NOT NULL,
      fold_version integer NOT NULL,
      state        json NOT NULL,
      taken_at     timestamptz NOT NULL
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS account_ledger_snapshots');
}

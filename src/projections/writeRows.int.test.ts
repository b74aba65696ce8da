// writeRows (rows as one jsonb parameter per statement) leaves exactly the rows insertRows and upsertRows
// (one bound parameter per value) leave, and the projections that use it bind a few parameters per write
// whatever the number of rows (the cost it removes). The accounts projection's batches: a live batch of
// one inventory or one permission sync (what a runner applies per append at concurrency 1) is one read
// and one write, whatever the number of accounts (the old code: four to six statements); writeParts,
// which carries those writes, splits rows too many for one statement over several and numbers change-log
// ids exactly as writeRows with ids numbered in the client did.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded } from '../../test/support/eventFactory.js';
import { mixedLog } from '../../test/support/mixedLog.js';
import { aggregationRows } from '../../test/support/mixedLogData.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { writeParts } from './accounts/batchWrite.js';
import { accountsProjection } from './accounts/projection.js';
import { handles, liveTables, type Projection } from './projection.js';
import { aggregationsProjection } from './aggregations/projection.js';
import { insertRows, json, upsertRows, upsertRowsAsJson, writeRows } from './rows.js';
import { syncSessionsProjection } from './syncSessions/projection.js';
import { createTwin, dropTwin } from './tableTwins.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const rowsOf = async (table: string) =>
  (
    await db.knex.raw<{ rows: { r: string }[] }>(`SELECT t::text AS r FROM ?? t ORDER BY 1`, [table])
  ).rows.map((x) => x.r);

const ids = Array.from({ length: 6 }, () => randomUUID());
const instanceId = randomUUID();
const permission = (i: number, day: number) => ({
  account_id: ids[i]!,
  instance_id: instanceId,
  username: `u${i}'"\\ é?`,
  db_type: 'mysql',
  permission_snapshot: {
    version: 4,
    categories: { global: ['SELECT', `P${day}`] },
    note: 'a "q" \\ ?',
    n: 1.5,
  },
  permission_facts: {
    db_type: 'mysql',
    capabilities: (i + day) % 2 === 1 ? ['SUPERUSER'] : [],
    roles: [],
    privileges: { global: [{ z: 1, a: [2, { y: null, b: true }] }] },
    empty: {},
  },
  is_superuser: (i + day) % 2 === 1,
  is_locked: false,
  last_sync_time: `2026-01-0${day}T01:02:03.123456Z`,
  last_change_type: day === 1 ? 'add' : 'none',
  last_change_time: '2026-01-01 01:02:03.654321+00',
});
const change = (n: number) => ({
  id: String(n),
  instance_id: instanceId,
  username: `u${n % 3}`,
  change_type: n % 2 === 0 ? 'modify_privilege' : 'delete',
  change_time: `2026-01-02T00:00:0${n % 10}.000001Z`,
  session_id: n % 3 === 0 ? null : instanceId,
  privilege_diff: n % 2 === 0 ? { privileges: { global: { added: ['PROCESS'], removed: [] } } } : null,
  other_diff: n % 3 === 1 ? { attributes: { plugin: { from: null, to: 'native' } } } : null,
});
const asText = <T extends Record<string, unknown>>(row: T, jsonColumns: readonly string[]) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonColumns.includes(k) ? json(v) : v]));

type Put = (rows: Record<string, unknown>[], conflict?: string[], merge?: string[]) => Promise<void>;

/** Writes `write` through the old helpers into the live table and through writeRows into its twin. */
async function both(table: string, jsonColumns: readonly string[], write: (put: Put) => Promise<void>) {
  const twin = await createTwin(db.knex, table);
  try {
    await db.knex.transaction((trx) =>
      write((rows, conflict, merge) => {
        const texts = rows.map((r) => asText(r, jsonColumns));
        return conflict ? upsertRows(trx, table, texts, conflict, merge) : insertRows(trx, table, texts);
      }),
    );
    await db.knex.transaction((trx) =>
      write((rows, conflict, merge) => writeRows(trx, twin, rows, { conflict, merge })),
    );
    const [live, twinned] = [await rowsOf(table), await rowsOf(twin)];
    expect(live.length).toBeGreaterThan(0);
    expect(twinned).toEqual(live);
  } finally {
    await dropTwin(db.knex, table);
  }
}

describe('writeRows', () => {
  it('leaves the rows upsertRows and insertRows leave: jsonb, nulls, times with microseconds, merges', async () => {
    await both('account_permission', ['permission_snapshot', 'permission_facts'], async (put) => {
      await put(
        [0, 1, 2, 3].map((i) => permission(i, 1)),
        ['account_id'],
      );
      await put(
        [2, 3, 4, 5].map((i) => permission(i, 2)),
        ['account_id'],
      );
      await put(
        [0, 5].map((i) => permission(i, 3)),
        ['account_id'],
        ['last_sync_time', 'is_superuser'],
      );
    });
    await both('account_change_log', ['privilege_diff', 'other_diff'], (put) =>
      put(Array.from({ length: 12 }, (_, n) => change(n + 1))),
    );
  });

  it('the accounts, sync_sessions and aggregations projections bind as many parameters per write for 4 instances as for 40', async () => {
    const maxBindings = async (projection: Projection, instances: number) => {
      const events = [...mixedLog({ instances, days: 2, accountsPerInstance: 10, databasesPerInstance: 1 })]
        .flat()
        .filter((x) => handles(projection, x.event.type))
        .map((x, n) => recorded(n, x.event.type, x.event.data, x.event.metadata.occurredAt));
      const sizes: number[] = [];
      const onQuery = (q: { sql: string; bindings?: unknown[] }) => {
        // The accounts projection writes a batch as one WITH of inserts (accounts/batchWrite.ts).
        if (/^\s*(insert|with)/i.test(q.sql)) sizes.push(q.bindings?.length ?? 0);
      };
      db.knex.on('query', onQuery);
      try {
        await db.knex.transaction((trx) => projection.apply({ trx, table: liveTables }, events));
      } finally {
        db.knex.removeListener('query', onQuery);
      }
      expect(sizes.length).toBeGreaterThan(0);
      return Math.max(...sizes);
    };
    for (const projection of [accountsProjection, syncSessionsProjection, aggregationsProjection])
      expect(await maxBindings(projection, 40), projection.name).toBe(await maxBindings(projection, 4));
  });
});

describe('accounts projection statements', () => {
  it('applies one sync per batch in one read and one write, for 10 accounts as for 100', async () => {
    const statementsPerBatch = async (accountsPerInstance: number) => {
      const events = [...mixedLog({ instances: 2, days: 3, accountsPerInstance, databasesPerInstance: 1 })]
        .flat()
        .filter((x) => handles(accountsProjection, x.event.type))
        .map((x, n) => recorded(n, x.event.type, x.event.data, x.event.metadata.occurredAt));
      const counts = new Set<number>();
      let n = 0;
      const onQuery = () => (n += 1);
      db.knex.on('query', onQuery);
      try {
        for (const e of events) {
          await db.knex.transaction(async (trx) => {
            n = 0;
            await accountsProjection.apply({ trx, table: liveTables }, [e]);
            counts.add(n);
          });
        }
      } finally {
        db.knex.removeListener('query', onQuery);
      }
      return [...counts].sort();
    };
    expect(await statementsPerBatch(10)).toEqual([2]);
    expect(await statementsPerBatch(100)).toEqual([2]);
  });

  it('writeParts over several statements leaves the rows writeRows leaves, change-log ids in order', async () => {
    const instanceId = randomUUID();
    const change = (i: number) => ({
      instance_id: instanceId,
      username: `u${i % 7}`,
      change_type: i % 2 === 0 ? 'add' : 'delete',
      change_time: `2026-01-02T00:00:0${i % 10}.00000${i % 7}Z`,
      session_id: null,
      privilege_diff: i % 3 === 0 ? { roles: { added: [`r${i}`], removed: [] } } : null,
      other_diff: null,
    });
    const count = (i: number) => ({
      instance_id: randomUUID(),
      active: i,
      superuser: 0,
      grant_admin: 1,
      locked: 2,
    });
    const first = Array.from({ length: 3 }, (_, i) => change(i));
    const more = Array.from({ length: 7_003 }, (_, i) => change(i + 3));
    const counts = Array.from({ length: 6_000 }, (_, i) => count(i));
    await db.knex.raw('TRUNCATE account_change_log, account_capability_counts');
    const twins = [
      await createTwin(db.knex, 'account_change_log'),
      await createTwin(db.knex, 'account_capability_counts'),
    ];
    try {
      await db.knex.transaction(async (trx) => {
        // The old way: ids numbered in the client after the highest, one writeRows per table.
        await writeRows(
          trx,
          'account_change_log',
          first.map((r, i) => ({ id: String(i + 1), ...r })),
        );
        await writeRows(
          trx,
          'account_change_log',
          more.map((r, i) => ({ id: String(i + 4), ...r })),
        );
        await writeRows(trx, 'account_capability_counts', counts);
        await writeParts(trx, [{ table: twins[0]!, rows: first, numbered: true }]);
        const parts = [
          { table: twins[1]!, rows: counts.slice(0, 2_000) },
          { table: twins[0]!, rows: more, numbered: true },
          { table: twins[1]!, rows: counts.slice(2_000), conflict: ['instance_id'], skipUnchanged: true },
        ];
        const statements: string[] = [];
        const onQuery = (q: { sql: string }) => statements.push(q.sql);
        db.knex.on('query', onQuery);
        await writeParts(trx, parts);
        db.knex.removeListener('query', onQuery);
        expect(statements).toHaveLength(3); // 15,003 rows, 5,000 per statement
      });
      expect(await rowsOf(twins[0]!)).toEqual(await rowsOf('account_change_log'));
      expect(await rowsOf(twins[1]!)).toEqual(await rowsOf('account_capability_counts'));
    } finally {
      await dropTwin(db.knex, 'account_change_log');
      await dropTwin(db.knex, 'account_capability_counts');
    }
  });
});

describe('upsertRowsAsJson', () => {
  const key = ['instance_id', 'database_name', 'period_type', 'period_start'];
  const aggregated = randomUUID(); // an instance of its own: the test above writes this table too
  const mine = async (table: string) => (await rowsOf(table)).filter((r) => r.includes(aggregated));
  /** An event's database rows of a day, as the aggregations projection writes them. */
  const day = (d: number, partial: boolean | undefined) =>
    aggregationRows(aggregated, `2026-02-0${d}`, d, 3).databases.map((r, k) => ({
      ...r,
      ...(partial === undefined ? {} : { is_partial: partial }),
      calculated_at: new Date(Date.UTC(2026, 1, d, 1, 2, 3, 456)),
      size_change_percent: k === 1 ? undefined : r.size_change_percent,
    }));

  it('leaves the rows upsertRows leaves: defaults for keys a row lacks, merges of every column given', async () => {
    const table = 'database_size_aggregations';
    const twin = await createTwin(db.knex, table);
    try {
      const write = (put: (rows: Record<string, unknown>[]) => Promise<void>) =>
        (async () => {
          await put([...day(1, true), ...day(2, undefined)]);
          // Day 1 again: a row lacking is_partial takes its default over the stored true, a row
          // lacking size_change_percent its default (NULL) over the stored value.
          await put([...day(1, undefined), ...day(2, true)].map((r) => ({ ...r, avg_size_mb: 7.25 })));
          await put(day(3, false));
        })();
      await db.knex.transaction((trx) => write((rows) => upsertRows(trx, table, rows, key)));
      await db.knex.transaction((trx) => write((rows) => upsertRowsAsJson(trx, twin, rows, key)));
      const [live, twinned] = [await mine(table), await mine(twin)];
      expect(live).toHaveLength(9);
      expect(live.filter((r) => r.includes(',f,'))).toHaveLength(6); // is_partial's default is false
      expect(twinned).toEqual(live);
    } finally {
      await dropTwin(db.knex, table);
    }
  });
});

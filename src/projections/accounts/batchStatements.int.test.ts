// The accounts projection's statements per batch: a live batch of one inventory or one permission sync
// (what a runner applies per append at concurrency 1) is one read and one write, whatever the number of
// accounts (the old code: six for an inventory, four to six for permissions). writeParts, which carries
// those writes, splits rows too many for one statement over several and numbers change-log ids exactly as
// one statement would.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded } from '../../../test/support/eventFactory.js';
import { mixedLog } from '../../../test/support/mixedLog.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.js';
import { handles, liveTables } from '../projection.js';
import { writeRows } from '../rows.js';
import { createTwin, dropTwin } from '../tableTwins.js';
import { writeParts } from './batchWrite.js';
import { accountsProjection } from './projection.js';

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

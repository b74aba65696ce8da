// The accounts tables (instance_accounts, account_change_log) between the days of
// test/support/accountsScenario.ts; the queries' answers at the end are in queries.int.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { accountsScenario, times } from '../../../test/support/accountsScenario.js';
import { accountId, accountsProjection } from './projection.js';
import { getAccount, listAccountLedgers } from './queries.js';

describe('accounts projection', () => {
  const spec = projectionSpec(accountsProjection);

  it('projects inventories, permissions and reverts into accounts and a change log; equals a rebuild', async () => {
    const runner = spec.runner({ batchSize: 2 });
    const { instances, sessions, steps } = accountsScenario(spec);
    const { i1 } = instances;
    const { s1, s2, s3 } = sessions;
    const { t1, t1p, t2, t2p, t3, t3r } = times;

    const day1 = await steps.day1();
    expect(day1.changes).toMatchObject({
      added: ['app@%', 'mysql.sys@localhost', 'report@%', 'root@localhost'],
    });
    expect(day1.diffs).toEqual([null, null, null, null]);

    await spec.catchUp(runner);
    const first = await listAccountLedgers(spec.db.knex, { instanceId: i1 }, { page: 1, limit: 10 });
    expect(first.items.map((a) => a.username)).toEqual([
      'app@%',
      'mysql.sys@localhost',
      'report@%',
      'root@localhost',
    ]);
    expect(first.items[0]).toMatchObject({
      id: accountId(i1, 'app@%'),
      db_type: 'mysql',
      is_active: true,
      first_seen_at: t1,
      last_seen_at: t1,
      permissions: { last_change_type: 'add', last_change_time: t1p, last_sync_time: t1p },
    });

    const day2 = await steps.day2();
    expect(day2.changes).toEqual({
      added: ['backup@%'],
      changed: ['app@%'],
      deactivated: ['report@%'],
      reactivated: [],
    });
    expect(day2.diffs).toEqual([
      null,
      null,
      expect.objectContaining({ privileges: expect.objectContaining({}) }),
      null,
    ]);

    expect((await steps.day3()).changes).toMatchObject({ added: [], reactivated: ['report@%'] });
    await spec.catchUp(runner);
    expect(await getAccount(spec.db.knex, accountId(i1, 'report@%'))).toMatchObject({
      is_active: true,
      deleted_at: null,
      last_seen_at: t3,
    });
    await steps.day3Revert();
    await spec.catchUp(runner);

    // instance_accounts
    const report1 = await getAccount(spec.db.knex, accountId(i1, 'report@%'));
    expect(report1).toMatchObject({
      username: 'report@%',
      is_active: false,
      first_seen_at: t1,
      last_seen_at: t3,
      deleted_at: t3r,
      permissions: { last_change_type: 'add', last_change_time: t1p },
    });
    const app1 = (await getAccount(spec.db.knex, accountId(i1, 'app@%')))!;
    expect(app1).toMatchObject({
      id: accountId(i1, 'app@%'),
      instance_id: i1,
      is_active: true,
      is_locked: true,
      is_superuser: false,
      is_system: false,
      attributes: { plugin: 'caching_sha2_password', account_locked: 'Y' },
      first_seen_at: t1,
      last_seen_at: t3, // the revert restores, it does not see
      deleted_at: null,
      permissions: {
        last_change_type: 'modify_privilege',
        last_change_time: t2p,
        last_sync_time: t2p,
        facts: { capabilities: ['LOCKED'] },
        snapshot: { version: 4, db_type: 'mysql' },
      },
    });
    expect(app1.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await getAccount(spec.db.knex, accountId(i1, 'root@localhost'))).toMatchObject({
      is_superuser: true,
      permissions: { last_change_type: 'none', last_change_time: t1p, last_sync_time: t2p },
    });
    expect(await getAccount(spec.db.knex, accountId(i1, 'backup@%'))).toMatchObject({
      permissions: { last_change_type: 'add', last_change_time: t2p },
    });
    expect(await getAccount(spec.db.knex, randomUUID())).toBeUndefined();

    // account_change_log: event order, then username; ids numbered in that order.
    const log = await spec.db.knex('account_change_log').where({ instance_id: i1 }).orderBy('id').select<
      {
        id: string;
        username: string;
        change_type: string;
        change_time: Date;
        session_id: string;
        privilege_diff: unknown;
        other_diff: unknown;
      }[]
    >('id', 'username', 'change_type', 'change_time', 'session_id', 'privilege_diff', 'other_diff');
    expect(log.map((r) => [r.username, r.change_type, r.change_time.toISOString(), r.session_id])).toEqual([
      ['app@%', 'add', t1, s1],
      ['mysql.sys@localhost', 'add', t1, s1],
      ['report@%', 'add', t1, s1],
      ['root@localhost', 'add', t1, s1],
      ['app@%', 'modify_other', t2, s2],
      ['backup@%', 'add', t2, s2],
      ['report@%', 'delete', t2, s2],
      ['app@%', 'modify_privilege', t2p, s2],
      ['report@%', 'add', t3, s3],
      ['report@%', 'delete', t3r, s3],
    ]);
    const allIds = (await spec.db.knex('account_change_log').orderBy('id').pluck('id')) as string[];
    expect(allIds.map(Number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(log[4]!.other_diff).toEqual({
      is_locked: { from: false, to: true },
      attributes: { account_locked: { from: 'N', to: 'Y' } },
    });
    expect(log[7]!.privilege_diff).toEqual({
      capabilities: { added: ['LOCKED'], removed: [] },
      roles: { added: [], removed: [] },
      privileges: { 'database:appdb': { added: ['DELETE'], removed: [] } },
    });
    expect(log[8]!.other_diff).toEqual({ reactivated: true });
    expect(log[0]!.privilege_diff).toBeNull();

    await spec.expectRebuildMatchesLive();
  });
});

// The accounts queries over the tables test/support/accountsScenario.ts leaves: the ledger list's filters
// and paging, an account's change history (newest first), the statistics.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { accountsScenario, times } from '../../../test/support/accountsScenario.js';
import { accountId, accountsProjection } from './projection.js';
import { accountStatistics, allAccountLedgers, factsOfAccounts, listAccountLedgers } from './queries.js';
import { accountChangeHistory } from './changeHistory.js';

describe('accounts queries', () => {
  const spec = projectionSpec(accountsProjection);
  const scenario = accountsScenario(spec);
  beforeAll(() => scenario.run());
  const { i1, i2 } = scenario.instances;
  const { t1, t2, t2p } = times;
  const page = { page: 1, limit: 10 };

  it('listAccountLedgers: filters, paging', async () => {
    const names = async (filters: Parameters<typeof listAccountLedgers>[1], paging = page) => {
      const result = await listAccountLedgers(spec.db.knex, filters, paging);
      return { total: result.total, names: result.items.map((a) => a.username) };
    };
    expect(await names({ instanceId: i1 })).toEqual({
      total: 4,
      names: ['app@%', 'backup@%', 'mysql.sys@localhost', 'root@localhost'],
    });
    expect(await names({ instanceId: i1, includeDeleted: true })).toMatchObject({ total: 5 });
    expect(await names({ superuser: true })).toEqual({ total: 2, names: ['postgres', 'root@localhost'] });
    expect(await names({ locked: true })).toEqual({ total: 2, names: ['app@%', 'mysql.sys@localhost'] });
    expect(await names({ locked: false, instanceId: i1 })).toEqual({
      total: 2,
      names: ['backup@%', 'root@localhost'],
    });
    expect(await names({ search: 'RO' })).toEqual({ total: 2, names: ['alice_ro', 'root@localhost'] });
    expect(await names({ search: '@%' })).toEqual({ total: 2, names: ['app@%', 'backup@%'] });
    expect(await names({ search: '@%', includeDeleted: true })).toMatchObject({ total: 3 });
    expect(await names({ dbType: 'postgresql' })).toEqual({ total: 2, names: ['alice_ro', 'postgres'] });
    expect(await names({ instanceId: i1 }, { page: 2, limit: 3 })).toEqual({
      total: 4,
      names: ['root@localhost'],
    });
    // capability reads the facts alone: app@% is LOCKED by its facts of day 2, postgres is SUPERUSER.
    expect(await names({ capability: 'SUPERUSER' })).toEqual({
      total: 2,
      names: ['postgres', 'root@localhost'],
    });
    expect(await names({ capability: 'GRANT_ADMIN' })).toEqual({ total: 1, names: ['root@localhost'] });
    expect(await names({ capability: 'LOCKED', instanceId: i1 })).toEqual({
      total: 2,
      names: ['app@%', 'mysql.sys@localhost'],
    });
    expect(await names({ capability: 'LOCKED', dbType: 'postgresql' })).toEqual({ total: 0, names: [] });
  });

  it('allAccountLedgers: every match in the list order, or the count alone beyond the cap', async () => {
    const all = await allAccountLedgers(spec.db.knex, { instanceId: i1 }, 4);
    expect(all.total).toBe(4);
    expect(all.items!.map((a) => a.username)).toEqual([
      'app@%',
      'backup@%',
      'mysql.sys@localhost',
      'root@localhost',
    ]);
    expect(await allAccountLedgers(spec.db.knex, { instanceId: i1 }, 3)).toEqual({
      total: 4,
      items: undefined,
    });
  });

  it('factsOfAccounts: the latest facts of the accounts that exist; unknown ids left out', async () => {
    const rows = await factsOfAccounts(spec.db.knex, [
      accountId(i1, 'app@%'),
      accountId(i2, 'postgres'),
      randomUUID(),
      accountId(i1, 'app@%'),
    ]);
    expect(rows.map((r) => [r.username, r.instance_id, r.db_type]).sort()).toEqual([
      ['app@%', i1, 'mysql'],
      ['postgres', i2, 'postgresql'],
    ]);
    const app = rows.find((r) => r.username === 'app@%')!;
    expect(app.account_id).toBe(accountId(i1, 'app@%'));
    expect(app.facts?.capabilities).toEqual(['LOCKED']);
    expect(app.facts?.privileges.database).toEqual({ appdb: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'] });
    expect(await factsOfAccounts(spec.db.knex, [])).toEqual([]);
  });

  it('accountChangeHistory: newest first, paged; undefined for an unknown account', async () => {
    const history = (await accountChangeHistory(spec.db.knex, accountId(i1, 'app@%'), page))!;
    expect(history.total).toBe(3);
    expect(history.items.map((h) => [h.change_type, h.change_time])).toEqual([
      ['modify_privilege', t2p],
      ['modify_other', t2],
      ['add', t1],
    ]);
    expect(history.items[0]).toMatchObject({
      id: 10,
      instance_id: i1,
      username: 'app@%',
      session_id: scenario.sessions.s2,
    });
    expect(
      (await accountChangeHistory(spec.db.knex, accountId(i1, 'app@%'), { page: 2, limit: 2 }))!.items.map(
        (h) => h.change_type,
      ),
    ).toEqual(['add']);
    expect(
      (await accountChangeHistory(spec.db.knex, accountId(i1, 'report@%'), page))!.items.map(
        (h) => h.change_type,
      ),
    ).toEqual(['delete', 'add', 'delete', 'add']);
    expect(await accountChangeHistory(spec.db.knex, randomUUID(), page)).toBeUndefined();
  });

  it('accountStatistics: totals, by db type, by instance', async () => {
    const stats = await accountStatistics(spec.db.knex);
    expect(stats).toMatchObject({ total: 7, active: 6, deleted: 1, locked: 2, superuser: 2, system: 2 });
    expect(stats.by_db_type).toEqual({
      mysql: { total: 5, active: 4, deleted: 1, locked: 2, superuser: 1, system: 1 },
      postgresql: { total: 2, active: 2, deleted: 0, locked: 0, superuser: 1, system: 1 },
    });
    expect(stats.by_instance).toHaveLength(2);
    expect(stats.by_instance.find((i) => i.instance_id === i2)).toEqual({
      instance_id: i2,
      instance_name: null, // no InstanceRegistered in this log
      db_type: 'postgresql',
      total: 2,
      active: 2,
      deleted: 0,
      locked: 0,
      superuser: 1,
      system: 1,
    });
  });
});

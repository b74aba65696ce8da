// The dashboard's capability counts, summed from account_capability_counts, equal the counts made from
// every account row (the query capabilityCounts() ran before the table), per instance and in total,
// after every step: inserts, capabilities gained and lost, locks by the inventory and by the facts,
// deactivation and reactivation, a revert, and a rebuild.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { makeFacts } from '../../domain/engines/model.js';
import { accountEvents } from '../../../test/support/accountEvents.js';
import { accountsScenario } from '../../../test/support/accountsScenario.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { capabilityCounts } from './capabilityCounts.js';
import { capabilityCountTable, countsByInstanceSql } from './capabilityCountTable.js';
import { accountsProjection } from './projection.js';

/** The counts made from every row, as capabilityCounts() made them before the table (migration 0033). */
async function countedFromRows(knex: Knex) {
  const active = () => knex({ a: 'instance_accounts' }).where('a.is_active', true);
  const withFacts = () => active().join({ p: 'account_permission' }, 'p.account_id', 'a.id');
  const count = async (q: Knex.QueryBuilder) => Number(((await q.count({ n: '*' })) as [{ n: string }])[0].n);
  const holds = (capability: string) =>
    count(
      withFacts().whereRaw("p.permission_facts -> 'capabilities' @> ?::jsonb", [
        JSON.stringify([capability]),
      ]),
    );
  const [all, superuser, grantAdmin, lockedByInventory, lockedByFacts] = await Promise.all([
    count(active()),
    holds('SUPERUSER'),
    holds('GRANT_ADMIN'),
    count(active().where('a.is_locked', true)),
    count(withFacts().where({ 'a.is_locked': false, 'p.is_locked': true })),
  ]);
  return { active: all, superuser, grant_admin: grantAdmin, locked: lockedByInventory + lockedByFacts };
}

describe('capability counts kept per instance', () => {
  const spec = projectionSpec(accountsProjection);

  /** The kept rows equal a count of every instance's rows, and their sum the old total. */
  const expectCountsOfRows = async () => {
    const { knex } = spec.db;
    const kept = await knex(capabilityCountTable).orderBy('instance_id');
    const { rows } = await knex.raw<{ rows: Record<string, unknown>[] }>(
      `SELECT instance_id, active::int, superuser::int, grant_admin::int, locked::int FROM (${countsByInstanceSql(
        { accounts: 'instance_accounts', permissions: 'account_permission' },
        'true',
      )}) c ORDER BY instance_id`,
    );
    expect(kept).toEqual(rows);
    const total = await capabilityCounts(knex);
    expect(total).toEqual(await countedFromRows(knex));
    return total;
  };

  it('equals the counts of the rows after every change, and after a rebuild', async () => {
    const runner = spec.runner({ batchSize: 2 });
    const step = async (run: () => Promise<unknown>) => {
      await run();
      await spec.catchUp(runner);
      return expectCountsOfRows();
    };
    const { instances, steps } = accountsScenario(spec);
    const { i2 } = instances;
    const ev = accountEvents(spec.store);
    const pgAccount = (username: string, locked = false) => ({
      username,
      isSystem: username === 'postgres',
      locked,
      attributes: { rolcanlogin: true },
    });

    expect(await expectCountsOfRows()).toEqual({ active: 0, superuser: 0, grant_admin: 0, locked: 0 });
    // Day 1: root SUPERUSER and GRANT_ADMIN, mysql.sys locked; postgres SUPERUSER.
    expect(await step(() => steps.day1())).toEqual({ active: 6, superuser: 2, grant_admin: 1, locked: 1 });
    // Day 2: app locked (inventory and facts), backup added, report gone.
    expect(await step(() => steps.day2())).toEqual({ active: 6, superuser: 2, grant_admin: 1, locked: 2 });
    // postgres loses SUPERUSER; alice_ro gains GRANT_ADMIN and is locked by her facts alone.
    const s4 = randomUUID();
    expect(
      await step(() =>
        ev.permissions(i2, s4, '2026-11-21T11:00:00.000Z', {
          postgres: makeFacts('postgresql', {}),
          alice_ro: makeFacts('postgresql', {
            capabilities: { GRANT_ADMIN: ['rolcreaterole'], LOCKED: ['rolcanlogin = false'] },
          }),
        }),
      ),
    ).toEqual({ active: 6, superuser: 1, grant_admin: 2, locked: 3 });
    // Day 3: report back (its old facts count again), permissions failed; then the inventory reverted.
    expect(await step(() => steps.day3())).toEqual({ active: 7, superuser: 1, grant_admin: 2, locked: 3 });
    expect(await step(steps.day3Revert)).toEqual({ active: 6, superuser: 1, grant_admin: 2, locked: 3 });
    // postgres regains SUPERUSER and is locked by the inventory; alice_ro is gone.
    const s5 = randomUUID();
    await ev.inventory(i2, 'postgresql', s5, '2026-11-23T10:00:00.000Z', [pgAccount('postgres', true)]);
    expect(
      await step(() =>
        ev.permissions(i2, s5, '2026-11-23T10:00:01.000Z', {
          postgres: makeFacts('postgresql', { capabilities: { SUPERUSER: ['rolsuper'] } }),
        }),
      ),
    ).toEqual({ active: 5, superuser: 2, grant_admin: 1, locked: 3 });
    // Every account of i2 gone: its row goes.
    expect(
      await step(() => ev.inventory(i2, 'postgresql', randomUUID(), '2026-11-24T10:00:00.000Z', [])),
    ).toEqual({ active: 4, superuser: 1, grant_admin: 1, locked: 2 });
    expect(await spec.db.knex(capabilityCountTable).where({ instance_id: i2 })).toEqual([]);

    await spec.expectRebuildMatchesLive();
    await expectCountsOfRows();
  });
});

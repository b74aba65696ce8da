// The `tag` filter of the instance list, the account ledger and the capacity aggregations (and their
// summary: the size of every instance tagged prod), over test/support/tagsScenario.ts: names in every case, several
// names = instances holding all of them, an unknown or deleted tag matches nothing, recycle-bin instances
// stay out of the lists that leave them out.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { tagsScenario } from '../../../test/support/tagsScenario.js';
import { listAccountLedgers } from '../accounts/queries.js';
import { aggregationSummary, listAggregations } from '../aggregations/queries.js';
import { listInstances } from '../instances/queries.js';
import { tagsProjection } from './projection.js';

describe('tag filters', () => {
  const spec = projectionSpec(tagsProjection);
  const scenario = tagsScenario(spec);
  const { instances: i } = scenario;
  const page = { page: 1, limit: 10 };
  const day = '2026-12-01';
  const sizes = { [i.maria]: 100, [i.pg]: 30, [i.bare]: 7 };

  beforeAll(async () => {
    await scenario.run();
    const knex = spec.db.knex;
    await knex('instance_accounts').insert(
      [i.maria, i.pg, i.bare].flatMap((instanceId) =>
        ['root', 'app'].map((u) => ({
          id: randomUUID(),
          instance_id: instanceId,
          username: `${u}-${sizes[instanceId]}`,
          db_type: instanceId === i.pg ? 'postgresql' : 'mysql',
          first_seen_at: `${day}T00:00:00Z`,
          last_seen_at: `${day}T00:00:00Z`,
        })),
      ),
    );
    await knex('instance_size_aggregations').insert(
      Object.entries(sizes).map(([instanceId, size]) => ({
        instance_id: instanceId,
        period_type: 'daily',
        period_start: day,
        period_end: day,
        avg_total_size_mb: size,
        max_total_size_mb: size,
        min_total_size_mb: size,
        data_count: 1,
        avg_database_count: 1,
        max_database_count: 1,
        min_database_count: 1,
        trend_direction: 'stable',
        calculated_at: `${day}T23:00:00Z`,
      })),
    );
  });

  it('instances: tagged, any case; all of several names; unknown or deleted tags match none; rows carry tags', async () => {
    const names = async (tag: string | undefined, deleted?: boolean) =>
      (await listInstances(spec.db.knex, { tag, deleted }, page)).items.map((r) => r.name);
    expect(await names(undefined)).toEqual(['bare', 'maria', 'pg']);
    expect(await names('prod')).toEqual(['maria', 'pg']);
    expect(await names('PROD')).toEqual(['maria', 'pg']);
    expect(await names('prod,pci')).toEqual(['maria']);
    expect(await names('pci,prod,PCI')).toEqual(['maria']);
    expect(await names('prod,nope')).toEqual([]);
    expect(await names('old')).toEqual([]); // deleted tag
    expect(await names('staging')).toEqual(['bare']); // deactivated, still held
    expect(await names('prod', true)).toEqual(['gone']); // the recycle bin keeps its tags
    const list = await listInstances(spec.db.knex, { tag: 'pci' }, page);
    expect(list.total).toBe(1);
    expect(list.items[0]!.tags.map((t) => t.name)).toEqual(['pci', 'prod']);
    const all = await listInstances(spec.db.knex, {}, page);
    expect(all.items.find((r) => r.name === 'pg')!.tags.map((t) => t.name)).toEqual(['prod']);
  });

  it('accounts: the accounts on instances tagged', async () => {
    const ledger = async (tag: string) => {
      const r = await listAccountLedgers(spec.db.knex, { tag }, page);
      return { total: r.total, instances: [...new Set(r.items.map((a) => a.instance_id))].sort() };
    };
    expect(await ledger('pci')).toEqual({ total: 2, instances: [i.maria] });
    expect(await ledger('Prod')).toEqual({ total: 4, instances: [i.maria, i.pg].sort() });
    expect(await ledger('prod,staging')).toEqual({ total: 0, instances: [] });
  });

  it('capacity: the aggregations and the summed size of the instances tagged', async () => {
    const list = await listAggregations(spec.db.knex, 'instance_size_aggregations', {
      ...page,
      tag: 'prod',
    });
    expect(list.items.map((r) => r.instance_id).sort()).toEqual([i.maria, i.pg].sort());
    const summary = (tag: string | undefined) =>
      aggregationSummary(
        spec.db.knex,
        'instance_size_aggregations',
        'avg_total_size_mb',
        'total_size_change_mb',
        {
          page: 1,
          limit: 1,
          period_type: 'daily',
          tag,
        },
      );
    expect(await summary('prod')).toMatchObject({ count: 2, total_avg_size_mb: 130, period_start: day });
    expect(await summary('pci')).toMatchObject({ count: 1, total_avg_size_mb: 100 });
    expect(await summary(undefined)).toMatchObject({ count: 3, total_avg_size_mb: 137 });
    expect(await summary('nope')).toMatchObject({ count: 0, total_avg_size_mb: 0, period_start: null });
  });
});

// The sync_sessions queries over the tables test/support/syncSessionsScenario.ts leaves: a session with
// its records, the running records whose lease expired, the session list (order, filters, paging), and
// each instance's last completed account sync.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { syncSessionsProjection } from './projection.js';
import { expiredRunningRecords, getSession, listSessions, sessionRecords, sessionToApi } from './queries.js';
import { withLastSync } from '../instances/queries.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { alice, s1Completed, syncSessionsScenario } from '../../../test/support/syncSessionsScenario.js';

describe('sync_sessions queries', () => {
  const spec = projectionSpec(syncSessionsProjection);
  const scenario = syncSessionsScenario(spec);
  beforeAll(() => scenario.run());
  const { s1, s2, s3, s4 } = scenario.sessions;

  it('getSession: the session with its records by instance name', async () => {
    const full = (await getSession(spec.db.knex, s1))!;
    expect(full.records.map((r) => [r.instance_name, r.status])).toEqual([
      ['db-a', 'completed'],
      ['db-b', 'completed'],
      ['db-c', 'skipped'],
    ]);
    expect(full.records[0]).toMatchObject({
      items_synced: 5,
      items_created: 1,
      items_updated: 2,
      items_deleted: 0,
      sync_details: { added: ['app@%'] },
    });
    expect(full.records_meta).toEqual({ page: 1, limit: 100, total: 3, pages: 1 });
    expect(await getSession(spec.db.knex, randomUUID())).toBeUndefined();
  });

  it('sessionRecords: pages by instance name, filtered by status, phase and a part of the name', async () => {
    const names = async (filters: Parameters<typeof sessionRecords>[2], page = 1, limit = 2) => {
      const { total, items } = await sessionRecords(spec.db.knex, s1, filters, { page, limit });
      return [total, items.map((r) => r.instance_name)];
    };
    expect(await names({})).toEqual([3, ['db-a', 'db-b']]);
    expect(await names({}, 2)).toEqual([3, ['db-c']]);
    expect(await names({ status: 'skipped' })).toEqual([1, ['db-c']]);
    expect(await names({ search: 'B-B' })).toEqual([1, ['db-b']]);
    expect(await names({ search: '%' })).toEqual([0, []]);
    // B failed in the permissions phase, then its retry completed: the phase of its last failure stays.
    expect(await names({ phase: 'permissions' })).toEqual([1, ['db-b']]);
    expect(await names({ phase: 'permissions', status: 'failed' })).toEqual([0, []]);
  });

  it('recovery: running records whose lease expired', async () => {
    expect(await expiredRunningRecords(spec.db.knex, new Date('2026-11-22T09:00:30Z'))).toEqual([]);
    expect(await expiredRunningRecords(spec.db.knex, new Date('2026-11-22T09:02:00Z'))).toEqual([
      {
        session_id: s3,
        instance_id: scenario.instances.f,
        instance_name: 'db-f',
        sync_category: 'account',
        attempts: 1,
        phase: null,
        started_at: '2026-11-22T09:00:01.000Z',
        lease_expires_at: '2026-11-22T09:01:01.000Z',
      },
    ]);
  });

  it('listSessions: newest first, filters, paging', async () => {
    const page = { page: 1, limit: 10 };
    const ids = async (filters: Parameters<typeof listSessions>[1], paging = page) => {
      const result = await listSessions(spec.db.knex, filters, paging);
      return { total: result.total, ids: result.items.map((i) => i.session_id) };
    };
    expect(await ids({})).toEqual({ total: 4, ids: [s3, s2, s1, s4] });
    expect(await ids({ category: 'account' })).toEqual({ total: 3, ids: [s3, s1, s4] });
    expect(await ids({ syncType: 'scheduled_task' })).toEqual({ total: 1, ids: [s2] });
    expect(await ids({ status: 'cancelled' })).toEqual({ total: 1, ids: [s2] });
    expect(await ids({ status: 'running', category: 'account' })).toEqual({ total: 1, ids: [s3] });
    expect(
      await ids({ from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') }),
    ).toEqual({ total: 2, ids: [s2, s1] });
    expect(await ids({}, { page: 2, limit: 3 })).toEqual({ total: 4, ids: [s4] });
    // The sessions with a record of an instance.
    expect(await ids({ instanceId: scenario.instances.a })).toEqual({ total: 1, ids: [s1] });
    expect(await ids({ instanceId: scenario.instances.e, status: 'cancelled' })).toEqual({
      total: 1,
      ids: [s2],
    });
    expect(await ids({ instanceId: randomUUID() })).toEqual({ total: 0, ids: [] });
    const listed = await listSessions(spec.db.knex, { status: 'completed' }, page);
    expect(listed.items).toEqual([
      {
        session_id: s1,
        sync_type: 'manual_batch',
        sync_category: 'account',
        ...s1Completed,
        created_by: alice.id,
      },
    ]);
  });

  it('listSessions: the JSON of each page is the one of select * mapped by sessionToApi, key for key', async () => {
    const { knex } = spec.db;
    const cases: [Parameters<typeof listSessions>[1], { page: number; limit: number }][] = [
      [{}, { page: 1, limit: 10 }],
      [{}, { page: 2, limit: 3 }],
      [{ category: 'account' }, { page: 1, limit: 2 }],
      [
        { status: 'cancelled', instanceId: scenario.instances.e },
        { page: 1, limit: 10 },
      ],
      [
        { from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') },
        { page: 1, limit: 10 },
      ],
    ];
    for (const [filters, paging] of cases) {
      const listed = await listSessions(knex, filters, paging);
      // As listSessions read the page before its times came as text.
      const q = knex('sync_sessions');
      if (filters.category) q.where('sync_category', filters.category);
      if (filters.status) q.where('status', filters.status);
      if (filters.from) q.where('started_at', '>=', filters.from);
      if (filters.to) q.where('started_at', '<', filters.to);
      if (filters.instanceId)
        q.whereExists((sub) => {
          void sub
            .select(knex.raw('1'))
            .from('sync_instance_records as r')
            .whereRaw('r.session_id = sync_sessions.session_id')
            .where('r.instance_id', filters.instanceId!);
        });
      const rows = (await q
        .orderBy([
          { column: 'started_at', order: 'desc' },
          { column: 'session_id', order: 'desc' },
        ])
        .limit(paging.limit)
        .offset((paging.page - 1) * paging.limit)
        .select('*')) as Parameters<typeof sessionToApi>[0][];
      expect(JSON.stringify(listed.items)).toBe(JSON.stringify(rows.map(sessionToApi)));
      expect(listed.items.length).toBeGreaterThan(0);
    }
  });

  it("withLastSync: when each instance's latest completed account record ended", async () => {
    const { a, b, c, f, g } = scenario.instances;
    const items = [a, b, c, f, g].map((id) => ({ id }));
    expect(await withLastSync(spec.db.knex, items)).toEqual([
      { id: a, last_synced_at: '2026-11-20T10:00:10.000Z' },
      { id: b, last_synced_at: '2026-11-20T10:05:30.000Z' }, // its retry completed
      { id: c, last_synced_at: null }, // skipped
      { id: f, last_synced_at: null }, // still running
      { id: g, last_synced_at: null }, // failed
    ]);
    expect(await withLastSync(spec.db.knex, [])).toEqual([]);
  });
});

// A session's records in pages (docs/decisions.md "A session's records are paged"), against the built
// binary on a real PostgreSQL: a session of 10,000 records written as the session runner writes it (the
// real decider's events, projected by the server), then GET /sync-sessions/{id} answers the session with
// its first page only (its body bounded whatever the session's size), and GET /sync-sessions/{id}/records
// pages through the rest in a stable order, with the status, phase and name filters.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { recordName as name, writeSession } from '../support/sessionLog.js';

const RECORDS = 10_000;

interface Rec {
  instance_id: string;
  instance_name: string;
  status: string;
  phase: string | null;
}
interface Meta {
  page: number;
  limit: number;
  total: number;
  pages: number;
}
type SessionBody = { data: { status: string; records: Rec[]; records_meta: Meta } };
type PageBody = { data: Rec[]; meta: Meta };

describe("a session's records in pages", () => {
  let api: ApiServer;
  let token: string;
  const big = randomUUID();
  const small = randomUUID();
  let smallInstance: string;

  const get = async <T>(path: string, as = token) => {
    const res = await api.call<T>('GET', path, { token: as });
    return { ...res, bytes: Buffer.byteLength(JSON.stringify(res.body)) };
  };

  beforeAll(async () => {
    api = await startApiServer();
    token = await api.userToken('viewer');
    const store = new PostgresEventStore(api.db.pool);
    await writeSession(store, big, RECORDS);
    smallInstance = (await writeSession(store, small, 1))[0]!.instanceId;
    for (const id of [big, small]) {
      const deadline = Date.now() + 60_000;
      while ((await get<SessionBody>(`/sync-sessions/${id}`)).body.data?.status !== 'cancelled') {
        if (Date.now() > deadline) throw new Error(`session ${id} not projected after 60 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }, 180_000);
  afterAll(async () => api?.stop());

  it('GET of the session answers its first page of records and the paging, a bounded body', async () => {
    const res = await get<SessionBody>(`/sync-sessions/${big}`);
    expect(res.status).toBe(200);
    // The whole session was some 5 MB; its first page is about 50 KB.
    expect(res.bytes).toBeLessThan(100_000);
    expect(res.body.data.records_meta).toEqual({ page: 1, limit: 100, total: RECORDS, pages: 100 });
    expect(res.body.data.records.map((r) => r.instance_name)).toEqual(
      Array.from({ length: 100 }, (_, i) => name(i)),
    );
  });

  it('a one-instance session shows its record in the one GET', async () => {
    const res = await get<SessionBody>(`/sync-sessions/${small}`);
    expect(res.body.data.records).toMatchObject([{ instance_id: smallInstance, status: 'abandoned' }]);
    expect(res.body.data.records_meta).toEqual({ page: 1, limit: 100, total: 1, pages: 1 });
  });

  it('pages through every record in a stable order, page 1 as the session answers it', async () => {
    const first = await get<SessionBody>(`/sync-sessions/${big}`);
    const page1 = await get<PageBody>(`/sync-sessions/${big}/records?limit=100`);
    expect(page1.body.data).toEqual(first.body.data.records);
    const names: string[] = [];
    for (let page = 1; page <= 100; page += 33) {
      const res = await get<PageBody>(`/sync-sessions/${big}/records?page=${page}&limit=100`);
      expect(res.body.meta).toEqual({ page, limit: 100, total: RECORDS, pages: 100 });
      names.push(...res.body.data.map((r) => r.instance_name));
    }
    expect(names).toEqual(
      [0, 33, 66, 99].flatMap((p) => Array.from({ length: 100 }, (_, i) => name(p * 100 + i))),
    );
    const past = await get<PageBody>(`/sync-sessions/${big}/records?page=101&limit=100`);
    expect([past.status, past.body.data, past.body.meta.total]).toEqual([200, [], RECORDS]);
    const dflt = await get<PageBody>(`/sync-sessions/${big}/records`);
    expect(dflt.body.meta).toEqual({ page: 1, limit: 20, total: RECORDS, pages: 500 });
  });

  it('filters by status, phase and a part of the name', async () => {
    const failed = await get<PageBody>(`/sync-sessions/${big}/records?status=failed&limit=100`);
    expect(failed.body.meta.total).toBe(100);
    expect(failed.body.data.every((r) => r.status === 'failed')).toBe(true);
    expect(failed.body.data[0]!.instance_name).toBe(name(7));
    const completed = await get<PageBody>(`/sync-sessions/${big}/records?status=completed`);
    expect(completed.body.meta.total).toBe(RECORDS / 10);
    const inventory = await get<PageBody>(`/sync-sessions/${big}/records?phase=inventory&limit=100`);
    expect(inventory.body.data.map((r) => [r.instance_name, r.phase])).toEqual(
      Array.from({ length: 20 }, (_, i) => [name(i * 500 + 7), 'inventory']),
    );
    const both = await get<PageBody>(`/sync-sessions/${big}/records?status=failed&phase=permissions`);
    expect(both.body.meta.total).toBe(80);
    const search = await get<PageBody>(`/sync-sessions/${big}/records?search=DB-0012`);
    expect(search.body.data.map((r) => r.instance_name)).toEqual(
      Array.from({ length: 10 }, (_, i) => name(120 + i)),
    );
    // LIKE's wildcards are text: no name holds an underscore or a percent sign.
    for (const s of ['_', '%'])
      expect(
        (await get<PageBody>(`/sync-sessions/${big}/records?search=${encodeURIComponent(s)}`)).body.meta,
      ).toMatchObject({ total: 0, pages: 0 });
  });

  it('refuses what it does not know, as strictly as the other lists', async () => {
    for (const query of ['status=done', 'phase=later', 'limit=101', 'page=0', 'sort=name', 'search='])
      expect((await get(`/sync-sessions/${big}/records?${query}`)).status, query).toBe(400);
    expect((await get(`/sync-sessions/${randomUUID()}/records`)).status).toBe(404);
    expect((await api.call('GET', `/sync-sessions/${big}/records`)).status).toBe(401);
  });
});

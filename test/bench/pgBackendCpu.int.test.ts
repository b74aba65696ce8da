// The PostgreSQL CPU split on a real server: a backend with a known application_name doing work is
// found in its group (Linux only: /proc).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KNEX_APP, startPgCpu, type PgCpuSplit } from '../../bench/pgBackendCpu.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

describe.runIf(process.platform === 'linux')('startPgCpu', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it("finds a working backend's CPU in its group", async () => {
    const storeDatabase = decodeURIComponent(new URL(db.url).pathname.slice(1));
    const window = await startPgCpu(db.url, { storeDatabase, monitoredApp: 'whalefall-collector' }, 50);
    const client = new pg.Client({ connectionString: db.url, application_name: STORE_KNEX_APP });
    await client.connect();
    try {
      await client.query('SELECT count(*) FROM generate_series(1, 3e6)');
    } finally {
      await client.end();
    }
    const split = await window.stop();
    expect(typeof split).toBe('object');
    const { ms, samples } = split as PgCpuSplit;
    expect(ms['store knex']).toBeGreaterThan(0);
    expect(ms['store pool']).toBe(0);
    expect(samples).toBeGreaterThanOrEqual(2);
  });
});

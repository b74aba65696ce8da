import pg from 'pg';
import { startPgCpu, describePgCpu } from './bench/pgBackendCpu.ts';
const url = 'postgres://postgres@127.0.0.1:5432/postgres';
const rules = { storeDatabase: 'postgres', monitoredApp: 'whalefall-collector' };
const w = await startPgCpu(url, rules);
const c = new pg.Client({ connectionString: url, application_name: 'whalefall-store-pool' });
await c.connect();
const t = process.cpuUsage();
await c.query('SELECT count(*) FROM generate_series(1, 3e6)');
await c.end();
// short-lived ones
for (let i = 0; i < 20; i++) { const s = new pg.Client({ connectionString: url, application_name: 'whalefall-collector' }); await s.connect(); await s.query('select 1'); await s.end(); }
const split = await w.stop();
console.log(JSON.stringify(split));
console.log(describePgCpu(split, 1).join('\n'));
// poll cost
const w2 = await startPgCpu(url, rules, 1e9);
const u0 = process.cpuUsage();
const t0 = performance.now();
await new Promise(r => setTimeout(r, 10));
console.log('idle', process.cpuUsage(u0));

// The PostgreSQL CPU split's pure part: who a backend works for, and CPU per group between two points.
import { describe, expect, it } from 'vitest';
import {
  groupOf,
  mergeSample,
  pgCpuBetween,
  toSample,
  type PgBackend,
  type PgCpuRules,
} from '../../bench/pgBackendCpu.js';

const rules: PgCpuRules = {
  storeDatabase: 'wf_bench_1',
  monitoredApp: 'whalefall-collector',
  monitoredUser: 'wfb_collector',
};
const client = (pid: number, app: string, datname = 'wf_bench_1', usename = 'postgres'): PgBackend => ({
  pid,
  start: `t${pid}`,
  applicationName: app,
  datname,
  usename,
  backendType: 'client backend',
  leaderPid: null,
});
const knex = client(1, 'whalefall-store-knex');
const pool = client(2, 'whalefall-store-pool');
const collector = client(3, 'whalefall-collector', 'postgres', 'wfb_collector');
const walwriter: PgBackend = { ...client(4, ''), datname: null, usename: null, backendType: 'walwriter' };
const worker: PgBackend = { ...client(5, ''), backendType: 'parallel worker', leaderPid: 2 };

describe('groupOf', () => {
  const byPid = new Map([knex, pool, collector, walwriter, worker].map((b) => [b.pid, b]));
  it('tells the store, the monitored instances and the background apart', () => {
    expect([knex, pool, collector, walwriter].map((b) => groupOf(b, rules, byPid))).toEqual([
      'store knex',
      'store pool',
      'monitored',
      'background',
    ]);
  });
  it("counts a parallel worker for its leader's group", () => {
    expect(groupOf(worker, rules, byPid)).toBe('store pool');
  });
  it('leaves other databases, names and roles to the other clients', () => {
    const others = [
      client(6, 'whalefall-store-pool', 'wf_bench_other'),
      client(7, 'whalefall-collector', 'postgres', 'someone_else'),
      client(8, 'psql'),
    ];
    expect(others.map((b) => groupOf(b, rules, byPid))).toEqual(Array(3).fill('other clients'));
  });
});

describe('pgCpuBetween', () => {
  const ms = (n: number) => n * 1e6;
  const at = (cpu: Record<number, number>, postmasterMs: number, endedMs: number) =>
    toSample(
      [knex, pool, collector, walwriter].filter((b) => b.pid in cpu),
      (pid) => (pid in cpu ? ms(cpu[pid]!) : undefined),
      rules,
      { ns: ms(postmasterMs), endedNs: ms(endedMs) },
    );

  it('differences each backend, counts a new one from 0 and an ended one with its last value', () => {
    const start = at({ 1: 100, 2: 200, 4: 50 }, 10, 1000);
    // The collector starts after the start; the knex backend ends after the poll.
    const poll = at({ 1: 130, 2: 260, 3: 5, 4: 51 }, 11, 1000);
    // knex's backend ended (lifetime 140 ms, 10 after the poll); an unseen backend of 20 ms ended too.
    const end = at({ 2: 300, 3: 9, 4: 52 }, 12, 1000 + 140 + 20);
    const split = pgCpuBetween(start, mergeSample(mergeSample(start, poll), end), end);
    expect(split.ms).toEqual({
      'store knex': 30,
      'store pool': 100,
      monitored: 9,
      background: 2 + 2,
      'other clients': 0,
    });
    // 160 ms of ended children, 130 of them the knex backend's last seen value.
    expect(split.unseenMs).toBeCloseTo(30);
    expect(split.processes).toBe(5);
  });

  it('never reports negative unseen CPU (the ended children are counted in clock ticks)', () => {
    const start = at({ 1: 100 }, 10, 1000);
    const end = at({}, 10, 1000);
    expect(pgCpuBetween(start, mergeSample(start, end), end).unseenMs).toBe(0);
  });
});

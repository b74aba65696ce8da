// workers: a capacity collection of 200 instances through the API of the built server (real processes,
// `node dist/src/cli.js serve`), with 1 process, then with 2 processes sharing the session's records
// (src/commands/sync/recordDispatch.ts: every process with the scheduler on works the pg-boss queue
// `whalefall-records`, SYNC_CONCURRENCY=8 records at once each). The 2nd process is `whalefall worker`
// when the built CLI has that command, else a 2nd `serve` on another port (same DATABASE_URL), which
// shares records the same way. The instances all point at the local MariaDB through a latency proxy
// (bench/latencyProxy.ts, a child process: BENCH_RTT_MS, default 20 ms per round trip, 0 for none: the model
// of remote servers).
// Setup, not timed: the collector on MariaDB, a credential and 4 sets of instances registered through the
// API (allow_duplicate), one set per run, so that every run is a first collection and does the same work.
// Measured: from the POST /capacity/actions/collect to the session's end (GET /sync-sessions/{id} polled
// until it is no longer running), best of 2 for each case. Baseline: the 1-process figure of the same run.
// Target: 2 processes at least 1.8x the instances/s of 1 (printed, not failed). Checked: every record
// completed once; how many records each process ran (InstanceSyncStarted data.owner, process_heartbeats).
// Also printed, to explain a miss: CPU per process, record durations, the slots' bound.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import mysql from 'mysql2/promise';
import { createCollector, dropCollector } from '../test/support/mariadbCollector.js';
import { freePort } from '../test/support/net.js';
import { buildOnce } from '../test/support/serverProcess.js';
import { postmasterPid } from './classifySetup.js';
import { cpuCeilingLine, localServerPid } from './cpuUsage.js';
import { proxyCpuLine, RTT_MS, startBenchProxy, type BenchProxy } from './latencyProxy.js';
import { apiOf, hasWorkerCommand, idleCpu, startChild, waitReady, type Child } from './serviceProcess.js';
import { openBenchDatabase, report, type BenchContext, type BenchDatabase } from './support.js';
import { POLL_MS, recordFacts, timeCollection, type Run } from './workersMeasures.js';

export const about =
  'capacity collection of 200 instances (MariaDB behind a 20 ms RTT proxy) by 1 vs. 2 processes (target >= 1.8x)';

const MYSQL_URL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
const scale = Number(process.env.BENCH_SCALE ?? '1') || 1;
const INSTANCES = Math.max(2, Math.round(Number(process.env.BENCH_INSTANCES ?? 200 * scale) || 200 * scale));
const CONCURRENCY = 8;
const ROUNDS = 2;
const TARGET_RATIO = 1.8;
const BATCH_CREATE = 500;
const IDLE_MS = 5000;

const say = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(_ctx: BenchContext): Promise<void> {
  say('building dist/ when a source is newer than it (scripts/buildIfStale.mjs, as npm start does)...');
  await buildOnce();
  const worker = hasWorkerCommand();
  const prefix = `wfw_${randomBytes(3).toString('hex')}`;
  const collector = { user: `${prefix}_collector`, password: `Wfw-${randomBytes(9).toString('hex')}` };
  const adminPassword = `Bench-${randomBytes(9).toString('hex')}`;
  const mysqlUrl = new URL(MYSQL_URL);

  const children: Child[] = [];
  let db: BenchDatabase | undefined;
  let root: mysql.Connection | undefined;
  let proxy: BenchProxy | undefined;
  let collectorCreated = false;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await Promise.all(children.map((c) => c.stop().catch(() => undefined)));
      await proxy?.close().catch(() => undefined);
      if (root) {
        if (collectorCreated)
          await dropCollector(root, collector.user).catch((err: unknown) =>
            say(`could not drop the collector ${collector.user}: ${String(err)}`),
          );
        await root.end().catch(() => undefined);
      }
      await db?.close().catch((err: unknown) => say(`could not close the bench database: ${String(err)}`));
    })());
  const onSignal = () => {
    say('\ninterrupted, cleaning up...');
    void cleanUp().finally(() => process.exit(130));
  };

  try {
    const before = new Set(process.listeners('SIGINT'));
    db = await openBenchDatabase();
    // support.ts's handler would close only the database: ours also stops the processes, drops the collector.
    for (const listener of process.listeners('SIGINT').filter((l) => !before.has(l))) {
      process.removeListener('SIGINT', listener);
      process.removeListener('SIGTERM', listener);
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    root = await mysql.createConnection({ uri: MYSQL_URL });
    collectorCreated = true; // before: a half-created collector is dropped too (IF EXISTS)
    await createCollector(root, collector.user, collector.password);
    const [[version]] = await root.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    const [[pidFile]] = await root.query<mysql.RowDataPacket[]>('SELECT @@pid_file AS file');
    const mariadbPid =
      Number.parseInt(
        fs.existsSync(String(pidFile?.file)) ? fs.readFileSync(String(pidFile?.file), 'utf8') : '',
        10,
      ) || localServerPid('mariadbd', 'mysqld');
    const server = { host: mysqlUrl.hostname, port: Number(mysqlUrl.port || 3306) };
    proxy = RTT_MS > 0 ? await startBenchProxy({ mysql: server }) : undefined;
    const at = proxy ? { host: '127.0.0.1', port: proxy.ports.mysql! } : server;
    const storePid = await postmasterPid(db);

    const env = {
      DATABASE_URL: db.url,
      WHALEFALL_SECRET_KEY: randomBytes(32).toString('base64'),
      WHALEFALL_ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'warn',
      SYNC_CONCURRENCY: String(CONCURRENCY),
      WHALEFALL_TIMEZONE: 'UTC',
      WHALEFALL_SCHEDULER: 'on',
    };
    say(`starting process 1 (serve)...`);
    const first = startChild('process 1 (serve)', 'serve', env, await freePort());
    children.push(first);
    const ids = new Map<string, string>(); // process_id -> name
    ids.set(await waitReady(db, first), first.name);

    const anon = apiOf(first.baseUrl!);
    const { access_token: token } = await anon.call<{ access_token: string }>('POST', '/auth/login', {
      username: 'admin',
      password: adminPassword,
    });
    const api = apiOf(first.baseUrl!, token);
    const credential = await api.call<{ id: string }>('POST', '/credentials', {
      name: `${prefix}-collector`,
      db_type: 'mysql',
      username: collector.user,
      password: collector.password,
    });
    const sets = ['a', 'b', 'c', 'd'];
    say(
      `registering ${sets.length} x ${INSTANCES} instances at ${at.host}:${at.port}${proxy ? ' (the proxy)' : ''}...`,
    );
    const registered: string[][] = [];
    for (const set of sets) {
      const setIds: string[] = [];
      for (let from = 0; from < INSTANCES; from += BATCH_CREATE) {
        const instances = Array.from({ length: Math.min(BATCH_CREATE, INSTANCES - from) }, (_, k) => ({
          name: `${prefix}-${set}-${String(from + k).padStart(4, '0')}`,
          db_type: 'mysql',
          host: at.host,
          port: at.port,
          credential_id: credential.id,
          allow_duplicate: true,
        }));
        const answer = await api.call<{
          results: { ok: boolean; id: string | null; message: string | null }[];
        }>('POST', '/instances/actions/batch-create', { instances });
        const failed = answer.results.find((r) => !r.ok);
        if (failed) throw new Error(`registering an instance failed: ${failed.message}`);
        setIds.push(...answer.results.map((r) => r.id!));
      }
      registered.push(setIds);
    }

    const cpuTrees = () => ({
      ...Object.fromEntries(children.map((c) => [c.name, c.pid])),
      MariaDB: mariadbPid,
      ...(proxy ? { 'latency proxy': proxy.pid } : {}),
      ...(storePid ? { 'store PostgreSQL': storePid } : {}),
    });
    const runs: Run[] = [];
    const idle: string[] = [
      `idle CPU over ${IDLE_MS / 1000} s, 1 process: ${await idleCpu(children, IDLE_MS)}`,
    ];
    const loadAtStart = os.loadavg()[0]!;
    say(`capacity collection of ${INSTANCES} instances, 1 process:`);
    for (let r = 0; r < ROUNDS; r++)
      runs.push(await timeCollection(api, db, proxy, `1 process, run ${r + 1}`, registered[r]!, cpuTrees));

    const secondName = worker ? 'process 2 (worker)' : 'process 2 (serve)';
    say(`starting ${secondName}...`);
    const second = worker
      ? startChild(secondName, 'worker', env)
      : startChild(secondName, 'serve', env, await freePort());
    children.push(second);
    ids.set(await waitReady(db, second), second.name);
    await sleep(1000); // its workers poll the queue once it is up
    idle.push(`idle CPU over ${IDLE_MS / 1000} s, 2 processes: ${await idleCpu(children, IDLE_MS)}`);

    say(`capacity collection of ${INSTANCES} instances, 2 processes:`);
    for (let r = 0; r < ROUNDS; r++)
      runs.push(
        await timeCollection(api, db, proxy, `2 processes, run ${r + 1}`, registered[ROUNDS + r]!, cpuTrees),
      );

    const one = runs.slice(0, ROUNDS).reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const two = runs.slice(ROUNDS).reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const ratio = two.perSec / one.perSec;

    const lines: string[] = [];
    let allCompleted = true;
    for (const r of runs) {
      const facts = await recordFacts(db, r.sessionId);
      const s = r.session;
      const ok =
        s.status === 'completed' &&
        s.successful_instances === INSTANCES &&
        s.total_instances === INSTANCES &&
        facts.completedInstances === INSTANCES &&
        facts.started === INSTANCES;
      allCompleted &&= ok;
      const owners = [...facts.owners].map(([id, n]) => `${ids.get(id) ?? id} ${n}`).join(', ');
      const inFlight = [...facts.inFlight].map(([id, n]) => `${ids.get(id) ?? id} ${fmt(n, 1)}`).join(', ');
      const cpuSec = (name: string) => r.cpu[name] ?? 0;
      const childCpu = children.map((c) => cpuSec(c.name)).reduce((a, b) => a + b, 0);
      // sampleCpu's 'whalefall store': the descendants of this process but the named ones (the children).
      const storeCpu = cpuSec('whalefall store');
      const cpu = [
        ...children
          .filter((c) => r.cpu[c.name] !== undefined)
          .map((c) => `${c.name} ${fmt(cpuSec(c.name), 2)}`),
        storePid
          ? `store PostgreSQL ${fmt(cpuSec('store PostgreSQL'), 2)}`
          : `embedded store ${fmt(storeCpu, 2)}`,
        `MariaDB ${fmt(cpuSec('MariaDB'), 2)}`,
        ...(proxy ? [`latency proxy ${fmt(cpuSec('latency proxy'), 2)}`] : []),
        `bench (polling) ${fmt(cpuSec('bench'), 2)}`,
        `rest of the machine (other users) ${fmt(cpuSec('rest'), 2)}`,
      ].join(', ');
      const slots = runs.indexOf(r) < ROUNDS ? CONCURRENCY : 2 * CONCURRENCY;
      // A slot fetches its next record as soon as one ends, and idle slots are woken when records are sent
      // (recordDispatch.ts): pg-boss's 0.5 s poll no longer bounds a busy slot, its record's run does.
      const bound = slots / (facts.meanMs / 1000);
      lines.push(
        `${r.case}: ${fmt(r.seconds, 2)} s, ${fmt(r.perSec, 1)} instances/s; records ${s.successful_instances}/${s.total_instances} completed ` +
          `(failed ${s.failed_instances}, skipped ${s.skipped_instances}, abandoned ${s.abandoned_instances}; ` +
          `${facts.started} InstanceSyncStarted) ${ok ? 'PASS' : 'FAIL'}`,
        `  records by process: ${owners}; mean records in flight: ${inFlight} (of ${CONCURRENCY} slots each)`,
        `  queue pick-up (SessionStarted to 1st InstanceSyncStarted) ${fmt(facts.firstStartMs)} ms, ` +
          `close (last InstanceSyncCompleted to SessionCompleted) ${fmt(facts.closeMs)} ms`,
        `  record run (InstanceSyncStarted to InstanceSyncCompleted): mean ${fmt(facts.meanMs)} ms, p90 ${fmt(facts.p90Ms)} ms; ` +
          `slot bound ${slots} slots / mean record run = ${fmt(bound, 1)} instances/s`,
        `  CPU s: ${cpu}; ${fmt(r.cpu.machine! / r.seconds, 2)} of ${os.availableParallelism()} cores busy; ` +
          `whalefall (processes + store) ${fmt((1000 * (childCpu + (storePid ? cpuSec('store PostgreSQL') : storeCpu))) / INSTANCES)} CPU ms/instance`,
        `  store per instance: ${fmt(r.store.eventRows / INSTANCES)} events rows read, ${fmt(r.store.commits / INSTANCES, 1)} commits, ` +
          `${fmt(r.store.rollbacks / INSTANCES, 1)} rollbacks; proxy: ${fmt(r.connections / INSTANCES, 1)} connections, ` +
          `${fmt(r.roundTrips / INSTANCES, 1)} round trips per instance: network floor ~${fmt((r.roundTrips / INSTANCES) * RTT_MS)} ms per record`,
      );
    }

    // What 2 cores allow the best 2-process run: every process of the benchmark shares them (whalefall's,
    // the store, MariaDB, the proxy), so a rate above this line cannot be reached on this machine.
    lines.push(
      '',
      cpuCeilingLine(two.cpu, INSTANCES, one.perSec, 'the 1-process run') +
        ` (which kept ${fmt(one.cpu.machine! / one.seconds, 2)} of ${os.availableParallelism()} cores busy)`,
    );

    const met = report(
      `workers: capacity collection of ${INSTANCES} instances through the API, 1 vs. 2 processes (best of ${ROUNDS})`,
      [
        { case: '1 process', rowsPerSec: one.perSec, baselineRowsPerSec: one.perSec },
        {
          case: '2 processes',
          rowsPerSec: two.perSec,
          baselineRowsPerSec: one.perSec,
          targetPercent: TARGET_RATIO * 100,
        },
      ],
      {
        server: db.server,
        notes: [
          `monitored: MariaDB ${String(version?.v)} at ${mysqlUrl.host} ` +
            (proxy
              ? `behind a latency proxy (bench/latencyProxy.ts, a child process: ${RTT_MS} ms per round trip, BENCH_RTT_MS)`
              : 'directly (BENCH_RTT_MS=0: no proxy)') +
            `, every instance a collector on it; rows/s = instances/s`,
          ...(proxy ? [await proxyCpuLine(proxy, runs.length * INSTANCES)] : []),
          `processes: node dist/src/cli.js serve, then ${worker ? 'worker' : 'a 2nd serve on another PORT (no `worker` command in this build)'}, ` +
            `same DATABASE_URL, SYNC_CONCURRENCY=${CONCURRENCY} each, WHALEFALL_SCHEDULER=on; the session is started on process 1`,
          `timed: POST /capacity/actions/collect to GET /sync-sessions/{id} not running (polled every ${POLL_MS} ms); ` +
            `a fresh set of instances per run`,
          `load average (1 min) of the machine when the runs started: ${loadAtStart.toFixed(2)}, at the end: ${os.loadavg()[0]!.toFixed(2)} ` +
            `(other users' processes count as 'rest' below)`,
          ...idle,
          '',
          ...lines,
        ],
        below: [allCompleted],
      },
    );
    process.stdout.write(
      `2 processes vs. 1: ${fmt(two.perSec, 1)} vs. ${fmt(one.perSec, 1)} instances/s = ${ratio.toFixed(2)}x ` +
        `(target >= ${TARGET_RATIO}x) ${met ? 'PASS' : 'MISS'}\n` +
        `every record completed once, in every run: ${allCompleted ? 'PASS' : 'FAIL'}\n`,
    );
  } catch (err) {
    // What the processes logged (LOG_LEVEL=warn) explains an answer such as a 500.
    for (const c of children) say(`--- ${c.name}, last output:\n${c.output()}`);
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanUp();
  }
}

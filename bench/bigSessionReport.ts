// The big-session benchmark's table (the baseline session next to the big one) and its targets.
import os from 'node:os';
import type { SessionTimings } from './bigSessionHost.js';

/** One session's figures: the service's own timings (bigSessionHost.ts), then the client's and the RSS. */
export interface Measured extends Omit<SessionTimings, 'sessionId'> {
  records: number;
  getFirstMs: number;
  getMedianMs: number;
  getMaxMs: number;
  getBytes: number;
  queryMedianMs: number;
  /** Every record read through GET /sync-sessions/{id}/records, page after page: total time, bytes, pages. */
  pagesMs: number;
  pagesBytes: number;
  pages: number;
  pagedRecords: number;
  recoveryClosedMs: number;
  recoveryOrphansMs: number;
  abandoned: number;
  rssRunMb: number;
}

const num = (v: number, digits = 0) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function printReport(
  info: {
    server: string;
    concurrency: number;
    gets: number;
    rss: ReadonlyMap<string, number>;
    /** The measured service process's VmHWM (from its start to the end of the sessions). */
    peakMb: number;
    /** The VmHWM of the process that registered the fleet before (setup: information, not the target). */
    registrationPeakMb: number;
  },
  base: Measured,
  big: Measured,
): void {
  const maxRssMb = info.peakMb;
  const rows: [string, (m: Measured) => string][] = [
    ['run: wall s', (m) => num(m.wallSec, 2)],
    ['run: events appended (every stream)', (m) => num(m.events)],
    ['run: events/s', (m) => num(m.events / m.wallSec)],
    ['run: records/s', (m) => num(m.records / m.wallSec)],
    ['run, fold and read models: peak RSS sampled, MB', (m) => num(m.rssRunMb)],
    ['run: largest V8 heap (heapTotal), MB', (m) => num(m.heapPeakMb)],
    ['run: largest RSS outside the V8 heap, MB', (m) => num(m.outsideHeapPeakMb)],
    ['heap in use after the session (full collection), MB', (m) => num(m.heapAfterMb)],
    ['fold (evolve), cold caches, wall ms: fastest of 21', (m) => num(m.foldMs, 2)],
    ['fold (evolve), cold caches, wall ms: median of 21', (m) => num(m.foldMedianMs, 2)],
    ['loadSession (read + fold), ms', (m) => num(m.loadMs, 1)],
    ['sync_sessions read model behind the run end, ms', (m) => num(m.projectedMs)],
    ['every read model behind it after that, ms', (m) => num(m.settledMs)],
    ['GET /sync-sessions/{id} (first page of records): first, ms', (m) => num(m.getFirstMs, 1)],
    [`GET /sync-sessions/{id}: median of ${info.gets}, ms`, (m) => num(m.getMedianMs, 1)],
    [`GET /sync-sessions/{id}: slowest of ${info.gets}, ms`, (m) => num(m.getMaxMs, 1)],
    ['GET /sync-sessions/{id}: body, KB', (m) => num(m.getBytes / 1024)],
    [`getSession() alone (the route's query): median, ms`, (m) => num(m.queryMedianMs, 1)],
    ['every record through /records, 100 a page: total ms (info)', (m) => num(m.pagesMs, 1)],
    ['every record through /records: pages / records', (m) => `${num(m.pages)} / ${num(m.pagedRecords)}`],
    ['every record through /records: bodies, KB', (m) => num(m.pagesBytes / 1024)],
    ['recovery pass, session closed (left-over row), ms', (m) => num(m.recoveryClosedMs, 1)],
    ['recovery pass, process gone (every record abandoned), ms', (m) => num(m.recoveryOrphansMs)],
  ];
  const head = ['', `${num(base.records)} records`, `${num(big.records)} records`];
  const width = Math.max(...rows.map(([name]) => name.length));
  const line = (cells: string[]) =>
    [cells[0]!.padEnd(width), cells[1]!.padStart(16), cells[2]!.padStart(16)].join('  ');
  const foldRatio = big.foldMs / base.foldMs;
  const targets = [
    {
      name: `fold of ${num(big.records)} records / fold of ${num(base.records)}, fastest wall time of 21, cold caches (linear: 10x the records)`,
      value: `${foldRatio.toFixed(2)}x`,
      target: '< 10x',
      met: foldRatio < 10,
    },
    {
      name: `GET /sync-sessions/{id} of ${num(big.records)} records, slowest of ${info.gets}`,
      value: `${num(big.getMaxMs, 1)} ms`,
      target: '< 100 ms',
      met: big.getMaxMs < 100,
    },
    {
      name: 'peak RSS of the service process (VmHWM: start-up, both sessions, GETs, recoveries)',
      value: `${num(maxRssMb)} MB`,
      target: '< 300 MB',
      met: maxRssMb < 300,
    },
  ];
  const out = [
    '',
    `big-session: account-sync sessions of ${num(base.records)} and ${num(big.records)} records at ` +
      `concurrency ${info.concurrency}, instant engine adapter, the service in a child process (node, compiled)`,
    `machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown cpu'}), ` +
      `Node ${process.version}, ${info.server}`,
    `records abandoned by the recovery passes: ${num(base.abandoned)} and ${num(big.abandoned)}`,
    `peak RSS of the service by phase, MB: ${[...info.rss].map(([phase, peak]) => `${phase} ${num(peak)}`).join('; ')}`,
    `peak RSS of the process that registered the ${num(base.records + big.records)} instances before (setup, information): ${num(info.registrationPeakMb)} MB`,
    '',
    line(head),
    line(head.map((_, i) => '-'.repeat(i === 0 ? width : 16))),
    ...rows.map(([name, f]) => line([name, f(base), f(big)])),
    '',
    ...targets.map((t) => `${t.name}: ${t.value} (target ${t.target})  ${t.met ? 'PASS' : 'MISS'}`),
    '',
    targets.every((t) => t.met)
      ? 'summary: PASS (every target met)'
      : 'summary: MISS (see the targets marked MISS; targets, not assertions)',
    '',
  ];
  process.stdout.write(out.join('\n') + '\n');
}

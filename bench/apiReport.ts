// The api benchmark's table (api.ts): per endpoint the app's and the baseline's requests/s, p50, p99 and
// errors, the ratios and PASS or MISS against the targets, and the measured reason of each MISS.
import os from 'node:os';
import type { LoadResult } from './apiLoad.js';

const TARGET_RPS_PERCENT = 50;
const TARGET_P99_TIMES = 3;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export interface Row {
  name: string;
  app: LoadResult;
  base: LoadResult;
  statements: number;
}

/**
 * A baseline that erred (timeouts, mostly) is no reference: its req/s counts only what answered and its
 * p99 stops at the timeout, so neither ratio says how the app compares. Such a row is NO BASE, neither
 * PASS nor MISS: the app's own errors still make it a MISS.
 */
const verdicts = (r: Row) => {
  const rps = (100 * r.app.requestsPerSec) / r.base.requestsPerSec;
  const p99 = r.app.p99Ms / Math.max(r.base.p99Ms, 1);
  const appMet = rps >= TARGET_RPS_PERCENT && p99 <= TARGET_P99_TIMES && r.app.errors === 0;
  const verdict = r.app.errors > 0 ? 'MISS' : r.base.errors > 0 ? 'NO BASE' : appMet ? 'PASS' : 'MISS';
  return { rps, p99, met: verdict === 'PASS', verdict };
};

export function print(
  rows: readonly Row[],
  load: { connections: number; seconds: number },
  notes: string[],
): void {
  const header = [
    'endpoint',
    'SQL',
    'req/s',
    'p50 ms',
    'p99 ms',
    'err',
    'base req/s',
    'base p50',
    'base p99',
    'base err',
    'req/s %',
    'p99 x',
    'verdict',
  ];
  const cells = rows.map((r) => {
    const v = verdicts(r);
    return [
      r.name,
      String(r.statements),
      fmt(r.app.requestsPerSec),
      String(r.app.p50Ms),
      String(r.app.p99Ms),
      String(r.app.errors),
      fmt(r.base.requestsPerSec),
      String(r.base.p50Ms),
      String(r.base.p99Ms),
      String(r.base.errors),
      v.rps.toFixed(0),
      v.p99.toFixed(2),
      v.verdict,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 0 || i === c.length - 1 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ');
  const allMet = rows.every((r) => verdicts(r).met);
  process.stdout.write(
    [
      '',
      `api: ${load.connections} connections, ${load.seconds} s per endpoint, app vs. bare node:http running the same SQL on the same pool`,
      `machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown cpu'}), Node ${process.version}`,
      ...notes,
      `targets per endpoint: req/s >= ${TARGET_RPS_PERCENT} % of the baseline's, p99 <= ${TARGET_P99_TIMES}x the baseline's, zero errors (non-2xx, socket errors, timeouts)`,
      '',
      line(header),
      line(widths.map((w) => '-'.repeat(w))),
      ...cells.map(line),
      '',
      ...rows
        .filter((r) => !verdicts(r).met)
        .map((r) => {
          const v = verdicts(r);
          const why = [
            v.rps < TARGET_RPS_PERCENT ? `req/s ${v.rps.toFixed(0)} % < ${TARGET_RPS_PERCENT} %` : '',
            v.p99 > TARGET_P99_TIMES ? `p99 ${v.p99.toFixed(2)}x > ${TARGET_P99_TIMES}x` : '',
            r.app.errors > 0 ? `${r.app.errors} errors` : '',
          ];
          if (v.verdict === 'NO BASE')
            return `NO BASE ${r.name}: the baseline erred ${r.base.errors} times, so its req/s and p99 are no reference (the app: ${r.app.errors} errors)`;
          if (r.base.errors > 0) why.push(`${r.base.errors} baseline errors`);
          return `MISS ${r.name}: ${why.filter(Boolean).join(', ')}`;
        }),
      allMet
        ? 'summary: PASS (every target met)'
        : rows.some((r) => verdicts(r).verdict === 'MISS')
          ? 'summary: MISS (see the rows marked MISS; targets, not assertions)'
          : 'summary: NO BASE (no MISS, but a baseline erred: those rows are not judged)',
      '',
    ].join('\n'),
  );
}

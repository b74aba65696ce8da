// The aggregate benchmark's first row: the default daily run, as the scheduler's nightly job runs it
// (calculate_database_aggregations at 04:00 on a fixed clock the day after the data's last day, UTC:
// the last completed day, both levels, for every generated instance), next to a baseline GROUP BY over
// that day's rows alone.
//
// Measured: what aggregatePeriod (src/commands/aggregate.ts) asks of the database for the period the
// command chooses: computeDatabaseAggregations, computeInstanceAggregations and instancesWithoutStats
// (the coverage), the rows into Node. Baseline: `GROUP BY instance_id, database_name` over the day's
// database_size_stats rows and `GROUP BY instance_id` over its instance_size_stats rows with the same
// figures (avg/max/min of every measure and the row count), into Node as well, under the same settings;
// it reads copies of the day's rows alone (tables of their own), so it costs one day whatever the
// indexes and partitions of the stats tables are.
// The sides alternate, BENCH_DAILY_RUNS times each (9), and the medians are compared: other processes
// share the cores.
// Also printed: the pages each side reads and the partitions and rows its scans touch (EXPLAIN
// (ANALYZE, BUFFERS) of each statement), so what "reads one day" means can be checked in the output.
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import {
  aggregationStatements,
  computeDatabaseAggregations,
  computeInstanceAggregations,
  instancesWithoutStats,
  withAggregationSettings,
} from '../src/adapters/db/aggregationSql.js';
import { choosePeriod } from '../src/commands/aggregationPeriod.js';
import type { Period } from '../src/domain/periods/periods.js';
import { DATABASES, fmt, INSTANCES, instanceIds, LAST_DAY, say } from './aggregateData.js';
import type { ReportRow } from './support.js';

/** The job's cron is `0 4 * * *`: its first run after the data's last day. */
export const CLOCK = new Date(`${addDays(LAST_DAY, 1)}T04:00:00Z`);
const TIME_ZONE = 'UTC';
const RUNS = Number(process.env.BENCH_DAILY_RUNS ?? '9');
/** The daily run takes at most 2x the baseline's time. */
const MAX_RATIO = 2;

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const measureList = (columns: readonly string[]) =>
  columns.map((c) => `avg(${c}) AS avg_${c}, max(${c}) AS max_${c}, min(${c}) AS min_${c}`).join(', ');

/** Copies of the day's rows alone: the baseline reads them and nothing else, whatever the indexes. */
const dayTables = {
  database: 'bench_day_database_size_stats',
  instance: 'bench_day_instance_size_stats',
} as const;

async function copyDay(knex: Knex, period: Period): Promise<void> {
  for (const [level, copy] of Object.entries(dayTables)) {
    await knex.raw(
      `CREATE TABLE ${copy} AS SELECT * FROM ${level}_size_stats
       WHERE collected_date >= CAST(? AS date) AND collected_date < CAST(? AS date)`,
      [period.start, period.endExclusive],
    );
    await knex.raw(`VACUUM ANALYZE ${copy}`);
  }
}

/** The baseline statements: the day's figures from its rows alone, no previous day, no window. */
const baselineStatements = {
  database: {
    sql: `SELECT instance_id::text AS instance_id, database_name,
                 ${measureList(['size_mb', 'data_size_mb', 'log_size_mb'])}, count(*)::int AS data_count
          FROM ${dayTables.database} GROUP BY instance_id, database_name`,
    bindings: [],
  },
  instance: {
    sql: `SELECT instance_id::text AS instance_id,
                 ${measureList(['total_size_mb', 'database_count'])}, count(*)::int AS data_count
          FROM ${dayTables.instance} GROUP BY instance_id`,
    bindings: [],
  },
};

interface Statement {
  sql: string;
  bindings: readonly Knex.Value[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

interface Reads {
  pages: number;
  /** Rows the scans of the stats tables looked at (returned or filtered out). */
  rowsScanned: number;
  partitions: Set<string>;
}

function collectScans(node: PlanNode, into: Reads): void {
  if (node['Relation Name'] && /Scan$/.test(node['Node Type'])) {
    const seen =
      node['Actual Rows'] +
      (node['Rows Removed by Filter'] ?? 0) +
      (node['Rows Removed by Index Recheck'] ?? 0);
    into.rowsScanned += seen * node['Actual Loops'];
    into.partitions.add(node['Relation Name']);
  }
  for (const child of node.Plans ?? []) collectScans(child, into);
}

/** Pages (shared buffers hit or read) and scans of `statements`, from EXPLAIN (ANALYZE, BUFFERS). */
async function readsOf(knex: Knex, statements: readonly Statement[]): Promise<Reads> {
  const reads: Reads = { pages: 0, rowsScanned: 0, partitions: new Set() };
  for (const { sql, bindings } of statements) {
    const { rows } = await withAggregationSettings(knex, (trx) =>
      trx.raw<{ rows: { 'QUERY PLAN': { Plan: PlanNode }[] }[] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
        [...bindings],
      ),
    );
    const plan = rows[0]!['QUERY PLAN'][0]!.Plan;
    reads.pages += plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
    collectScans(plan, reads);
  }
  return reads;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { ms: performance.now() - started, result };
}

export interface DailyRunResult {
  row: ReportRow;
  notes: string[];
  met: boolean;
}

/** Measures the default daily run against its baseline; throws when their figures do not match. */
export async function measureDailyRun(knex: Knex): Promise<DailyRunResult> {
  const { period } = choosePeriod({ periodType: 'daily', timeZone: TIME_ZONE }, CLOCK);
  if (period.start !== LAST_DAY) throw new Error(`the daily run chose ${period.start}, not ${LAST_DAY}`);
  const ids = await instanceIds(knex);
  const options = { instanceIds: ids };
  // As aggregatePeriod runs them (there in parallel; here in sequence, like the baseline's two).
  const dailyRun = async () => ({
    instances: await computeInstanceAggregations(knex, period, options),
    databases: await computeDatabaseAggregations(knex, period, options),
    missing: await instancesWithoutStats(knex, period, ids),
  });
  await copyDay(knex, period);
  const base = baselineStatements;
  const baseline = () =>
    withAggregationSettings(knex, async (trx) => ({
      databases: (await trx.raw<{ rows: unknown[] }>(base.database.sql, base.database.bindings)).rows,
      instances: (await trx.raw<{ rows: unknown[] }>(base.instance.sql, base.instance.bindings)).rows,
    }));

  await dailyRun(); // warm-up: plans, catalog caches and the day's pages, for both sides
  await baseline();
  const runMs: number[] = [];
  const baselineMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const measured = await timed(dailyRun);
    const { databases, instances, missing } = measured.result;
    const expected = INSTANCES * DATABASES;
    if (databases.length !== expected || instances.length !== INSTANCES || missing.length !== 0)
      throw new Error(
        `daily run: ${databases.length} database and ${instances.length} instance figures, ${missing.length} missing; expected ${expected} and ${INSTANCES}, none missing`,
      );
    runMs.push(measured.ms);
    const plain = await timed(baseline);
    if (plain.result.databases.length !== expected || plain.result.instances.length !== INSTANCES)
      throw new Error(`baseline: ${plain.result.databases.length} database groups, expected ${expected}`);
    baselineMs.push(plain.ms);
  }
  const [runMedian, baselineMedian] = [median(runMs), median(baselineMs)];
  const ratio = runMedian / baselineMedian;
  const met = ratio <= MAX_RATIO;

  const statements = aggregationStatements(period, options);
  const runReads = await readsOf(knex, [statements.database, statements.instance]);
  const baselineReads = await readsOf(knex, [base.database, base.instance]);
  const rowsOfDay = INSTANCES * DATABASES + INSTANCES;
  const describe = (r: Reads) =>
    `${fmt(r.pages)} pages, ${fmt(r.rowsScanned)} rows scanned in ${[...r.partitions].sort().join(', ')}`;
  const notes = [
    `daily run (the scheduler's default: ${period.start}, both levels, ${fmt(ids.length)} instances, clock ${CLOCK.toISOString()}): ` +
      `${runMedian.toFixed(1)} ms vs baseline GROUP BY of the day's rows ${baselineMedian.toFixed(1)} ms ` +
      `(medians of ${RUNS}, rows into Node): ${ratio.toFixed(2)}x, target <= ${MAX_RATIO}x  ${met ? 'PASS' : 'MISS'}`,
    `  daily run reads: ${describe(runReads)} (statements without the coverage)`,
    `  baseline reads:  ${describe(baselineReads)}`,
  ];
  for (const line of notes) say(`  ${line}`);
  return {
    row: {
      case: `daily run ${period.start}: ${fmt(INSTANCES * DATABASES)} database + ${fmt(INSTANCES)} instance figures`,
      rowsPerSec: rowsOfDay / (runMedian / 1000),
      baselineRowsPerSec: rowsOfDay / (baselineMedian / 1000),
      targetPercent: 100 / MAX_RATIO,
    },
    notes,
    met,
  };
}

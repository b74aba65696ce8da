// The core metrics of the size stats and their aggregations (GET /partitions/aggregations/core-metrics):
// per period of a type, how many instances and databases have stats collected in it and how many
// aggregation rows of that type begin on it; and per period type, the aggregation rows and the latest
// period aggregated. Every row counts, whatever the instance's state: these are figures about the tables.
import type { Knex } from 'knex';
import type { PeriodType } from '../../domain/periods/periods.js';

const truncUnit: Record<PeriodType, string> = {
  daily: 'day',
  weekly: 'week', // PostgreSQL weeks begin on Monday, as our periods do
  monthly: 'month',
  quarterly: 'quarter',
};

type Counts = Map<string, number>;

const countsBy = (rows: { start: string; n: string }[]): Counts =>
  new Map(rows.map((r) => [r.start, Number(r.n)]));

/** Per period of `type` from `start` to `endExclusive` (its first day -> count), each series. */
export async function coreMetricSeries(knex: Knex, type: PeriodType, start: string, endExclusive: string) {
  const bucket = `date_trunc('${truncUnit[type]}', collected_date)::date::text`;
  type Row = { start: string; n: string };
  const stats = (table: string, distinct: string): Promise<Row[]> =>
    knex(table)
      .where('collected_date', '>=', start)
      .where('collected_date', '<', endExclusive)
      .groupByRaw('1')
      .select(knex.raw(`${bucket} AS start`), knex.raw(`count(DISTINCT ${distinct}) AS n`));
  const aggregations = (table: string): Promise<Row[]> =>
    knex(table)
      .where('period_type', type)
      .where('period_start', '>=', start)
      .where('period_start', '<', endExclusive)
      .groupBy('period_start')
      .select(knex.raw('period_start::text AS start'), knex.raw('count(*) AS n'));
  const [instances, databases, instanceAggs, databaseAggs] = await Promise.all([
    stats('instance_size_stats', 'instance_id'),
    stats('database_size_stats', '(instance_id, database_name)'),
    aggregations('instance_size_aggregations'),
    aggregations('database_size_aggregations'),
  ]);
  return {
    instances_collected: countsBy(instances),
    databases_collected: countsBy(databases),
    instance_aggregations: countsBy(instanceAggs),
    database_aggregations: countsBy(databaseAggs),
  };
}

/** Per period type and aggregation level: rows, rows of a period still running, the latest period. */
export async function aggregationTotals(knex: Knex) {
  const totals = (table: string) =>
    knex(table)
      .groupBy('period_type')
      .select(
        'period_type',
        knex.raw('count(*) AS n'),
        knex.raw('count(*) FILTER (WHERE is_partial) AS partial'),
        knex.raw('max(period_start)::text AS latest'),
      ) as Promise<{ period_type: PeriodType; n: string; partial: string; latest: string | null }[]>;
  const [instance, database] = await Promise.all([
    totals('instance_size_aggregations'),
    totals('database_size_aggregations'),
  ]);
  const level = (rows: Awaited<ReturnType<typeof totals>>, type: PeriodType) => {
    const r = rows.find((x) => x.period_type === type);
    return {
      rows: Number(r?.n ?? 0),
      partial_rows: Number(r?.partial ?? 0),
      latest_period_start: r?.latest ?? null,
    };
  };
  return (type: PeriodType) => ({ instance: level(instance, type), database: level(database, type) });
}

// database_size_aggregations and instance_size_aggregations from the aggregation streams. A re-run of a
// period replaces its rows: InstanceAggregated makes the instance's rows of the period exactly the event's
// (a database the run no longer has loses its row), and AggregationCompleted drops the rows of instances
// the run did not include (no stats any more, deactivated). Figures are the event's, calculated_at its time.
// A run of one level (its scope) changes that level's table only: the other keeps its last run's rows.
// A batch is applied in runs between AggregationCompleted events: within a run, each level's rows of an
// (instance, period) are replaced by the run's last InstanceAggregated that carries that level, so only
// that one is written (one delete and one upsert per level for the run).
import type { DatabaseAggregation, InstanceAggregation } from '../../adapters/db/aggregationSql.js';
import { levelsOf, type AggregationScope } from '../../domain/aggregation/events.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { Projection, ProjectionContext } from '../projection.js';
import { upsertRowsAsJson } from '../rows.js';

interface PeriodData {
  periodType: string;
  periodStart: string;
  partial: boolean;
  scope?: AggregationScope;
}

interface AggregatedData extends PeriodData {
  instanceId: string;
  instance?: InstanceAggregation;
  databases?: DatabaseAggregation[];
}

const period = (d: PeriodData) => ({ period_type: d.periodType, period_start: d.periodStart });
const keyOf = (d: AggregatedData) => JSON.stringify([d.instanceId, d.periodType, d.periodStart]);
/** The columns every row carries besides the event's figures (as aggregationSql's upserts write them). */
const stamp = (d: PeriodData, e: RecordedEvent) => ({
  is_partial: d.partial,
  calculated_at: new Date(e.metadata.occurredAt),
});

/** The last InstanceAggregated of a run per (instance, period), for each level. */
class Run {
  readonly instances = new Map<string, Record<string, unknown>>();
  readonly databases = new Map<string, { d: AggregatedData; rows: Record<string, unknown>[] }>();

  add(e: RecordedEvent): void {
    const d = e.data as AggregatedData;
    const key = keyOf(d);
    // Map.set on an existing key keeps its place: delete first, so rows are written in log order.
    if (d.instance) {
      this.instances.delete(key);
      this.instances.set(key, { ...d.instance, ...stamp(d, e) });
    }
    if (d.databases) {
      this.databases.delete(key);
      this.databases.set(key, { d, rows: d.databases.map((r) => ({ ...r, ...stamp(d, e) })) });
    }
  }

  async write({ trx, table }: ProjectionContext): Promise<void> {
    await upsertRowsAsJson(
      trx,
      table('instance_size_aggregations'),
      [...this.instances.values()],
      ['instance_id', 'period_type', 'period_start'],
    );
    const replaced = [...this.databases.values()];
    if (replaced.length === 0) return;
    const t = table('database_size_aggregations');
    // A database the instance's last run no longer has loses its row.
    await trx.raw(
      `DELETE FROM ?? a
       USING jsonb_to_recordset(?::jsonb) AS k(instance_id uuid, period_type text, period_start date, names jsonb)
       WHERE a.instance_id = k.instance_id AND a.period_type = k.period_type AND a.period_start = k.period_start
         AND NOT jsonb_exists(k.names, a.database_name)`,
      [
        t,
        JSON.stringify(
          replaced.map(({ d, rows }) => ({
            instance_id: d.instanceId,
            ...period(d),
            names: rows.map((r) => r.database_name),
          })),
        ),
      ],
    );
    await upsertRowsAsJson(
      trx,
      t,
      replaced.flatMap((r) => r.rows),
      ['instance_id', 'database_name', 'period_type', 'period_start'],
    );
  }
}

async function applyCompleted({ trx, table }: ProjectionContext, e: RecordedEvent): Promise<void> {
  const d = e.data as PeriodData & { included: string[] };
  const levels = levelsOf(d.scope);
  const tables = [
    ...(levels.database ? ['database_size_aggregations'] : []),
    ...(levels.instance ? ['instance_size_aggregations'] : []),
  ];
  for (const t of tables)
    await trx(table(t))
      .where(period(d))
      .whereNotIn('instance_id', d.included) // knex: an empty list matches every row
      .delete();
}

export const aggregationsProjection: Projection = {
  name: 'aggregations',
  tables: ['database_size_aggregations', 'instance_size_aggregations'],
  eventTypes: ['InstanceAggregated', 'AggregationCompleted'],
  apply: async (ctx, events) => {
    let run = new Run();
    for (const e of events) {
      if (e.type === 'InstanceAggregated') {
        run.add(e);
        continue;
      }
      await run.write(ctx);
      run = new Run();
      await applyCompleted(ctx, e);
    }
    await run.write(ctx);
  },
};

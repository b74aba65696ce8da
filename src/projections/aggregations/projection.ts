// database_size_aggregations and instance_size_aggregations from the aggregation streams. A re-run of a
// period replaces its rows: InstanceAggregated makes the instance's rows of the period exactly the event's
// (a database the run no longer has loses its row), and AggregationCompleted drops the rows of instances
// the run did not include (no stats any more, deactivated). Figures are the event's, calculated_at its time.
// A run of one level (its scope) changes that level's table only: the other keeps its last run's rows.
import {
  upsertDatabaseAggregations,
  upsertInstanceAggregations,
  type DatabaseAggregation,
  type InstanceAggregation,
} from '../../adapters/db/aggregationSql.js';
import { levelsOf, type AggregationScope } from '../../domain/aggregation/events.js';
import { eachEvent, type Projection } from '../projection.js';

interface PeriodData {
  periodType: string;
  periodStart: string;
  partial: boolean;
  scope?: AggregationScope;
}

export const aggregationsProjection: Projection = {
  name: 'aggregations',
  tables: ['database_size_aggregations', 'instance_size_aggregations'],
  eventTypes: ['InstanceAggregated', 'AggregationCompleted'],
  apply: eachEvent(async ({ trx, table }, e) => {
    const period = (d: PeriodData) => ({ period_type: d.periodType, period_start: d.periodStart });
    if (e.type === 'AggregationCompleted') {
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
      return;
    }
    // Each level is present exactly when the event's scope computed it (its schema checks that).
    const d = e.data as PeriodData & {
      instanceId: string;
      instance?: InstanceAggregation;
      databases?: DatabaseAggregation[];
    };
    const options = { partial: d.partial, calculatedAt: new Date(e.metadata.occurredAt) };
    if (d.instance)
      await upsertInstanceAggregations(trx, table('instance_size_aggregations'), [d.instance], options);
    if (!d.databases) return;
    await trx(table('database_size_aggregations'))
      .where({ ...period(d), instance_id: d.instanceId })
      .whereNotIn(
        'database_name',
        d.databases.map((r) => r.database_name),
      )
      .delete();
    if (d.databases.length > 0)
      await upsertDatabaseAggregations(trx, table('database_size_aggregations'), d.databases, options);
  }),
};

// database_size_aggregations and instance_size_aggregations from InstanceAggregated. A re-run of a period
// replaces its rows (upsert on the period key); the figures are the event's, calculated_at its time.
import {
  upsertDatabaseAggregations,
  upsertInstanceAggregations,
  type DatabaseAggregation,
  type InstanceAggregation,
} from '../../adapters/db/aggregationSql.js';
import { eachEvent, type Projection } from '../projection.js';

export const aggregationsProjection: Projection = {
  name: 'aggregations',
  tables: ['database_size_aggregations', 'instance_size_aggregations'],
  eventTypes: ['InstanceAggregated'],
  apply: eachEvent(async ({ trx, table }, e) => {
    const d = e.data as { partial: boolean; instance: InstanceAggregation; databases: DatabaseAggregation[] };
    const options = { partial: d.partial, calculatedAt: new Date(e.metadata.occurredAt) };
    await upsertInstanceAggregations(trx, table('instance_size_aggregations'), [d.instance], options);
    if (d.databases.length > 0)
      await upsertDatabaseAggregations(trx, table('database_size_aggregations'), d.databases, options);
  }),
};

// The daily instance aggregations of the api benchmark's data (apiData.ts): each day of stats as the
// aggregation session records it, one InstanceAggregated per instance and the period's AggregationCompleted.
import { randomUUID } from 'node:crypto';
import { newEvent } from '../src/commands/commandContext.js';
import { aggregationStream } from '../src/domain/aggregation/events.js';
import type { EventData } from '../src/domain/events/envelope.js';
import { at, DAY_MS, isoDay, sizeOf, sizes, type Append, type BenchInstance } from './apiData.js';

export /** Each day's instance-level aggregation (a daily period of one collection: avg = max = min). */
async function aggregations(instances: readonly BenchInstance[], todayMs: number, append: Append) {
  const firstMs = todayMs - sizes.days * DAY_MS;
  const totalOf = (i: number, day: number) =>
    Math.round(
      Array.from({ length: sizes.databasesPerInstance }, (_, d) => sizeOf(i, d, day)).reduce(
        (s, x) => s + x,
        0,
      ) * 100,
    ) / 100;
  const work: Promise<void>[] = [];
  for (let day = 0; day < sizes.days; day++) {
    const date = isoDay(firstMs + day * DAY_MS);
    const ctx = at(firstMs + (day + 1) * DAY_MS + 3_600_000);
    const sessionId = randomUUID();
    const period = {
      periodType: 'daily' as const,
      periodStart: date,
      periodEnd: date,
      partial: false,
      scope: 'instance' as const,
    };
    const batch: EventData[] = instances.map((m, i) => {
      const total = totalOf(i, day);
      const previous = day > 0 ? totalOf(i, day - 1) : null;
      const change = previous === null ? null : Math.round((total - previous) * 100) / 100;
      const percent =
        previous === null || change === null ? null : Math.round((change / previous) * 10_000) / 100;
      return newEvent(
        ctx,
        'InstanceAggregated',
        {
          ...period,
          sessionId,
          instanceId: m.id,
          instance: {
            instance_id: m.id,
            period_type: 'daily',
            period_start: date,
            period_end: date,
            avg_total_size_mb: total,
            max_total_size_mb: total,
            min_total_size_mb: total,
            data_count: 1,
            avg_database_count: sizes.databasesPerInstance,
            max_database_count: sizes.databasesPerInstance,
            min_database_count: sizes.databasesPerInstance,
            total_size_change_mb: change,
            total_size_change_percent: percent,
            database_count_change: previous === null ? null : 0,
            growth_rate: percent,
            trend_direction: percent === null ? null : percent > 0 ? 'growing' : 'stable',
          },
        },
        { sessionId, instanceId: m.id },
      );
    });
    batch.push(
      newEvent(
        ctx,
        'AggregationCompleted',
        {
          ...period,
          sessionId,
          included: instances.map((m) => m.id),
          missing: [],
          coverageComplete: true,
        },
        { sessionId },
      ),
    );
    work.push(append(aggregationStream('daily', date), batch));
  }
  await Promise.all(work);
}

// The `classificationAssignments` projection: account_classification_assignments from AssignmentsChanged
// (removed first, then added), and the daily statistics. After each event, the figures of the
// classifications and rules it touched are recomputed from the assignments table as it stands then and
// written for the event's statDate (the last write of a day wins: the totals after the day's last change).
// A batch leaves what one event per batch would: the figures are computed only where statPoints says no
// later event of the batch and day replaces them, after the assignment writes of every event up to there.
import type { Knex } from 'knex';
import type { Projection } from '../projection.js';
import { upsertRows } from '../rows.js';
import { type AssignmentRow, assignmentWrites, statPoints, type Touched } from './assignmentsFold.js';

/** Ids per statement: far below the bind-parameter limit. */
const chunkSize = 5_000;

const chunked = <T>(values: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += chunkSize) out.push(values.slice(i, i + chunkSize));
  return out;
};

async function writeStats(
  trx: Knex.Transaction,
  table: (name: string) => string,
  statDate: string,
  touched: Touched,
): Promise<void> {
  const assignments = table('account_classification_assignments');
  const classificationIds = [...touched.classifications];
  if (classificationIds.length > 0) {
    const counted = new Map<string, { accounts: number; assignments: number }>();
    for (const chunk of chunked(classificationIds)) {
      const rows = await trx(assignments)
        .whereIn('classification_id', chunk)
        .groupBy('classification_id')
        .select<{ classification_id: string; accounts: number; assignments: number }[]>(
          'classification_id',
          trx.raw('count(DISTINCT account_id)::int AS accounts'),
          trx.raw('count(*)::int AS assignments'),
        );
      for (const r of rows) counted.set(r.classification_id, r);
    }
    await upsertRows(
      trx,
      table('classification_daily_stats'),
      classificationIds.sort().map((id) => ({
        stat_date: statDate,
        classification_id: id,
        accounts: counted.get(id)?.accounts ?? 0,
        assignments: counted.get(id)?.assignments ?? 0,
      })),
      ['stat_date', 'classification_id'],
    );
  }
  const ruleIds = [...touched.rules.keys()];
  if (ruleIds.length > 0) {
    const hits = new Map<string, number>();
    for (const chunk of chunked(ruleIds)) {
      const rows = await trx(assignments)
        .where('assignment_type', 'auto')
        .whereIn('rule_id', chunk)
        .groupBy('rule_id')
        .select<{ rule_id: string; hits: number }[]>('rule_id', trx.raw('count(*)::int AS hits'));
      for (const r of rows) hits.set(r.rule_id, r.hits);
    }
    await upsertRows(
      trx,
      table('classification_rule_daily_stats'),
      ruleIds.sort().map((id) => ({
        stat_date: statDate,
        rule_id: id,
        classification_id: touched.rules.get(id)!,
        hits: hits.get(id) ?? 0,
      })),
      ['stat_date', 'rule_id'],
    );
  }
}

export const classificationAssignmentsProjection: Projection = {
  name: 'classificationAssignments',
  tables: [
    'account_classification_assignments',
    'classification_daily_stats',
    'classification_rule_daily_stats',
  ],
  eventTypes: ['AssignmentsChanged'],
  // The assignment writes of successive events merge (an id's last write wins: its row, or its delete) and
  // are flushed before an event whose figures must be computed, so the counts see the table as it stands
  // after that event.
  apply: async ({ trx, table }, events) => {
    const points = statPoints(events);
    const assignments = table('account_classification_assignments');
    const writes = new Map<string, AssignmentRow | 'delete'>();
    const flush = async () => {
      const deletes = [...writes].flatMap(([id, w]) => (w === 'delete' ? [id] : []));
      const rows = [...writes.values()].filter((w): w is AssignmentRow => w !== 'delete');
      writes.clear();
      for (const chunk of chunked(deletes)) await trx(assignments).whereIn('id', chunk).delete();
      await upsertRows(trx, assignments, rows as unknown as Record<string, unknown>[], ['id']);
    };
    for (const [i, e] of events.entries()) {
      const { deleteIds, rows } = assignmentWrites(e);
      // Map.set keeps an existing key's place: delete first, so writes keep the log's order.
      for (const id of deleteIds) writes.set(id, 'delete');
      for (const row of rows) {
        writes.delete(row.id);
        writes.set(row.id, row);
      }
      const point = points[i]!;
      if (point.touched.classifications.size === 0 && point.touched.rules.size === 0) continue;
      await flush();
      await writeStats(trx, table, point.statDate, point.touched);
    }
    await flush();
  },
};

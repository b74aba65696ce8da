// The classification trend from the daily statistics: per classification and period, the figures that
// held on the period's last day (or on end_date for a period it cuts). A day without a row carries the
// last known figures forward; before the first row a classification had none (zero).
import type { Knex } from 'knex';
import { AppError } from '../../domain/errors.js';
import type { RiskLevel } from '../../domain/classification/events.js';
import {
  nextPeriod,
  periodContaining,
  previousPeriod,
  type Period,
  type PeriodType,
} from '../../domain/periods/periods.js';

/** Periods a trend shows when no start_date is given. */
export const defaultTrendPeriods: Record<PeriodType, number> = {
  daily: 30,
  weekly: 12,
  monthly: 12,
  quarterly: 8,
};
/** The most periods one trend answers. */
export const maxTrendPeriods = 1000;

export interface TrendFilters {
  period_type: PeriodType;
  classification_id?: string | undefined;
  /** First day (YYYY-MM-DD); default: the start of the last defaultTrendPeriods periods up to end_date. */
  start_date?: string | undefined;
  /** Last day (YYYY-MM-DD), e.g. today in WHALEFALL_TIMEZONE; default: the last day with statistics. */
  end_date?: string | undefined;
}

export interface TrendPoint {
  period_start: string;
  period_end: string;
  /** Distinct accounts holding the classification on the period's last day (or end_date). */
  accounts: number;
  assignments: number;
}

/** The periods of `type` from the one containing `start` to the one containing `end`. */
export function periodsBetween(type: PeriodType, start: string, end: string): Period[] {
  const out: Period[] = [];
  const last = periodContaining(type, end);
  for (let p = periodContaining(type, start); p.start <= last.start; p = nextPeriod(p)) {
    if (out.length >= maxTrendPeriods)
      throw new AppError(
        'VALIDATION_ERROR',
        `a trend covers at most ${maxTrendPeriods} ${type} periods: narrow start_date..end_date`,
        { period_type: type, start_date: start, end_date: end },
      );
    out.push(p);
  }
  return out;
}

/**
 * Carries figures forward: for each day (ascending), the last row at or before it (rows ascending by
 * stat_date), or zero before the first.
 */
export function carryForward(
  rows: readonly { stat_date: string; accounts: number; assignments: number }[],
  days: readonly string[],
): { accounts: number; assignments: number }[] {
  let i = -1;
  return days.map((day) => {
    while (i + 1 < rows.length && rows[i + 1]!.stat_date <= day) i++;
    const row = rows[i];
    return { accounts: row?.accounts ?? 0, assignments: row?.assignments ?? 0 };
  });
}

/**
 * The trend of every classification (not deleted), or of the one asked for (deleted or not), over the
 * periods of `period_type` from start_date to end_date. No statistics and no end_date: no periods.
 */
export async function classificationTrend(knex: Knex, filters: TrendFilters) {
  const type = filters.period_type;
  let end = filters.end_date;
  if (!end) {
    const [{ last }] = (await knex('classification_daily_stats').select(
      knex.raw('max(stat_date)::text AS last'),
    )) as [{ last: string | null }];
    end = last ?? undefined;
  }
  const classes = knex('classifications')
    .select('id', 'name', 'risk_level', 'color')
    .orderBy([
      { column: 'priority', order: 'desc' },
      { column: 'name', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
  if (filters.classification_id) classes.where('id', filters.classification_id);
  else classes.whereNull('deleted_at');
  const classifications = (await classes) as {
    id: string;
    name: string;
    risk_level: RiskLevel;
    color: string;
  }[];
  if (!end)
    return { period_type: type, start_date: null, end_date: null, series: classifications.map(emptySeries) };

  let start = filters.start_date;
  if (!start) {
    let p = periodContaining(type, end);
    for (let n = 1; n < defaultTrendPeriods[type]; n++) p = previousPeriod(p);
    start = p.start;
  }
  if (start > end)
    throw new AppError('VALIDATION_ERROR', `start_date ${start} is after end_date ${end}`, {
      start_date: start,
      end_date: end,
    });
  const periods = periodsBetween(type, start, end);
  const days = periods.map((p) => (p.end < end ? p.end : end));
  const rows = (await knex('classification_daily_stats')
    .whereIn(
      'classification_id',
      classifications.map((c) => c.id),
    )
    .where('stat_date', '<=', end)
    .select('classification_id', knex.raw('stat_date::text AS stat_date'), 'accounts', 'assignments')
    .orderBy(['classification_id', 'stat_date'])) as {
    classification_id: string;
    stat_date: string;
    accounts: number;
    assignments: number;
  }[];
  const byClassification = new Map<string, typeof rows>();
  for (const r of rows) {
    const list = byClassification.get(r.classification_id) ?? [];
    list.push(r);
    byClassification.set(r.classification_id, list);
  }
  return {
    period_type: type,
    start_date: start,
    end_date: end,
    series: classifications.map((c) => {
      const values = carryForward(byClassification.get(c.id) ?? [], days);
      return {
        ...emptySeries(c),
        points: periods.map((p, i): TrendPoint => ({
          period_start: p.start,
          period_end: p.end,
          ...values[i]!,
        })),
      };
    }),
  };
}

const emptySeries = (c: { id: string; name: string; risk_level: RiskLevel; color: string }) => ({
  classification_id: c.id,
  name: c.name,
  risk_level: c.risk_level,
  color: c.color,
  points: [] as TrendPoint[],
});

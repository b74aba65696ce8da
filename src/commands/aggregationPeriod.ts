// Which period an aggregation runs for: by default the last completed one of its type (defect 6: never
// today's half day), the running one only when asked for (marked partial, defect 7), or an explicit start,
// refused when it has not begun or ends before the earliest collected stat.
import type { Knex } from 'knex';
import { earliestStatDate } from '../adapters/db/aggregationSql.js';
import { AppError } from '../domain/errors.js';
import {
  currentPeriod,
  hasBegun,
  isComplete,
  lastCompletedPeriod,
  localDate,
  periodStarting,
  type Period,
  type PeriodType,
} from '../domain/periods/periods.js';

/** What the period choice looks at in an aggregation command. */
export interface PeriodRequest {
  periodType: PeriodType;
  /** An explicit period start; default: the last completed period. */
  periodStart?: string | undefined;
  /** Compute the period that is still running (marked partial). */
  current?: boolean;
  timeZone: string;
}

const invalidStart = (message: string, context: Record<string, unknown>) =>
  new AppError('VALIDATION_ERROR', `period_start ${message}`, { field: 'period_start', ...context });

/** periodStarting, its refusals naming the field they came from. */
function explicitPeriod(type: PeriodType, start: string): Period {
  try {
    return periodStarting(type, start);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    throw new AppError(err.code, err.message, { field: 'period_start', ...err.context }, { cause: err });
  }
}

/** The period to aggregate; an explicit period_start that has not begun yet is refused. */
export function choosePeriod(cmd: PeriodRequest, now: Date): { period: Period; partial: boolean } {
  const period = cmd.periodStart
    ? explicitPeriod(cmd.periodType, cmd.periodStart)
    : cmd.current
      ? currentPeriod(cmd.periodType, now, cmd.timeZone)
      : lastCompletedPeriod(cmd.periodType, now, cmd.timeZone);
  if (!hasBegun(period, now, cmd.timeZone)) {
    const today = localDate(now, cmd.timeZone);
    throw invalidStart(
      `${period.start} is in the future: the ${period.type} period has not begun (today is ${today} in ${cmd.timeZone})`,
      { periodStart: period.start, today },
    );
  }
  return { period, partial: !isComplete(period, now, cmd.timeZone) };
}

/** An explicit period that ends before the first collected stat has nothing to aggregate: refused. */
export async function assertStatsCanExist(knex: Knex, period: Period): Promise<void> {
  const earliest = await earliestStatDate(knex);
  if (earliest === null)
    throw invalidStart(`${period.start}: no size stats have been collected yet`, {
      periodStart: period.start,
      earliestStat: null,
    });
  if (period.endExclusive <= earliest)
    throw invalidStart(
      `${period.start}: the ${period.type} period ${period.start}..${period.end} ends before the earliest collected size stat (${earliest})`,
      { periodStart: period.start, earliestStat: earliest },
    );
}

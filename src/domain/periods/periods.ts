// Reporting periods (daily, weekly, monthly, quarterly) as calendar dates in a configured IANA time zone.
//
// Pure: the current instant comes in as `now`; nothing here reads the clock, the environment or the host
// time zone. Only the step from an instant to "today" looks at a time zone (through Intl.DateTimeFormat);
// every other calculation works on plain `YYYY-MM-DD` dates as whole UTC days, so DST never shifts a date.
import { AppError } from '../errors.js';

export const periodTypes = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
export type PeriodType = (typeof periodTypes)[number];

/** A half-open range of calendar dates: `start` <= date < `endExclusive`, and `end` is its last day. */
export interface Period {
  readonly type: PeriodType;
  /** First day, `YYYY-MM-DD`. */
  readonly start: string;
  /** Last day (inclusive), `YYYY-MM-DD`. */
  readonly end: string;
  /** The day after `end`, `YYYY-MM-DD`. */
  readonly endExclusive: string;
}

/**
 * Whole periods of one type: `start` begins a period and `endExclusive` ends one. A Period is a span
 * of one period; spanOf(first, last) covers first..last.
 */
export type PeriodSpan = Pick<Period, 'type' | 'start' | 'endExclusive'>;

export const spanOf = (first: Period, last: Period): PeriodSpan => {
  if (first.type !== last.type || last.start < first.start)
    throw new RangeError(`not a span: ${first.type} ${first.start} .. ${last.type} ${last.start}`);
  return { type: first.type, start: first.start, endExclusive: last.endExclusive };
};

export const DEFAULT_TIME_ZONE = 'UTC';

const MS_PER_DAY = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const invalid = (message: string, context: Record<string, unknown>): AppError =>
  new AppError('VALIDATION_ERROR', message, context);

export const isPeriodType = (value: unknown): value is PeriodType =>
  typeof value === 'string' && (periodTypes as readonly string[]).includes(value);

const assertPeriodType = (type: unknown): PeriodType => {
  if (!isPeriodType(type)) {
    throw invalid(`unknown period type '${String(type)}': expected one of ${periodTypes.join(', ')}`, {
      type: String(type),
    });
  }
  return type;
};

// ---- plain-date arithmetic: whole days since 1970-01-01, computed in UTC ----

/** Days since 1970-01-01 for a calendar date; setUTCFullYear avoids Date.UTC's 0..99 => 19xx mapping. */
const dayNumber = (year: number, month: number, day: number): number => {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return Math.floor(d.getTime() / MS_PER_DAY);
};

interface Ymd {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const toYmd = (days: number): Ymd => {
  const d = new Date(days * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const formatDays = (days: number): string => {
  const { year, month, day } = toYmd(days);
  if (year < 1 || year > 9999) {
    throw invalid(`date out of the supported range 0001-01-01..9999-12-31 (year ${year})`, { year });
  }
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
};

/** Parses a strict `YYYY-MM-DD` calendar date, rejecting impossible dates such as 2026-02-30. */
const parseDate = (date: string): Ymd & { readonly days: number } => {
  const match = typeof date === 'string' ? DATE_PATTERN.exec(date) : null;
  if (match) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    const days = dayNumber(year, month, day);
    const back = toYmd(days);
    if (year >= 1 && back.year === year && back.month === month && back.day === day) {
      return { year, month, day, days };
    }
  }
  throw invalid(`invalid date '${String(date)}': expected a calendar date as YYYY-MM-DD`, {
    date: String(date),
  });
};

/** 0 = Monday .. 6 = Sunday. */
const isoWeekdayIndex = (days: number): number => (new Date(days * MS_PER_DAY).getUTCDay() + 6) % 7;

const firstOfMonth = (year: number, month: number): number => dayNumber(year, month, 1);

const makePeriod = (type: PeriodType, startDays: number, endExclusiveDays: number): Period => ({
  type,
  start: formatDays(startDays),
  end: formatDays(endExclusiveDays - 1),
  endExclusive: formatDays(endExclusiveDays),
});

// ---- time zone: the only place an instant becomes a calendar date ----

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    if (typeof timeZone !== 'string' || timeZone.trim() === '') throw new RangeError('empty time zone');
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
  } catch (cause) {
    throw new AppError(
      'VALIDATION_ERROR',
      `unknown time zone '${String(timeZone)}': expected an IANA time zone such as UTC or Asia/Shanghai`,
      { timeZone: String(timeZone) },
      { cause },
    );
  }
  formatters.set(timeZone, formatter);
  return formatter;
};

/** Throws a VALIDATION_ERROR unless `timeZone` is an IANA time zone this runtime knows. */
export const assertTimeZone = (timeZone: string): void => {
  formatterFor(timeZone);
};

/** The calendar date (`YYYY-MM-DD`) of the instant `now` in `timeZone`. */
export const localDate = (now: Date, timeZone: string = DEFAULT_TIME_ZONE): string => {
  const formatter = formatterFor(timeZone);
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw invalid('invalid instant: expected a valid Date', { now: String(now) });
  }
  const parts = formatter.formatToParts(now);
  const part = (name: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === name)?.value);
  const year = part('year');
  const month = part('month');
  const day = part('day');
  return formatDays(dayNumber(year, month, day));
};

// ---- periods ----

/** The period of `type` that contains the calendar date `date`. */
export const periodContaining = (type: PeriodType, date: string): Period => {
  const t = assertPeriodType(type);
  const { year, month, days } = parseDate(date);
  switch (t) {
    case 'daily':
      return makePeriod(t, days, days + 1);
    case 'weekly': {
      const monday = days - isoWeekdayIndex(days);
      return makePeriod(t, monday, monday + 7);
    }
    case 'monthly':
      return makePeriod(t, firstOfMonth(year, month), firstOfMonth(year, month + 1));
    case 'quarterly': {
      const firstMonth = Math.floor((month - 1) / 3) * 3 + 1;
      return makePeriod(t, firstOfMonth(year, firstMonth), firstOfMonth(year, firstMonth + 3));
    }
  }
};

/**
 * The period of `type` that begins on `start`. Refuses a date that does not begin such a period:
 * weekly periods begin on a Monday, monthly on the 1st, quarterly on Jan/Apr/Jul/Oct 1st.
 */
export const periodStarting = (type: PeriodType, start: string): Period => {
  const period = periodContaining(type, start);
  if (period.start !== start) {
    const rule: Record<PeriodType, string> = {
      daily: 'any date',
      weekly: 'a Monday',
      monthly: 'the 1st of a month',
      quarterly: 'January, April, July or October 1st',
    };
    throw invalid(
      `'${start}' is not the start of a ${type} period: expected ${rule[type]} (the ${type} period containing it starts ${period.start})`,
      { type, start, expectedStart: period.start },
    );
  }
  return period;
};

/** The period of the same type immediately before `period`. */
export const previousPeriod = (period: Period): Period => {
  const { days } = parseDate(periodStarting(period.type, period.start).start);
  return periodContaining(period.type, formatDays(days - 1));
};

/** The period of the same type immediately after `period`. */
export const nextPeriod = (period: Period): Period =>
  periodStarting(period.type, periodStarting(period.type, period.start).endExclusive);

/** The period of `type` containing today (the date of `now` in `timeZone`). */
export const currentPeriod = (type: PeriodType, now: Date, timeZone: string = DEFAULT_TIME_ZONE): Period =>
  periodContaining(type, localDate(now, timeZone));

/** The most recent period of `type` that has fully ended before today in `timeZone`. */
export const lastCompletedPeriod = (
  type: PeriodType,
  now: Date,
  timeZone: string = DEFAULT_TIME_ZONE,
): Period => previousPeriod(currentPeriod(type, now, timeZone));

/** True when the period's last day is before today (the date of `now` in `timeZone`). */
export const isComplete = (period: Period, now: Date, timeZone: string = DEFAULT_TIME_ZONE): boolean =>
  parseDate(period.endExclusive).days <= parseDate(localDate(now, timeZone)).days;

/** True when the period's first day is today or before (the date of `now` in `timeZone`). */
export const hasBegun = (period: Period, now: Date, timeZone: string = DEFAULT_TIME_ZONE): boolean =>
  period.start <= localDate(now, timeZone);

/** The number of calendar days in the period. */
export const daysIn = (period: Period): number =>
  parseDate(period.endExclusive).days - parseDate(period.start).days;

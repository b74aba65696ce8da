// Months as plain 'YYYY-MM-01' strings (the bounds of monthly partitions). Month arithmetic is integer
// arithmetic on year and month, so no time zone can shift a month.

export interface YearMonth {
  year: number;
  month: number; // 1..12
}

export function parseMonth(monthStart: string): YearMonth {
  const m = /^(\d{4})-(\d{2})-01$/.exec(monthStart);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12)
    throw new Error(`not the first day of a month (YYYY-MM-01): ${JSON.stringify(monthStart)}`);
  return { year: Number(m[1]), month };
}

const formatMonth = ({ year, month }: YearMonth): string =>
  `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`;

/** 'YYYY-MM-01' plus n months (n may be negative). */
export function addMonths(monthStart: string, n: number): string {
  if (!Number.isInteger(n)) throw new Error(`not a whole number of months: ${n}`);
  const { year, month } = parseMonth(monthStart);
  const index = year * 12 + (month - 1) + n;
  return formatMonth({ year: Math.floor(index / 12), month: (index % 12) + 1 });
}

/** The first day of the month of a 'YYYY-MM-DD' day. */
export function monthOf(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (!m || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d)
    throw new Error(`not a date (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return `${m[1]}-${m[2]}-01`;
}

/** fromMonth and the monthsAhead months after it, in order. */
export function monthsFrom(fromMonth: string, monthsAhead: number): string[] {
  if (!Number.isInteger(monthsAhead) || monthsAhead < 0)
    throw new Error(`monthsAhead must be a whole number >= 0: ${monthsAhead}`);
  parseMonth(fromMonth);
  return Array.from({ length: monthsAhead + 1 }, (_, i) => addMonths(fromMonth, i));
}

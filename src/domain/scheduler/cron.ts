// Cron expressions as the scheduler reads them (cron-parser, the parser pg-boss itself uses): five fields
// (minute hour day-of-month month day-of-week), evaluated in an IANA time zone. Across a DST change a
// daily time that does not exist that day runs once, an hour later; one that exists twice runs once, the
// first time. Pure (the time to count from comes in).
import parser from 'cron-parser';

/** Why `cron` in `timezone` is not a schedule we accept; undefined when it is one. */
export function cronProblem(cron: string, timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return `unknown time zone '${timezone}' (an IANA name such as UTC or Asia/Shanghai)`;
  }
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5)
    return `'${cron}' has ${fields.length} field(s): a cron expression has five (minute hour day-of-month month day-of-week)`;
  try {
    parser.parseExpression(cron, { tz: timezone }).next();
  } catch (err) {
    return `'${cron}' is not a valid cron expression: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

const iterate = (cron: string, timezone: string, from: Date) =>
  parser.parseExpression(cron, { tz: timezone, currentDate: from });

/** The first tick strictly after `from`. */
export const nextTick = (cron: string, timezone: string, from: Date): Date =>
  iterate(cron, timezone, from).next().toDate();

/** Forward iteration only: cron-parser's prev() skips a tick moved by a spring-forward gap (next() does not). */
const MAX_STEPS = 100_000;

/** The ticks in (after, until], oldest first, at most `limit` (the newest ones when there are more). */
export function ticksBetween(cron: string, timezone: string, after: Date, until: Date, limit = 1000): Date[] {
  const ticks: Date[] = [];
  const it = iterate(cron, timezone, after);
  for (let step = 0; step < MAX_STEPS; step++) {
    const t = it.next().toDate();
    if (t.getTime() > until.getTime()) break;
    ticks.push(t);
    if (ticks.length > limit) ticks.shift();
  }
  return ticks;
}

/** The last tick at or before `at` (undefined when there is none in the 400 days before). */
export function lastTick(cron: string, timezone: string, at: Date): Date | undefined {
  // prev() gives a candidate at or before the real one; walking forward from just before it finds the last.
  let from: Date;
  try {
    from = new Date(
      iterate(cron, timezone, new Date(at.getTime() + 1))
        .prev()
        .toDate()
        .getTime() - 1,
    );
  } catch {
    from = new Date(at.getTime() - 400 * 86_400_000);
  }
  return ticksBetween(cron, timezone, from, at, 1)[0];
}

// Timestamps read as text in the form the API answers (Date.prototype.toISOString's), without a Date:
// select the column `AT TIME ZONE 'UTC'` (a timestamp without time zone, whatever the server's TimeZone)
// and pass `utcTimeTypes` as the query's pg `types`. pg's own parser costs a regular expression, a Date
// and, back in the API, a toISOString per value: for the 30,000 times of a 10,000-record session, about
// a third of getSession's time (docs/decisions.md: "GET of a 10,000-record session: times as text").
import pg from 'pg';

const TIMESTAMP = 1114; // timestamp without time zone
// pg-types declares its parsers untyped: typed here as what they return.
const pgParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown;
const parseTimestamptz = pgParser(1184) as (text: string) => Date;

// What PostgreSQL prints for a timestamp with DateStyle ISO (createKnex sets it), years 0000-9999.
const isoText = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d{1,6})?$/;

/**
 * PostgreSQL's text of a UTC timestamp ('2026-11-22 09:00:01.5') as toISOString() writes the Date pg
 * would have parsed from it ('2026-11-22T09:00:01.500Z'): the milliseconds truncated as Date.UTC
 * truncates pg's `1000 * parseFloat(fraction)`. Any other text (BC, a year past 9999) takes pg's parser.
 */
export function utcTextToIso(text: string): string {
  const m = isoText.exec(text);
  // As the timestamptz's own text would have been ('... 12:00:00+00 BC').
  if (!m) return parseTimestamptz(text.replace(/( BC)?$/, '+00$1')).toISOString();
  const ms = m[3] ? Math.trunc(1000 * parseFloat(m[3])) : 0;
  return `${m[1]}T${m[2]}.${String(ms).padStart(3, '0')}Z`;
}

/** pg's parsers, except that timestamps without time zone come back as utcTextToIso's text. */
export const utcTimeTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP ? utcTextToIso : pgParser(oid, format)) as typeof pg.types.getTypeParser,
};

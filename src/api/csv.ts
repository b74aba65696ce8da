// CSV files the API sends (exports): RFC 4180 text, every cell quoted, quotes doubled, and cells that a
// spreadsheet would read as a formula neutralised. Pure.
// The header line is the column names as they are (our own identifiers: letters and underscores).
//
// A cell starting with = + - @, a tab or a carriage return is prefixed with ' (OWASP "CSV injection"): an
// account called `=HYPERLINK(...)` opens as text, not as a formula. Lines end with CRLF; the first line
// names the columns.

export type CsvValue = string | number | boolean | null | undefined;

const formulaStart = /^[=+\-@\t\r]/;

/** One cell: empty for null/undefined, neutralised, quoted. */
export function csvCell(value: CsvValue): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = formulaStart.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The whole file: a header line of `columns`, then one line per row with the cells `cells` gives. */
export function csvFile<T>(
  columns: readonly string[],
  rows: readonly T[],
  cells: (row: T) => readonly CsvValue[],
): string {
  const lines = [columns.join(','), ...rows.map((r) => cells(r).map(csvCell).join(','))];
  return lines.join('\r\n') + '\r\n';
}

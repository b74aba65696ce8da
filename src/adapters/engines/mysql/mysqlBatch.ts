// Many statements per round trip: a connection of its own with multipleStatements (the session's pool
// never has it, so no other statement can be stacked), the statements joined into batches of at most
// BATCH_SIZE. A statement that fails aborts the rest of its batch on the server: its error is kept for it
// alone and the statements after it are sent again, so one denied statement costs one more round trip,
// not the others' results. A batch past the client-side timeout: its unanswered statements are sent again
// one by one on a new connection. A connection lost ends the run: every statement unanswered gets that error.
import mysqlCore from 'mysql2';
import type { EngineError } from '../port.js';
import { isQueryTimeout, toEngineError } from './mysqlErrors.js';

/**
 * Statements per round trip: a bound on the packet (a SHOW GRANTS FOR is under 200 bytes: under 1 MB,
 * below every server's max_allowed_packet default), far above a fleet's accounts per instance.
 */
export const BATCH_SIZE = 4000;

type Rows = unknown[][];

interface BatchResult {
  /** Result sets of the statements that ran, in order. */
  sets: Rows[];
  /** What stopped the batch, if something did (at the statement after the last set). */
  error?: Error;
  /** The connection cannot be used after it. */
  fatal?: boolean;
}

/**
 * The statement a batch failed at: mysql2 counts the result sets it has begun (`_resultIndex`), and the
 * failed one may have sent its columns before its error (SHOW GRANTS of a dropped account does), so the
 * sets received do not tell. Without that counter: the sets before the last empty one (a SHOW GRANTS that
 * succeeds answers at least one row).
 */
function failedAt(query: unknown, sets: Rows[]): number {
  const index = (query as { _resultIndex?: unknown })._resultIndex;
  if (typeof index === 'number' && index <= sets.length) return index;
  return sets.at(-1)?.length === 0 ? sets.length - 1 : sets.length;
}

function runBatch(conn: mysqlCore.Connection, sql: string, timeoutMs: number): Promise<BatchResult> {
  return new Promise((resolve) => {
    const sets: Rows[] = [];
    let current: Rows | undefined;
    let settled = false;
    const settle = (result: BatchResult) => {
      if (settled) return;
      settled = true;
      conn.removeListener('error', onLost);
      resolve(result);
    };
    const query = conn.query({ sql, timeout: timeoutMs, rowsAsArray: true });
    const stopped = (error: Error, fatal: boolean) =>
      settle({ sets: sets.slice(0, failedAt(query, sets)), error, fatal });
    const onLost = (error: Error) => stopped(error, true);
    conn.once('error', onLost);
    query
      .on('fields', () => sets.push((current = [])))
      .on('result', (row: unknown) => current?.push(row as unknown[]))
      .on('error', (error: Error & { fatal?: boolean }) =>
        stopped(error, error.fatal === true || isQueryTimeout(error)),
      )
      .on('end', () => settle({ sets }));
  });
}

/** Each statement's rows, or its error (EngineError, scrubbed); throws only when it cannot connect. */
export async function queryEach(
  config: mysqlCore.ConnectionOptions,
  statements: readonly string[],
  timeoutMs: number,
  secrets: readonly string[],
): Promise<(Rows | EngineError)[]> {
  if (statements.length === 0) return [];
  const open = async () => {
    const conn = mysqlCore.createConnection({ ...config, multipleStatements: true });
    conn.on('error', () => undefined); // reported through the batch that was running
    try {
      await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      conn.destroy();
      throw toEngineError(err, 'connect', secrets);
    }
    return conn;
  };
  let conn = await open();
  const out: (Rows | EngineError)[] = [];
  // After a batch timed out client-side, which of its statements hung is unknown: its unanswered
  // statements are sent again one per round trip, on a new connection, so a timeout names one alone.
  let single = 0;
  let usable = true;
  try {
    while (out.length < statements.length) {
      const batch = statements.slice(out.length, out.length + (single > 0 ? 1 : BATCH_SIZE));
      const { sets, error, fatal } = await runBatch(conn, batch.join(';\n'), timeoutMs);
      const answered = sets.slice(0, batch.length);
      out.push(...answered);
      single = Math.max(0, single - answered.length);
      if (!error && answered.length === batch.length) continue;
      const failed = toEngineError(
        error ?? new Error('the server answered fewer statements than sent'),
        'query',
        secrets,
      );
      if (!fatal) {
        out.push(failed);
        single = Math.max(0, single - 1);
        continue;
      }
      conn.destroy();
      usable = false;
      if (!isQueryTimeout(error)) {
        while (out.length < statements.length) out.push(failed);
        break;
      }
      if (batch.length > 1) single = batch.length - answered.length;
      else {
        out.push(failed);
        single = Math.max(0, single - 1);
      }
      conn = await open();
      usable = true;
    }
  } finally {
    // COM_QUIT: not answered, so no round trip.
    if (usable) conn.end(() => undefined);
  }
  return out;
}

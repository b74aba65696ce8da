// Many statements per round trip: a connection of its own with multipleStatements (the session's pool
// never has it, so no other statement can be stacked), the statements joined into batches of at most
// BATCH_SIZE. A statement that fails aborts the rest of its batch on the server: its error is kept for it
// alone and the statements after it are sent again, so one denied statement costs one more round trip,
// not the others' results. A connection lost or a client-side timeout ends the whole run: every
// statement still unanswered gets that error.
import mysqlCore from 'mysql2';
import type { EngineError } from '../port.js';
import { isQueryTimeout, toEngineError } from './mysqlErrors.js';

/** Statements per round trip: a bound on the packet size (a SHOW GRANTS FOR is under 200 bytes). */
export const BATCH_SIZE = 500;

type Rows = unknown[][];

interface BatchResult {
  /** Result sets of the statements that ran, in order. */
  sets: Rows[];
  /** What stopped the batch, if something did. */
  error?: Error;
  /** The connection cannot be used after it. */
  fatal?: boolean;
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
    // A set whose rows were cut off is not a result: the statement it belongs to failed.
    const onLost = (error: Error) => settle({ sets: sets.slice(0, -1), error, fatal: true });
    conn.once('error', onLost);
    conn
      .query({ sql, timeout: timeoutMs, rowsAsArray: true })
      .on('fields', () => sets.push((current = [])))
      .on('result', (row: unknown) => current?.push(row as unknown[]))
      .on('error', (error: Error & { fatal?: boolean }) => {
        // The server's error packet comes instead of the failed statement's result set, so every set
        // received is whole; after a lost connection or a timeout the last one may not be.
        const fatal = error.fatal === true || isQueryTimeout(error);
        settle(fatal ? { sets: sets.slice(0, -1), error, fatal } : { sets, error });
      })
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
  const conn = mysqlCore.createConnection({ ...config, multipleStatements: true });
  conn.on('error', () => undefined); // reported through the batch that was running
  try {
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    conn.destroy();
    throw toEngineError(err, 'connect', secrets);
  }
  const out: (Rows | EngineError)[] = [];
  let usable = true;
  try {
    while (out.length < statements.length) {
      const batch = statements.slice(out.length, out.length + BATCH_SIZE);
      const { sets, error, fatal } = await runBatch(conn, batch.join(';\n'), timeoutMs);
      out.push(...sets.slice(0, batch.length));
      if (!error && sets.length === batch.length) continue;
      const failed = toEngineError(
        error ?? new Error('the server answered fewer statements than sent'),
        'query',
        secrets,
      );
      usable = !fatal;
      if (fatal) while (out.length < statements.length) out.push(failed);
      else out.push(failed);
    }
  } finally {
    // COM_QUIT when the connection is still fine; a statement may still run on one that timed out.
    if (usable) conn.end(() => undefined);
    else conn.destroy();
  }
  return out;
}

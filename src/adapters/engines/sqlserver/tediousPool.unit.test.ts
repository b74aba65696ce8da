// The pool against a scripted stand-in for tedious' Connection and Request (same methods and events).
import type * as Tedious from 'tedious';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineError } from '../port.js';
import { TediousPool } from './tediousPool.js';

interface Outcome {
  rows?: Array<Record<string, unknown>>;
  error?: Error;
  /** Never completes (until the connection is closed). */
  hang?: boolean;
  delayMs?: number;
}

interface ScriptedServer {
  connections: Array<{ closed: boolean; end: () => void }>;
  connect: () => Error | undefined;
  loginErrorNumber: number | undefined;
  inFlight: number;
  peak: number;
  answer: (sql: string, params: Record<string, unknown>, batch: boolean) => Outcome;
}

const server = vi.hoisted((): ScriptedServer => ({
  connections: [],
  connect: () => undefined,
  loginErrorNumber: undefined,
  inFlight: 0,
  peak: 0,
  answer: () => ({ rows: [] }),
}));

vi.mock('tedious', async (importOriginal) => {
  const real = await importOriginal<typeof Tedious>();
  const { EventEmitter } = await import('node:events'); // vi.mock runs before the file's imports
  class FakeRequest extends EventEmitter {
    params: Record<string, unknown> = {};
    constructor(
      readonly sql: string,
      readonly callback: (err?: Error | null) => void,
    ) {
      super();
    }
    addParameter(name: string, _type: unknown, value: unknown) {
      this.params[name] = value;
    }
  }
  class FakeConnection extends EventEmitter {
    closed = false;
    pending: FakeRequest | undefined;
    constructor() {
      super();
      server.connections.push(this);
    }
    connect(cb: (err?: Error) => void) {
      const err = server.connect();
      if (err && server.loginErrorNumber !== undefined)
        this.emit('errorMessage', { number: server.loginErrorNumber });
      setImmediate(() => cb(err));
    }
    execSql(request: FakeRequest) {
      this.run(request, false);
    }
    execSqlBatch(request: FakeRequest) {
      this.run(request, true);
    }
    run(request: FakeRequest, batch: boolean) {
      // tedious refuses a second request on a busy connection; so does the stand-in.
      if (this.pending) throw new Error('request on a busy connection');
      const outcome = server.answer(request.sql, request.params, batch);
      this.pending = request;
      server.inFlight += 1;
      server.peak = Math.max(server.peak, server.inFlight);
      if (outcome.hang) return;
      setTimeout(() => {
        for (const row of outcome.rows ?? [])
          request.emit(
            'row',
            Object.entries(row).map(([colName, value]) => ({ metadata: { colName }, value })),
          );
        this.pending = undefined;
        server.inFlight -= 1;
        request.callback(outcome.error ?? null);
      }, outcome.delayMs ?? 0);
    }
    end() {
      if (this.closed) return;
      this.closed = true;
      if (this.pending) server.inFlight -= 1;
      this.pending?.callback(new real.RequestError('Connection closed before request completed.', 'ECLOSE'));
      this.pending = undefined;
      setImmediate(() => this.emit('end'));
    }
    close() {
      this.end();
    }
  }
  return { ...real, Connection: FakeConnection, Request: FakeRequest };
});

const options = {
  size: 2,
  connectTimeoutMs: 200,
  queryTimeoutMs: 200,
  secrets: ['hunter2'],
  driverGraceMs: 50,
};
const pool = () => new TediousPool({ server: 'sql01' }, options);

beforeEach(() => {
  server.connections.length = 0;
  server.connect = () => undefined;
  server.loginErrorNumber = undefined;
  server.answer = () => ({ rows: [] });
  server.inFlight = 0;
  server.peak = 0;
});

describe('tedious pool', () => {
  it('returns rows keyed by column name; parameters go through execSql, plain text as a batch', async () => {
    const seen: Array<[string, boolean]> = [];
    server.answer = (sql, params, batch) => {
      seen.push([sql, batch]);
      return { rows: [{ name: 'sa', stmt: params.stmt ?? null }] };
    };
    const p = pool();
    expect(await p.query('SELECT name FROM sys.server_principals')).toEqual([{ name: 'sa', stmt: null }]);
    expect(await p.query('EXEC [x].sys.sp_executesql @stmt', { stmt: 'SELECT 1' })).toEqual([
      { name: 'sa', stmt: 'SELECT 1' },
    ]);
    expect(seen.map(([, batch]) => batch)).toEqual([true, false]);
    expect(server.connections).toHaveLength(1); // reused
    await p.close();
  });

  it('opens at most `size` connections; later callers wait for a released one', async () => {
    server.answer = () => ({ rows: [{ n: 1 }], delayMs: 5 });
    const p = pool();
    const results = await Promise.all(Array.from({ length: 6 }, () => p.query('SELECT 1 AS n')));
    expect(results).toHaveLength(6);
    expect(server.connections).toHaveLength(2);
    expect(server.peak).toBe(2);
    await p.close();
  });

  it('a caller that finds no free connection in time gets DATABASE_TIMEOUT', async () => {
    server.answer = (sql) => (sql === 'slow' ? { hang: true } : { rows: [] });
    const p = new TediousPool(
      { server: 'sql01' },
      { ...options, size: 1, connectTimeoutMs: 20, queryTimeoutMs: 20 },
    );
    const slow = p.query('slow');
    await expect(p.query('fast')).rejects.toMatchObject({ code: 'DATABASE_TIMEOUT' });
    await expect(slow).rejects.toMatchObject({ code: 'ETIMEOUT' }); // our deadline closed the stuck connection
    await p.close();
  });

  it('a stuck request is ended by the deadline and its connection discarded', async () => {
    server.answer = (sql) => (sql === 'stuck' ? { hang: true } : { rows: [{ ok: 1 }] });
    const p = pool();
    await expect(p.query('stuck')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(server.connections[0]?.closed).toBe(true);
    expect(await p.query('next')).toEqual([{ ok: 1 }]);
    expect(server.connections).toHaveLength(2);
    await p.close();
  });

  it('a failed login is a scrubbed DATABASE_CONNECTION_ERROR with the server error number', async () => {
    server.loginErrorNumber = 18456;
    server.connect = () =>
      Object.assign(new Error("Login failed for user 'collector' (hunter2)."), { code: 'ELOGIN' });
    const p = pool();
    const failure = p.query('SELECT 1');
    await expect(failure).rejects.toBeInstanceOf(EngineError);
    await expect(failure).rejects.toMatchObject({
      code: 'DATABASE_CONNECTION_ERROR',
      message: "Login failed for user 'collector' ([REDACTED]). (error 18456)",
    });
    server.connect = () => undefined;
    expect(await p.query('SELECT 1')).toEqual([]); // the failed slot was given back
    await p.close();
  });

  it('replaces a connection the server ended while it was idle', async () => {
    const p = pool();
    await p.query('SELECT 1');
    server.connections[0]?.end();
    await new Promise((resolve) => setImmediate(resolve));
    await p.query('SELECT 1');
    expect(server.connections).toHaveLength(2);
    await p.close();
  });

  it('close() ends every connection and refuses new queries', async () => {
    const p = pool();
    await Promise.all([p.query('a'), p.query('b')]);
    await p.close();
    expect(server.connections.every((c) => c.closed)).toBe(true);
    await expect(p.query('c')).rejects.toMatchObject({ code: 'DATABASE_CONNECTION_ERROR' });
  });
});

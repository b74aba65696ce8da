// Knows, within about a second, whether the service's PostgreSQL answers: a `SELECT 1` on a connection
// of its own (never one from the pools, so busy pools are not mistaken for a dead server), again and
// again. The embedded supervisor also tells it the moment the postmaster exits. The API answers 503
// DATABASE_UNAVAILABLE at once while it says unavailable, and readiness reports it.
import pg from 'pg';
import type { Logger } from '../../logger.js';

export interface DatabaseState {
  available: boolean;
  /** Why it is unavailable, in words fit for a public answer (no host names, no server text). */
  reason: string | undefined;
  /** The error as observed (server text included): for the log and the authenticated health report. */
  detail: string | undefined;
  since: Date;
}

export interface DatabaseMonitorOptions {
  connectionString: string;
  logger: Logger;
  /** Pause between two probes. */
  intervalMs?: number;
  /** A probe that has no answer after this long counts as a failure. */
  timeoutMs?: number;
}

type Listener = (state: DatabaseState) => void;

export class DatabaseMonitor {
  private state: DatabaseState = { available: true, reason: undefined, detail: undefined, since: new Date() };
  private readonly listeners = new Set<Listener>();
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Set while someone else (the embedded supervisor) knows why it is down: probes do not override it. */
  private heldDown: string | undefined;
  private readonly intervalMs: number;
  readonly timeoutMs: number;

  constructor(private readonly options: DatabaseMonitorOptions) {
    this.intervalMs = options.intervalMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? 1000;
  }

  get current(): DatabaseState {
    return this.state;
  }

  /** Called on every change of availability; returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.dropClient();
  }

  /** The database is known down (the embedded postmaster exited): until release(), probes cannot mark it up. */
  holdDown(reason: string, detail?: string): void {
    this.heldDown = reason;
    this.set(false, reason, detail ?? reason);
  }

  /** Ends holdDown() and probes at once. */
  release(): void {
    this.heldDown = undefined;
    if (this.running) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.probeOnce(), ms);
    this.timer.unref();
  }

  private async probeOnce(): Promise<void> {
    if (!this.running) return;
    let failure = await this.probe();
    // A connection reset while it was up (an administrator ended our backend) is retried once with a
    // fresh connection before it counts; a timeout already waited long enough.
    if (failure && !failure.timedOut && this.state.available) failure = await this.probe();
    if (!this.running) return;
    if (this.heldDown === undefined) {
      if (failure) this.set(false, failure.reason, failure.detail);
      else this.set(true, undefined, undefined);
    }
    this.schedule(this.intervalMs);
  }

  private async probe(): Promise<{ timedOut: boolean; reason: string; detail: string } | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const work = (async () => {
      this.client ??= await this.connect();
      await this.client.query('SELECT 1');
    })();
    const outcome = await Promise.race([
      work.then(
        () => 'ok' as const,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      ),
      new Promise<'timeout'>((resolve) => {
        // Checked again after the poll phase: when the event loop itself was blocked, the answer may be
        // sitting in the socket, and the timer alone would call a slow process a dead database.
        timer = setTimeout(() => setImmediate(() => resolve('timeout')), this.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'ok') return undefined;
    work.catch(() => undefined);
    this.dropClient();
    if (outcome === 'timeout') {
      const seconds = this.timeoutMs / 1000;
      return {
        timedOut: true,
        reason: `the database did not answer within ${seconds} s`,
        detail: `SELECT 1 had no answer after ${this.timeoutMs} ms`,
      };
    }
    return { timedOut: false, reason: 'the database cannot be reached', detail: outcome.message };
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: 'whalefall-monitor',
      connectionTimeoutMillis: this.timeoutMs,
    });
    // A dropped connection is seen by the next probe; without a listener it would crash the process.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** Not awaited: against a stopped server, end() waits until it wakes up. */
  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
  }

  private set(available: boolean, reason: string | undefined, detail: string | undefined): void {
    if (this.state.available === available && this.state.reason === reason) return;
    const was = this.state;
    this.state = { available, reason, detail, since: new Date() };
    const { logger } = this.options;
    if (available) {
      logger.info({ downForMs: Date.now() - was.since.getTime() }, 'the database is available again');
    } else if (was.available) {
      logger.error({ reason, detail }, 'the database is unavailable: requests answer 503 until it is back');
    }
    for (const listener of this.listeners) listener(this.state);
  }
}

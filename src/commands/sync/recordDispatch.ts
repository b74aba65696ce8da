// Records shared between processes: a session of a shareable category (account syncs and capacity
// collections, the work that waits on remote servers) sends each of its records as a pg-boss job on
// `whalefall-records`; every process that works the queue (`serve` and `whalefall worker`) takes up to its
// concurrency at once (and no more than the category's global cap across processes: categoryCap.ts) and
// runs the record's attempt exactly as a local session would: under the per-instance advisory lock (held
// elsewhere: the record is skipped with the reason), its deadline, lease and fence, as a run registered
// with this process (its InstanceSyncStarted names this process, stop() abandons it, recovery elsewhere
// abandons it once this process stops beating). The process that started the session waits until every
// record has ended and closes it. A job whose record has already ended (a cancel, an abandon, a second
// delivery) is dropped: the session decider refuses its StartRecord.
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { PgNotifier } from '../../adapters/eventStore/pgNotifier.js';
import type { Actor } from '../../domain/events/envelope.js';
import { isEndStatus } from '../../domain/sessions/decider.js';
import type { sessionCategories } from '../../domain/sessions/events.js';
import type { Logger } from '../../logger.js';
import type { CommandContext } from '../commandContext.js';
import { directoryOf } from '../connections.js';
import { ensureQueue } from '../scheduler/queues.js';
import { takeSlot } from './categoryCap.js';
import { InstanceLocks } from './instanceLocks.js';
import { logOutcomeNotRecorded, runInstanceAttempt } from './recordRunner.js';
import { syncLockKey, type SessionRunDeps, type SessionWork } from './runSession.js';
import { catchUpSession, SessionWriter, type LoadedSession } from './sessionWriter.js';
import { sleep } from './timing.js';

export const RECORDS_QUEUE = 'whalefall-records';
/** Notified when records are sent to the queue. */
const RECORDS_CHANNEL = 'whalefall_records';
/** How long one wait for the channel lasts before it starts again (it only shortens the slots' polls). */
const WAKE_WAIT_MS = 60_000;

type Category = (typeof sessionCategories)[number];

/** What a record job carries: enough for any process to run the record as its session would. */
export interface RecordJob {
  sessionId: string;
  instanceId: string;
  category: Category;
  ctx: { actor: Actor; correlationId: string; now: string };
  deadlineMs: number;
  attempts: number;
  backoffMs: number;
}

export interface RecordDispatch {
  /** The categories whose records are shared, with the work each record runs. */
  works: Partial<Record<Category, SessionWork>>;
  /** Sends the session's records to the queue. */
  send(jobs: readonly RecordJob[]): Promise<void>;
}

/** How often the session's starter looks whether every record has ended. */
const WAIT_POLL_MS = 500;

/**
 * The records queue. A job is retried only when its handler threw before the record ran (the process
 * stopping while it waited for a slot of the cap, the database gone): a record's own attempts retry inside
 * its run, and a second delivery of a record that did run is dropped (it is no longer pending).
 */
export const ensureRecordsQueue = (boss: PgBoss, deadlineMs: number): Promise<void> =>
  ensureQueue(boss, RECORDS_QUEUE, {
    retryLimit: 3,
    retryDelay: 2,
    // pg-boss may hand the job to another process once this long has passed: past the record's lease,
    // when recovery has ended the record, so the second delivery is refused by the session decider.
    expireInSeconds: Math.ceil((3 * deadlineMs) / 1000) + 120,
  });

export function recordDispatch(boss: PgBoss, works: RecordDispatch['works'], logger: Logger): RecordDispatch {
  return {
    works,
    async send(jobs) {
      await boss.insert(jobs.map((data) => ({ name: RECORDS_QUEUE, data: { ...data } })));
      // Idle slots of every process fetch at once rather than at their next poll (wakeIdleSlots). The jobs
      // are queued either way: a failed wake-up only delays them to that poll, so it is logged, not thrown.
      await boss
        .getDb()
        .executeSql(`SELECT pg_notify('${RECORDS_CHANNEL}', '')`, [])
        .catch((err: unknown) =>
          logger.warn(
            { err, jobs: jobs.length, channel: RECORDS_CHANNEL },
            'records queued, but idle slots could not be woken: they fetch them at their next poll',
          ),
        );
    },
  };
}

/** Waits until no record of the session is pending or running (records another process runs included). */
export async function awaitRecordsEnded(
  deps: Pick<SessionRunDeps, 'store'>,
  sessionId: string,
  signal: AbortSignal,
): Promise<void> {
  let session: LoadedSession | undefined;
  for (;;) {
    session = await catchUpSession(deps.store, sessionId, session); // only what was appended since
    const { state } = session;
    if (state.status === 'cancelled' || [...state.records.values()].every((r) => isEndStatus(r.status)))
      return;
    await sleep(WAIT_POLL_MS, signal);
    if (signal.aborted) return;
  }
}

/** How this process works the records queue. */
export interface WorkRecordsOptions {
  /** Records this process runs at once. */
  concurrency: number;
  /** Records of a category that run at once across every process (see categoryCap.ts); none: no cap. */
  caps?: Partial<Record<Category, number>>;
  /** Aborted when the process stops: a record still waiting for a slot is left to another process. */
  signal?: AbortSignal;
}

/**
 * Works the records queue in this process. One connection holds the instance locks and cap slots of all
 * its records (see InstanceLocks, which also keeps two of this process's records of one instance apart).
 */
export async function workRecords(
  boss: PgBoss,
  deps: SessionRunDeps,
  works: RecordDispatch['works'],
  options: WorkRecordsOptions,
): Promise<void> {
  const { concurrency, caps = {}, signal = new AbortController().signal } = options;
  const locks = new InstanceLocks(deps.pool);
  // One writer per session for this process's records of it: their events share appends (group commit)
  // and the session's state stays in memory, instead of each record re-reading the whole stream.
  const writers = new Map<string, { writer: SessionWriter; users: number }>();
  const writerFor = (sessionId: string, ctx: CommandContext) => {
    const entry = writers.get(sessionId) ?? {
      writer: new SessionWriter(deps.store, sessionId, ctx),
      users: 0,
    };
    entry.users++;
    writers.set(sessionId, entry);
    return {
      writer: entry.writer,
      release: () => {
        if (--entry.users === 0) writers.delete(sessionId);
      },
    };
  };
  const run = async (job: RecordJob) => {
    const ctx: CommandContext = { ...job.ctx, now: new Date(job.ctx.now) };
    const { writer, release } = writerFor(job.sessionId, ctx);
    try {
      await runWith(job, ctx, writer);
    } finally {
      release();
    }
  };
  const runWith = async (job: RecordJob, ctx: CommandContext, writer: SessionWriter) => {
    const work = works[job.category];
    const key = syncLockKey(job.category, job.instanceId);
    // The writer's state as it last saw it (loaded once): a record another process took meanwhile is
    // refused at StartRecord. Not queued behind the writer's appends: a slot's next record starts at once.
    const [instance, state] = await Promise.all([
      directoryOf(deps).get(job.instanceId),
      writer.state ?? writer.executeWith(() => []).then((executed) => executed.state),
    ]);
    const record = state.records.get(job.instanceId);
    if (!work || !instance || !record || record.status !== 'pending') return; // ended or taken elsewhere
    const cap = caps[job.category];
    const slot =
      cap === undefined ? undefined : await takeSlot(locks, { category: job.category, cap }, signal);
    const unlock = await locks.tryLock(key).catch(async (err: unknown) => {
      await slot?.unlock();
      throw err;
    });
    if (!unlock) {
      await slot?.unlock();
      const reason = `another ${job.category} sync of this instance is running`;
      await writer.execute({ type: 'SkipRecord', instanceId: job.instanceId, reason }).catch(() => undefined);
      return;
    }
    try {
      const body = async (signal: AbortSignal) => {
        const { done } = await runInstanceAttempt(deps, {
          writer,
          instanceId: job.instanceId,
          category: job.category,
          work: work.attemptFor({ instance, sessionId: job.sessionId, ctx }),
          open: (opening) => [{ type: 'StartRecord', instanceId: job.instanceId, ...opening }],
          deadlineMs: job.deadlineMs,
          attempts: job.attempts,
          backoffMs: job.backoffMs,
          startPhase: work.startPhase,
          owner: deps.sessions?.id,
          signal,
        });
        await done;
      };
      const scope = { sessionId: job.sessionId, writer, scope: new Set([job.instanceId]) };
      await (deps.sessions ? deps.sessions.run(scope, body) : body(new AbortController().signal));
    } catch (err) {
      logOutcomeNotRecorded(deps.logger, err, { sessionId: job.sessionId, instanceId: job.instanceId });
    } finally {
      await unlock();
      await slot?.unlock();
    }
  };
  const slots: string[] = [];
  for (let n = 0; n < concurrency; n++) {
    // A slot that just ran a record fetches the next at once (pg-boss would otherwise wait out its polling
    // interval after every job, capping each slot at 2 records/s); an idle one polls every 0.5 s, and is
    // woken when records are sent.
    let id: string | undefined = undefined;
    id = await boss.work<RecordJob>(
      RECORDS_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: 0.5 },
      async ([job]) => {
        if (!job) return;
        await run(job.data);
        const self = id;
        if (self) setImmediate(() => boss.notifyWorker(self));
      },
    );
    slots.push(id);
  }
  void wakeIdleSlots(boss, deps.pool, slots, signal);
}

/**
 * Wakes this process's slots whenever a session sends records (from whichever process). pg-boss 10 only polls: an
 * idle slot would otherwise wait up to its 0.5 s interval, and the slots of a second process take the
 * first records of a session late. The LISTEN holds one connection of the pool until the signal aborts or
 * pg-boss stops; a lost notification only leaves the slots to their polls.
 */
async function wakeIdleSlots(boss: PgBoss, pool: pg.Pool, slots: readonly string[], signal: AbortSignal) {
  const channel = new PgNotifier(pool, RECORDS_CHANNEL);
  const ended = new AbortController();
  const end = () => ended.abort();
  signal.addEventListener('abort', end, { once: true });
  boss.on('stopped', end); // pg-boss stopped without the signal (tests): the connection goes back
  if (signal.aborted) end();
  try {
    while (!ended.signal.aborted)
      if ((await channel.next(WAKE_WAIT_MS, ended.signal)) === 'notified')
        for (const id of slots) boss.notifyWorker(id);
  } finally {
    signal.removeEventListener('abort', end);
    boss.off('stopped', end);
    await channel.close();
  }
}

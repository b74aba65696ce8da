// The catch-up pass: pg-boss only sends a tick in the minute after it, so a tick no process was up for
// (or that cron-parser's prev() skipped across a spring-forward gap) is found here, from each job's
// stream: the newest unrecorded tick at most `grace` old is sent again (trigger misfire; the stream
// decides duplicates, so several senders may send it), and older unrecorded ones are recorded missed.
import type PgBoss from 'pg-boss';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { ticksBetween } from '../../domain/scheduler/cron.js';
import { tickKey } from '../../domain/scheduler/jobState.js';
import type { Logger } from '../../logger.js';
import { jobCatalog } from './catalog.js';
import { executeJob, loadJob, schedulerContext } from './jobs.js';
import { queueOf, type TickJob } from './queues.js';

/** pg-boss sends a tick only within this long after it; older ones are this pass's. */
const PG_BOSS_SEND_WINDOW_MS = 60_000;
const MAX_MISSED_RECORDED = 100;

export async function catchUpTicks(deps: {
  store: Pick<EventStore, 'readStream' | 'append'>;
  boss: PgBoss;
  logger: Logger;
  grace: number;
  now: Date;
}): Promise<void> {
  const { store, boss, logger, grace, now } = deps;
  for (const spec of jobCatalog) {
    const { state } = await loadJob(store, spec.id);
    if (!state.registered || state.paused) continue;
    const since = [state.lastTickAt, state.since]
      .filter((t): t is string => t !== null)
      .sort()
      .at(-1);
    if (!since) continue;
    const due = ticksBetween(
      state.cron,
      state.timezone,
      new Date(since),
      now,
      MAX_MISSED_RECORDED + 1,
    ).filter((t) => !state.ticks.has(tickKey(t)));
    const newest = due.at(-1);
    if (!newest) continue;
    const age = now.getTime() - newest.getTime();
    const ctx = schedulerContext(() => now, `catch-up-${spec.id}-${now.toISOString()}`);
    const older = age <= grace ? due.slice(0, -1) : due;
    for (const t of older)
      await executeJob(
        store,
        spec.id,
        {
          type: 'missTick',
          tickAt: t.toISOString(),
          reason:
            now.getTime() - t.getTime() > grace
              ? `no scheduler ran it within ${Math.round(grace / 60_000)} min (caught up at ${now.toISOString()})`
              : `a later tick (${newest.toISOString()}) was missed too: only the newest runs late`,
        },
        ctx,
      );
    // The newest within the grace runs once; pg-boss sends it itself in its first minute.
    if (age <= grace && age >= PG_BOSS_SEND_WINDOW_MS) {
      const tickAt = newest.toISOString();
      await boss.send(queueOf(spec.id), { jobId: spec.id, tickAt, trigger: 'misfire' } satisfies TickJob, {
        singletonKey: `${spec.id}:${tickAt}`,
      });
      logger.info({ job: spec.id, tickAt }, 'a missed tick is run late (within the misfire grace)');
    }
  }
}

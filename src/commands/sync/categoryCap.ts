// The global cap per category of shared records: at most `cap` records of one category run at once across
// every process that works the records queue (each process also bounds itself by its own concurrency).
// pg-boss 10 has no such limit (its queue policies are one-at-a-time or unbounded, and group concurrency
// needs a later major version, which needs Node 22), so the cap is `cap` advisory-lock slots in the
// service's PostgreSQL: a record takes the first free slot before it runs and gives it back when it ends.
// A process that dies gives its slots back with its connection.
import type { sessionCategories } from '../../domain/sessions/events.js';
import { AppError } from '../../domain/errors.js';
import type { InstanceLocks } from './instanceLocks.js';
import { sleep } from './timing.js';

type Category = (typeof sessionCategories)[number];

/** How long a record waits before it looks for a free slot again (with up to as much again of jitter). */
const CAP_POLL_MS = 200;

/** The slot keys of a category's cap. */
const capSlots = (category: Category, cap: number): string[] =>
  Array.from({ length: cap }, (_, n) => `whalefall-cap:${category}:${n}`);

/**
 * Waits for a free slot of the category's cap and takes it (through `locks`, which never hands out a slot
 * it holds already). Throws SERVICE_UNAVAILABLE once `signal` aborts (the process is stopping): the
 * record's job fails and pg-boss hands it to another process.
 */
export async function takeSlot(
  locks: InstanceLocks,
  slot: { category: Category; cap: number },
  signal: AbortSignal,
): Promise<{ key: string; unlock: () => Promise<void> }> {
  const slots = capSlots(slot.category, slot.cap);
  for (;;) {
    if (signal.aborted)
      throw new AppError('SERVICE_UNAVAILABLE', 'this process is stopping: the record is left to another');
    const taken = await locks.tryLockAny(slots);
    if (taken) return taken;
    await sleep(CAP_POLL_MS * (1 + Math.random()), signal);
  }
}

// Sending records: the jobs are queued, then idle slots are woken; a wake-up that fails is logged (the
// jobs wait for the next poll), and it neither fails the send nor goes unseen.
import type PgBoss from 'pg-boss';
import { describe, expect, it } from 'vitest';
import { capturingLogger, LEVEL } from '../../../test/support/capturingLogger.js';
import { RECORDS_QUEUE, recordDispatch, type RecordJob } from './recordDispatch.js';

const job = { sessionId: 's', instanceId: 'i', category: 'capacity' } as unknown as RecordJob;

function fakeBoss(notify: () => Promise<unknown>) {
  const inserted: unknown[] = [];
  const boss = {
    insert: (jobs: unknown[]) => (inserted.push(...jobs), Promise.resolve()),
    getDb: () => ({ executeSql: notify }),
  } as unknown as PgBoss;
  return { boss, inserted };
}

describe('recordDispatch.send', () => {
  it('queues the jobs and wakes idle slots, logging nothing', async () => {
    const { logger, lines } = capturingLogger();
    const { boss, inserted } = fakeBoss(() => Promise.resolve({ rows: [] }));
    await recordDispatch(boss, {}, logger).send([job]);
    expect(inserted).toEqual([{ name: RECORDS_QUEUE, data: job }]);
    expect(lines()).toEqual([]);
  });

  it('queues the jobs and logs a warning when the wake-up fails', async () => {
    const { logger, lines } = capturingLogger();
    const { boss, inserted } = fakeBoss(() => Promise.reject(new Error('connection terminated')));
    await recordDispatch(boss, {}, logger).send([job, job]);
    expect(inserted).toHaveLength(2);
    const [line] = lines();
    expect(line).toMatchObject({ level: LEVEL.warn, jobs: 2 });
    expect(line!.msg).toContain('idle slots could not be woken');
    expect(JSON.stringify(line)).toContain('connection terminated');
  });
});

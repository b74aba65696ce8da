// The session runner against peers that accept TCP and never answer (the real MySQL adapter on top): the
// deadline holds although closing the adapter hangs, and work that ends after a cancel is dropped quietly
// (info, not error), while a store that cannot record an outcome is still an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { openCapacityHarness, type CapacityHarness } from '../../../test/support/capacityHarness.js';
import { capturingLogger, LEVEL } from '../../../test/support/capturingLogger.js';
import { useFakePeers } from '../../../test/support/fakePeers.js';
import { makeRunCapacityCollection } from './collectCapacity.js';
import { makeCancelSession } from './compensations.js';
import type { SessionRunDeps } from './runSession.js';
import { loadSession } from './sessionWriter.js';

const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };

const ERROR = LEVEL.error;
const INFO = LEVEL.info;

describe('session runner: deadlines and outcomes against a silent peer', () => {
  const peers = useFakePeers();
  let h: CapacityHarness;
  let silent: string;

  beforeAll(async () => {
    h = await openCapacityHarness((real) => real);
    ({ silent } = await h.register(
      { dbType: 'mysql', host: '127.0.0.1', port: peers.silentPort(), username: 'u', password: 'pw-1234' },
      ['silent'],
    ));
  });
  afterAll(async () => {
    await h?.close();
  });

  const collect = (deps: SessionRunDeps, deadlineMs: number) =>
    makeRunCapacityCollection(deps, 'UTC')({ instanceIds: [silent] }, 'manual_single', ctx, {
      attempts: 1,
      deadlineMs,
    });
  const at = (history: Awaited<ReturnType<typeof loadSession>>['history'], type: string) =>
    Date.parse(history.find((e) => e.type === type)!.metadata.occurredAt);

  it('a 1 s deadline ends the record within the grace although the adapter close hangs', async () => {
    const log = capturingLogger();
    const started = await collect({ ...h.deps, logger: log.logger }, 1000);
    await started.done;
    const { state, history } = await loadSession(h.raw, started.sessionId);
    expect(state.records.get(silent)?.status).toBe('failed');
    expect(history.find((e) => e.type === 'InstanceSyncFailed')?.data).toMatchObject({
      phase: 'connect',
      messageCode: 'DATABASE_TIMEOUT',
    });
    // Deadline 1 s + close grace 1 s; the connect time-out (10 s) is what close waited for before.
    const took = at(history, 'InstanceSyncFailed') - at(history, 'InstanceSyncStarted');
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(3000);
    expect(log.lines().map((l) => l.msg)).toContainEqual(
      expect.stringContaining('the engine adapter did not close within 1000 ms'),
    );
  });

  it('work ending after a cancel is dropped at info level: no error line', async () => {
    const log = capturingLogger();
    const started = await collect({ ...h.deps, logger: log.logger }, 1500);
    await expect
      .poll(async () => (await loadSession(h.raw, started.sessionId)).state.records.get(silent)?.status)
      .toBe('running');
    await makeCancelSession(h.deps)(started.sessionId, 'operator stop', ctx);
    await started.done;

    const { state } = await loadSession(h.raw, started.sessionId);
    expect(state.status).toBe('cancelled');
    expect(state.records.get(silent)?.status).toBe('abandoned');
    const lines = log.lines();
    expect(lines.filter((l) => l.level >= ERROR)).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: INFO,
        status: 'abandoned',
        msg: 'record already ended (abandoned): outcome of this attempt dropped',
      }),
    );
  });

  it('an outcome the store cannot take is still an error: the recovery pass will act', async () => {
    const log = capturingLogger();
    const unreachable: EventStore = {
      ...h.deps.store,
      append: (stream, events, options) =>
        events.some((e) => e.type === 'InstanceSyncFailed')
          ? Promise.reject(new Error('connection terminated'))
          : h.deps.store.append(stream, events, options),
    };
    const started = await collect({ ...h.deps, store: unreachable, logger: log.logger }, 500);
    await started.done;
    expect((await loadSession(h.raw, started.sessionId)).state.records.get(silent)?.status).toBe('running');
    expect(log.lines()).toContainEqual(
      expect.objectContaining({
        level: ERROR,
        msg: 'could not record the outcome; the recovery pass will abandon the record',
      }),
    );
  });
});

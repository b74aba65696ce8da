// The sync_sessions read model's scenario, in steps that append what the real decider decides (at chosen
// times, by chosen actors): S4 fails to connect; S1 (three instances) ends partial, is compensated,
// retried and completes; S2 (scheduled) is cancelled; S3 stays running. The projection's test checks the
// tables between the steps, the queries' test reads the tables they leave.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../src/domain/events/envelope.js';
import {
  decide,
  evolve,
  initialState,
  type SessionCommand,
  type SessionEvent,
  type SessionState,
} from '../../src/domain/sessions/decider.js';
import { sessionStream } from '../../src/domain/sessions/events.js';
import { sessionEventData } from './sessionLog.js';
import type { ProjectionSpec } from './projectionSpec.js';

export const alice: Actor = { kind: 'user', id: randomUUID() };
const scheduler: Actor = { kind: 'scheduler', id: 'nightly-capacity' };
const LEASE_MS = 60_000;

type EventTypes = SessionEvent['type'][];

/** S1's row once B's retry completed (the second SessionCompleted wins). */
export const s1Completed = {
  status: 'completed',
  started_at: '2026-11-20T10:00:00.000Z',
  completed_at: '2026-11-20T10:05:30.000Z',
  total_instances: 3,
  successful_instances: 2,
  failed_instances: 0,
  skipped_instances: 1,
  abandoned_instances: 0,
};

export function syncSessionsScenario(spec: ProjectionSpec) {
  const [s1, s2, s3, s4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const [a, b, c, d, e, f, g] = [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
    randomUUID(),
  ];

  /** Appends session events as the session executor does, with a chosen time and actor. */
  async function append(sessionId: string, events: SessionEvent[], at: string, actor: Actor) {
    await spec.store.append(
      sessionStream(sessionId),
      events.map((event) => sessionEventData(sessionId, event, { actor, occurredAt: at })),
      { expectedRevision: 'any' },
    );
  }

  /** Decides a command against the stored session (the real decider) and appends what it decides. */
  async function exec(command: SessionCommand, at: string, actor: Actor = alice): Promise<EventTypes> {
    const history = await spec.store.readStream(sessionStream(command.sessionId));
    const state = history.reduce<SessionState>(
      (s, event) => evolve(s, event as unknown as SessionEvent),
      initialState(),
    );
    const events = decide(command, state);
    await append(command.sessionId, events, at, actor);
    return events.map((event) => event.type);
  }

  type Start = Extract<SessionCommand, { type: 'StartSession' }>;
  const startSession = (
    sessionId: string,
    category: Start['category'],
    syncType: Start['syncType'],
    instances: [instanceId: string, instanceName: string][],
    at: string,
    actor: Actor = alice,
  ) =>
    exec(
      {
        type: 'StartSession',
        sessionId,
        category,
        syncType,
        instances: instances.map(([instanceId, instanceName]) => ({ instanceId, instanceName })),
      },
      at,
      actor,
    );
  const start = (sessionId: string, instanceId: string, at: string, actor: Actor = alice) =>
    exec({ type: 'StartRecord', sessionId, instanceId, now: new Date(at), leaseMs: LEASE_MS }, at, actor);

  /** Each step returns the event types its last command decided. */
  const steps = {
    /** S4: one instance, fails to connect -> the session fails. */
    async s4FailsToConnect() {
      await startSession(s4, 'account', 'manual_single', [[g, 'db-g']], '2026-11-19T08:00:00.000Z');
      await start(s4, g, '2026-11-19T08:00:01.000Z');
      return exec(
        {
          type: 'FailRecord',
          sessionId: s4,
          instanceId: g,
          phase: 'connect',
          messageCode: 'DATABASE_CONNECTION_ERROR',
          message: 'connect ECONNREFUSED 10.0.0.7:3306',
        },
        '2026-11-19T08:00:05.000Z',
      );
    },
    /** S1: three instances; A and B start. */
    async s1Starts() {
      const instances: [string, string][] = [
        [c, 'db-c'],
        [a, 'db-a'],
        [b, 'db-b'],
      ];
      // microseconds: kept when the row is rewritten by a later batch
      await startSession(s1, 'account', 'manual_batch', instances, '2026-11-20T10:00:00.000001Z');
      await start(s1, a, '2026-11-20T10:00:01.000Z');
      return start(s1, b, '2026-11-20T10:00:02.000Z');
    },
    /** S1: A completes, B fails in the permissions phase, C is skipped. */
    async s1Ends() {
      await exec(
        {
          type: 'CompleteRecord',
          sessionId: s1,
          instanceId: a,
          itemsSynced: 5,
          itemsCreated: 1,
          itemsUpdated: 2,
          itemsDeleted: 0,
          details: { added: ['app@%'], changed: [], deactivated: [], reactivated: [] },
        },
        '2026-11-20T10:00:10.000Z',
      );
      await exec(
        {
          type: 'FailRecord',
          sessionId: s1,
          instanceId: b,
          phase: 'permissions',
          messageCode: 'DATABASE_TIMEOUT',
          message: 'the grants query timed out',
        },
        '2026-11-20T10:00:12.000Z',
      );
      return exec(
        { type: 'SkipRecord', sessionId: s1, instanceId: c, reason: 'instance is inactive' },
        '2026-11-20T10:00:13.000Z',
      );
    },
    /** A compensation, then a retry of B reopens the session. */
    async s1RetriesB() {
      await append(
        s1,
        [
          {
            type: 'CompensationApplied',
            data: { sessionId: s1, instanceId: b, action: 'retry_permissions', detail: 'inventory kept' },
          },
        ],
        '2026-11-20T10:04:00.000Z',
        alice,
      );
      return exec(
        {
          type: 'RetryRecord',
          sessionId: s1,
          instanceId: b,
          phase: 'permissions',
          now: new Date('2026-11-20T10:05:00.000Z'),
          leaseMs: LEASE_MS,
        },
        '2026-11-20T10:05:00.000Z',
      );
    },
    /** B's retry completes: S1 closes again. */
    s1RetryCompletes: () =>
      exec(
        {
          type: 'CompleteRecord',
          sessionId: s1,
          instanceId: b,
          itemsSynced: 3,
          itemsCreated: 0,
          itemsUpdated: 1,
          itemsDeleted: 0,
          details: { privilegesModified: 1 },
        },
        '2026-11-20T10:05:30.000Z',
      ),
    /** S2: scheduled, cancelled while one record runs and one waits: both are abandoned. */
    async s2Cancelled() {
      const instances: [string, string][] = [
        [d, 'db-d'],
        [e, 'db-e'],
      ];
      await startSession(s2, 'capacity', 'scheduled_task', instances, '2026-11-21T02:00:00.000Z', scheduler);
      await start(s2, d, '2026-11-21T02:00:01.000Z', scheduler);
      return exec(
        { type: 'CancelSession', sessionId: s2, reason: 'operator stop' },
        '2026-11-21T02:00:30.000Z',
      );
    },
    /** S3: still running; its lease runs out at 09:01:01. */
    async s3Runs() {
      await startSession(s3, 'account', 'manual_single', [[f, 'db-f']], '2026-11-22T09:00:00.000Z');
      return start(s3, f, '2026-11-22T09:00:01.000Z');
    },
  };

  return {
    sessions: { s1, s2, s3, s4 },
    instances: { a, b, c, d, e, f, g },
    steps,
    /** Every step, in order, then a catch-up in batches of 3. */
    async run() {
      for (const step of Object.values(steps)) await step();
      await spec.catchUp(spec.runner({ batchSize: 3 }));
    },
  };
}

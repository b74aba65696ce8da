// Auto-classify against the real event store: the difference only (an unchanged re-run appends nothing), a
// run that fails midway leaves every earlier assignment (defect 11), rule errors counted on the record
// (defect 12), a rule edited between runs (as-of before the edit names the old version), manual
// assignments kept by auto runs and removable by hand.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { openCapacityHarness, type CapacityHarness } from '../../../test/support/capacityHarness.js';
import { accountsStream } from '../../domain/accounts/events.js';
import {
  assignmentsStream,
  foldAssignments,
  type ActiveRule,
  type AssignmentsChangedData,
} from '../../domain/classification/assignments.js';
import { makeFacts, type PermissionFacts } from '../../domain/engines/model.js';
import { newEvent } from '../commandContext.js';
import { loadSession } from '../sync/sessionWriter.js';
import { makeAssignManually, makeRemoveAssignment } from './assignments.js';
import { makeRunClassification } from './autoClassify.js';
import { accountId } from '../../domain/ids.js';

const ctx = () => ({ actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() });
const SUPER = randomUUID();
const R1 = randomUUID();
const rootFacts = makeFacts('mysql', { capabilities: { SUPERUSER: ['SUPER'] } });
const plainFacts = makeFacts('mysql', { global: ['SELECT'] });
const superRule = (version = 1): ActiveRule => ({
  ruleId: R1,
  classificationId: SUPER,
  dbType: 'mysql',
  version,
  expression:
    version === 1
      ? { version: 4, expr: { fn: 'has_capability', args: { name: 'SUPERUSER' } } }
      : { version: 4, expr: { fn: 'is_superuser', args: {} } },
});

describe('auto-classify', () => {
  let h: CapacityHarness;
  let ids: Record<'a' | 'b', string>;
  let rules: ActiveRule[] = [superRule()];

  const sync = async (instanceId: string, accounts: Record<string, PermissionFacts>) => {
    const sessionId = randomUUID();
    const inventory = Object.keys(accounts).map((username) => ({
      username,
      isSystem: false,
      locked: false,
      attributes: {},
    }));
    const e = (type: string, data: Record<string, unknown>) =>
      newEvent(ctx(), type, data, { sessionId, instanceId });
    await h.deps.store.append(
      accountsStream(instanceId),
      [
        e('InstanceInventorySynced', {
          instanceId,
          sessionId,
          dbType: 'mysql',
          accounts: inventory,
          added: [],
          changed: [],
          deactivated: [],
          reactivated: [],
        }),
        e('PermissionsSynced', {
          instanceId,
          sessionId,
          accounts: Object.entries(accounts).map(([username, facts]) => ({
            username,
            facts,
            snapshot: {},
            diff: null,
          })),
          errors: [],
        }),
      ],
      { expectedRevision: 'any' },
    );
  };
  const changes = async (instanceId: string) =>
    (await h.raw.readStream(assignmentsStream(instanceId))).filter((e) => e.type === 'AssignmentsChanged');
  const held = async (instanceId: string, until?: Date) =>
    [
      ...foldAssignments(
        (await h.raw.readStream(assignmentsStream(instanceId))).map((e) => ({
          type: e.type,
          eventId: e.eventId,
          occurredAt: e.metadata.occurredAt,
          data: e.data,
        })),
        until,
      ).values(),
    ]
      .map((a) => `${a.username}:${a.assignmentType}:v${a.ruleVersion ?? '-'}`)
      .sort();
  const classify = async (store: EventStore = h.deps.store, options: { everyAccount?: boolean } = {}) => {
    const run = makeRunClassification(
      { ...h.deps, store },
      { knex: h.db.knex, timeZone: 'UTC', rules: () => Promise.resolve(rules) },
    );
    const started = await run({ instanceIds: [ids.a, ids.b] }, 'manual_batch', ctx(), options);
    await started.done;
    return { ...(await loadSession(h.raw, started.sessionId)), sessionId: started.sessionId };
  };

  beforeAll(async () => {
    h = await openCapacityHarness((real) => real);
    ids = await h.register(
      { dbType: 'mysql', host: '127.0.0.1', port: 3306, username: 'u', password: 'pw-1234' },
      ['a', 'b'],
    );
    await sync(ids.a, { root: rootFacts, app: plainFacts });
    await sync(ids.b, { admin: rootFacts });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('given two instances, when classified, then each gets one AssignmentsChanged with its matches', async () => {
    const { state, sessionId } = await classify();
    expect(state.status).toBe('completed');
    expect(state.records.get(ids.a)).toMatchObject({ status: 'completed' });
    expect(await held(ids.a)).toEqual(['root:auto:v1']);
    expect(await held(ids.b)).toEqual(['admin:auto:v1']);
    expect((await changes(ids.a)).map((e) => (e.data as AssignmentsChangedData).sessionId)).toEqual([
      sessionId,
    ]);
    expect(await h.db.knex('classification_assignment_index').count({ n: '*' })).toEqual([{ n: '2' }]);
  });

  it('given unchanged facts, when classified again, then no AssignmentsChanged is appended', async () => {
    const before = (await changes(ids.a)).length + (await changes(ids.b)).length;
    const { state, history } = await classify();
    expect(state.status).toBe('completed');
    expect((await changes(ids.a)).length + (await changes(ids.b)).length).toBe(before);
    const done = history.find(
      (e) => e.type === 'InstanceSyncCompleted' && (e.data as { instanceId: string }).instanceId === ids.a,
    );
    // Nothing changed since the last run's checkpoint: no account is judged again.
    expect(done?.data).toMatchObject({
      itemsSynced: 0,
      itemsCreated: 0,
      itemsDeleted: 0,
      details: { incremental: true, judged: 0 },
    });
  });

  it('given a run failing midway on one instance, when it ends, then that instance keeps every earlier assignment (defect 11)', async () => {
    await sync(ids.a, { root: plainFacts, app: rootFacts }); // root lost SUPERUSER, app gained it
    await sync(ids.b, { admin: plainFacts });
    const failing: EventStore = {
      ...h.deps.store,
      append: (stream, events, options) =>
        stream === assignmentsStream(ids.b)
          ? Promise.reject(new Error('connection terminated'))
          : h.deps.store.append(stream, events, options),
    };
    const bBefore = (await changes(ids.b)).length;
    const { state } = await classify(failing);
    expect(state.records.get(ids.b)).toMatchObject({ status: 'failed', phase: 'classify' });
    expect(await held(ids.a)).toEqual(['app:auto:v1']);
    expect(await held(ids.b)).toEqual(['admin:auto:v1']);
    expect((await changes(ids.b)).length).toBe(bBefore);
    const [last] = (await changes(ids.a)).slice(-1);
    expect(last?.data).toMatchObject({
      added: [expect.objectContaining({ username: 'app' })],
      removed: [expect.objectContaining({ username: 'root', reason: 'no_longer_matches' })],
    });
    // The next run finishes what the failed one did not.
    await classify();
    expect(await held(ids.b)).toEqual([]);
  });

  it('given a rule edited between two runs, when read as of before the edit, then the old version holds', async () => {
    await sync(ids.b, { admin: rootFacts });
    await classify();
    const beforeEdit = new Date();
    rules = [superRule(2)];
    await classify();
    expect(await held(ids.b)).toEqual(['admin:auto:v2']);
    expect(await held(ids.b, beforeEdit)).toEqual(['admin:auto:v1']);
    const [last] = (await changes(ids.b)).slice(-1);
    expect(last?.data).toMatchObject({
      removed: [expect.objectContaining({ ruleVersion: 1, reason: 'rule_versioned' })],
      added: [expect.objectContaining({ ruleVersion: 2 })],
    });
  });

  it('given a rule whose evaluation errs, when classified, then the record counts it with its code (defect 12)', async () => {
    rules = [
      superRule(2),
      {
        ...superRule(1),
        ruleId: randomUUID(),
        expression: { version: 4, expr: { fn: 'has_role', args: {} } },
      },
    ];
    const { history } = await classify();
    const done = history.find(
      (e) => e.type === 'InstanceSyncCompleted' && (e.data as { instanceId: string }).instanceId === ids.a,
    );
    expect((done?.data as { details: unknown }).details).toMatchObject({
      ruleErrorCount: 2,
      ruleErrors: [expect.objectContaining({ code: 'MISSING_DSL_ARGS', accounts: 2 })],
    });
    rules = [superRule(2)];
  });

  it('given a manual assignment, when auto runs, then it stays; removing it by hand appends its removal', async () => {
    const deps = { knex: h.db.knex, store: h.deps.store, timeZone: 'UTC' };
    await h.db
      .knex('classification_index')
      .insert({ classification_id: SUPER, is_active: true })
      .onConflict()
      .ignore();
    const assign = makeAssignManually(deps);
    const cmd = {
      instanceId: ids.a,
      username: 'root',
      accountId: accountId(ids.a, 'root'),
      classificationId: SUPER,
    };
    const first = await assign(cmd, ctx());
    expect(first.appended).toBe(true);
    expect((await assign(cmd, ctx())).appended).toBe(false);
    await classify();
    expect(await held(ids.a)).toEqual(['app:auto:v2', 'root:manual:v-']);
    await makeRemoveAssignment(deps)(first.assignmentId, ctx());
    expect(await held(ids.a)).toEqual(['app:auto:v2']);
    await expect(makeRemoveAssignment(deps)(first.assignmentId, ctx())).rejects.toMatchObject({
      code: 'RESOURCE_NOT_FOUND',
    });
  });

  it('given one account whose facts changed, when classified, then only it is judged; everyAccount judges all', async () => {
    await sync(ids.a, { root: rootFacts, app: rootFacts }); // a full sync: only root's facts differ
    const { history } = await classify();
    const doneA = (h: typeof history) =>
      h.find(
        (e) => e.type === 'InstanceSyncCompleted' && (e.data as { instanceId: string }).instanceId === ids.a,
      )?.data;
    expect(doneA(history)).toMatchObject({
      itemsSynced: 1,
      itemsCreated: 1,
      details: { judged: 1, incremental: true },
    });
    expect(await held(ids.a)).toEqual(['app:auto:v2', 'root:auto:v2']);
    await sync(ids.a, { root: plainFacts, app: rootFacts });
    const all = await classify(h.deps.store, { everyAccount: true });
    expect(doneA(all.history)).toMatchObject({
      itemsSynced: 2,
      itemsDeleted: 1,
      details: { judged: 2, full: 'every account requested' },
    });
  });
});

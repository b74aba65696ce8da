// A mixed event log for rebuild tests and the rebuild benchmark: a registered fleet's days of sync
// sessions as the service records them (account, capacity, aggregation and classification sessions, each
// with its records), with the accounts, capacity, aggregation and assignment events those sessions append,
// a small classification catalog and tags put on and taken off instances. Each day one account of every
// instance changes its privileges (a diff, and an assignment added or removed) and one rotating account
// leaves or comes back (added, deactivated, reactivated). Generated day by day, in log order.
import { randomUUID } from 'node:crypto';
import { accountsStream } from '../../src/domain/accounts/events.js';
import { aggregationStream } from '../../src/domain/aggregation/events.js';
import { capacityStream } from '../../src/domain/capacity/events.js';
import { assignmentId, assignmentsStream } from '../../src/domain/classification/assignments.js';
import { makeFacts, type PermissionFacts } from '../../src/domain/engines/model.js';
import type { Actor, EventData } from '../../src/domain/events/envelope.js';
import { accountId } from '../../src/domain/ids.js';
import { sessionStream } from '../../src/domain/sessions/events.js';
import { aggregationRows, databaseSizes, permissionEntry, tableSizes } from './mixedLogData.js';

export interface MixedLogShape {
  instances: number;
  days: number;
  accountsPerInstance: number;
  databasesPerInstance: number;
}

export interface LogEntry {
  streamId: string;
  event: EventData;
}

/** About how many events one instance-day gives (for sizing a log). */
export const eventsPerInstanceDay = 14;

const actor: Actor = { kind: 'scheduler', id: 'bench' };
const dayOf = (start: number, d: number) => new Date(start + d * 86_400_000).toISOString().slice(0, 10);

/** The log, one day at a time (each day's entries in log order). */
export function* mixedLog(shape: MixedLogShape): Generator<LogEntry[]> {
  const start = Date.UTC(2026, 0, 1);
  const instances = Array.from({ length: shape.instances }, (_, i) => ({
    id: randomUUID(),
    name: `db-${String(i).padStart(5, '0')}`,
    dbType: i % 2 === 0 ? ('mysql' as const) : ('postgresql' as const),
  }));
  const classificationId = randomUUID();
  const ruleId = randomUUID();
  const tags = Array.from({ length: 5 }, (_, i) => ({ tagId: randomUUID(), name: `env:t${i}` }));
  // Per instance: every username ever seen, and the set of the last inventory.
  const known = instances.map(() => new Set<string>());
  const active = instances.map(() => new Set<string>());
  const grants = new Map<string, boolean>(); // account id -> holds the extra privilege (classified)

  let out: LogEntry[] = [];
  let clock = start;
  const emit = (
    streamId: string,
    type: string,
    data: unknown,
    meta: { sessionId?: string; instanceId?: string } = {},
  ) => {
    clock += 7;
    out.push({
      streamId,
      event: {
        eventId: randomUUID(),
        type,
        schemaVersion: 1,
        data,
        metadata: {
          correlationId: randomUUID(),
          causationId: null,
          actor,
          ...meta,
          occurredAt: new Date(clock).toISOString(),
        },
      },
    });
  };
  const session = (
    category: string,
    day: string,
    work: (sessionId: string, i: number) => Record<string, number>,
    period?: object,
  ) => {
    const sessionId = randomUUID();
    const s = sessionStream(sessionId);
    emit(
      s,
      'SessionStarted',
      {
        sessionId,
        category,
        syncType: 'scheduled_task',
        instances: instances.map((i) => ({ instanceId: i.id, instanceName: i.name })),
        ...(period ? { period } : {}),
      },
      { sessionId },
    );
    for (const [i, inst] of instances.entries()) {
      const ref = { sessionId, instanceId: inst.id };
      emit(s, 'InstanceSyncStarted', { ...ref, attempt: 1, leaseExpiresAt: `${day}T23:59:00.000Z` }, ref);
      const items = work(sessionId, i);
      emit(
        s,
        'InstanceSyncCompleted',
        {
          ...ref,
          itemsSynced: items.synced ?? 0,
          itemsCreated: items.created ?? 0,
          itemsUpdated: items.updated ?? 0,
          itemsDeleted: items.deleted ?? 0,
          details: { category },
        },
        ref,
      );
    }
    const n = instances.length;
    emit(
      s,
      'SessionCompleted',
      {
        sessionId,
        status: 'completed',
        counts: { total: n, completed: n, failed: 0, skipped: 0, abandoned: 0 },
      },
      { sessionId },
    );
  };

  for (const inst of instances)
    emit(
      `instance-${inst.id}`,
      'InstanceRegistered',
      {
        instanceId: inst.id,
        name: inst.name,
        dbType: inst.dbType,
        host: `${inst.name}.example.net`,
        port: inst.dbType === 'mysql' ? 3306 : 5432,
        databaseName: null,
        credentialId: null,
        description: '',
      },
      { instanceId: inst.id },
    );
  emit(`classification-${classificationId}`, 'ClassificationCreated', {
    classificationId,
    name: 'privileged',
    description: 'holds PROCESS',
    riskLevel: 'high',
    color: 'red',
    priority: 10,
    isSystem: false,
  });
  emit(`rule-${ruleId}`, 'RuleCreated', {
    ruleId,
    classificationId,
    dbType: 'mysql',
    ruleName: 'process holders',
    version: 1,
    expression: { version: 4, expr: { fn: 'has_privilege', args: { name: 'PROCESS', scope: 'global' } } },
  });
  for (const t of tags)
    emit(`tag-${t.tagId}`, 'TagCreated', {
      tagId: t.tagId,
      name: t.name,
      displayName: t.name,
      category: 'env',
      color: 'blue',
      description: '',
    });

  for (let d = 0; d < shape.days; d++) {
    const day = dayOf(start, d);
    clock = Math.max(clock, Date.parse(`${day}T01:00:00.000Z`));
    const users = (i: number) => [
      ...Array.from({ length: shape.accountsPerInstance - 1 }, (_, k) => `app_${k}`),
      ...(d % 3 === 2 ? [] : [`rotating_${i % 7}`]),
    ];
    const changing = (i: number) => `app_${(d + i) % (shape.accountsPerInstance - 1)}`;
    session('account', day, (sessionId, i) => {
      const inst = instances[i]!;
      const instanceId = inst.id;
      const names = users(i);
      const seen = known[i]!;
      const previous = active[i]!;
      active[i] = new Set(names);
      const accounts = names.map((username) => ({
        username,
        isSystem: false,
        locked: false,
        attributes: { plugin: 'native' },
      }));
      const added = names.filter((u) => !seen.has(u)).sort();
      const reactivated = names.filter((u) => seen.has(u) && !previous.has(u)).sort();
      const deactivated = [...previous].filter((u) => !names.includes(u)).sort();
      for (const u of names) seen.add(u);
      const ref = { sessionId, instanceId };
      emit(
        accountsStream(instanceId),
        'InstanceInventorySynced',
        {
          ...ref,
          dbType: inst.dbType,
          accounts,
          added,
          changed: [],
          deactivated,
          reactivated,
        },
        ref,
      );
      const factsOf = (username: string): PermissionFacts =>
        makeFacts(inst.dbType, {
          global: ['SELECT', ...(grants.get(accountId(instanceId, username)) ? ['PROCESS'] : [])],
          database: { app: ['SELECT', 'INSERT', 'UPDATE'] },
        });
      const id = accountId(instanceId, changing(i));
      grants.set(id, !grants.get(id));
      emit(
        accountsStream(instanceId),
        'PermissionsSynced',
        {
          ...ref,
          accounts: names.map((username) =>
            permissionEntry(
              username,
              factsOf(username),
              username === changing(i) && d > 0,
              grants.get(id) === true,
            ),
          ),
          errors: [],
        },
        ref,
      );
      return { synced: names.length, created: added.length, deleted: deactivated.length };
    });

    session('capacity', day, (sessionId, i) => {
      const instanceId = instances[i]!.id;
      const names = Array.from({ length: shape.databasesPerInstance }, (_, k) => `db_${k}`);
      if (d % 10 === 5) names.pop(); // a database gone for a day, then back
      const ref = { sessionId, instanceId };
      emit(
        capacityStream(instanceId),
        'DatabaseInventorySynced',
        {
          ...ref,
          collectedDate: day,
          databases: names,
          added: d === 0 ? names : [],
          vanished: d % 10 === 5 ? [`db_${shape.databasesPerInstance - 1}`] : [],
        },
        ref,
      );
      const databases = databaseSizes(names, d, i);
      const collectedAt = `${day}T02:00:00.000Z`;
      emit(
        capacityStream(instanceId),
        'StatsSaved',
        {
          ...ref,
          collectedDate: day,
          collectedAt,
          databases,
          totalSizeMb: databases.reduce((s, x) => s + x.sizeMb, 0),
          databaseCount: databases.length,
        },
        ref,
      );
      if ((d + i) % 7 === 0)
        emit(
          capacityStream(instanceId),
          'TableSizesSaved',
          {
            instanceId,
            databaseName: 'db_0',
            collectedAt,
            tables: tableSizes(d),
          },
          ref,
        );
      return { synced: databases.length };
    });

    const period = { periodType: 'daily', periodStart: day, periodEnd: day, partial: false };
    let aggregationSession = '';
    session(
      'aggregation',
      day,
      (sessionId, i) => {
        const instanceId = instances[i]!.id;
        aggregationSession = sessionId;
        const { instance, databases } = aggregationRows(instanceId, day, d, shape.databasesPerInstance);
        emit(
          aggregationStream('daily', day),
          'InstanceAggregated',
          { ...period, sessionId, instanceId, instance, databases },
          { sessionId, instanceId },
        );
        return { synced: databases.length };
      },
      period,
    );
    emit(
      aggregationStream('daily', day),
      'AggregationCompleted',
      {
        ...period,
        sessionId: aggregationSession,
        included: instances.map((x) => x.id),
        missing: [],
        coverageComplete: true,
      },
      { sessionId: aggregationSession },
    );

    session('classification', day, (sessionId, i) => {
      const instanceId = instances[i]!.id;
      const username = changing(i);
      const account = accountId(instanceId, username);
      const entry = {
        assignmentId: assignmentId(account, classificationId, ruleId),
        accountId: account,
        username,
        classificationId,
        assignmentType: 'auto' as const,
        ruleId,
        ruleVersion: 1,
      };
      const holds = grants.get(account) === true;
      emit(
        assignmentsStream(instanceId),
        'AssignmentsChanged',
        {
          instanceId,
          sessionId,
          statDate: day,
          added: holds ? [entry] : [],
          removed: holds ? [] : [{ ...entry, reason: 'no_longer_matches' }],
        },
        { sessionId, instanceId },
      );
      return { synced: 1, created: holds ? 1 : 0, deleted: holds ? 0 : 1 };
    });

    for (const [i, inst] of instances.entries()) {
      if ((i + d) % 25 !== 0) continue;
      const tag = [tags[(i + d) % tags.length]!];
      if (d % 2 === 0)
        emit(
          `instance-${inst.id}`,
          'InstanceTagged',
          { instanceId: inst.id, tags: tag },
          { instanceId: inst.id },
        );
      else
        emit(
          `instance-${inst.id}`,
          'InstanceUntagged',
          { instanceId: inst.id, tags: tag, reason: 'removed' },
          { instanceId: inst.id },
        );
    }
    yield out;
    out = [];
  }
}

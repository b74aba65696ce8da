// The classification read models' scenario, over three days (2026-11-20, -21 and -23: the 22nd has no
// change). Instances m1 (MariaDB: root@localhost, app@%, locked@%) and p1 (PostgreSQL: postgres, alice)
// with their accounts; classifications super (critical), grant (high), locked (low), watch (medium, manual
// only) and gone (created then deleted); rules superMy, superPg, grantMy (versioned on day 2), lockedMy
// (deactivated on day 3) and dropped (created then deleted).
//   day 1: run s1 on m1: root -> super, grant; app -> grant; locked@% -> locked. Run s1 on p1: postgres ->
//          super. By hand on p1: alice -> watch.
//   day 2: grantMy becomes version 2; run s2 on m1: root's and app's grant go (rule_versioned), root's
//          comes back at version 2. Then grant is renamed 'grant administrators'.
//   day 3: lockedMy is deactivated; run s3 on m1 removes locked@%'s (rule_inactive). By hand on m1:
//          app@% -> watch. Then p1 is deleted.
import { randomUUID } from 'node:crypto';
import { accountId } from '../../src/projections/accounts/fold.js';
import {
  assignmentId,
  assignmentsStream,
  type AssignmentEntry,
  type RemovalReason,
} from '../../src/domain/classification/assignments.js';
import { classificationStream, ruleStream } from '../../src/domain/classification/events.js';
import type { Actor } from '../../src/domain/events/envelope.js';
import { instanceStream } from '../../src/domain/instances/events.js';
import { accountEvents, mysqlAccount } from './accountEvents.js';
import type { ProjectionSpec } from './projectionSpec.js';

export const classificationTimes = {
  t0: '2026-11-20T08:00:00.000Z',
  t1: '2026-11-20T10:00:00.000Z',
  t1b: '2026-11-20T10:00:01.000Z',
  t1c: '2026-11-20T11:00:00.000Z',
  t2v: '2026-11-21T09:00:00.000Z',
  t2: '2026-11-21T10:00:00.000Z',
  t2r: '2026-11-21T12:00:00.000Z',
  t3i: '2026-11-23T09:00:00.000Z',
  t3: '2026-11-23T10:00:00.000Z',
  t3m: '2026-11-23T11:00:00.000Z',
  t3d: '2026-11-23T12:00:00.000Z',
};
const { t0, t1, t1b, t1c, t2v, t2, t2r, t3i, t3, t3m, t3d } = classificationTimes;

export const actors = {
  seed: { kind: 'system', id: 'seed' } as Actor,
  admin: { kind: 'user', id: 'admin-1' } as Actor,
  runner: { kind: 'scheduler', id: 'classify' } as Actor,
};

const v4 = (fn: string, args: Record<string, unknown>) => ({ version: 4, expr: { fn, args } });
export const expressions = {
  superuser: v4('is_superuser', {}),
  grantAdmin: v4('has_capability', { name: 'GRANT_ADMIN' }),
  grantAdmin2: {
    version: 4,
    expr: {
      op: 'AND',
      args: [
        { fn: 'has_capability', args: { name: 'GRANT_ADMIN' } },
        { fn: 'is_superuser', args: {} },
      ],
    },
  },
  locked: v4('has_capability', { name: 'LOCKED' }),
};

export function classificationScenario(spec: ProjectionSpec) {
  const ids = {
    m1: randomUUID(),
    p1: randomUUID(),
    super: randomUUID(),
    grant: randomUUID(),
    locked: randomUUID(),
    watch: randomUUID(),
    gone: randomUUID(),
    superMy: randomUUID(),
    superPg: randomUUID(),
    grantMy: randomUUID(),
    lockedMy: randomUUID(),
    dropped: randomUUID(),
    s1: randomUUID(),
    s2: randomUUID(),
    s3: randomUUID(),
  };
  const acc = {
    root: accountId(ids.m1, 'root@localhost'),
    app: accountId(ids.m1, 'app@%'),
    locked: accountId(ids.m1, 'locked@%'),
    postgres: accountId(ids.p1, 'postgres'),
    alice: accountId(ids.p1, 'alice'),
  };
  const usernames: Record<string, string> = {
    [acc.root]: 'root@localhost',
    [acc.app]: 'app@%',
    [acc.locked]: 'locked@%',
    [acc.postgres]: 'postgres',
    [acc.alice]: 'alice',
  };
  const entry = (
    account: string,
    classificationId: string,
    ruleId: string | null,
    ruleVersion: number | null = ruleId ? 1 : null,
  ): AssignmentEntry => ({
    assignmentId: assignmentId(account, classificationId, ruleId),
    accountId: account,
    username: usernames[account]!,
    classificationId,
    assignmentType: ruleId ? 'auto' : 'manual',
    ruleId,
    ruleVersion,
  });
  const gone = (e: AssignmentEntry, reason: RemovalReason) => ({ ...e, reason });
  const at = (occurredAt: string, actor: Actor, sessionId?: string) => ({
    occurredAt,
    actor,
    ...(sessionId ? { sessionId } : {}),
  });
  const classification = (id: string, name: string, riskLevel: string, priority: number, when: string) =>
    spec.append(
      classificationStream(id),
      'ClassificationCreated',
      {
        classificationId: id,
        name,
        description: `${name} accounts`,
        riskLevel,
        color: `#${priority}`,
        priority,
        isSystem: priority === 100,
      },
      at(when, actors.seed),
    );
  const rule = (
    id: string,
    classificationId: string,
    dbType: string,
    ruleName: string,
    expression: unknown,
  ) =>
    spec.append(
      ruleStream(id),
      'RuleCreated',
      { ruleId: id, classificationId, dbType, ruleName, expression, version: 1 },
      at(t0, actors.seed),
    );
  const changed = (
    instanceId: string,
    when: string,
    actor: Actor,
    sessionId: string | undefined,
    added: AssignmentEntry[],
    removed: (AssignmentEntry & { reason: RemovalReason })[] = [],
  ) =>
    spec.append(
      assignmentsStream(instanceId),
      'AssignmentsChanged',
      { instanceId, ...(sessionId ? { sessionId } : {}), statDate: when.slice(0, 10), added, removed },
      at(when, actor, sessionId),
    );

  const steps = {
    async setup() {
      const instance = (id: string, name: string, dbType: string, port: number) =>
        spec.append(
          instanceStream(id),
          'InstanceRegistered',
          {
            instanceId: id,
            name,
            dbType,
            host: 'localhost',
            port,
            databaseName: null,
            credentialId: null,
            description: '',
          },
          at(t0, actors.admin),
        );
      await instance(ids.m1, 'm1', 'mysql', 3306);
      await instance(ids.p1, 'p1', 'postgresql', 5432);
      const ev = accountEvents(spec.store);
      await ev.inventory(ids.m1, 'mysql', randomUUID(), t0, [
        mysqlAccount('root@localhost'),
        mysqlAccount('app@%'),
        mysqlAccount('locked@%', { locked: true }),
      ]);
      await ev.inventory(ids.p1, 'postgresql', randomUUID(), t0, [
        { username: 'postgres', isSystem: true, locked: false, attributes: {} },
        { username: 'alice', isSystem: false, locked: false, attributes: {} },
      ]);
      await classification(ids.super, 'super user', 'critical', 100, t0);
      await classification(ids.grant, 'grant admin', 'high', 90, t0);
      await classification(ids.watch, 'audit watch', 'medium', 50, t0);
      await classification(ids.locked, 'locked accounts', 'low', 10, t0);
      await classification(ids.gone, 'gone', 'low', 5, t0);
      await spec.append(
        classificationStream(ids.gone),
        'ClassificationDeleted',
        { classificationId: ids.gone },
        at(t0, actors.admin),
      );
      await rule(ids.superMy, ids.super, 'mysql', 'mysql super', expressions.superuser);
      await rule(ids.superPg, ids.super, 'postgresql', 'pg super', expressions.superuser);
      await rule(ids.grantMy, ids.grant, 'mysql', 'mysql grant', expressions.grantAdmin);
      await rule(ids.lockedMy, ids.locked, 'mysql', 'mysql locked', expressions.locked);
      await rule(ids.dropped, ids.grant, 'postgresql', 'pg grant', expressions.grantAdmin);
      await spec.append(
        ruleStream(ids.dropped),
        'RuleDeleted',
        { ruleId: ids.dropped },
        at(t0, actors.admin),
      );
    },
    async day1() {
      await changed(ids.m1, t1, actors.runner, ids.s1, [
        entry(acc.root, ids.super, ids.superMy),
        entry(acc.root, ids.grant, ids.grantMy),
        entry(acc.app, ids.grant, ids.grantMy),
        entry(acc.locked, ids.locked, ids.lockedMy),
      ]);
      await changed(ids.p1, t1b, actors.runner, ids.s1, [entry(acc.postgres, ids.super, ids.superPg)]);
      await changed(ids.p1, t1c, actors.admin, undefined, [entry(acc.alice, ids.watch, null)]);
    },
    async day2() {
      await spec.append(
        ruleStream(ids.grantMy),
        'RuleVersioned',
        { ruleId: ids.grantMy, version: 2, expression: expressions.grantAdmin2 },
        at(t2v, actors.admin),
      );
      await changed(
        ids.m1,
        t2,
        actors.runner,
        ids.s2,
        [entry(acc.root, ids.grant, ids.grantMy, 2)],
        [
          gone(entry(acc.root, ids.grant, ids.grantMy), 'rule_versioned'),
          gone(entry(acc.app, ids.grant, ids.grantMy), 'rule_versioned'),
        ],
      );
      await spec.append(
        classificationStream(ids.grant),
        'ClassificationUpdated',
        { classificationId: ids.grant, changes: { name: 'grant administrators' } },
        at(t2r, actors.admin),
      );
    },
    async day3() {
      await spec.append(
        ruleStream(ids.lockedMy),
        'RuleUpdated',
        { ruleId: ids.lockedMy, changes: { isActive: false } },
        at(t3i, actors.admin),
      );
      await changed(
        ids.m1,
        t3,
        actors.runner,
        ids.s3,
        [],
        [gone(entry(acc.locked, ids.locked, ids.lockedMy), 'rule_inactive')],
      );
      await changed(ids.m1, t3m, actors.admin, undefined, [entry(acc.app, ids.watch, null)]);
      await spec.append(
        instanceStream(ids.p1),
        'InstanceDeleted',
        { instanceId: ids.p1 },
        at(t3d, actors.admin),
      );
    },
  };

  return {
    ids,
    accounts: acc,
    entry,
    steps,
    async appendAll() {
      for (const step of Object.values(steps)) await step();
    },
  };
}

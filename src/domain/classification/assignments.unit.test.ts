import { describe, expect, it } from 'vitest';
import { makeFacts, type PermissionFacts } from '../engines/model.js';
import {
  assignmentId,
  classifyInstance,
  foldAssignments,
  type ActiveRule,
  type AssignmentEntry,
  type HeldAssignment,
} from './assignments.js';
import type { DslRule } from './dsl.js';

const SUPER = '00000000-0000-4000-8000-00000000000a';
const GRANT = '00000000-0000-4000-8000-00000000000b';
const R_SUPER = '00000000-0000-4000-8000-0000000000a1';
const R_GRANT = '00000000-0000-4000-8000-0000000000b1';
const R_PG = '00000000-0000-4000-8000-0000000000a2';
const ALICE = '00000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';

const cap = (name: string): DslRule => ({ version: 4, expr: { fn: 'has_capability', args: { name } } });
const rule = (ruleId: string, classificationId: string, version = 1, expression = cap('SUPERUSER')) =>
  ({ ruleId, classificationId, dbType: 'mysql', version, expression }) satisfies ActiveRule;
const superRule = rule(R_SUPER, SUPER);
const grantRule = rule(R_GRANT, GRANT, 1, cap('GRANT_ADMIN'));

const root = makeFacts('mysql', {
  capabilities: { SUPERUSER: ['SUPER'], GRANT_ADMIN: ['WITH GRANT OPTION'] },
});
const reader = makeFacts('mysql', { global: ['SELECT'] });
const account = (id: string, username: string, facts: PermissionFacts | undefined) => ({
  accountId: id,
  username,
  facts,
});

const auto = (accountId: string, username: string, r: ActiveRule): HeldAssignment => ({
  assignmentId: assignmentId(accountId, r.classificationId, r.ruleId),
  accountId,
  username,
  classificationId: r.classificationId,
  assignmentType: 'auto',
  ruleId: r.ruleId,
  ruleVersion: r.version,
  assignedAt: '2026-12-01T00:00:00.000Z',
  sessionId: null,
  eventId: '00000000-0000-4000-8000-0000000000ff',
});
const manual = (accountId: string, username: string, classificationId: string): HeldAssignment => ({
  ...auto(accountId, username, superRule),
  assignmentId: assignmentId(accountId, classificationId, null),
  classificationId,
  assignmentType: 'manual',
  ruleId: null,
  ruleVersion: null,
});
const held = (...items: HeldAssignment[]) => new Map(items.map((a) => [a.assignmentId, a]));
const ids = (entries: readonly AssignmentEntry[]) =>
  entries.map((e) => `${e.username}:${e.ruleId ?? 'manual'}`);

describe('classifyInstance', () => {
  it('given no assignments, when an account matches two rules, then both are added and counted as hits', () => {
    const out = classifyInstance({
      dbType: 'mysql',
      accounts: [account(ALICE, 'alice', root), account(BOB, 'bob', reader)],
      rules: [superRule, grantRule],
      current: new Map(),
    });
    expect(ids(out.added).sort()).toEqual([`alice:${R_GRANT}`, `alice:${R_SUPER}`].sort());
    expect(out.removed).toEqual([]);
    expect(out.hits).toEqual({ [R_SUPER]: 1, [R_GRANT]: 1 });
    expect(out).toMatchObject({ evaluated: 2, rules: 2, reports: [], factsMissing: [] });
  });

  it('given the assignments a match gives, when nothing changed, then the difference is empty', () => {
    const out = classifyInstance({
      dbType: 'mysql',
      accounts: [account(ALICE, 'alice', root), account(BOB, 'bob', reader)],
      rules: [superRule],
      current: held(auto(ALICE, 'alice', superRule)),
    });
    expect(out.added).toEqual([]);
    expect(out.removed).toEqual([]);
    expect(out.hits).toEqual({ [R_SUPER]: 1 });
  });

  it.each<[string, Parameters<typeof classifyInstance>[0], string]>([
    [
      'an account that no longer matches',
      {
        dbType: 'mysql',
        accounts: [account(ALICE, 'alice', reader)],
        rules: [superRule],
        current: held(auto(ALICE, 'alice', superRule)),
      },
      'no_longer_matches',
    ],
    [
      'a rule no longer active',
      {
        dbType: 'mysql',
        accounts: [account(ALICE, 'alice', root)],
        rules: [],
        current: held(auto(ALICE, 'alice', superRule)),
      },
      'rule_inactive',
    ],
    [
      'an account gone from the inventory',
      { dbType: 'mysql', accounts: [], rules: [superRule], current: held(auto(ALICE, 'alice', superRule)) },
      'account_inactive',
    ],
  ])('given %s, when classified, then its assignment is removed with that reason', (_, input, reason) => {
    const out = classifyInstance(input);
    expect(out.removed).toEqual([expect.objectContaining({ username: 'alice', ruleId: R_SUPER, reason })]);
    expect(out.added).toEqual([]);
  });

  it('given a rule at a new version that still matches, when classified, then the old version is removed and the new added', () => {
    const v2 = rule(R_SUPER, SUPER, 2, { version: 4, expr: { fn: 'is_superuser', args: {} } });
    const out = classifyInstance({
      dbType: 'mysql',
      accounts: [account(ALICE, 'alice', root)],
      rules: [v2],
      current: held(auto(ALICE, 'alice', superRule)),
    });
    expect(out.removed).toEqual([expect.objectContaining({ ruleVersion: 1, reason: 'rule_versioned' })]);
    expect(out.added).toEqual([expect.objectContaining({ ruleVersion: 2, ruleId: R_SUPER })]);
    expect(out.added[0]!.assignmentId).toBe(out.removed[0]!.assignmentId);
  });

  it('given manual assignments, when the account matches nothing or left, then they stay', () => {
    const out = classifyInstance({
      dbType: 'mysql',
      accounts: [account(BOB, 'bob', reader)],
      rules: [superRule],
      current: held(manual(BOB, 'bob', SUPER), manual(ALICE, 'alice', GRANT)),
    });
    expect(out.added).toEqual([]);
    expect(out.removed).toEqual([]);
  });

  it('given an account without facts, when classified, then it keeps what it had and is listed', () => {
    const out = classifyInstance({
      dbType: 'mysql',
      accounts: [account(ALICE, 'alice', undefined), account(BOB, 'bob', root)],
      rules: [superRule],
      current: held(auto(ALICE, 'alice', superRule)),
    });
    expect(out.removed).toEqual([]);
    expect(ids(out.added)).toEqual([`bob:${R_SUPER}`]);
    expect(out.factsMissing).toEqual(['alice']);
    expect(out.hits).toEqual({ [R_SUPER]: 2 });
  });

  it('given a rule whose evaluation errs, when classified, then it is reported per code and counted, and nothing it held moves', () => {
    const broken = rule(R_GRANT, GRANT, 3, { version: 4, expr: { fn: 'has_capability', args: {} } });
    const out = classifyInstance({
      dbType: 'mysql',
      accounts: [account(ALICE, 'alice', root), account(BOB, 'bob', reader)],
      rules: [broken],
      current: held(auto(ALICE, 'alice', { ...broken, version: 3 })),
    });
    expect(out.added).toEqual([]);
    expect(out.removed).toEqual([]);
    expect(out.reports).toEqual([
      expect.objectContaining({
        ruleId: R_GRANT,
        ruleVersion: 3,
        code: 'MISSING_DSL_ARGS',
        accounts: 2,
        path: 'expr',
      }),
    ]);
  });

  it('given a rule of another engine, when a mysql instance is classified, then it is not evaluated', () => {
    const pg = { ...rule(R_PG, SUPER), dbType: 'postgresql' as const };
    const out = classifyInstance({
      dbType: 'mysql',
      accounts: [account(ALICE, 'alice', root)],
      rules: [pg],
      current: new Map(),
    });
    expect(out).toMatchObject({ added: [], rules: 0, hits: {} });
  });
});

describe('foldAssignments', () => {
  const entry = auto(ALICE, 'alice', superRule);
  const { assignedAt: _a, sessionId: _s, eventId: _e, ...added } = entry;
  const events = [
    {
      type: 'AssignmentsChanged',
      eventId: 'e1',
      occurredAt: '2026-12-01T01:00:00.000Z',
      data: { instanceId: 'i', statDate: '2026-12-01', added: [added], removed: [] },
    },
    { type: 'Other', eventId: 'e2', occurredAt: '2026-12-01T01:30:00.000Z', data: {} },
    {
      type: 'AssignmentsChanged',
      eventId: 'e3',
      occurredAt: '2026-12-02T01:00:00.000Z',
      data: {
        instanceId: 'i',
        sessionId: 'run-2',
        statDate: '2026-12-02',
        added: [{ ...added, ruleVersion: 2 }],
        removed: [{ ...added, reason: 'rule_versioned' }],
      },
    },
  ];

  it.each<[string, Date | undefined, number | undefined, string | undefined]>([
    ['before anything', new Date('2026-11-30T00:00:00Z'), undefined, undefined],
    ['after the first change', new Date('2026-12-01T12:00:00Z'), 1, 'e1'],
    ['after the version change', undefined, 2, 'e3'],
  ])(
    'given two changes, when folded %s, then the version and deciding event are as then',
    (_, until, version, eventId) => {
      const got = foldAssignments(events, until).get(entry.assignmentId);
      expect(got?.ruleVersion).toBe(version);
      expect(got?.eventId).toBe(eventId);
    },
  );
});

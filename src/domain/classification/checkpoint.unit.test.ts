import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../accounts/ledger.js';
import { makeFacts } from '../engines/model.js';
import type { ActiveRule } from './assignments.js';
import {
  factsFingerprint,
  NO_FACTS,
  planFromCheckpoint,
  rulesKey,
  type ClassificationCheckpoint,
} from './checkpoint.js';

const root = makeFacts('mysql', { capabilities: { SUPERUSER: ['SUPER'] } });
const reader = makeFacts('mysql', { global: ['SELECT'] });
const checkpoint: ClassificationCheckpoint = {
  accountsRevision: 4n,
  rulesKey: 'r1:1',
  fingerprints: { alice: factsFingerprint(root), bob: factsFingerprint(reader), carol: NO_FACTS },
};
let n = 0;
const event = (type: string, data: Record<string, unknown>): LedgerEvent => ({
  type,
  eventId: `e${++n}`,
  occurredAt: '2026-12-02T00:00:00.000Z',
  data: { sessionId: 's', ...data },
});
const permissions = (accounts: Record<string, ReturnType<typeof makeFacts>>) =>
  event('PermissionsSynced', {
    accounts: Object.entries(accounts).map(([username, facts]) => ({ username, facts })),
  });
const inventory = (usernames: string[], reactivated: string[] = []) =>
  event('InstanceInventorySynced', {
    accounts: usernames.map((username) => ({ username, isSystem: false, locked: false, attributes: {} })),
    reactivated,
  });
const judged = (plan: ReturnType<typeof planFromCheckpoint>) =>
  'full' in plan ? plan : { judge: plan.judge.map((a) => a.username), gone: plan.gone };

describe('planFromCheckpoint', () => {
  it.each<[string, LedgerEvent[], ReturnType<typeof judged>]>([
    ['nothing since', [], { judge: [], gone: [] }],
    [
      'a full sync whose facts are the same',
      [inventory(['alice', 'bob', 'carol']), permissions({ alice: root, bob: reader })],
      { judge: [], gone: [] },
    ],
    [
      'one account whose facts changed',
      [permissions({ alice: root, bob: root })],
      { judge: ['bob'], gone: [] },
    ],
    ['an account that got its first facts', [permissions({ carol: reader })], { judge: ['carol'], gone: [] }],
    [
      'a new account, and one that left',
      [inventory(['alice', 'bob', 'dave']), permissions({ dave: reader })],
      { judge: ['dave'], gone: ['carol'] },
    ],
    [
      'an account that came back',
      [inventory(['alice', 'bob', 'carol', 'erin'], ['erin'])],
      { full: 'accounts came back whose facts are older than the last run' },
    ],
    [
      'an inventory revert',
      [event('InventoryReverted', { accounts: [] })],
      { full: 'an inventory was reverted since the last run' },
    ],
  ])('given %s, then it judges exactly what may have changed', (_, tail, expected) => {
    expect(judged(planFromCheckpoint(checkpoint, tail))).toEqual(expected);
  });

  it('given facts changed and changed back within the tail, then the account is not judged', () => {
    const plan = planFromCheckpoint(checkpoint, [
      permissions({ alice: reader }),
      permissions({ alice: root }),
    ]);
    expect(judged(plan)).toEqual({ judge: [], gone: [] });
  });

  it('the fingerprints after the run: new facts for the judged, the old ones kept, the gone dropped', () => {
    const plan = planFromCheckpoint(checkpoint, [inventory(['alice', 'bob']), permissions({ bob: root })]);
    expect('full' in plan ? undefined : plan.fingerprints).toEqual({
      alice: factsFingerprint(root),
      bob: factsFingerprint(root),
    });
  });
});

describe('rulesKey and factsFingerprint', () => {
  const rule = (ruleId: string, version: number, dbType: 'mysql' | 'postgresql' = 'mysql'): ActiveRule => ({
    ruleId,
    classificationId: 'c',
    dbType,
    version,
    expression: { version: 4, expr: { fn: 'is_superuser', args: {} } },
  });
  it('a key per engine, in any order; a new version is a new key', () => {
    expect(rulesKey([rule('b', 1), rule('a', 2), rule('z', 1, 'postgresql')], 'mysql')).toBe('a:2,b:1');
    expect(rulesKey([rule('a', 3), rule('b', 1)], 'mysql')).not.toBe(
      rulesKey([rule('a', 2), rule('b', 1)], 'mysql'),
    );
  });
  it('equal facts give equal fingerprints whatever the key order; none gives NO_FACTS', () => {
    const { privileges, ...rest } = root;
    const reordered = { privileges, ...rest };
    expect(factsFingerprint(reordered)).toBe(factsFingerprint(root));
    expect(factsFingerprint(reader)).not.toBe(factsFingerprint(root));
    expect(factsFingerprint(undefined)).toBe(NO_FACTS);
  });
});

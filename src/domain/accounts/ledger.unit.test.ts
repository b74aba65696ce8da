import { describe, expect, it } from 'vitest';
import { makeFacts } from '../engines/model.js';
import type { InventoryAccount } from './events.js';
import { diffFacts, foldLedger, inventoryChanges, type LedgerEvent } from './ledger.js';

const acct = (username: string, locked = false): InventoryAccount => ({
  username,
  isSystem: false,
  locked,
  attributes: {},
});
const inventory = (eventId: string, at: string, ...accounts: InventoryAccount[]): LedgerEvent => ({
  type: 'InstanceInventorySynced',
  eventId,
  occurredAt: at,
  data: { sessionId: 's', accounts },
});
const perms = (at: string, username: string, global: string[]): LedgerEvent => ({
  type: 'PermissionsSynced',
  eventId: `p-${at}`,
  occurredAt: at,
  data: { sessionId: 's', accounts: [{ username, facts: makeFacts('mysql', { global }) }] },
});

describe('account ledger', () => {
  const history = [
    inventory('i1', '2026-11-01T00:00:00Z', acct('a'), acct('b')),
    perms('2026-11-01T00:00:01Z', 'a', ['SELECT', 'SUPER']),
    inventory('i2', '2026-11-02T00:00:00Z', acct('a', true), acct('c')),
    perms('2026-11-02T00:00:01Z', 'a', ['SELECT']),
  ];

  it('folds to the latest account set and facts, or to any past moment', () => {
    const now = foldLedger(history);
    expect([...now.accounts.keys()]).toEqual(['a', 'c']);
    expect(now.facts.get('a')?.privileges.global).toEqual(['SELECT']);
    const then = foldLedger(history, new Date('2026-11-01T12:00:00Z'));
    expect([...then.accounts.keys()]).toEqual(['a', 'b']);
    expect(then.facts.get('a')?.privileges.global).toEqual(['SELECT', 'SUPER']);
    expect(foldLedger(history, new Date('2026-10-01T00:00:00Z')).accounts.size).toBe(0);
  });

  it('tells added, changed, deactivated and reactivated accounts apart', () => {
    const before = foldLedger(history);
    expect(inventoryChanges(before, [acct('a'), acct('b'), acct('d')])).toEqual({
      added: ['d'],
      changed: ['a'], // unlocked
      deactivated: ['c'],
      reactivated: ['b'], // known before, gone, back
    });
  });

  it('does not call an account changed when only the key order of its attributes differs (jsonb reorders keys)', () => {
    const before = foldLedger([
      inventory('i1', '2026-11-01T00:00:00Z', {
        ...acct('a'),
        attributes: { user: 'a', host: '%', plugin: 'x' },
      }),
    ]);
    const reread = { ...acct('a'), attributes: { host: '%', plugin: 'x', user: 'a' } };
    expect(inventoryChanges(before, [reread]).changed).toEqual([]);
    expect(
      inventoryChanges(before, [{ ...reread, attributes: { ...reread.attributes, plugin: 'y' } }]).changed,
    ).toEqual(['a']);
  });

  it('diffs facts per scope, and says null when nothing changed', () => {
    const before = makeFacts('mysql', {
      global: ['SELECT', 'SUPER'],
      database: { app: ['SELECT'] },
      capabilities: { SUPERUSER: ['global SUPER'] },
    });
    const after = makeFacts('mysql', {
      global: ['SELECT'],
      database: { app: ['INSERT', 'SELECT'] },
      roles: ['r'],
    });
    expect(diffFacts(before, after)).toEqual({
      capabilities: { added: [], removed: ['SUPERUSER'] },
      roles: { added: ['r'], removed: [] },
      privileges: {
        'database:app': { added: ['INSERT'], removed: [] },
        global: { added: [], removed: ['SUPER'] },
      },
    });
    expect(diffFacts(before, before)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { recorded } from '../../../test/support/eventFactory.js';
import { accountId, type AccountRow, foldAccounts, type AccountTables } from './fold.js';

const t = (minute: number) => `2026-03-01T10:${String(minute).padStart(2, '0')}:00.123456Z`;
const account = (username: string, locked = false) => ({ username, isSystem: false, locked, attributes: {} });
const inventory = (accounts: ReturnType<typeof account>[], decided: Record<string, string[]> = {}) => ({
  instanceId: 'i-1',
  sessionId: 's-1',
  dbType: 'mysql',
  accounts,
  added: [],
  changed: [],
  deactivated: [],
  reactivated: [],
  ...decided,
});
const facts = (capabilities: string[]) => ({
  db_type: 'mysql',
  capabilities,
  capability_reasons: {},
  roles: [],
  privileges: { global: [], server: [], system: [], database: {}, tablespace: {} },
  errors: [],
});

/** Given events (type, data, minute) folded over empty tables, what the fold writes. */
function given(...events: [string, unknown, number][]) {
  const tables: AccountTables = {
    accounts: new Map([['i-1', new Map<string, AccountRow>()]]),
    lastChange: new Map(),
  };
  const log: RecordedEvent[] = events.map(([type, data, minute], n) => recorded(n, type, data, t(minute)));
  return { tables, ...foldAccounts(tables, log) };
}

describe('foldAccounts', () => {
  it('adds, changes and deactivates accounts as the inventory decided, logging by username', () => {
    const { tables, changeLog } = given(
      ['InstanceInventorySynced', inventory([account('b'), account('a')], { added: ['b', 'a'] }), 0],
      ['InstanceInventorySynced', inventory([account('a', true)], { changed: ['a'], deactivated: ['b'] }), 1],
    );
    const rows = tables.accounts.get('i-1')!;
    expect(rows.get('a')).toMatchObject({
      id: accountId('i-1', 'a'),
      is_active: true,
      is_locked: true,
      first_seen_at: t(0),
      last_seen_at: t(1),
    });
    expect(rows.get('b')).toMatchObject({ is_active: false, deleted_at: t(1) });
    expect(changeLog.map((c) => [c.username, c.change_type, c.change_time])).toEqual([
      ['a', 'add', t(0)],
      ['b', 'add', t(0)],
      ['a', 'modify_other', t(1)],
      ['b', 'delete', t(1)],
    ]);
    expect(changeLog[2]!.other_diff).toEqual({ is_locked: { from: false, to: true } });
  });

  it('a revert restores the set it gives without moving last_seen_at, and logs what it changed', () => {
    const { tables, changeLog } = given(
      ['InstanceInventorySynced', inventory([account('a')], { added: ['a'] }), 0],
      ['InventoryReverted', { instanceId: 'i-1', sessionId: 's-2', accounts: [account('c')] }, 2],
    );
    expect(tables.accounts.get('i-1')!.get('c')).toMatchObject({ db_type: 'mysql', last_seen_at: t(2) });
    expect(tables.accounts.get('i-1')!.get('a')).toMatchObject({ is_active: false, last_seen_at: t(0) });
    expect(changeLog.slice(1).map((c) => [c.username, c.change_type, c.session_id])).toEqual([
      ['a', 'delete', 's-2'],
      ['c', 'add', 's-2'],
    ]);
  });

  it('permission facts: first sight adds, an empty diff keeps the change time, a diff modifies', () => {
    const empty = {
      capabilities: { added: [], removed: [] },
      roles: { added: [], removed: [] },
      privileges: {},
    };
    const grant = { ...empty, capabilities: { added: ['SUPERUSER'], removed: [] } };
    const synced = (diff: unknown, caps: string[]) => ({
      instanceId: 'i-1',
      sessionId: 's-1',
      accounts: [{ username: 'a', facts: facts(caps), snapshot: {}, diff }],
    });
    const first = given(['PermissionsSynced', synced(null, []), 0]);
    expect(first.permissions[0]).toMatchObject({ last_change_type: 'add', last_change_time: t(0) });
    const later = given(
      ['PermissionsSynced', synced(null, []), 0],
      ['PermissionsSynced', synced(empty, []), 1],
      ['PermissionsSynced', synced(grant, ['SUPERUSER']), 2],
    );
    expect(later.permissions).toHaveLength(1);
    expect(later.permissions[0]).toMatchObject({
      is_superuser: true,
      last_change_type: 'modify_privilege',
      last_change_time: t(2),
      last_sync_time: t(2),
    });
    expect(
      given(['PermissionsSynced', synced(null, []), 0], ['PermissionsSynced', synced(empty, []), 1])
        .permissions[0],
    ).toMatchObject({
      last_change_type: 'none',
      last_change_time: t(0),
    });
    expect(later.changeLog.map((c) => c.change_type)).toEqual(['modify_privilege']);
  });
});

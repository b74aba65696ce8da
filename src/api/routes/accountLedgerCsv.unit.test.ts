import { describe, expect, it } from 'vitest';
import { makeFacts } from '../../domain/engines/model.js';
import { ledgerCsvCells, ledgerCsvColumns } from './accountLedgerCsv.js';

const account = {
  id: '00000000-0000-4000-8000-000000000001',
  instance_id: '00000000-0000-4000-8000-000000000002',
  instance_name: 'maria-1',
  username: 'app@%',
  db_type: 'mysql' as const,
  is_active: true,
  is_system: false,
  is_locked: false,
  is_superuser: false,
  attributes: {},
  first_seen_at: '2026-12-01T00:00:00.000Z',
  last_seen_at: '2026-12-02T00:00:00.000Z',
  deleted_at: null,
  permissions: null,
  classifications: [],
};

describe('the account export columns', () => {
  it('an account never synced for permissions: empty facts columns', () => {
    const row = Object.fromEntries(ledgerCsvColumns.map((c, i) => [c, ledgerCsvCells(account)[i]]));
    expect(row).toMatchObject({
      username: 'app@%',
      capabilities: '',
      roles: '',
      classifications: '',
      last_sync_time: null,
    });
    expect(ledgerCsvCells(account)).toHaveLength(ledgerCsvColumns.length);
  });

  it('lists joined with "; ", server and system privileges together, per-database as "db: A, B"', () => {
    const facts = makeFacts('mysql', {
      capabilities: { SUPERUSER: ['x'], LOCKED: ['y'] },
      roles: ['r1', 'r2'],
      global: ['SELECT'],
      server: ['CONTROL SERVER'],
      system: ['CREATE SESSION'],
      database: { a: ['INSERT', 'SELECT'], b: ['CONNECT'] },
    });
    const cells = ledgerCsvCells({
      ...account,
      classifications: [
        { id: account.id, name: 'super user', risk_level: 'critical', color: '#c00' },
        { id: account.id, name: 'locked accounts', risk_level: 'low', color: '#999' },
      ],
      permissions: {
        facts,
        last_sync_time: '2026-12-02T00:00:00.000Z',
        last_change_type: 'add',
        last_change_time: '2026-12-02T00:00:00.000Z',
      },
    });
    const row = Object.fromEntries(ledgerCsvColumns.map((c, i) => [c, cells[i]]));
    expect(row).toMatchObject({
      capabilities: 'SUPERUSER; LOCKED',
      roles: 'r1; r2',
      global_privileges: 'SELECT',
      server_privileges: 'CONTROL SERVER; CREATE SESSION',
      database_privileges: 'a: INSERT, SELECT; b: CONNECT',
      classifications: 'super user (critical); locked accounts (low)',
      last_change_type: 'add',
    });
  });
});

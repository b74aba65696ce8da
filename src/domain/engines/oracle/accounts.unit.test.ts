import { describe, expect, it } from 'vitest';
import { isSystemUser, mapUsers, statusReasons } from './accounts.js';
import type { UserRow } from './catalogRows.js';
import { user } from '../../../../test/support/oracleRows.js';

// Recorded from an Oracle 19c PDB (names changed), plus an 11g row without ORACLE_MAINTAINED.
const rows: UserRow[] = [
  user('SYS', 'OPEN', 'Y', { DEFAULT_TABLESPACE: 'SYSTEM' }),
  user('SYSTEM', 'OPEN', 'Y', { DEFAULT_TABLESPACE: 'SYSTEM' }),
  user('DBSNMP', 'EXPIRED & LOCKED', 'Y', { LOCK_DATE: new Date('2019-04-17T00:59:11Z') }),
  user('APP_OWNER', 'OPEN', 'N', { EXPIRY_DATE: new Date('2026-05-20T08:00:00Z') }),
  user('LOCKED_USER', 'LOCKED', 'N', { LOCK_DATE: new Date('2025-10-01T12:00:00Z') }),
  user('TRIED_TOO_OFTEN', 'LOCKED(TIMED)', 'N'),
  user('EXPIRED_USER', 'EXPIRED', 'N'),
  user('GRACE_USER', 'EXPIRED(GRACE)', 'N'),
  user('BOTH', 'EXPIRED(GRACE) & LOCKED(TIMED)', 'N'),
  user('OUTLN', 'EXPIRED & LOCKED', null),
  user('SCOTT', 'OPEN', null),
];

describe('Oracle users', () => {
  it('ORACLE_MAINTAINED marks built-ins; before 12c the well-known names do', () => {
    expect(isSystemUser({ USERNAME: 'SYS', ORACLE_MAINTAINED: 'Y' })).toBe(true);
    expect(isSystemUser({ USERNAME: 'APP_OWNER', ORACLE_MAINTAINED: 'N' })).toBe(false);
    expect(isSystemUser({ USERNAME: 'OUTLN', ORACLE_MAINTAINED: null })).toBe(true);
    expect(isSystemUser({ USERNAME: 'APEX_040200', ORACLE_MAINTAINED: null })).toBe(true);
    expect(isSystemUser({ USERNAME: 'SCOTT', ORACLE_MAINTAINED: null })).toBe(false);
  });

  it('LOCKED and EXPIRED stop a login; EXPIRED(GRACE) alone does not', () => {
    expect(statusReasons('OPEN')).toEqual([]);
    expect(statusReasons('LOCKED')).toEqual(['account_status = LOCKED']);
    expect(statusReasons('LOCKED(TIMED)')).toEqual(['account_status = LOCKED(TIMED)']);
    expect(statusReasons('EXPIRED')).toEqual(['account_status = EXPIRED']);
    expect(statusReasons('EXPIRED & LOCKED(TIMED)')).toEqual(['account_status = EXPIRED & LOCKED(TIMED)']);
    expect(statusReasons('EXPIRED(GRACE)')).toEqual([]);
    expect(statusReasons('OPEN & IN ROLLOVER')).toEqual([]);
    expect(statusReasons(null)).toEqual([]);
  });

  it('maps every user', () => {
    const accounts = mapUsers(rows);
    const state = Object.fromEntries(accounts.map((a) => [a.username, [a.isSystem, a.locked]]));
    expect(state).toEqual({
      SYS: [true, false],
      SYSTEM: [true, false],
      DBSNMP: [true, true],
      APP_OWNER: [false, false],
      LOCKED_USER: [false, true],
      TRIED_TOO_OFTEN: [false, true],
      EXPIRED_USER: [false, true],
      GRACE_USER: [false, false],
      BOTH: [false, true],
      OUTLN: [true, true],
      SCOTT: [false, false],
    });
  });

  it('keeps the status columns as attributes, dates as ISO text', () => {
    const [, , dbsnmp, appOwner] = mapUsers(rows);
    expect(dbsnmp?.attributes).toEqual({
      account_status: 'EXPIRED & LOCKED',
      default_tablespace: 'USERS',
      profile: 'DEFAULT',
      authentication_type: 'PASSWORD',
      oracle_maintained: 'Y',
      lock_date: '2019-04-17T00:59:11.000Z',
      expiry_date: null,
    });
    expect(appOwner?.attributes.expiry_date).toBe('2026-05-20T08:00:00.000Z');
  });

  it('a user read from all_users (no DBA views) has an unknown status and is not called locked', () => {
    const [fromAllUsers] = mapUsers([
      { ...user('APP_OWNER', null, 'N'), DEFAULT_TABLESPACE: null, PROFILE: null, AUTHENTICATION_TYPE: null },
    ]);
    expect(fromAllUsers).toMatchObject({ locked: false, attributes: { account_status: null } });
  });
});

import { describe, expect, it } from 'vitest';
import { buildMysqlPermissions, type MysqlAccountRow } from './facts.js';
import { parseGrants } from './grants.js';

const row = (over: Partial<MysqlAccountRow> = {}): MysqlAccountRow => ({
  user: 'u',
  host: '%',
  source: 'mysql.global_priv',
  superPriv: false,
  grantPriv: false,
  accountLocked: false,
  passwordExpired: false,
  plugin: 'mysql_native_password',
  authPlugins: ['mysql_native_password'],
  passwordLastChanged: '2026-01-01T00:00:00.000Z',
  ...over,
});

const build = (account: MysqlAccountRow, lines: string[]) =>
  buildMysqlPermissions({
    account,
    grants: parseGrants(lines),
    collectedAt: '2026-01-02T03:04:05.000Z',
    serverVersion: '10.11.19-MariaDB',
  });

describe('buildMysqlPermissions', () => {
  it('ALL PRIVILEGES ON *.* WITH GRANT OPTION: SUPERUSER and GRANT_ADMIN, kept as written', () => {
    const { username, facts } = build(row({ superPriv: true, grantPriv: true }), [
      'GRANT ALL PRIVILEGES ON *.* TO `u`@`%` WITH GRANT OPTION',
    ]);
    expect(username).toBe('u@%');
    expect(facts).toEqual({
      db_type: 'mysql',
      capabilities: ['SUPERUSER', 'GRANT_ADMIN'],
      capability_reasons: {
        SUPERUSER: ['ALL PRIVILEGES ON *.* includes SUPER'],
        GRANT_ADMIN: ['WITH GRANT OPTION on *.*'],
      },
      roles: [],
      privileges: {
        global: ['ALL PRIVILEGES', 'GRANT OPTION'],
        server: [],
        system: [],
        database: {},
        tablespace: {},
      },
      errors: [],
    });
  });

  it('global SUPER alone: SUPERUSER only', () => {
    const { facts } = build(row({ superPriv: true }), ['GRANT SUPER ON *.* TO `u`@`%`']);
    expect(facts.capabilities).toEqual(['SUPERUSER']);
    expect(facts.capability_reasons).toEqual({ SUPERUSER: ['global SUPER privilege'] });
    expect(facts.privileges.global).toEqual(['SUPER']);
  });

  it('global WITH GRANT OPTION without SUPER: GRANT_ADMIN only', () => {
    const { facts } = build(row({ grantPriv: true }), ['GRANT SELECT ON *.* TO `u`@`%` WITH GRANT OPTION']);
    expect(facts.capabilities).toEqual(['GRANT_ADMIN']);
    expect(facts.capability_reasons).toEqual({ GRANT_ADMIN: ['WITH GRANT OPTION on *.*'] });
    expect(facts.privileges.global).toEqual(['GRANT OPTION', 'SELECT']);
  });

  it('a database-level grant option is not GRANT_ADMIN', () => {
    const { facts } = build(row(), ['GRANT SELECT ON `app\\_db`.* TO `u`@`%` WITH GRANT OPTION']);
    expect(facts.capabilities).toEqual([]);
    expect(facts.privileges.database).toEqual({ 'app\\_db': ['GRANT OPTION', 'SELECT'] });
  });

  it('locked and expired: LOCKED with both reasons', () => {
    const { facts } = build(row({ accountLocked: true, passwordExpired: true }), [
      'GRANT USAGE ON *.* TO `u`@`%`',
    ]);
    expect(facts.capabilities).toEqual(['LOCKED']);
    expect(facts.capability_reasons).toEqual({ LOCKED: ['account_locked = Y', 'password_expired = Y'] });
  });

  it('an account with nothing: no capability, empty privileges', () => {
    const { facts, snapshot } = build(row(), ['GRANT USAGE ON *.* TO `u`@`%`']);
    expect(facts.capabilities).toEqual([]);
    expect(facts.capability_reasons).toEqual({});
    expect(facts.privileges.global).toEqual([]);
    expect(facts.privileges.database).toEqual({});
    expect(snapshot.categories.global_privileges).toEqual({
      privileges: [],
      grant_option: false,
      usage_only: true,
    });
  });

  it('roles, database patterns and the snapshot categories', () => {
    const { facts, snapshot } = build(row(), [
      'GRANT `app_role` TO `u`@`%` WITH ADMIN OPTION',
      'GRANT SELECT ON `app%`.* TO `u`@`%`',
      'GRANT SELECT (`a`) ON `db`.`t` TO `u`@`%`',
      'SET DEFAULT ROLE `app_role` FOR `u`@`%`',
    ]);
    expect(facts.roles).toEqual(['app_role']);
    expect(facts.privileges.database).toEqual({ 'app%': ['SELECT'] });
    expect(snapshot.version).toBe(4);
    expect(snapshot.categories.database_privileges).toEqual([
      { database: 'app%', wildcard: true, privileges: ['SELECT'], grant_option: false },
    ]);
    expect(snapshot.type_specific).toMatchObject({
      column_privileges: { 'db.t': { SELECT: ['a'] } },
      roles: { granted: ['app_role'], admin_option: ['app_role'], default: ['app_role'] },
    });
    expect(snapshot.meta).toEqual({
      collected_at: '2026-01-02T03:04:05.000Z',
      server_version: '10.11.19-MariaDB',
    });
  });

  it('unknown catalog flags (null) add no capability', () => {
    const { facts } = build(
      row({
        superPriv: null,
        grantPriv: null,
        accountLocked: null,
        passwordExpired: null,
        source: 'mysql.user',
      }),
      ['GRANT SELECT ON `db`.* TO `u`@`%`'],
    );
    expect(facts.capabilities).toEqual([]);
    expect(facts.privileges.database).toEqual({ db: ['SELECT'] });
  });

  it('never carries authentication data into the snapshot', () => {
    const { snapshot } = build(row(), [
      "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
      "GRANT ??? TO `u`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
    ]);
    expect(JSON.stringify(snapshot)).not.toMatch(/[0-9A-F]{40}/);
  });
});

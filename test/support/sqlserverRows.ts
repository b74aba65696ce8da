// Catalog rows as the SQL Server adapter's queries return them, for the sqlserver domain tests.
import type { LoginRow } from '../../src/domain/engines/sqlserver/catalogRows.js';

/** A SQL login as the logins query returns it (sys.server_principals + sys.sql_logins + LOGINPROPERTY). */
export function login(name: string, overrides: Partial<LoginRow> = {}): LoginRow {
  return {
    name,
    type: 'S',
    type_desc: 'SQL_LOGIN',
    is_disabled: false,
    default_database_name: 'master',
    is_expiration_checked: false,
    is_policy_checked: true,
    is_locked: 0,
    is_expired: 0,
    is_must_change: 0,
    is_sysadmin: 0,
    ...overrides,
  };
}

// Builders of parsed SHOW GRANTS lines, for the MySQL and MariaDB grant tests.
import type { GrantAccount, PrivilegeGrant } from '../../src/domain/engines/mysql/grants.js';

export const acct = (user: string, host: string | null = '%'): GrantAccount => ({ user, host });
export const root = acct('root', 'localhost');

/** A privileges grant at the level its target names: '*.*', [database], or [database, object]. */
export function priv(
  target: '*.*' | [string, string?],
  privileges: string[],
  grantee: GrantAccount,
  extra: Partial<PrivilegeGrant> = {},
): PrivilegeGrant {
  const [database, object] = target === '*.*' ? [null, undefined] : target;
  return {
    kind: 'privileges',
    level: database === null ? 'global' : object === undefined ? 'database' : 'table',
    database,
    databaseWildcard: false,
    object: object ?? null,
    routineType: null,
    privileges,
    columns: {},
    grantee,
    grantOption: false,
    ...extra,
  };
}

// Oracle users -> accounts: built-in or not, and whether the account status stops a login.
import type { AccountInfo } from '../model.js';
import type { UserRow } from './catalogRows.js';

/** Users Oracle creates, for databases before 12c (no ORACLE_MAINTAINED column). */
const builtinUsers = new Set([
  'SYS',
  'SYSTEM',
  'OUTLN',
  'DBSNMP',
  'XDB',
  'ANONYMOUS',
  'CTXSYS',
  'MDSYS',
  'MDDATA',
  'ORDSYS',
  'ORDDATA',
  'ORDPLUGINS',
  'SI_INFORMTN_SCHEMA',
  'WMSYS',
  'EXFSYS',
  'APPQOSSYS',
  'DIP',
  'ORACLE_OCM',
  'XS$NULL',
  'SPATIAL_CSW_ADMIN_USR',
  'SPATIAL_WFS_ADMIN_USR',
  'APEX_PUBLIC_USER',
  'FLOWS_FILES',
  'OLAPSYS',
  'OWBSYS',
  'OWBSYS_AUDIT',
  'SYSMAN',
  'MGMT_VIEW',
  'SYSBACKUP',
  'SYSDG',
  'SYSKM',
  'SYSRAC',
  'AUDSYS',
  'GSMADMIN_INTERNAL',
  'GSMCATUSER',
  'GSMUSER',
  'LBACSYS',
  'DVSYS',
  'DVF',
  'OJVMSYS',
  'GGSYS',
  'DBSFWUSER',
  'REMOTE_SCHEDULER_AGENT',
  'SYS$UMF',
]);

/** ORACLE_MAINTAINED = 'Y' on 12c+; before that, the well-known built-in names (and APEX_nnnnnn schemas). */
export function isSystemUser(row: Pick<UserRow, 'USERNAME' | 'ORACLE_MAINTAINED'>): boolean {
  if (row.ORACLE_MAINTAINED !== null) return row.ORACLE_MAINTAINED === 'Y';
  return builtinUsers.has(row.USERNAME) || /^(APEX|FLOWS)_\d+$/.test(row.USERNAME);
}

/**
 * Why the account cannot log in, from ACCOUNT_STATUS: a LOCKED part (LOCKED, LOCKED(TIMED)) or an
 * EXPIRED password. EXPIRED(GRACE) alone still logs in (the password is about to expire), so it is
 * not a lock. Unknown status (read from all_users) -> no reason.
 */
export function statusReasons(status: string | null): string[] {
  if (!status) return [];
  const parts = status.split('&').map((p) => p.trim().toUpperCase());
  const locked = parts.some((p) => p.startsWith('LOCKED') || p === 'EXPIRED');
  return locked ? [`account_status = ${status}`] : [];
}

export function mapUsers(rows: readonly UserRow[]): AccountInfo[] {
  return rows.map((row) => ({
    username: row.USERNAME,
    isSystem: isSystemUser(row),
    locked: statusReasons(row.ACCOUNT_STATUS).length > 0,
    attributes: userAttributes(row),
  }));
}

export function userAttributes(row: UserRow): Record<string, unknown> {
  return {
    account_status: row.ACCOUNT_STATUS,
    default_tablespace: row.DEFAULT_TABLESPACE,
    profile: row.PROFILE,
    authentication_type: row.AUTHENTICATION_TYPE,
    oracle_maintained: row.ORACLE_MAINTAINED,
    lock_date: row.LOCK_DATE ? row.LOCK_DATE.toISOString() : null,
    expiry_date: row.EXPIRY_DATE ? row.EXPIRY_DATE.toISOString() : null,
  };
}

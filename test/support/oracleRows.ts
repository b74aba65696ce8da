// Catalog rows as the Oracle adapter's queries return them, for the oracle domain tests.
import type { UserRow } from '../../src/domain/engines/oracle/catalogRows.js';

/** A DBA_USERS row: an open, customer-made (ORACLE_MAINTAINED 'N') user unless told otherwise. */
export function user(
  name: string,
  status: string | null = 'OPEN',
  maintained: string | null = 'N',
  extra: Partial<UserRow> = {},
): UserRow {
  return {
    USERNAME: name,
    ACCOUNT_STATUS: status,
    DEFAULT_TABLESPACE: 'USERS',
    PROFILE: 'DEFAULT',
    AUTHENTICATION_TYPE: 'PASSWORD',
    ORACLE_MAINTAINED: maintained,
    LOCK_DATE: null,
    EXPIRY_DATE: null,
    ...extra,
  };
}

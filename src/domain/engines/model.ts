// What the engine adapters report (docs/engines.md): databases and sizes, accounts,
// the v4 permission snapshot and the permission facts derived from it. Pure types: no I/O here.

export const dbTypes = ['mysql', 'postgresql', 'sqlserver', 'oracle'] as const;
export type DbType = (typeof dbTypes)[number];

export const capabilities = ['SUPERUSER', 'GRANT_ADMIN', 'LOCKED'] as const;
export type Capability = (typeof capabilities)[number];

/** A catalog the collector could not read: reported next to the data that could be read. */
export interface ItemError {
  /** What could not be read, e.g. "mysql.global_priv", "database appdb size", "account 'bob'@'%' grants". */
  item: string;
  code: 'PERMISSION_DENIED' | 'DATABASE_QUERY_ERROR' | 'DATABASE_TIMEOUT';
  message: string;
  /**
   * The account whose permissions could not be read, when the error is that account's alone. Such an
   * account is left out of the snapshot's items: it keeps the facts it had (A read that failed is not a
   * revocation).
   */
  account?: string;
}

/** A result that may be partial: every item that could be read, and an error for each that could not. */
export interface Collected<T> {
  items: T[];
  errors: ItemError[];
}

export interface DatabaseInfo {
  name: string;
  /** System databases (mysql, information_schema, master, template…) are listed but flagged. */
  isSystem: boolean;
}

/**
 * How a MySQL/MariaDB figure was measured: the InnoDB file-per-table tablespaces' allocated size, the
 * information_schema.TABLES statistics (which lag behind InnoDB data until ANALYZE TABLE), or both.
 */
export const sizeMethods = ['tablespace', 'tables', 'mixed'] as const;
export type SizeMethod = (typeof sizeMethods)[number];

export interface DatabaseSize {
  databaseName: string;
  /** data + log where the engine has a log, else data + indexes. MB with 3 decimals. */
  sizeMb: number;
  dataSizeMb: number | null;
  logSizeMb: number | null;
  /** MySQL/MariaDB: how the figure was measured (other engines read one catalog and leave it out). */
  sizeMethod?: SizeMethod;
}

export interface TableSize {
  schemaName: string;
  tableName: string;
  sizeMb: number;
  dataSizeMb: number | null;
  indexSizeMb: number | null;
  rowCount: number | null;
}

export interface AccountInfo {
  /** The account's name as the engine shows it; MySQL: user@host. Unique per instance. */
  username: string;
  /** Built-in accounts (mysql.sys, postgres roles pg_*, sa, Oracle-maintained users). */
  isSystem: boolean;
  locked: boolean;
  /** Engine-specific attributes (plugin, account_status, rolcanlogin…). */
  attributes: Record<string, unknown>;
}

export interface PermissionFacts {
  db_type: DbType;
  capabilities: Capability[];
  /** Why each capability holds, in words an auditor can check against the engine. */
  capability_reasons: Partial<Record<Capability, string[]>>;
  roles: string[];
  privileges: {
    global: string[];
    server: string[];
    system: string[];
    database: Record<string, string[]>;
    tablespace: Record<string, string[]>;
  };
  errors: ItemError[];
}

/** The v4 snapshot: what the engine said, by category, before interpretation. */
export interface PermissionSnapshot {
  version: 4;
  db_type: DbType;
  categories: Partial<{
    global_privileges: unknown;
    database_privileges: unknown;
    predefined_roles: unknown;
    role_attributes: unknown;
    server_roles: unknown;
    server_permissions: unknown;
    database_roles: unknown;
    database_permissions: unknown;
    oracle_roles: unknown;
    system_privileges: unknown;
  }>;
  type_specific: Record<string, unknown>;
  errors: ItemError[];
  meta: { collected_at: string; server_version: string | null };
}

export interface AccountPermissions {
  username: string;
  snapshot: PermissionSnapshot;
  facts: PermissionFacts;
}

/**
 * A permission snapshot: the accounts whose permissions were read, and an error for each catalog or
 * account that could not be read. An account whose own read failed has an error naming it (`account`) and
 * no item; a catalog every account depends on, unreadable, is in each item's `facts.errors`.
 */
export interface PermissionsCollected extends Collected<AccountPermissions> {
  /**
   * Engines whose per-database privileges exist only while the database does (PostgreSQL): every
   * database the snapshot covers. A database in earlier facts but not here has vanished, which is not a
   * privilege change of each account. Left out when the list could not be read, or the engine has none.
   */
  databases?: string[];
}

/**
 * `list` sorted in place, as list.sort(compare) sorts it; a list already in order (most are: empty, one
 * item, or read in that order) is left as it is, since a stable sort would not move an item of it, and
 * sorting it would only allocate the sort's work arrays.
 */
export function sortInPlace<T>(list: T[], compare?: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1]!;
    const b = list[i]!;
    // Without `compare`, sort() orders strings by UTF-16 code units, as < does.
    if (compare ? compare(a, b) > 0 : String(a) > String(b)) return list.sort(compare);
  }
  return list;
}

/** The items de-duplicated and sorted. */
const sorted = (items: Iterable<string> | undefined): string[] =>
  items === undefined ? [] : sortInPlace([...new Set(items)]);

/** Each key's items sorted, by key; keys with no items left out. */
const byKey = (map: Record<string, Iterable<string>> | undefined) =>
  Object.fromEntries(
    sortInPlace(Object.keys(map ?? {}))
      .map((k) => [k, sorted(map![k])] as const)
      .filter(([, v]) => v.length > 0),
  );

/** Builds facts with sorted, de-duplicated lists, so equal permissions compare equal. */
export function makeFacts(
  dbType: DbType,
  parts: {
    capabilities?: Partial<Record<Capability, string[]>>;
    roles?: Iterable<string>;
    global?: Iterable<string>;
    server?: Iterable<string>;
    system?: Iterable<string>;
    database?: Record<string, Iterable<string>>;
    tablespace?: Record<string, Iterable<string>>;
    errors?: ItemError[];
  },
): PermissionFacts {
  const reasons: Partial<Record<Capability, string[]>> = {};
  for (const cap of capabilities) {
    const why = parts.capabilities?.[cap];
    if (why && why.length > 0) reasons[cap] = sorted(why);
  }
  return {
    db_type: dbType,
    capabilities: capabilities.filter((c) => reasons[c]),
    capability_reasons: reasons,
    roles: sorted(parts.roles),
    privileges: {
      global: sorted(parts.global),
      server: sorted(parts.server),
      system: sorted(parts.system),
      database: byKey(parts.database),
      tablespace: byKey(parts.tablespace),
    },
    errors: parts.errors ?? [],
  };
}

// Folds the parsed SHOW GRANTS lines of one account into one picture per level. Pure.
import type { ParsedGrant, PrivilegeGrant } from './grants.js';

export interface PrivilegeSet {
  /** Sorted, de-duplicated, upper case; `USAGE` (= no privilege) is dropped. */
  privileges: string[];
  grantOption: boolean;
}

export interface DatabaseGrant extends PrivilegeSet {
  /** The pattern has an unescaped `_` or `%`, so it may match more than one database. */
  wildcard: boolean;
}

export interface ProxyEntry {
  user: string;
  host: string | null;
  grantOption: boolean;
}

export interface FoldedGrants {
  global: PrivilegeSet;
  /** Keyed by the database pattern exactly as granted (`app\_db`, `app%`, `app_db`). */
  databases: Record<string, DatabaseGrant>;
  /** Keyed by `db.table`. */
  tables: Record<string, PrivilegeSet>;
  /** `db.table` -> privilege -> columns. */
  columns: Record<string, Record<string, string[]>>;
  /** Keyed by `PROCEDURE db.name` / `FUNCTION db.name` / `PACKAGE [BODY] db.name`. */
  routines: Record<string, PrivilegeSet>;
  /** Granted roles: `name` (MariaDB) or `name@host` (MySQL 8). */
  roles: string[];
  /** The granted roles held WITH ADMIN OPTION (a subset of `roles`). */
  adminRoles: string[];
  defaultRoles: string[];
  proxy: ProxyEntry[];
  /** MySQL 8 partial revokes: database -> privileges revoked from a global grant. */
  partialRevokes: Record<string, string[]>;
  /** Nothing is granted beyond USAGE (and every line was understood). */
  usageOnly: boolean;
  /** Lines not understood, authentication data cut. */
  unparsed: string[];
}

interface Acc {
  privileges: Set<string>;
  grantOption: boolean;
}

const sorted = (s: Iterable<string>): string[] => [...new Set(s)].sort();

function add(map: Map<string, Acc>, key: string, g: PrivilegeGrant): Acc {
  const acc = map.get(key) ?? { privileges: new Set<string>(), grantOption: false };
  for (const p of g.privileges) if (p !== 'USAGE') acc.privileges.add(p);
  acc.grantOption ||= g.grantOption;
  map.set(key, acc);
  return acc;
}

const toSet = (a: Acc): PrivilegeSet => ({ privileges: sorted(a.privileges), grantOption: a.grantOption });

function toRecord<T>(map: Map<string, Acc>, f: (key: string, set: PrivilegeSet) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of [...map.keys()].sort()) {
    const set = toSet(map.get(key)!);
    if (set.privileges.length > 0 || set.grantOption) out[key] = f(key, set);
  }
  return out;
}

export function foldGrants(parsed: ParsedGrant[]): FoldedGrants {
  const global: Acc = { privileges: new Set(), grantOption: false };
  const databases = new Map<string, Acc>();
  const wildcard = new Map<string, boolean>();
  const tables = new Map<string, Acc>();
  const routines = new Map<string, Acc>();
  const columns: Record<string, Record<string, string[]>> = {};
  const roles = new Set<string>();
  const adminRoles = new Set<string>();
  const defaultRoles = new Set<string>();
  const proxy: ProxyEntry[] = [];
  const partialRevokes: Record<string, string[]> = {};
  const unparsed: string[] = [];

  for (const g of parsed) {
    switch (g.kind) {
      case 'privileges':
        if (g.level === 'global') {
          for (const p of g.privileges) if (p !== 'USAGE') global.privileges.add(p);
          global.grantOption ||= g.grantOption;
        } else if (g.level === 'database') {
          add(databases, g.database!, g);
          wildcard.set(g.database!, g.databaseWildcard);
        } else if (g.level === 'routine') {
          add(routines, `${g.routineType} ${g.database}.${g.object}`, g);
        } else {
          const key = `${g.database}.${g.object}`;
          add(tables, key, g);
          for (const [priv, cols] of Object.entries(g.columns)) {
            const forTable = (columns[key] ??= {});
            forTable[priv] = sorted([...(forTable[priv] ?? []), ...cols]);
          }
        }
        break;
      case 'role':
        for (const r of g.roles) {
          roles.add(r);
          if (g.adminOption) adminRoles.add(r);
        }
        break;
      case 'defaultRole':
        for (const r of g.roles) defaultRoles.add(r);
        break;
      case 'proxy':
        proxy.push({ user: g.proxied.user, host: g.proxied.host, grantOption: g.grantOption });
        break;
      case 'revoke':
        partialRevokes[g.database] = sorted([...(partialRevokes[g.database] ?? []), ...g.privileges]);
        break;
      case 'unparsed':
        unparsed.push(g.line);
        break;
    }
  }

  const folded: FoldedGrants = {
    global: toSet(global),
    databases: toRecord(databases, (key, set) => ({ ...set, wildcard: wildcard.get(key) ?? false })),
    tables: toRecord(tables, (_key, set) => set),
    columns,
    routines: toRecord(routines, (_key, set) => set),
    roles: sorted(roles),
    adminRoles: sorted(adminRoles),
    defaultRoles: sorted(defaultRoles),
    proxy,
    partialRevokes,
    usageOnly: false,
    unparsed,
  };
  folded.usageOnly =
    folded.global.privileges.length === 0 &&
    !folded.global.grantOption &&
    [folded.databases, folded.tables, folded.columns, folded.routines].every(
      (m) => Object.keys(m).length === 0,
    ) &&
    folded.roles.length === 0 &&
    folded.proxy.length === 0 &&
    unparsed.length === 0;
  return folded;
}

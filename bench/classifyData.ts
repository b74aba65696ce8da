// The data of the classify benchmark (classify.ts): varied permission facts of MySQL/MariaDB and PostgreSQL
// accounts, as the account sync would record them (makeFacts, docs/engines.md's shapes), with a snapshot of
// plausible size next to them; 20 rules (10 per engine) over every function, scope and operator; and the
// in-memory answer (which assignments the rules give), to check what the session appends.
// Deterministic: a seeded generator, so two runs classify the same accounts.
import type { InventoryAccount } from '../src/domain/accounts/events.js';
import { assignmentId, type ActiveRule } from '../src/domain/classification/assignments.js';
import { evaluate, type DslNode } from '../src/domain/classification/dsl.js';
import {
  makeFacts,
  type Capability,
  type DbType,
  type PermissionFacts,
} from '../src/domain/engines/model.js';
import { stableId } from '../src/domain/ids.js';

/** mulberry32: a small seeded generator (uniform in [0, 1)). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const some = <T>(rng: Rng, xs: readonly T[], n: number): T[] =>
  [...xs].sort(() => rng() - 0.5).slice(0, Math.max(1, Math.min(n, xs.length)));

const MYSQL_DBS = ['app_0', 'app_1', 'app_2', 'app_3', 'app_4', 'app_5', 'billing', 'customers', 'app%'];
const PG_DBS = ['postgres', 'app_0', 'app_1', 'app_2', 'app_3', 'app_4', 'billing', 'customers'];
/** PostgreSQL databases PUBLIC may connect to (the others had it revoked). */
const PG_PUBLIC = PG_DBS.filter((d) => d !== 'billing' && d !== 'customers');

/** One account's facts; `rng` decides its profile (super user, admin, app, monitoring ...). */
export function mysqlFacts(rng: Rng): { facts: PermissionFacts; locked: boolean } {
  const caps: Partial<Record<Capability, string[]>> = {};
  const global: string[] = [];
  const database: Record<string, string[]> = {};
  const roles: string[] = [];
  const r = rng();
  if (r < 0.03) {
    global.push('ALL PRIVILEGES', 'GRANT OPTION');
    caps.SUPERUSER = ['ALL PRIVILEGES ON *.* includes SUPER'];
    caps.GRANT_ADMIN = ['WITH GRANT OPTION on *.*'];
    if (rng() < 0.5) roles.push('dba');
  } else if (r < 0.07) {
    global.push('SELECT', 'PROCESS', 'RELOAD', 'SHOW DATABASES', 'REPLICATION CLIENT');
    roles.push('dba');
    if (rng() < 0.5) {
      global.push('GRANT OPTION');
      caps.GRANT_ADMIN = ['WITH GRANT OPTION on *.*'];
    }
    if (rng() < 0.3) {
      global.push('SUPER');
      caps.SUPERUSER = ['global SUPER privilege'];
    }
  } else if (r < 0.1) global.push('REPLICATION SLAVE', 'REPLICATION CLIENT');
  else if (r < 0.16) {
    global.push('PROCESS', 'REPLICATION CLIENT', ...(rng() < 0.5 ? ['SELECT'] : []));
    if (rng() < 0.6) roles.push('monitor');
  } else if (r < 0.26) {
    global.push('SELECT', ...(rng() < 0.3 ? ['SHOW VIEW'] : []));
    if (rng() < 0.5) roles.push('app_read');
  } else {
    for (const db of some(rng, MYSQL_DBS, 1 + Math.floor(rng() * 3))) {
      const kind = rng();
      database[db] =
        kind < 0.4
          ? ['SELECT', 'SHOW VIEW']
          : kind < 0.8
            ? ['SELECT', 'INSERT', 'UPDATE', 'DELETE']
            : kind < 0.92
              ? ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX']
              : ['ALL PRIVILEGES', ...(rng() < 0.3 ? ['GRANT OPTION'] : [])];
    }
    if (rng() < 0.3) roles.push(pick(rng, ['app_read', 'app_write', 'etl']));
  }
  const locked = rng() < 0.04;
  if (locked) caps.LOCKED = [rng() < 0.7 ? 'account_locked = Y' : 'password_expired = Y'];
  return { facts: makeFacts('mysql', { capabilities: caps, global, database, roles }), locked };
}

export function postgresFacts(rng: Rng): { facts: PermissionFacts; locked: boolean } {
  const caps: Partial<Record<Capability, string[]>> = {};
  const global: string[] = [];
  const database: Record<string, string[]> = {};
  const roles: string[] = [];
  const r = rng();
  const group = r >= 0.03 && r < 0.11; // NOLOGIN group roles
  if (!group) global.push('LOGIN');
  if (r < 0.03) {
    global.push('SUPERUSER', 'CREATEROLE', 'CREATEDB', 'REPLICATION', 'BYPASSRLS');
    caps.SUPERUSER = ['rolsuper = true'];
    caps.GRANT_ADMIN = ['superuser (rolsuper = true)'];
    for (const db of PG_DBS) database[db] = ['CONNECT', 'CREATE', 'TEMPORARY'];
  } else {
    if (group) caps.LOCKED = ['rolcanlogin = false'];
    if (r >= 0.11 && r < 0.16) {
      global.push('CREATEROLE', ...(rng() < 0.5 ? ['CREATEDB'] : []));
      caps.GRANT_ADMIN = ['rolcreaterole = true'];
      roles.push('pg_monitor');
    } else if (r < 0.19) global.push('REPLICATION');
    for (const db of PG_PUBLIC) database[db] = ['CONNECT', 'TEMPORARY'];
    const granted = some(rng, PG_DBS, 1 + Math.floor(rng() * 2));
    for (const db of granted)
      database[db] = [...(database[db] ?? []), 'CONNECT', ...(rng() < 0.3 ? ['CREATE'] : [])];
    const m = rng();
    if (m < 0.05) roles.push('pg_read_all_data');
    else if (m < 0.15) roles.push('pg_monitor', 'pg_read_all_stats');
    else if (m < 0.4) roles.push('app_readonly');
    else if (m < 0.65) roles.push('app_readwrite', 'app_readonly');
    else if (m < 0.72) roles.push('app_owner');
    if (rng() < 0.1) roles.push('billing_reader');
  }
  const expired = !group && rng() < 0.02;
  if (expired) caps.LOCKED = ['rolvaliduntil 2020-01-01 has passed'];
  return {
    facts: makeFacts('postgresql', { capabilities: caps, global, database, roles }),
    locked: group || expired,
  };
}

export interface BenchAccount {
  username: string;
  accountId: string;
  locked: boolean;
  facts: PermissionFacts;
}

export const factsOf = (dbType: DbType, rng: Rng) =>
  dbType === 'mysql' ? mysqlFacts(rng) : postgresFacts(rng);

/** The accounts of one instance (the i-th: its own seed). */
export function instanceAccounts(instanceId: string, dbType: DbType, i: number, n: number): BenchAccount[] {
  const rng = random(1000 + i);
  return Array.from({ length: n }, (_, k) => {
    const username =
      dbType === 'mysql'
        ? `u${String(k).padStart(4, '0')}@${pick(rng, ['%', 'localhost', '10.0.%'])}`
        : `role_${k}`;
    const { facts, locked } = factsOf(dbType, rng);
    return { username, accountId: stableId(instanceId, username), locked, facts };
  });
}

/** The inventory entry the account sync would record. */
export const inventoryEntry = (dbType: DbType, a: BenchAccount): InventoryAccount => {
  const [user, host] = a.username.split('@');
  return {
    username: a.username,
    isSystem: false,
    locked: a.locked,
    attributes:
      dbType === 'mysql'
        ? {
            user,
            host,
            source: 'mysql.global_priv',
            plugin: 'mysql_native_password',
            account_locked: a.locked,
          }
        : { rolcanlogin: !a.locked, rolsuper: a.facts.capabilities.includes('SUPERUSER'), rolinherit: true },
  };
};

/** A v4 snapshot of about the size the collectors write: what the facts were derived from. */
export const snapshotOf = (dbType: DbType, f: PermissionFacts): Record<string, unknown> => ({
  version: 4,
  db_type: dbType,
  categories: {
    global_privileges: f.privileges.global.map((p) => ({ privilege: p, grantable: p === 'GRANT OPTION' })),
    database_privileges: Object.entries(f.privileges.database).flatMap(([db, ps]) =>
      ps.map((p) => ({ database: db, privilege: p, via: 'direct', wildcard: db.includes('%') })),
    ),
    ...(dbType === 'postgresql'
      ? { role_attributes: { rolsuper: f.capabilities.includes('SUPERUSER'), rolconnlimit: -1 } }
      : {}),
    predefined_roles: f.roles.map((r) => ({ role: r, direct: true, admin_option: false })),
  },
  type_specific: {},
  errors: [],
  meta: {
    collected_at: '2026-12-01T02:00:00.000Z',
    server_version: dbType === 'mysql' ? '10.11.6-MariaDB' : '17.2',
  },
});

// The rules: ten classifications, one rule of each per engine.
const fn = (name: string, args: Record<string, unknown> = {}): DslNode => ({ fn: name, args });
const and = (...args: DslNode[]): DslNode => ({ op: 'AND', args });
const or = (...args: DslNode[]): DslNode => ({ op: 'OR', args });
const not = (arg: DslNode): DslNode => ({ op: 'NOT', args: [arg] });
const priv = (name: string, scope: string, database?: string) =>
  fn('has_privilege', { name, scope, ...(database ? { database } : {}) });
const cap = (name: Capability) => fn('has_capability', { name });
const role = (name: string) => fn('has_role', { name });
const superuser = fn('is_superuser');

const ruleSet: Record<string, Record<'mysql' | 'postgresql', DslNode>> = {
  'super user': {
    mysql: or(superuser, priv('SUPER', 'global'), priv('SUPER', 'server')),
    postgresql: or(superuser, priv('SUPERUSER', 'global')),
  },
  'grant admin': {
    mysql: and(cap('GRANT_ADMIN'), not(superuser)),
    postgresql: and(cap('GRANT_ADMIN'), not(cap('SUPERUSER')), priv('CREATEROLE', 'global')),
  },
  dba: {
    mysql: or(role('dba'), and(priv('PROCESS', 'global'), priv('RELOAD', 'global'))),
    postgresql: or(priv('CREATEDB', 'global'), and(role('pg_monitor'), priv('CREATEROLE', 'global'))),
  },
  locked: {
    mysql: cap('LOCKED'),
    postgresql: and(cap('LOCKED'), priv('LOGIN', 'global')),
  },
  replication: {
    mysql: and(priv('REPLICATION SLAVE', 'global'), not(priv('ALL PRIVILEGES', 'global'))),
    postgresql: and(priv('REPLICATION', 'global'), not(superuser)),
  },
  monitoring: {
    mysql: and(
      priv('PROCESS', 'global'),
      not(priv('SUPER', 'global')),
      or(role('monitor'), priv('REPLICATION CLIENT', 'global')),
    ),
    postgresql: or(role('pg_monitor'), role('pg_read_all_stats'), priv('pg_monitor', 'server')),
  },
  'read everything': {
    mysql: and(priv('SELECT', 'global'), not(or(priv('INSERT', 'global'), priv('ALL PRIVILEGES', 'global')))),
    postgresql: and(role('pg_read_all_data'), not(fn('db_type_in', { types: ['mysql'] }))),
  },
  'billing data': {
    mysql: or(
      priv('SELECT', 'database', 'billing'),
      priv('ALL PRIVILEGES', 'database', 'billing'),
      superuser,
    ),
    postgresql: and(priv('CONNECT', 'database', 'billing'), or(role('billing_reader'), superuser)),
  },
  writer: {
    mysql: and(
      or(priv('INSERT', 'database'), priv('UPDATE', 'database'), priv('DELETE', 'database')),
      not(cap('LOCKED')),
    ),
    postgresql: and(or(role('app_readwrite'), priv('CREATE', 'database')), not(cap('LOCKED'))),
  },
  'schema owner': {
    mysql: or(
      priv('ALL PRIVILEGES', 'database', 'app%'),
      and(priv('CREATE', 'database'), priv('DROP', 'database')),
      priv('CREATE', 'tablespace'),
    ),
    postgresql: or(role('app_owner'), and(priv('CREATE', 'database', 'customers'), not(superuser))),
  },
};

export const classificationIdOf = (name: string) => stableId('bench-classification', name);

export const rules: ActiveRule[] = Object.entries(ruleSet).flatMap(([name, byEngine]) =>
  (['mysql', 'postgresql'] as const).map((dbType) => ({
    ruleId: stableId('bench-rule', name, dbType),
    classificationId: classificationIdOf(name),
    dbType,
    version: 1,
    expression: { version: 4 as const, expr: byEngine[dbType] },
  })),
);

/** The assignment ids the rules give these accounts (what the session should hold afterwards). */
export function expectedAssignments(dbType: DbType, accounts: readonly BenchAccount[]): Set<string> {
  const held = new Set<string>();
  const mine = rules.filter((r) => r.dbType === dbType);
  for (const a of accounts)
    for (const r of mine)
      if (evaluate(r.expression, a.facts).matched)
        held.add(assignmentId(a.accountId, r.classificationId, r.ruleId));
  return held;
}

// The DSL v4 functions (docs/dsl-v4.md): how each checks its arguments and what it matches in an account's
// permission facts. Pure: no I/O, no clock.
// - Function names are exact (`has_role`, not `HAS_ROLE`); only the operators are case-insensitive.
// - Arguments are strict: a missing required key is MISSING_DSL_ARGS; a wrong type, an empty string or
//   list, an unknown key, a capability, db type or scope the domain does not know is INVALID_DSL_ARGS.
// - Role, privilege and capability names and db types compare case-insensitively; database and tablespace
//   names compare exactly (engines may tell `App` from `app`).
// - Facts with missing fields count as empty (facts recorded by an older collector may lack some).
import { capabilities, dbTypes, type PermissionFacts } from '../engines/model.js';

export const functionNames = [
  'db_type_in',
  'is_superuser',
  'has_capability',
  'has_role',
  'has_privilege',
] as const;
export type FunctionName = (typeof functionNames)[number];

export const privilegeScopes = ['global', 'server', 'database', 'tablespace'] as const;
export type PrivilegeScope = (typeof privilegeScopes)[number];

/** What is wrong with a function's arguments, or null when they are fine. */
export interface ArgsProblem {
  code: 'MISSING_DSL_ARGS' | 'INVALID_DSL_ARGS';
  problem: string;
}

type Args = Record<string, unknown>;

interface FunctionSpec {
  required: string[];
  optional: string[];
  /** Checks the values of present keys (keys themselves are checked before). */
  check: (args: Args) => string | null;
  match: (args: Args, facts: FactsView) => boolean;
}

/** Facts read defensively, names lower-cased where they compare case-insensitively. */
export interface FactsView {
  dbType: string;
  capabilities: Set<string>;
  roles: Set<string>;
  global: Set<string>;
  server: Set<string>;
  system: Set<string>;
  database: Map<string, Set<string>>;
  tablespace: Map<string, Set<string>>;
}

const lower = (v: unknown): Set<string> =>
  new Set(Array.isArray(v) ? v.filter((x) => typeof x === 'string').map((x) => x.toLowerCase()) : []);
// A Map, not an object: a database called `constructor` must not find Object.prototype's.
const lowerMap = (v: unknown): Map<string, Set<string>> =>
  new Map(
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.entries(v as Record<string, unknown>).map(([k, xs]) => [k, lower(xs)])
      : [],
  );

export function factsView(facts: PermissionFacts): FactsView {
  const f = facts as Partial<PermissionFacts>;
  const p = (f.privileges ?? {}) as Partial<PermissionFacts['privileges']>;
  return {
    dbType: typeof f.db_type === 'string' ? f.db_type.toLowerCase() : '',
    capabilities: lower(f.capabilities),
    roles: lower(f.roles),
    global: lower(p.global),
    server: lower(p.server),
    system: lower(p.system),
    database: lowerMap(p.database),
    tablespace: lowerMap(p.tablespace),
  };
}

const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const name = (args: Args) => (args.name as string).toLowerCase();
const known = (list: readonly string[], v: string) => list.some((x) => x.toLowerCase() === v.toLowerCase());

const needName = (args: Args): string | null =>
  nonEmptyString(args.name) ? null : 'name must be a non-empty string';

const specs: Record<FunctionName, FunctionSpec> = {
  db_type_in: {
    required: ['types'],
    optional: [],
    check: ({ types }) => {
      if (!Array.isArray(types) || types.length === 0) return 'types must be a non-empty list';
      const bad = types.filter((t) => typeof t !== 'string' || !known(dbTypes, t));
      return bad.length > 0 ? `types has unknown db types (known: ${dbTypes.join(', ')})` : null;
    },
    match: ({ types }, f) => (types as string[]).some((t) => t.toLowerCase() === f.dbType),
  },
  is_superuser: {
    required: [],
    optional: [],
    check: () => null,
    match: (_, f) => f.capabilities.has('superuser'),
  },
  has_capability: {
    required: ['name'],
    optional: [],
    check: (args) =>
      needName(args) ??
      (known(capabilities, args.name as string) ? null : `name must be one of ${capabilities.join(', ')}`),
    match: (args, f) => f.capabilities.has(name(args)),
  },
  has_role: {
    required: ['name'],
    optional: [],
    check: needName,
    match: (args, f) => f.roles.has(name(args)),
  },
  has_privilege: {
    required: ['name', 'scope'],
    optional: ['database'],
    check: (args) => {
      const bad = needName(args);
      if (bad) return bad;
      if (typeof args.scope !== 'string' || !known(privilegeScopes, args.scope))
        return `scope must be one of ${privilegeScopes.join(', ')}`;
      if (args.database === undefined) return null;
      if (args.scope.toLowerCase() !== 'database') return 'database is only allowed with scope database';
      return nonEmptyString(args.database) ? null : 'database must be a non-empty string';
    },
    match: (args, f) => {
      const n = name(args);
      const heldInSome = (m: Map<string, Set<string>>) => [...m.values()].some((s) => s.has(n));
      switch ((args.scope as string).toLowerCase() as PrivilegeScope) {
        case 'global':
          return f.global.has(n);
        case 'server':
          return f.server.has(n) || f.system.has(n);
        case 'tablespace':
          return heldInSome(f.tablespace);
        case 'database':
          return typeof args.database === 'string'
            ? (f.database.get(args.database)?.has(n) ?? false)
            : heldInSome(f.database);
      }
    },
  },
};

export const isFunctionName = (v: unknown): v is FunctionName =>
  typeof v === 'string' && (functionNames as readonly string[]).includes(v);

/** Checks a function node's `args` (absent counts as `{}`). */
export function checkArgs(fn: FunctionName, args: unknown): ArgsProblem | null {
  const spec = specs[fn];
  if (args === undefined) args = {};
  if (args === null || typeof args !== 'object' || Array.isArray(args))
    return { code: 'INVALID_DSL_ARGS', problem: `${fn}: args must be an object` };
  const a = args as Args;
  const missing = spec.required.filter((k) => a[k] === undefined);
  if (missing.length > 0)
    return { code: 'MISSING_DSL_ARGS', problem: `${fn}: missing ${missing.join(', ')}` };
  const extra = Object.keys(a).filter((k) => !spec.required.includes(k) && !spec.optional.includes(k));
  if (extra.length > 0)
    return { code: 'INVALID_DSL_ARGS', problem: `${fn}: unknown argument ${extra.join(', ')}` };
  const bad = spec.check(a);
  return bad ? { code: 'INVALID_DSL_ARGS', problem: `${fn}: ${bad}` } : null;
}

/** Whether a function node matches; call only after checkArgs returned null. */
export const matchFunction = (fn: FunctionName, args: unknown, facts: FactsView): boolean =>
  specs[fn].match((args ?? {}) as Args, facts);

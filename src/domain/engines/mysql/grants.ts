// Parses the lines SHOW GRANTS prints on MySQL 5.7, 8.x and MariaDB 10.x/11.x. Pure and total:
// a line it does not understand becomes { kind: 'unparsed' } (with any authentication data cut),
// never an exception. Folding the lines of one account is in grantFold.ts.
import {
  findTopLevel,
  isName,
  isPunct,
  isWildcardPattern,
  isWord,
  redactGrantLine,
  splitTopLevel,
  tokenize,
  type Token,
} from './grantTokens.js';

export { databasePatternMatches, isWildcardPattern, unescapePattern } from './grantTokens.js';
import { foldGrants, type FoldedGrants } from './grantFold.js';

export type { FoldedGrants, PrivilegeSet, DatabaseGrant } from './grantFold.js';

/** An account or role; `host` is null for a MariaDB role (roles have no host there). */
export interface GrantAccount {
  user: string;
  host: string | null;
}

export type RoutineType = 'PROCEDURE' | 'FUNCTION' | 'PACKAGE' | 'PACKAGE BODY';

export interface PrivilegeGrant {
  kind: 'privileges';
  level: 'global' | 'database' | 'table' | 'routine';
  /** Database name or pattern as the grant shows it, backticks removed (`app\_db` stays `app\_db`). */
  database: string | null;
  /** Database level only: the pattern has an unescaped `_` or `%`. */
  databaseWildcard: boolean;
  /** Table (or routine) name, for table and routine levels. */
  object: string | null;
  routineType: RoutineType | null;
  /** Object-level privileges, upper case, `ALL` normalised to `ALL PRIVILEGES`; column grants excluded. */
  privileges: string[];
  /** Column privileges: privilege -> columns. */
  columns: Record<string, string[]>;
  grantee: GrantAccount;
  grantOption: boolean;
}

export interface RoleGrant {
  kind: 'role';
  /** Role names: `name` (MariaDB) or `name@host` (MySQL 8). */
  roles: string[];
  grantee: GrantAccount;
  adminOption: boolean;
}

export interface ProxyGrant {
  kind: 'proxy';
  proxied: GrantAccount;
  grantee: GrantAccount;
  grantOption: boolean;
}

export interface DefaultRoleLine {
  kind: 'defaultRole';
  roles: string[];
  grantee: GrantAccount;
}

/** MySQL 8 with partial_revokes: `REVOKE INSERT ON `mysql`.* FROM `u`@`%``. */
export interface PartialRevoke {
  kind: 'revoke';
  database: string;
  privileges: string[];
  grantee: GrantAccount;
}

export interface UnparsedLine {
  kind: 'unparsed';
  /** The line with authentication data cut. */
  line: string;
}

export type ParsedGrant =
  PrivilegeGrant | RoleGrant | ProxyGrant | DefaultRoleLine | PartialRevoke | UnparsedLine;

/** `user@host`, or `user` for a host-less MariaDB role. */
export const formatAccount = (a: GrantAccount): string => (a.host === null ? a.user : `${a.user}@${a.host}`);

const nameText = (t: Token): string => t.text;

/** Reads `user[@host]` from tokens[i]; null when it is not an account. */
function readAccount(tokens: Token[], i: number): { account: GrantAccount; next: number } | null {
  const userTok = tokens[i];
  if (!isName(userTok)) return null;
  if (isPunct(tokens[i + 1], '@')) {
    const hostTok = tokens[i + 2];
    if (!isName(hostTok)) return null;
    return { account: { user: nameText(userTok), host: nameText(hostTok) }, next: i + 3 };
  }
  return { account: { user: nameText(userTok), host: null }, next: i + 1 };
}

/** A whole token list that is exactly one account. */
function accountOf(tokens: Token[]): GrantAccount | null {
  const r = readAccount(tokens, 0);
  return r && r.next === tokens.length ? r.account : null;
}

function accountList(tokens: Token[]): GrantAccount[] | null {
  const out: GrantAccount[] = [];
  for (const part of splitTopLevel(tokens)) {
    const a = accountOf(part);
    if (!a) return null;
    out.push(a);
  }
  return out;
}

/** `WITH ... GRANT OPTION` / `WITH ... ADMIN OPTION` anywhere after WITH, in the suffix. */
function hasOption(suffix: Token[], which: 'GRANT' | 'ADMIN'): boolean {
  const w = findTopLevel(suffix, 'WITH');
  if (w < 0) return false;
  for (let i = w + 1; i + 1 < suffix.length; i++)
    if (isWord(suffix[i], which) && isWord(suffix[i + 1], 'OPTION')) return true;
  return false;
}

/** Reads the grantee after TO/FOR/FROM; the rest of the tokens are the suffix. */
function readGrantee(tokens: Token[], at: number): { grantee: GrantAccount; suffix: Token[] } | null {
  const r = readAccount(tokens, at);
  if (!r) return null;
  return { grantee: r.account, suffix: tokens.slice(r.next) };
}

function parsePrivilegeList(
  tokens: Token[],
): { privileges: string[]; columns: Record<string, string[]> } | null {
  const privileges: string[] = [];
  const columns: Record<string, string[]> = {};
  for (const item of splitTopLevel(tokens)) {
    const open = item.findIndex((t) => isPunct(t, '('));
    const words = open < 0 ? item : item.slice(0, open);
    if (words.length === 0 || words.some((t) => t.kind !== 'word')) return null;
    let name = words.map((t) => t.text.toUpperCase()).join(' ');
    if (name === 'ALL') name = 'ALL PRIVILEGES';
    if (open < 0) {
      privileges.push(name);
      continue;
    }
    if (!isPunct(item[item.length - 1], ')')) return null;
    const cols: string[] = [];
    for (const c of splitTopLevel(item.slice(open + 1, -1))) {
      if (c.length !== 1 || !isName(c[0])) return null;
      cols.push(c[0].text);
    }
    columns[name] = [...(columns[name] ?? []), ...cols];
  }
  return { privileges, columns };
}

type Target = Pick<PrivilegeGrant, 'level' | 'database' | 'databaseWildcard' | 'object' | 'routineType'>;

function parseTarget(tokens: Token[]): Target | null {
  let i = 0;
  let routineType: RoutineType | null = null;
  if (isWord(tokens[0], 'TABLE')) i = 1;
  else if (isWord(tokens[0], 'PROCEDURE') || isWord(tokens[0], 'FUNCTION')) {
    routineType = tokens[0]!.text.toUpperCase() as RoutineType;
    i = 1;
  } else if (isWord(tokens[0], 'PACKAGE')) {
    routineType = isWord(tokens[1], 'BODY') ? 'PACKAGE BODY' : 'PACKAGE';
    i = routineType === 'PACKAGE BODY' ? 2 : 1;
  }
  const rest = tokens.slice(i);
  if (rest.length !== 3 || !isPunct(rest[1], '.')) return null;
  const [first, , second] = rest as [Token, Token, Token];
  if (isPunct(first, '*') && isPunct(second, '*') && !routineType)
    return { level: 'global', database: null, databaseWildcard: false, object: null, routineType };
  if (!isName(first)) return null;
  if (isPunct(second, '*') && !routineType)
    return {
      level: 'database',
      database: first.text,
      databaseWildcard: isWildcardPattern(first.text),
      object: null,
      routineType,
    };
  if (!isName(second)) return null;
  return {
    level: routineType ? 'routine' : 'table',
    database: first.text,
    databaseWildcard: false,
    object: second.text,
    routineType,
  };
}

function parseGrantStatement(tokens: Token[]): ParsedGrant | null {
  const to = findTopLevel(tokens, 'TO', 1);
  if (to < 0) return null;
  const on = findTopLevel(tokens.slice(0, to), 'ON', 1);
  const who = readGrantee(tokens, to + 1);
  if (!who) return null;
  if (on < 0) {
    const roles = accountList(tokens.slice(1, to));
    if (!roles || roles.length === 0) return null;
    const names = roles.map(formatAccount);
    return { kind: 'role', roles: names, grantee: who.grantee, adminOption: hasOption(who.suffix, 'ADMIN') };
  }
  const privTokens = tokens.slice(1, on);
  if (privTokens.length === 1 && isWord(privTokens[0], 'PROXY')) {
    const proxied = accountOf(tokens.slice(on + 1, to));
    if (!proxied) return null;
    return { kind: 'proxy', proxied, grantee: who.grantee, grantOption: hasOption(who.suffix, 'GRANT') };
  }
  const privs = parsePrivilegeList(privTokens);
  const target = parseTarget(tokens.slice(on + 1, to));
  if (!privs || !target) return null;
  if (Object.keys(privs.columns).length > 0 && target.level !== 'table') return null;
  return {
    kind: 'privileges',
    ...target,
    ...privs,
    grantee: who.grantee,
    grantOption: hasOption(who.suffix, 'GRANT'),
  };
}

function parseRevoke(tokens: Token[]): ParsedGrant | null {
  const from = findTopLevel(tokens, 'FROM', 1);
  const on = from < 0 ? -1 : findTopLevel(tokens.slice(0, from), 'ON', 1);
  if (on < 0) return null;
  const privs = parsePrivilegeList(tokens.slice(1, on));
  const target = parseTarget(tokens.slice(on + 1, from));
  const who = readGrantee(tokens, from + 1);
  if (!privs || !target || !who || target.level !== 'database' || who.suffix.length > 0) return null;
  return { kind: 'revoke', database: target.database!, privileges: privs.privileges, grantee: who.grantee };
}

function parseSetDefaultRole(tokens: Token[]): ParsedGrant | null {
  if (!isWord(tokens[1], 'DEFAULT') || !isWord(tokens[2], 'ROLE')) return null;
  let at = findTopLevel(tokens, 'FOR', 3);
  if (at < 0) at = findTopLevel(tokens, 'TO', 3);
  if (at < 0) return null;
  const who = readGrantee(tokens, at + 1);
  if (!who || who.suffix.length > 0) return null;
  const list = tokens.slice(3, at);
  if (list.length === 1 && (isWord(list[0], 'NONE') || isWord(list[0], 'ALL')))
    return { kind: 'defaultRole', roles: isWord(list[0], 'NONE') ? [] : ['ALL'], grantee: who.grantee };
  const roles = accountList(list);
  if (!roles) return null;
  return { kind: 'defaultRole', roles: roles.map(formatAccount), grantee: who.grantee };
}

/** Parses one SHOW GRANTS line. Never throws. */
export function parseGrant(line: string): ParsedGrant {
  const text = line.trim().replace(/;\s*$/, '');
  const tokens = tokenize(text);
  let parsed: ParsedGrant | null = null;
  if (isWord(tokens[0], 'GRANT')) parsed = parseGrantStatement(tokens);
  else if (isWord(tokens[0], 'REVOKE')) parsed = parseRevoke(tokens);
  else if (isWord(tokens[0], 'SET')) parsed = parseSetDefaultRole(tokens);
  return parsed ?? { kind: 'unparsed', line: redactGrantLine(text) };
}

/** Parses and folds the SHOW GRANTS lines of one account. */
export function parseGrants(lines: string[]): FoldedGrants {
  return foldGrants(lines.map(parseGrant));
}

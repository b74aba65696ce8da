// Reads the account catalog: mysql.global_priv on MariaDB 10.4+ (where the truth is, incl.
// account_locked), else mysql.user. A denied mysql.global_priv is an ItemError (mysql.user still lists
// every account); when the collector may read neither, the read fails: the collector's own account is
// all it could name, and an inventory of one would deactivate every other account. Authentication
// strings are never selected.
import { escapeId } from 'mysql2/promise';
import type { ItemError } from '../../../domain/engines/model.js';
import type { MysqlAccountRow } from '../../../domain/engines/mysql/facts.js';
import { EngineError } from '../port.js';
import { itemErrorOf } from './mysqlErrors.js';
import { cellText, type MysqlSession, type Row } from './mysqlSession.js';

export interface ServerInfo {
  version: string;
  mariadb: boolean;
  major: number;
  minor: number;
}

export function serverInfo(version: string): ServerInfo {
  const [major = 0, minor = 0] = (/^(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  return { version, mariadb: /mariadb/i.test(version), major, minor };
}

export const hasGlobalPriv = (s: ServerInfo): boolean =>
  s.mariadb && (s.major > 10 || (s.major === 10 && s.minor >= 4));

export interface AccountCatalog {
  rows: MysqlAccountRow[];
  errors: ItemError[];
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : cellText(v));
const yn = (v: unknown): boolean | null => (str(v) === null ? null : str(v)!.toUpperCase() === 'Y');

/** MariaDB's JSON_VALUE gives a JSON `true` as `1` (older versions: `true`). */
const jsonTrue = (v: unknown): boolean => ['1', 'true'].includes(str(v)?.toLowerCase() ?? '');

// MariaDB privilege bits (sql/privilege.h): GRANT_ACL = 1 << 10, SUPER_ACL = 1 << 15.
const GRANT_ACL = 1n << 10n;
const SUPER_ACL = 1n << 15n;

function bit(access: string | null, mask: bigint): boolean | null {
  if (access === null || !/^\d+$/.test(access)) return null;
  return (BigInt(access) & mask) !== 0n;
}

function parseJsonList(v: unknown): string[] {
  const text = str(v);
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

async function fromGlobalPriv(session: MysqlSession): Promise<MysqlAccountRow[]> {
  const rows = await session.query(
    `SELECT User AS user, Host AS host,
            CAST(JSON_VALUE(Priv, '$.access') AS CHAR) AS access,
            JSON_VALUE(Priv, '$.plugin') AS plugin,
            JSON_EXTRACT(Priv, '$.auth_or[*].plugin') AS auth_or,
            JSON_VALUE(Priv, '$.account_locked') AS account_locked,
            JSON_VALUE(Priv, '$.password_last_changed') AS password_last_changed,
            JSON_VALUE(Priv, '$.is_role') AS is_role
       FROM mysql.global_priv ORDER BY User, Host`,
  );
  return rows
    .filter((r) => !jsonTrue(r.is_role))
    .map((r) => {
      const plugin = str(r.plugin);
      const changed = str(r.password_last_changed);
      const changedAt = changed && /^\d+$/.test(changed) && changed !== '0' ? Number(changed) * 1000 : null;
      return {
        user: str(r.user) ?? '',
        host: str(r.host) ?? '',
        source: 'mysql.global_priv' as const,
        superPriv: bit(str(r.access), SUPER_ACL),
        grantPriv: bit(str(r.access), GRANT_ACL),
        accountLocked: jsonTrue(r.account_locked),
        // MariaDB: ALTER USER ... PASSWORD EXPIRE sets password_last_changed to 0.
        passwordExpired: changed === '0',
        plugin,
        authPlugins: [...new Set([...parseJsonList(r.auth_or), ...(plugin ? [plugin] : [])])].sort(),
        passwordLastChanged: changedAt === null ? null : new Date(changedAt).toISOString(),
      };
    });
}

const USER_COLUMNS = [
  'User',
  'Host',
  'Super_priv',
  'Grant_priv',
  'account_locked',
  'password_expired',
  'plugin',
  'password_last_changed',
  'is_role',
];

async function fromMysqlUser(
  session: MysqlSession,
): Promise<{ rows: MysqlAccountRow[]; columns: Set<string> }> {
  const visible = await session.query(
    `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user'`,
  );
  const names = new Map(visible.map((r) => [str(r.name)!.toLowerCase(), str(r.name)!]));
  const present = USER_COLUMNS.filter((c) => names.has(c.toLowerCase()) || c === 'User' || c === 'Host');
  // Aliases make the row keys predictable whatever the case the server uses.
  const select = present
    .map((c) => `${escapeId(names.get(c.toLowerCase()) ?? c)} AS ${escapeId(c)}`)
    .join(', ');
  const rows: Row[] = await session.query(`SELECT ${select} FROM mysql.user ORDER BY User, Host`);
  const has = new Set(present);
  const accounts = rows
    .filter((r) => yn(r.is_role) !== true)
    .map((r) => {
      const plugin = has.has('plugin') ? str(r.plugin) : null;
      return {
        user: str(r.User) ?? '',
        host: str(r.Host) ?? '',
        source: 'mysql.user' as const,
        superPriv: has.has('Super_priv') ? yn(r.Super_priv) : null,
        grantPriv: has.has('Grant_priv') ? yn(r.Grant_priv) : null,
        accountLocked: has.has('account_locked') ? yn(r.account_locked) : null,
        passwordExpired: has.has('password_expired') ? yn(r.password_expired) : null,
        plugin,
        authPlugins: plugin ? [plugin] : [],
        passwordLastChanged: has.has('password_last_changed') ? str(r.password_last_changed) : null,
      };
    });
  return { rows: accounts, columns: has };
}

export async function readAccountCatalog(session: MysqlSession, server: ServerInfo): Promise<AccountCatalog> {
  const errors: ItemError[] = [];
  if (hasGlobalPriv(server)) {
    try {
      return { rows: await fromGlobalPriv(session), errors };
    } catch (err) {
      errors.push(itemErrorOf('mysql.global_priv', err, session.secrets));
    }
  }
  try {
    const { rows, columns } = await fromMysqlUser(session);
    if (hasGlobalPriv(server) && !columns.has('account_locked'))
      errors.push({
        item: 'account lock status',
        code: 'PERMISSION_DENIED',
        message:
          'MariaDB keeps account_locked only in mysql.global_priv, which the collector may not read: ' +
          'locked accounts cannot be recognised',
      });
    return { rows, errors };
  } catch (err) {
    errors.push(itemErrorOf('mysql.user', err, session.secrets));
  }
  const why = errors.map((e) => `${e.item}: ${e.message}`).join('; ');
  throw new EngineError(
    errors.at(-1)!.code,
    `no account catalog could be read (${why}): the collector needs SELECT on mysql.* ` +
      '(docs/engines.md); without it only its own account is visible, which is not an inventory',
  );
}

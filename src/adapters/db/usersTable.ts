// The users table: reads and writes used by the user and auth commands.
import type { Knex } from 'knex';
import type { Paging } from '../../domain/paging.js';
import type { Role } from '../../domain/users/roles.js';
import { directRows } from './directQuery.js';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  is_active: boolean;
  last_login_at: Date | null;
  tokens_valid_after: Date;
  created_at: Date;
  updated_at: Date;
}

/** What the API shows of a user: never the hash. */
export const publicUser = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  is_active: u.is_active,
  last_login_at: u.last_login_at?.toISOString() ?? null,
  created_at: u.created_at.toISOString(),
  updated_at: u.updated_at.toISOString(),
});
export type PublicUser = ReturnType<typeof publicUser>;

export const usersTable = {
  byId: (db: Knex | Knex.Transaction, id: string) => db<UserRow>('users').where({ id }).first(),

  /**
   * The user a token names and whether the token was revoked (logged out), in one round trip: every
   * authenticated request asks both. undefined when the user does not exist.
   */
  async byIdWithRevocation(
    db: Knex,
    id: string,
    jti: string,
  ): Promise<{ row: UserRow; revoked: boolean } | undefined> {
    // Without knex's builder and runner (directQuery.ts): every authenticated request runs it.
    const rows = await directRows<UserRow & { token_revoked: boolean }>(
      db,
      'SELECT u.*, EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = $1) AS token_revoked FROM users u WHERE u.id = $2',
      [jti, id],
    );
    const found = rows[0];
    if (!found) return undefined;
    const { token_revoked: revoked, ...row } = found;
    return { row, revoked };
  },

  byUsername: (db: Knex | Knex.Transaction, username: string) =>
    db<UserRow>('users').whereRaw('lower(username) = lower(?)', [username]).first(),

  /** Locks the active admins' rows: the "never the last admin" check runs against a stable set. */
  async lockActiveAdmins(trx: Knex.Transaction): Promise<string[]> {
    const rows = await trx<UserRow>('users')
      .where({ role: 'admin', is_active: true })
      .forUpdate()
      .select('id');
    return rows.map((r) => r.id);
  },

  async list(
    db: Knex,
    filters: { role?: Role | undefined; active?: boolean | undefined; search?: string | undefined },
    paging: Paging,
  ) {
    const q = db<UserRow>('users');
    if (filters.role) q.where('role', filters.role);
    if (filters.active !== undefined) q.where('is_active', filters.active);
    if (filters.search)
      q.whereRaw("lower(username) LIKE '%' || lower(?) || '%' ESCAPE '\\'", [
        filters.search.replace(/[\\%_]/g, '\\$&'),
      ]);
    const [{ total }] = (await q.clone().count({ total: '*' })) as [{ total: string }];
    const rows = await q
      .orderBy('username')
      .limit(paging.limit)
      .offset((paging.page - 1) * paging.limit)
      .select('*');
    return { total: Number(total), rows: rows };
  },

  async stats(db: Knex) {
    const rows: {
      role: Role;
      is_active: boolean;
      n: string;
    }[] = await db('users').select('role', 'is_active').count({ n: '*' }).groupBy('role', 'is_active');
    const byRole = { admin: 0, user: 0, viewer: 0 };
    let active = 0;
    let total = 0;
    for (const r of rows) {
      byRole[r.role] += Number(r.n);
      total += Number(r.n);
      if (r.is_active) active += Number(r.n);
    }
    return { total, active, inactive: total - active, by_role: byRole };
  },
};

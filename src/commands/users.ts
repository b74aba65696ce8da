// User management: create, update (role, active, password), delete. Each change and its audit event
// commit together: the event is appended in the transaction that changes the row.
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../adapters/auth/passwords.js';
import { usersTable, type UserRow } from '../adapters/db/usersTable.js';
import { AppError, notFound } from '../domain/errors.js';
import type { Role } from '../domain/users/roles.js';
import { appendAudit, type AuditContext } from './appendAudit.js';
import type { CommandDeps } from './deps.js';

type Deps = Pick<CommandDeps, 'knex' | 'store'>;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export interface CreateUser {
  username: string;
  password: string;
  role: Role;
  isActive: boolean;
}

export const makeCreateUser =
  ({ knex, store }: Deps) =>
  async (cmd: CreateUser, ctx: AuditContext): Promise<UserRow> => {
    const id = randomUUID();
    const passwordHash = await hashPassword(cmd.password);
    try {
      return await knex.transaction(async (trx) => {
        const [row] = (await trx('users')
          .insert({
            id,
            username: cmd.username,
            password_hash: passwordHash,
            role: cmd.role,
            is_active: cmd.isActive,
            tokens_valid_after: ctx.now,
          })
          .returning('*')) as UserRow[];
        await appendAudit(
          store,
          ctx,
          'UserCreated',
          {
            userId: id,
            username: cmd.username,
            role: cmd.role,
            isActive: cmd.isActive,
          },
          trx,
        );
        return row!;
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('USERNAME_EXISTS', `username '${cmd.username}' is taken`, { field: 'username' });
      throw err;
    }
  };

export interface UpdateUser {
  id: string;
  role?: Role | undefined;
  isActive?: boolean | undefined;
  password?: string | undefined;
}

export const makeUpdateUser =
  ({ knex, store }: Deps) =>
  async (cmd: UpdateUser, ctx: AuditContext): Promise<UserRow> => {
    const passwordHash = cmd.password === undefined ? undefined : await hashPassword(cmd.password);
    return knex.transaction(async (trx) => {
      const admins = await usersTable.lockActiveAdmins(trx);
      const user = await usersTable.byId(trx, cmd.id).forUpdate();
      if (!user) throw notFound('user', cmd.id);
      const wasCountedAdmin = admins.includes(user.id);
      const staysAdmin = (cmd.role ?? user.role) === 'admin' && (cmd.isActive ?? user.is_active);
      if (wasCountedAdmin && !staysAdmin && admins.length === 1) {
        throw new AppError(
          'LAST_ADMIN_REQUIRED',
          'this is the last active administrator: it cannot be demoted or disabled',
        );
      }
      const changes: Partial<UserRow> = {};
      if (cmd.role !== undefined && cmd.role !== user.role) changes.role = cmd.role;
      if (cmd.isActive !== undefined && cmd.isActive !== user.is_active) changes.is_active = cmd.isActive;
      if (passwordHash !== undefined) changes.password_hash = passwordHash;
      // Sessions end when the password changes or the account is disabled.
      if (passwordHash !== undefined || changes.is_active === false) changes.tokens_valid_after = ctx.now;
      if (Object.keys(changes).length === 0) return user;
      const [updated] = (await trx('users')
        .where({ id: user.id })
        .update({ ...changes, updated_at: ctx.now })
        .returning('*')) as UserRow[];
      const subject = { userId: user.id, username: user.username };
      if (changes.role)
        await appendAudit(
          store,
          ctx,
          'UserRoleChanged',
          { ...subject, from: user.role, to: changes.role },
          trx,
        );
      if (changes.is_active !== undefined) {
        await appendAudit(
          store,
          ctx,
          'UserUpdated',
          {
            ...subject,
            changes: { isActive: changes.is_active },
          },
          trx,
        );
      }
      if (passwordHash !== undefined) {
        await appendAudit(
          store,
          ctx,
          'UserPasswordChanged',
          {
            ...subject,
            by: ctx.actor.id === user.id ? 'self' : 'admin',
          },
          trx,
        );
      }
      return updated!;
    });
  };

export const makeDeleteUser =
  ({ knex, store }: Deps) =>
  async (id: string, ctx: AuditContext): Promise<void> => {
    await knex.transaction(async (trx) => {
      const admins = await usersTable.lockActiveAdmins(trx);
      const user = await usersTable.byId(trx, id).forUpdate();
      if (!user) throw notFound('user', id);
      if (admins.includes(user.id) && admins.length === 1) {
        throw new AppError(
          'LAST_ADMIN_REQUIRED',
          'this is the last active administrator: it cannot be deleted',
        );
      }
      await trx('users').where({ id }).delete();
      await appendAudit(store, ctx, 'UserDeleted', { userId: user.id, username: user.username }, trx);
    });
  };

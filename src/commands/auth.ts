// Sign-in, sign-out, change of one's own password, and the first administrator.
import { randomBytes } from 'node:crypto';
import { PASSWORD_RULES, verifyAgainstNothing, verifyPassword } from '../adapters/auth/passwords.js';
import type { IssuedToken, TokenClaims } from '../adapters/auth/tokens.js';
import { usersTable, type UserRow } from '../adapters/db/usersTable.js';
import { AppError } from '../domain/errors.js';
import { anonymous, appendAudit, type AuditContext } from './appendAudit.js';
import type { CommandDeps } from './deps.js';
import { makeCreateUser, makeUpdateUser } from './users.js';

export interface LoginResult {
  user: UserRow;
  token: IssuedToken;
}

export const makeLogin =
  ({ knex, store, tokens }: Pick<CommandDeps, 'knex' | 'store' | 'tokens'>) =>
  async (
    username: string,
    password: string,
    ip: string | null,
    ctx: Omit<AuditContext, 'actor'>,
  ): Promise<LoginResult> => {
    // Usernames are ASCII (see the users API): anything else is unknown, whatever lower() would make of it.
    const user = /^[\x21-\x7e]+$/.test(username) ? await usersTable.byUsername(knex, username) : undefined;
    const failed = async (reason: 'unknown_user' | 'wrong_password' | 'account_disabled') =>
      appendAudit(store, { ...ctx, actor: anonymous }, 'LoginFailed', {
        username: username.slice(0, 200),
        userId: user?.id ?? null,
        reason,
        ip,
      });
    if (!user) {
      await verifyAgainstNothing(password);
      await failed('unknown_user');
      throw new AppError('INVALID_CREDENTIALS');
    }
    if (!(await verifyPassword(password, user.password_hash))) {
      await failed('wrong_password');
      throw new AppError('INVALID_CREDENTIALS');
    }
    // Only a caller who knows the password learns that the account is disabled.
    if (!user.is_active) {
      await failed('account_disabled');
      throw new AppError('ACCOUNT_DISABLED');
    }
    const token = await tokens.issue(user.id, user.password_hash);
    await knex.transaction(async (trx) => {
      await trx('users').where({ id: user.id }).update({ last_login_at: ctx.now });
      const signedIn = { ...ctx, actor: { kind: 'user' as const, id: user.id } };
      await appendAudit(
        store,
        signedIn,
        'LoginSucceeded',
        { userId: user.id, username: user.username, ip },
        trx,
      );
    });
    return { user: { ...user, last_login_at: ctx.now }, token };
  };

export const makeLogout =
  ({ knex, store }: Pick<CommandDeps, 'knex' | 'store'>) =>
  async (user: UserRow, claims: TokenClaims, ip: string | null, ctx: AuditContext): Promise<void> => {
    await knex.transaction(async (trx) => {
      await trx('revoked_tokens')
        .insert({ jti: claims.jti, expires_at: claims.expiresAt })
        .onConflict('jti')
        .ignore();
      await trx('revoked_tokens').where('expires_at', '<', ctx.now).delete();
      await appendAudit(store, ctx, 'LoggedOut', { userId: user.id, username: user.username, ip }, trx);
    });
  };

export function checkPasswordRules(password: string, username: string): void {
  const problems: string[] = [];
  if (password.length < PASSWORD_RULES.min) problems.push(`at least ${PASSWORD_RULES.min} characters`);
  if (password.length > PASSWORD_RULES.max) problems.push(`at most ${PASSWORD_RULES.max} characters`);
  if (password.toLowerCase() === username.toLowerCase()) problems.push('not the username');
  if (problems.length)
    throw new AppError('PASSWORD_INVALID', `the password must be ${problems.join(', ')}`, {
      rules: problems,
    });
}

export interface ChangePassword {
  oldPassword: string;
  newPassword: string;
  confirmPassword: string;
}

/** Ends every session of the user (including the caller's) and returns a fresh token. */
export const makeChangePassword = (deps: Pick<CommandDeps, 'knex' | 'store' | 'tokens'>) => {
  const updateUser = makeUpdateUser(deps);
  return async (
    user: UserRow,
    claims: TokenClaims,
    cmd: ChangePassword,
    ctx: AuditContext,
  ): Promise<IssuedToken> => {
    if (cmd.newPassword !== cmd.confirmPassword)
      throw new AppError('PASSWORD_MISMATCH', 'new_password and confirm_password differ');
    checkPasswordRules(cmd.newPassword, user.username);
    if (!(await verifyPassword(cmd.oldPassword, user.password_hash)))
      throw new AppError('INVALID_OLD_PASSWORD');
    const updated = await updateUser({ id: user.id, password: cmd.newPassword }, ctx);
    await deps
      .knex('revoked_tokens')
      .insert({ jti: claims.jti, expires_at: claims.expiresAt })
      .onConflict('jti')
      .ignore();
    return deps.tokens.issue(user.id, updated.password_hash);
  };
};

/**
 * On first start (no users at all) creates the administrator 'admin', with WHALEFALL_ADMIN_PASSWORD or a
 * generated password that is printed once. Returns the generated password, if any.
 */
export const makeBootstrapAdmin =
  (deps: Pick<CommandDeps, 'knex' | 'store'>) =>
  async (configured: string | undefined, now: Date): Promise<string | undefined> => {
    const [{ n }] = (await deps.knex('users').count({ n: '*' })) as [{ n: string }];
    if (Number(n) > 0) return undefined;
    const password = configured ?? randomBytes(18).toString('base64url');
    checkPasswordRules(password, 'admin');
    try {
      await makeCreateUser(deps)(
        { username: 'admin', password, role: 'admin', isActive: true },
        { actor: { kind: 'system', id: 'bootstrap' }, correlationId: 'bootstrap', now },
      );
    } catch (err) {
      if (err instanceof AppError && err.code === 'USERNAME_EXISTS') return undefined; // another process won
      throw err;
    }
    return configured ? undefined : password;
  };

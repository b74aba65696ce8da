// The system classifications, seeded when `serve` starts (and by tests): created once with stable ids,
// skipped when they exist, so a second run, or a second process starting at the same moment, is a no-op.
//
// Each has one rule per engine, the same expression on each, reading the capabilities every engine's
// facts builder derives (src/domain/engines/*: mysql/facts.ts, postgresql/facts.ts,
// sqlserver/permissions.ts + accounts.ts, oracle/permissions.ts):
// - "super user" (critical): is_superuser, the SUPERUSER capability. MySQL/MariaDB: global SUPER, ALL
//   PRIVILEGES ON *.*, or Super_priv = Y; PostgreSQL: rolsuper; SQL Server: member of sysadmin; Oracle:
//   granted role DBA (directly or through roles).
// - "grant admin" (high): has_capability GRANT_ADMIN. MySQL/MariaDB: WITH GRANT OPTION on *.*, or
//   Grant_priv = Y; PostgreSQL: rolsuper or CREATEROLE; SQL Server: securityadmin, CONTROL SERVER, or
//   sysadmin; Oracle: DBA, GRANT ANY PRIVILEGE or GRANT ANY ROLE.
// - "locked accounts" (low): has_capability LOCKED. MySQL/MariaDB: account_locked or password_expired;
//   PostgreSQL: NOLOGIN (rolcanlogin = false, group roles included) or VALID UNTIL passed; SQL Server:
//   disabled, locked out, password expired, or CONNECT SQL denied; Oracle: ACCOUNT_STATUS locked/expired.
// So a MariaDB account with ALL PRIVILEGES ON *.* WITH GRANT OPTION is a super user and a grant admin, one
// with SELECT only is in none, a locked one in locked accounts; on PostgreSQL a SUPERUSER role is in super
// user and grant admin, a CREATEROLE one in grant admin, a NOLOGIN one in locked accounts.
//
// A rule an administrator deleted (its stream exists) is not brought back; a system classification whose
// name a user's classification holds is not created (reported in nameConflicts).
import { WrongExpectedRevisionError } from '../../adapters/eventStore/port.js';
import type { ClassificationFields } from '../../domain/classification/classificationDecider.js';
import type { DslRule } from '../../domain/classification/dsl.js';
import { dbTypes } from '../../domain/engines/model.js';
import { AppError } from '../../domain/errors.js';
import { stableId } from '../../domain/ids.js';
import type { CommandContext } from '../commandContext.js';
import {
  createClassificationWithId,
  loadClassification,
  type ClassificationDeps,
} from './classifications.js';
import { createRuleWithId, loadRule } from './rules.js';

export interface SystemClassification extends ClassificationFields {
  key: string;
  expression: DslRule;
}

export const SYSTEM_CLASSIFICATIONS: readonly SystemClassification[] = [
  {
    key: 'super_user',
    name: 'super user',
    description: 'Accounts with every privilege on the server (SUPERUSER).',
    riskLevel: 'critical',
    color: '#dc2626',
    priority: 100,
    expression: { version: 4, expr: { fn: 'is_superuser', args: {} } },
  },
  {
    key: 'grant_admin',
    name: 'grant admin',
    description: 'Accounts that may grant privileges or roles to others (GRANT_ADMIN).',
    riskLevel: 'high',
    color: '#ea580c',
    priority: 90,
    expression: { version: 4, expr: { fn: 'has_capability', args: { name: 'GRANT_ADMIN' } } },
  },
  {
    key: 'locked_accounts',
    name: 'locked accounts',
    description: 'Accounts that cannot log in: locked, expired, disabled or without login (LOCKED).',
    riskLevel: 'low',
    color: '#6b7280',
    priority: 10,
    expression: { version: 4, expr: { fn: 'has_capability', args: { name: 'LOCKED' } } },
  },
];

export const systemClassificationId = (key: string): string => stableId('system-classification', key);
export const systemRuleId = (key: string, dbType: string): string => stableId('system-rule', key, dbType);

export interface SeedResult {
  /** Stream ids created by this run. */
  created: string[];
  /** System classifications not created: a user's classification holds the name. */
  nameConflicts: string[];
}

/**
 * Runs a create; false when another process created it first: the stream was there when the create read it
 * (CONSTRAINT_VIOLATION, "exists already"), or appeared before its no_stream append.
 */
async function createOnce(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (err) {
    if (err instanceof WrongExpectedRevisionError) return false;
    if (err instanceof AppError && err.code === 'CONSTRAINT_VIOLATION') return false;
    // The same expression is there already (an administrator added it before this rule was seeded).
    if (err instanceof AppError && err.code === 'EXPRESSION_DUPLICATED') return false;
    throw err;
  }
}

export async function seedSystemClassifications(
  deps: ClassificationDeps,
  ctx: CommandContext,
): Promise<SeedResult> {
  const result: SeedResult = { created: [], nameConflicts: [] };
  for (const { key, expression, ...fields } of SYSTEM_CLASSIFICATIONS) {
    const classificationId = systemClassificationId(key);
    const { state } = await loadClassification(deps.store, classificationId);
    if (state.lifecycle === 'deleted') continue;
    if (state.lifecycle === 'none') {
      try {
        const made = await createOnce(() =>
          createClassificationWithId(deps, { ...fields, classificationId, isSystem: true }, ctx),
        );
        if (made) result.created.push(`classification-${classificationId}`);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'NAME_EXISTS')) throw err;
        result.nameConflicts.push(fields.name);
        continue;
      }
    }
    for (const dbType of dbTypes) {
      const ruleId = systemRuleId(key, dbType);
      if ((await loadRule(deps.store, ruleId)).state.lifecycle !== 'none') continue;
      const ruleName = `${fields.name} (${dbType})`;
      const made = await createOnce(() =>
        createRuleWithId(deps, { ruleId, classificationId, dbType, ruleName, expression }, ctx),
      );
      if (made) result.created.push(`rule-${ruleId}`);
    }
  }
  return result;
}

// Response shapes of the account routes: what src/projections/accounts/queries.ts answers, field for
// field; permission facts and their diffs as the account events define them.
import { z } from 'zod';
import { riskLevels } from '../../domain/classification/events.js';
import { diffSchema, factsSchema } from '../../domain/accounts/events.js';
import { dbTypes } from '../../domain/engines/model.js';

const time = z.iso.datetime();
const count = z.number().int().min(0);

export const accountLedgerSchema = z.object({
  id: z.uuid(),
  instance_id: z.uuid(),
  instance_name: z.string().nullable().describe('null when the instance is not in the read tables'),
  username: z.string(),
  db_type: z.enum(dbTypes),
  is_active: z.boolean(),
  is_system: z.boolean(),
  is_locked: z.boolean().describe('by the inventory (account status) or by the facts (LOCKED)'),
  is_superuser: z.boolean(),
  attributes: z
    .record(z.string(), z.unknown())
    .describe('what the engine reports of the account besides its privileges (e.g. host, plugin)'),
  first_seen_at: time,
  last_seen_at: time,
  deleted_at: time.nullable(),
  permissions: z
    .object({
      facts: factsSchema.nullable(),
      last_sync_time: time,
      last_change_type: z.enum(['add', 'modify_privilege', 'none']).nullable(),
      last_change_time: time.nullable(),
    })
    .nullable()
    .describe('null until permissions were synced once'),
  classifications: z
    .array(z.object({ id: z.uuid(), name: z.string(), risk_level: z.enum(riskLevels), color: z.string() }))
    .describe('the classifications the account holds now, by priority'),
});

export const permissionsAsOfSchema = z.object({
  account_id: z.string(),
  username: z.string(),
  as_of: z.string(),
  existed: z.boolean(),
  facts: factsSchema.nullable(),
  /** When the PermissionsSynced that gave these facts was appended; null without facts. */
  observed_at: z.string().nullable(),
  observed_by_session: z.string().nullable(),
});

const counts = z.object({
  total: count,
  active: count,
  deleted: count,
  locked: count,
  superuser: count,
  system: count,
});

export const accountStatisticsSchema = counts.extend({
  by_db_type: z.record(z.string(), counts).describe('by db_type'),
  by_instance: z.array(
    counts.extend({ instance_id: z.uuid(), instance_name: z.string().nullable(), db_type: z.enum(dbTypes) }),
  ),
});

const fromTo = <T extends z.ZodType>(value: T) => z.object({ from: value, to: value });

export const accountChangeSchema = z.object({
  id: z.number().int(),
  instance_id: z.uuid(),
  instance_name: z.string().nullable(),
  username: z.string(),
  change_type: z.enum(['add', 'modify_privilege', 'modify_other', 'delete']),
  change_time: time,
  session_id: z.uuid().nullable(),
  privilege_diff: diffSchema.nullable(),
  other_diff: z
    .object({
      is_locked: fromTo(z.boolean()).optional(),
      is_system: fromTo(z.boolean()).optional(),
      attributes: z
        .record(z.string(), fromTo(z.unknown().describe("the attribute's value as the engine gave it")))
        .optional(),
    })
    .nullable(),
});

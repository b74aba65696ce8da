// Account events (stream accounts-{instanceId}): the inventory (which accounts exist) and their
// permission facts, each with the session that produced it. An auditor folds these to know what an
// account could do at any moment.
import { z } from 'zod';
import { dbTypes } from '../engines/model.js';
import { defineEvent, type EventDefinition } from '../events/registry.js';

const accountSchema = z.strictObject({
  username: z.string().min(1).max(512),
  isSystem: z.boolean(),
  locked: z.boolean(),
  attributes: z.record(z.string(), z.unknown()),
});
export type InventoryAccount = z.infer<typeof accountSchema>;

/** A catalog or account that could not be read; `account` when the error is that account's alone. */
const itemErrorSchema = z.strictObject({
  item: z.string(),
  code: z.string(),
  message: z.string(),
  account: z.string().optional(),
});

export const factsSchema = z.strictObject({
  db_type: z.enum(dbTypes),
  capabilities: z.array(z.string()),
  capability_reasons: z.record(z.string(), z.array(z.string())),
  roles: z.array(z.string()),
  privileges: z.strictObject({
    global: z.array(z.string()),
    server: z.array(z.string()),
    system: z.array(z.string()),
    database: z.record(z.string(), z.array(z.string())),
    tablespace: z.record(z.string(), z.array(z.string())),
  }),
  errors: z.array(itemErrorSchema),
});

/** What changed in one account's facts: per privilege scope, what was added and removed. */
export const diffSchema = z.strictObject({
  capabilities: z.strictObject({ added: z.array(z.string()), removed: z.array(z.string()) }),
  roles: z.strictObject({ added: z.array(z.string()), removed: z.array(z.string()) }),
  privileges: z.record(
    z.string(),
    z.strictObject({ added: z.array(z.string()), removed: z.array(z.string()) }),
  ),
});
export type FactsDiff = z.infer<typeof diffSchema>;

export const accountEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'InstanceInventorySynced',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      sessionId: z.uuid(),
      dbType: z.enum(dbTypes),
      /** The complete set of accounts after this sync. */
      accounts: z.array(accountSchema),
      added: z.array(z.string()),
      changed: z.array(z.string()),
      deactivated: z.array(z.string()),
      reactivated: z.array(z.string()),
      /** An operator confirmed deactivations the inventory guard had stopped (confirm-inventory). */
      confirmedDeactivation: z.literal(true).optional(),
    }),
  }),
  defineEvent({
    type: 'PermissionsSynced',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      sessionId: z.uuid(),
      accounts: z.array(
        z.strictObject({
          username: z.string(),
          facts: factsSchema,
          snapshot: z.record(z.string(), z.unknown()),
          /** null when the account is seen for the first time (no earlier facts) or nothing changed. */
          diff: diffSchema.nullable(),
        }),
      ),
      errors: z.array(itemErrorSchema),
      /** Accounts whose permissions could not be read: they keep their earlier facts (no entry above). */
      unread: z
        .array(z.strictObject({ username: z.string(), code: z.string(), item: z.string() }))
        .optional(),
      /** Databases gone from the instance: their privileges left every account's facts, not as a diff. */
      vanishedDatabases: z.array(z.string()).optional(),
    }),
  }),
  defineEvent({
    type: 'PermissionsFailed',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      sessionId: z.uuid(),
      messageCode: z.string(),
      message: z.string().max(4000),
    }),
  }),
  defineEvent({
    type: 'InventoryReverted',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      sessionId: z.uuid(),
      /** The account set that preceded the reverted inventory. */
      accounts: z.array(accountSchema),
      revertedEventId: z.uuid(),
    }),
  }),
];

export const accountsStream = (instanceId: string): string => `accounts-${instanceId}`;

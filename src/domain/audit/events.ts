// Audit events: sign-ins and changes to users. They name users and roles, never a password or a hash.
import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../events/registry.js';
import { roles } from '../users/roles.js';

const subject = { userId: z.uuid(), username: z.string() };
const from = { ip: z.string().nullable() };

export const auditEventDefinitions: readonly EventDefinition[] = [
  defineEvent({ type: 'LoginSucceeded', schemaVersion: 1, schema: z.strictObject({ ...subject, ...from }) }),
  defineEvent({
    type: 'LoginFailed',
    schemaVersion: 1,
    schema: z.strictObject({
      username: z.string().max(200),
      userId: z.uuid().nullable(),
      reason: z.enum(['unknown_user', 'wrong_password', 'account_disabled', 'rate_limited']),
      ...from,
    }),
  }),
  defineEvent({ type: 'LoggedOut', schemaVersion: 1, schema: z.strictObject({ ...subject, ...from }) }),
  defineEvent({
    type: 'UserCreated',
    schemaVersion: 1,
    schema: z.strictObject({ ...subject, role: z.enum(roles), isActive: z.boolean() }),
  }),
  defineEvent({
    type: 'UserUpdated',
    schemaVersion: 1,
    schema: z.strictObject({
      ...subject,
      changes: z.strictObject({ isActive: z.boolean().optional(), username: z.string().optional() }),
    }),
  }),
  defineEvent({
    type: 'UserRoleChanged',
    schemaVersion: 1,
    schema: z.strictObject({ ...subject, from: z.enum(roles), to: z.enum(roles) }),
  }),
  defineEvent({
    type: 'UserPasswordChanged',
    schemaVersion: 1,
    schema: z.strictObject({ ...subject, by: z.enum(['self', 'admin']) }),
  }),
  defineEvent({ type: 'UserDeleted', schemaVersion: 1, schema: z.strictObject(subject) }),
];

export const auditEventTypes = auditEventDefinitions.map((d) => d.type);

/** One audit stream per UTC day: appends with expected revision 'any' contend only within a day. */
export const auditStream = (at: Date): string => `audit-${at.toISOString().slice(0, 10)}`;

// Credential events: metadata only. The password never appears here (it lives encrypted in credential_secrets).
import { z } from 'zod';
import { dbTypes } from '../engines/model.js';
import { defineEvent, type EventDefinition } from '../events/registry.js';

const fields = {
  name: z.string().min(1).max(128),
  dbType: z.enum(dbTypes),
  username: z.string().min(1).max(128),
  description: z.string().max(1000),
};

export const credentialEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'CredentialCreated',
    schemaVersion: 1,
    schema: z.strictObject({ credentialId: z.uuid(), ...fields }),
  }),
  defineEvent({
    type: 'CredentialUpdated',
    schemaVersion: 1,
    schema: z.strictObject({
      credentialId: z.uuid(),
      changes: z.strictObject({ ...z.object(fields).partial().shape, isActive: z.boolean().optional() }),
      passwordChanged: z.boolean(),
    }),
  }),
  defineEvent({
    type: 'CredentialDeleted',
    schemaVersion: 1,
    schema: z.strictObject({ credentialId: z.uuid() }),
  }),
];

export const credentialStream = (id: string): string => `credential-${id}`;

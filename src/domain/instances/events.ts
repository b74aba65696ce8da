// Instance events (stream instance-{id}).
import { z } from 'zod';
import { dbTypes } from '../engines/model.js';
import { defineEvent, type EventDefinition } from '../events/registry.js';

export const instanceFields = {
  name: z.string().min(1).max(128),
  dbType: z.enum(dbTypes),
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  databaseName: z.string().max(128).nullable(),
  credentialId: z.uuid().nullable(),
  description: z.string().max(1000),
};

export const instanceEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'InstanceRegistered',
    schemaVersion: 1,
    schema: z.strictObject({ instanceId: z.uuid(), ...instanceFields }),
  }),
  defineEvent({
    type: 'InstanceUpdated',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      changes: z.strictObject({
        ...z.object(instanceFields).partial().shape,
        isActive: z.boolean().optional(),
      }),
    }),
  }),
  defineEvent({
    type: 'InstanceDeleted',
    schemaVersion: 1,
    schema: z.strictObject({ instanceId: z.uuid() }),
  }),
  defineEvent({
    type: 'InstanceRestored',
    schemaVersion: 1,
    schema: z.strictObject({ instanceId: z.uuid() }),
  }),
  defineEvent({
    type: 'InstanceConnectionTested',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      ok: z.boolean(),
      version: z.string().nullable(),
      latencyMs: z.number().nullable(),
      errorCode: z.string().nullable(),
      /** Engine text, already scrubbed of secrets. */
      message: z.string().max(2000).nullable(),
    }),
  }),
];

export const instanceStream = (id: string): string => `instance-${id}`;

// Instance shapes: the API's instance, the body that registers one, a batch item's result, the filters.
import { z } from 'zod';
import { dbTypes } from '../../domain/engines/model.js';
import { hostField, nameField } from '../requestFields.js';
import { booleanQuery } from './common.js';

export const instanceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  db_type: z.enum(dbTypes),
  host: z.string(),
  port: z.number(),
  database_name: z.string().nullable(),
  credential_id: z.string().nullable(),
  description: z.string(),
  is_active: z.boolean(),
  main_version: z.string().nullable(),
  connection_status: z.string(),
  last_connected: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  deleted_at: z.string().nullable(),
});

export const instanceBody = z.strictObject({
  name: nameField(128),
  db_type: z.enum(dbTypes),
  host: hostField,
  port: z.number().int().min(1).max(65535),
  database_name: nameField(128).nullable().default(null),
  credential_id: z.uuid().nullable().default(null),
  description: z.string().max(1000).default(''),
  /** Another instance monitors the same engine, host and port, and a second one is intended. */
  allow_duplicate: z.boolean().default(false),
});
export type InstanceBody = z.output<typeof instanceBody>;

export const itemResult = z.object({
  index: z.number(),
  ok: z.boolean(),
  id: z.string().nullable(),
  message_code: z.string().nullable(),
  message: z.string().nullable(),
});

/** The filters of the list and of the CSV export. */
export const instanceFilters = {
  db_type: z.enum(dbTypes).optional(),
  search: z.string().max(128).optional(),
  active: booleanQuery.optional(),
  deleted: booleanQuery.optional(),
};

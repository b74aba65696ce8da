// Response shapes of the sync-session routes: what src/projections/syncSessions/queries.ts and the session
// timeline (src/commands/sync/sessionTimeline.ts) answer, field for field.
import { z } from 'zod';
import { actorSchema } from '../../domain/events/envelope.js';
import { recordPhases, sessionCategories, syncTypes } from '../../domain/sessions/events.js';

export const sessionStatuses = ['running', 'completed', 'partial', 'failed', 'cancelled'] as const;
export const recordStatuses = [
  'pending',
  'running',
  'retrying',
  'completed',
  'failed',
  'skipped',
  'abandoned',
] as const;

const time = z.iso.datetime();
const count = z.number().int().min(0);

export const sessionSchema = z.object({
  session_id: z.uuid(),
  sync_type: z.enum(syncTypes),
  sync_category: z.enum(sessionCategories),
  status: z.enum(sessionStatuses),
  started_at: time,
  completed_at: time.nullable(),
  total_instances: count,
  successful_instances: count,
  failed_instances: count,
  skipped_instances: count,
  abandoned_instances: count,
  created_by: z.string().describe("the id of the actor who started it (a user's id, or e.g. 'cli')"),
});

export const recordSchema = z.object({
  session_id: z.uuid(),
  instance_id: z.uuid(),
  instance_name: z.string(),
  sync_category: z.enum(sessionCategories),
  status: z.enum(recordStatuses),
  attempts: count,
  phase: z.enum(recordPhases).nullable().describe('of the last failure'),
  started_at: time.nullable(),
  completed_at: time.nullable(),
  lease_expires_at: time.nullable(),
  items_synced: count,
  items_created: count,
  items_updated: count,
  items_deleted: count,
  error_code: z.string().nullable(),
  error_message: z.string().nullable().describe('also the reason of a skip or an abandon'),
  sync_details: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      "what the record's work reported (its category's figures), and `compensations`: [{at, action, detail}]",
    ),
});

export const sessionWithRecordsSchema = sessionSchema.extend({
  records: z
    .array(recordSchema)
    .describe(
      'the first page of its records by instance name (at most 100): page 1 of GET /sync-sessions/{id}/records?limit=100',
    ),
  records_meta: z
    .object({ page: count, limit: count, total: count, pages: count })
    .describe(
      'paging of `records`: total records and pages; the next pages from GET /sync-sessions/{id}/records?page=2&limit=100',
    ),
});

export const errorLogSchema = recordSchema.pick({
  session_id: true,
  instance_id: true,
  instance_name: true,
  status: true,
  phase: true,
  error_code: true,
  error_message: true,
  attempts: true,
  completed_at: true,
});

export const timelineEntrySchema = z.object({
  position: z.string().describe('commit/prepare: where the event sits in the whole log'),
  stream_id: z.string(),
  revision: z.number().int().describe("the event's revision in its own stream"),
  event_id: z.uuid(),
  type: z.string(),
  occurred_at: z.iso.datetime({ offset: true }),
  actor: actorSchema,
  correlation_id: z.string(),
  causation_id: z.string().nullable(),
  instance_id: z.uuid().nullable(),
  instance_name: z.string().nullable().describe('as the session started with it'),
  phase: z.enum(recordPhases).nullable(),
  data: z
    .record(z.string(), z.unknown())
    .describe("the event's data, as the schema of its type defines it (src/domain/*/events.ts)"),
});

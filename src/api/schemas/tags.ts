// Tag shapes (issue 13): the request bodies of tag CRUD and bulk tagging, and the answers of
// src/projections/tags/queries.ts and of the bulk receipt (src/commands/tags/receipt.ts), snake_case.
import { z } from 'zod';
import { BULK_LIMITS } from '../../commands/tags/bulk.js';
import { TAG_NAME_PATTERN } from '../../domain/tags/events.js';
import { firstHiddenCharacter, nameField } from '../requestFields.js';

const time = z.iso.datetime();
const count = z.number().int().min(0);

/** A short text that may be empty (category, color, description): trimmed, no hidden characters. */
const plainText = (max: number) =>
  z
    .string()
    .refine((s) => firstHiddenCharacter(s) === undefined, {
      error: (issue) =>
        `must not contain control, bidi or zero-width characters (found ${firstHiddenCharacter(String(issue.input))})`,
      abort: true,
    })
    .trim()
    .max(max);

const tagFields = {
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(TAG_NAME_PATTERN, 'letters, digits, -, _, . and : only')
    .describe('unique in any case'),
  display_name: nameField(128),
  category: plainText(64).describe("a group for pickers and filters; '' for none"),
  color: plainText(32).describe('a CSS color, e.g. #2563eb'),
  description: plainText(1000),
};

export const tagCreateBody = z.strictObject({
  ...tagFields,
  display_name: tagFields.display_name.optional().describe('default: the name'),
  category: tagFields.category.default(''),
  color: tagFields.color.default('#6b7280'),
  description: tagFields.description.default(''),
});

export const tagUpdateBody = z
  .strictObject({
    ...tagFields,
    is_active: z.boolean().describe('false deactivates (it stays where assigned, is not assigned any more)'),
  })
  .partial()
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'send at least one field to change');

export const tagSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  display_name: z.string(),
  category: z.string(),
  color: z.string(),
  description: z.string(),
  is_active: z.boolean(),
  created_at: time,
  updated_at: time,
  deleted_at: time.nullable(),
  instance_count: count.describe('instances holding it, not counting the recycle bin'),
  deleted_instance_count: count.describe('instances in the recycle bin holding it'),
});

export const tagListQuery = z.object({
  search: z.string().max(128).optional().describe('part of the name or display name, any case'),
  category: z.string().max(64).optional(),
});

export const tagOptionSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  display_name: z.string(),
  color: z.string(),
  category: z.string(),
});

export const tagCategorySchema = z.object({
  category: z.string(),
  count: count.describe('tags of the category (not deleted)'),
  active_count: count,
});

/** A tag as an instance holds it. */
export const instanceTagSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  display_name: z.string(),
  category: z.string(),
  color: z.string(),
  is_active: z.boolean(),
});

export const unionTagSchema = instanceTagSchema.extend({
  instance_count: count.describe('how many of the instances named hold it'),
});

export const tagDeletedSchema = z.object({
  id: z.uuid(),
  untagged: count.describe('instances it was removed from (force=true); 0 when it was not in use'),
});

export const batchDeleteBody = z.strictObject({
  tag_ids: z.array(z.uuid()).min(1).max(500),
  force: z.boolean().default(false).describe('remove each tag from the instances holding it first'),
});

export const tagDeleteReceiptSchema = z.object({
  tag_id: z.uuid(),
  name: z.string().nullable().describe('null: no such tag'),
  status: z.enum(['deleted', 'failed']),
  untagged: count,
  message_code: z.string().nullable(),
  message: z.string().nullable(),
});

/**
 * The id lists of a bulk request. The zod limits are above BULK_LIMITS on purpose: a request over the
 * limit reaches the command, whose VALIDATION_ERROR names the limit and says to split the request.
 */
const instanceIds = z
  .array(z.uuid())
  .min(1)
  .max(BULK_LIMITS.instances * 2)
  .describe(`at most ${BULK_LIMITS.instances} distinct instances (the recycle bin's refused per item)`);
const tagIds = z
  .array(z.uuid())
  .min(1)
  .max(BULK_LIMITS.tags * 4)
  .describe(`at most ${BULK_LIMITS.tags} distinct tags`);

export const bulkTagsBody = z.strictObject({ instance_ids: instanceIds, tag_ids: tagIds });
export const bulkRemoveAllBody = z.strictObject({ instance_ids: instanceIds });
export const instanceIdsBody = z.strictObject({ instance_ids: instanceIds });

const tagRefSchema = z.object({ tag_id: z.uuid(), name: z.string().describe('as it was then') });

export const bulkReceiptSchema = z.object({
  session_id: z.uuid().describe('the tags session (GET /sync-sessions/{id})'),
  ended: z.boolean().describe('false only when a retry waited for the first request and it had not ended'),
  counts: z.object({ applied: count, unchanged: count, failed: count }),
  items: z.array(
    z.object({
      instance_id: z.uuid(),
      instance_name: z.string(),
      status: z.enum(['applied', 'unchanged', 'failed']),
      added: z.array(tagRefSchema),
      removed: z.array(tagRefSchema),
      message_code: z.string().nullable().describe('why it failed, e.g. INSTANCE_DELETED'),
      message: z.string().nullable(),
    }),
  ),
});

/** The Idempotency-Key header: 1..200 printable ASCII characters. */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x20-\x7e]{1,200}$/, '1 to 200 printable ASCII characters')
  .optional();

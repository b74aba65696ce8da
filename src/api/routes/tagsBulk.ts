// /tags/bulk (issue 13): assign N tags to M instances, remove N tags from them, or remove all their tags,
// as one tags session (src/commands/tags/bulk.ts), answered once it has ended with its receipt: one item
// per instance, applied / unchanged / failed with its code. An optional Idempotency-Key header makes a
// retry answer the first request's receipt. And the union of the tags of a set of instances (the bulk
// page shows what the selection holds). The limits (BULK_LIMITS) are the command's: its VALIDATION_ERROR
// names the limit.
import type { Request } from 'express';
import { z } from 'zod';
import type { BulkAction, BulkRequest } from '../../commands/tags/bulk.js';
import type { BulkReceipt } from '../../commands/tags/receipt.js';
import { AppError } from '../../domain/errors.js';
import type { TagRef } from '../../domain/tags/events.js';
import { unionTagsOfInstances } from '../../projections/tags/queries.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { commandContext } from '../commandContext.js';
import {
  bulkReceiptSchema,
  bulkRemoveAllBody,
  bulkTagsBody,
  idempotencyKeyHeader,
  instanceIdsBody,
  unionTagSchema,
} from '../schemas/tags.js';

const tag = 'tags';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The request's Idempotency-Key, checked: 1..200 printable ASCII characters, or none. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const result = idempotencyKeyHeader.safeParse(req.headers[IDEMPOTENCY_HEADER]);
  if (result.success) return result.data;
  throw new AppError('VALIDATION_ERROR', 'invalid headers', {
    fields: [
      {
        field: `headers.${IDEMPOTENCY_HEADER}`,
        message: result.error.issues[0]?.message ?? 'invalid',
      },
    ],
  });
}

const refs = (tags: readonly TagRef[]) => tags.map((t) => ({ tag_id: t.tagId, name: t.name }));

/** The receipt as the API spells it. */
export const receiptToApi = (r: BulkReceipt): z.input<typeof bulkReceiptSchema> => ({
  session_id: r.sessionId,
  ended: r.ended,
  counts: r.counts,
  items: r.items.map((i) => ({
    instance_id: i.instanceId,
    instance_name: i.instanceName,
    status: i.status,
    added: refs(i.added),
    removed: refs(i.removed),
    message_code: i.messageCode,
    message: i.message,
  })),
});

const verb: Record<BulkAction, string> = {
  assign: 'tags assigned',
  remove: 'tags removed',
  remove_all: 'all tags removed',
};

const idempotencyNote =
  ' Header Idempotency-Key (optional, 1..200 printable ASCII): a retry with the same key and body answers the first receipt; another body with it is IDEMPOTENCY_KEY_REUSED (422).';

export function tagBulkRoutes({ knex, projections, commands, queries }: ApiDeps): RouteDefinition[] {
  const bulk = async (
    action: BulkAction,
    body: { instance_ids: string[]; tag_ids?: string[] },
    req: Request,
    user: Parameters<typeof commandContext>[1],
  ) => {
    const request: BulkRequest = { action, instanceIds: body.instance_ids, tagIds: body.tag_ids ?? [] };
    const receipt = await commands.bulkTags(request, commandContext(req, user), {
      idempotencyKey: idempotencyKeyOf(req),
    });
    // The receipt carries no position: the read tables are brought up to the log's head.
    await projections.waitForPosition(await queries.headPosition());
    const { applied, unchanged, failed } = receipt.counts;
    return {
      data: receiptToApi(receipt),
      message: `${verb[action]}: ${applied} applied, ${unchanged} unchanged, ${failed} failed`,
    };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/tags/bulk/actions/assign',
      idempotency: 'key',
      tag,
      summary:
        'Assign tags to instances as one tags session; answers its receipt, one item per instance (at most 1000 instances x 50 tags; TAG_INACTIVE for an inactive tag).' +
        idempotencyNote,
      access: { permission: 'update' },
      body: bulkTagsBody,
      response: bulkReceiptSchema,
      handler: ({ body, req, user }) => bulk('assign', body, req, user),
    }),
    defineRoute({
      method: 'post',
      path: '/tags/bulk/actions/remove',
      idempotency: 'key',
      tag,
      summary:
        'Remove tags from instances as one tags session; answers its receipt, one item per instance (at most 1000 instances x 50 tags).' +
        idempotencyNote,
      access: { permission: 'update' },
      body: bulkTagsBody,
      response: bulkReceiptSchema,
      handler: ({ body, req, user }) => bulk('remove', body, req, user),
    }),
    defineRoute({
      method: 'post',
      path: '/tags/bulk/actions/remove-all',
      idempotency: 'key',
      tag,
      summary:
        'Remove every tag of the instances as one tags session; answers its receipt, one item per instance (at most 1000 instances).' +
        idempotencyNote,
      access: { permission: 'update' },
      body: bulkRemoveAllBody,
      response: bulkReceiptSchema,
      handler: ({ body, req, user }) => bulk('remove_all', body, req, user),
    }),
    defineRoute({
      method: 'post',
      path: '/tags/bulk/instance-tags',
      idempotency: 'read',
      tag,
      summary:
        'The tags any of the instances holds, by name, each with how many of them hold it (a read: POST for the long id list)',
      access: { permission: 'view' },
      body: instanceIdsBody,
      response: z.array(unionTagSchema),
      handler: async ({ body }) => ({ data: await unionTagsOfInstances(knex, body.instance_ids) }),
    }),
  ];
}

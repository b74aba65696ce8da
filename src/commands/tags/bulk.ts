// Bulk tagging: assign N tags to M instances, remove N tags from them, or remove all their tags, as a
// session of category `tags` with one record per instance. Each record is its own append to its instance's
// stream with its own expected revision (src/commands/tags/instanceTags.ts), so one failure never undoes
// the others (defect 9), and two concurrent requests never duplicate a tag nor fail on each other (defect
// 10): the second decides on the state the first left and reports `unchanged`. The session takes no
// per-instance lock (the revisions keep runs apart, and a skipped record would be a lost change). The
// answer is the receipt (src/commands/tags/receipt.ts); with an Idempotency-Key, a retried request answers
// the first one's receipt instead of running again. docs/flows/tags-bulk.md.
import type { EventStore } from '../../adapters/eventStore/port.js';
import { AppError, errorMessage, notFound } from '../../domain/errors.js';
import { sessionStream } from '../../domain/sessions/events.js';
import type { TagRef } from '../../domain/tags/events.js';
import type { InstanceTagsCommand } from '../../domain/tags/instanceTags.js';
import { running, type CommandContext } from '../commandContext.js';
import type { AttemptWork } from '../sync/attempt.js';
import { PhaseError } from '../sync/phaseError.js';
import { RunAborted } from '../sync/processSessions.js';
import { makeRunSession, type SessionRunDeps, type SessionWork } from '../sync/runSession.js';
import { FencedAppendError } from '../../adapters/eventStore/port.js';
import { claimIdempotencyKey, releaseIdempotencyKey, requestHash } from './idempotency.js';
import { tagInstance } from './instanceTags.js';
import { awaitReceipt, receiptOf, type BulkReceipt, type TaggingDetails } from './receipt.js';
import { loadTag } from './tags.js';

/** The most instances and tags one request may name. */
export const BULK_LIMITS = { instances: 1000, tags: 50 } as const;

export const bulkActions = ['assign', 'remove', 'remove_all'] as const;
export type BulkAction = (typeof bulkActions)[number];

export interface BulkRequest {
  action: BulkAction;
  instanceIds: readonly string[];
  /** The tags to assign or remove; none for remove_all. */
  tagIds: readonly string[];
}

export interface BulkOptions {
  /** The client's Idempotency-Key: a retry with the same key and body answers the first receipt. */
  idempotencyKey?: string | undefined;
  /** Records run at once; default 8. */
  concurrency?: number;
  /** How long a retry waits for the first request's session to end before CONCURRENT_MODIFICATION. */
  waitMs?: number;
}

const DEFAULT_WAIT_MS = 120_000;

const invalid = (field: string, message: string) =>
  new AppError('VALIDATION_ERROR', `${field}: ${message}`, { fields: [{ field, message }] });

function validate(req: BulkRequest): { instanceIds: string[]; tagIds: string[] } {
  const instanceIds = [...new Set(req.instanceIds)];
  const tagIds = req.action === 'remove_all' ? [] : [...new Set(req.tagIds)];
  if (instanceIds.length === 0) throw invalid('body.instance_ids', 'name at least one instance');
  if (instanceIds.length > BULK_LIMITS.instances)
    throw invalid(
      'body.instance_ids',
      `at most ${BULK_LIMITS.instances} instances per request (got ${instanceIds.length}): split the request`,
    );
  if (req.action !== 'remove_all' && tagIds.length === 0)
    throw invalid('body.tag_ids', 'name at least one tag');
  if (tagIds.length > BULK_LIMITS.tags)
    throw invalid(
      'body.tag_ids',
      `at most ${BULK_LIMITS.tags} tags per request (got ${tagIds.length}): split the request`,
    );
  return { instanceIds, tagIds };
}

/** The tags named, as the instance events will name them; unknown or deleted: RESOURCE_NOT_FOUND. */
async function resolveTags(
  store: Pick<EventStore, 'readStream'>,
  tagIds: readonly string[],
  action: BulkAction,
): Promise<TagRef[]> {
  return Promise.all(
    tagIds.map(async (tagId) => {
      const { state } = await loadTag(store, tagId);
      if (state.lifecycle !== 'active') throw notFound('tag', tagId);
      if (action === 'assign' && !state.isActive)
        throw new AppError(
          'TAG_INACTIVE',
          `tag ${state.name} is inactive: reactivate it before assigning it`,
          {
            tagId,
          },
        );
      return { tagId, name: state.name };
    }),
  );
}

const commandFor = (
  action: BulkAction,
  tags: readonly TagRef[],
  instanceId: string,
  sessionId: string,
): InstanceTagsCommand =>
  action === 'assign'
    ? { type: 'assign', instanceId, sessionId, tags }
    : action === 'remove'
      ? { type: 'remove', instanceId, sessionId, tagIds: tags.map((t) => t.tagId) }
      : { type: 'removeAll', instanceId, sessionId };

/** The work of a tags record: one tagging command on its instance, through the record's fenced store. */
export const taggingWork = (
  deps: Pick<SessionRunDeps, 'knex'>,
  action: BulkAction,
  tags: readonly TagRef[],
): SessionWork => ({
  startPhase: 'tag',
  instanceLock: 'none',
  attemptFor:
    ({ instance, sessionId, ctx }): AttemptWork =>
    async ({ store }) => {
      try {
        const outcome = await tagInstance(
          { knex: deps.knex, store },
          commandFor(action, tags, instance.id, sessionId),
          running(ctx),
        );
        const details: TaggingDetails = {
          status: outcome.status,
          added: outcome.added,
          removed: outcome.removed,
        };
        return {
          itemsSynced: action === 'remove_all' ? outcome.removed.length : tags.length,
          itemsCreated: outcome.added.length,
          itemsUpdated: 0,
          itemsDeleted: outcome.removed.length,
          details: { ...details },
        };
      } catch (err) {
        // A fenced append or a stop is the runner's to read; anything else fails the record in `tag`.
        if (err instanceof FencedAppendError || err instanceof RunAborted) throw err;
        throw new PhaseError(
          'tag',
          err instanceof AppError ? err.code : 'TASK_EXECUTION_FAILED',
          errorMessage(err),
          { cause: err },
        );
      }
    },
});

const IDEMPOTENCY_SCOPE = 'tags.bulk';

/** Runs a bulk tags request to its end and answers its receipt (or, retried by key, the first one's). */
export const makeBulkTags = (sessionRun: SessionRunDeps) => {
  const run = makeRunSession(sessionRun);
  const { knex, store } = sessionRun;
  return async (req: BulkRequest, ctx: CommandContext, options: BulkOptions = {}): Promise<BulkReceipt> => {
    const { instanceIds, tagIds } = validate(req);
    let sessionId: string | undefined;
    if (options.idempotencyKey !== undefined) {
      const claim = await claimIdempotencyKey(
        knex,
        {
          scope: IDEMPOTENCY_SCOPE,
          actor: ctx.actor,
          key: options.idempotencyKey,
          hash: requestHash({
            action: req.action,
            instanceIds: [...instanceIds].sort(),
            tagIds: [...tagIds].sort(),
          }),
        },
        async (id) => (await store.readStream(sessionStream(id))).length > 0,
      );
      if (!claim.fresh) return awaitReceipt(store, claim.sessionId, options.waitMs ?? DEFAULT_WAIT_MS);
      sessionId = claim.sessionId;
    }
    let started;
    try {
      const tags = await resolveTags(store, tagIds, req.action);
      started = await run(
        { instanceIds, includeDeleted: true },
        {
          category: 'tags',
          syncType: instanceIds.length === 1 ? 'manual_single' : 'manual_batch',
          ...taggingWork(sessionRun, req.action, tags),
        },
        ctx,
        { concurrency: options.concurrency ?? 8, ...(sessionId ? { sessionId } : {}) },
      );
    } catch (err) {
      // Refused before the session started (an unknown instance or tag): the key is free for a corrected retry.
      if (sessionId && (await store.readStream(sessionStream(sessionId))).length === 0)
        await releaseIdempotencyKey(knex, sessionId);
      throw err;
    }
    await started.done;
    return receiptOf(started.sessionId, await store.readStream(sessionStream(started.sessionId)));
  };
};

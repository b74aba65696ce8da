// A client's Idempotency-Key for a request that runs as a session: the first request with a key claims it
// (with a fingerprint of its body and the id of the session it will start); a retry with the same key and
// body is told that session, whose receipt it then answers; the same key with another body is refused
// (IDEMPOTENCY_KEY_REUSED). Keys are per actor: two users never share one. A claim whose session never
// started (the process died in between) is taken over after CLAIM_STALE_MS by the retry that finds it.
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../../domain/errors.js';
import type { Actor } from '../../domain/events/envelope.js';

/** A claim older than this whose session has no event is taken over. */
export const CLAIM_STALE_MS = 30_000;

export interface IdempotencyClaim {
  sessionId: string;
  /** true: this request claimed the key and runs the session; false: an earlier request did. */
  fresh: boolean;
}

/** The fingerprint of a request body: canonical JSON (keys sorted), hashed. */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

type Row = { request_hash: string; session_id: string; created_at: Date };

/**
 * Claims `key` for this request, or finds the earlier claim. `sessionStarted` tells whether a claimed
 * session has begun (its stream has an event), for the takeover of a stale claim.
 */
export async function claimIdempotencyKey(
  knex: Knex,
  input: { scope: string; actor: Actor; key: string; hash: string },
  sessionStarted: (sessionId: string) => Promise<boolean>,
): Promise<IdempotencyClaim> {
  const where = { scope: input.scope, actor: `${input.actor.kind}:${input.actor.id}`, key: input.key };
  const sessionId = randomUUID();
  const inserted = await knex('idempotency_keys')
    .insert({ ...where, request_hash: input.hash, session_id: sessionId })
    .onConflict(['scope', 'actor', 'key'])
    .ignore()
    .returning('session_id');
  if (inserted.length > 0) return { sessionId, fresh: true };
  const row = await knex('idempotency_keys').where(where).first<Row | undefined>();
  if (!row) return claimIdempotencyKey(knex, input, sessionStarted); // released meanwhile
  if (row.request_hash !== input.hash)
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      `the Idempotency-Key '${input.key}' was used for a different request: use a new key for a new request`,
      { key: input.key },
    );
  const stale = Date.now() - row.created_at.getTime() > CLAIM_STALE_MS;
  if (stale && !(await sessionStarted(row.session_id))) {
    // Only one retry wins the takeover: the update matches the old session id once.
    const taken = await knex('idempotency_keys')
      .where({ ...where, session_id: row.session_id })
      .update({ session_id: sessionId, created_at: knex.fn.now() });
    if (taken === 1) return { sessionId, fresh: true };
    return claimIdempotencyKey(knex, input, sessionStarted);
  }
  return { sessionId: row.session_id, fresh: false };
}

/** Gives a claim back when its request was refused before its session started, so a retry runs it. */
export async function releaseIdempotencyKey(knex: Knex, sessionId: string): Promise<void> {
  await knex('idempotency_keys').where({ session_id: sessionId }).delete();
}

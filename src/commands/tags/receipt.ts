// The receipt of a bulk tags session, read from its session stream alone: one item per instance, in the
// order the session listed them, with what its record ended as. A completed record's InstanceSyncCompleted
// carries what it added and removed (details); a failed one its code; a skipped or abandoned one (a stop,
// a cancel) is failed with TASK_EXECUTION_FAILED and its reason. Built the same way for the first answer and for a retry with
// the same Idempotency-Key, so both say the same.
import type { EventStore } from '../../adapters/eventStore/port.js';
import { AppError } from '../../domain/errors.js';
import { sessionStream } from '../../domain/sessions/events.js';
import type { TagRef } from '../../domain/tags/events.js';
import { sleep } from '../sync/timing.js';

export type ReceiptStatus = 'applied' | 'unchanged' | 'failed';

export interface ReceiptItem {
  instanceId: string;
  instanceName: string;
  status: ReceiptStatus;
  added: TagRef[];
  removed: TagRef[];
  messageCode: string | null;
  message: string | null;
}

export interface BulkReceipt {
  sessionId: string;
  /** The session ended (every record has its outcome); false only when waiting for it timed out. */
  ended: boolean;
  counts: Record<ReceiptStatus, number>;
  items: ReceiptItem[];
}

/** What a tags record's InstanceSyncCompleted says in its details. */
export interface TaggingDetails {
  status: 'applied' | 'unchanged';
  added: TagRef[];
  removed: TagRef[];
}

type Data = Record<string, unknown> & { instanceId?: string };

export function receiptOf(
  sessionId: string,
  events: readonly { type: string; data: unknown }[],
): BulkReceipt {
  const items = new Map<string, ReceiptItem>();
  let ended = false;
  const pending = (instanceId: string, instanceName: string): ReceiptItem => ({
    instanceId,
    instanceName,
    status: 'failed',
    added: [],
    removed: [],
    messageCode: 'TASK_EXECUTION_FAILED',
    message: 'the record has not ended',
  });
  for (const e of events) {
    const data = e.data as Data;
    const item = data.instanceId ? items.get(data.instanceId) : undefined;
    switch (e.type) {
      case 'SessionStarted':
        for (const i of (data as { instances: { instanceId: string; instanceName: string }[] }).instances)
          items.set(i.instanceId, pending(i.instanceId, i.instanceName));
        break;
      case 'InstanceSyncCompleted': {
        if (!item) break;
        const details = (data as { details: TaggingDetails }).details;
        Object.assign(item, {
          status: details.status,
          added: details.added,
          removed: details.removed,
          messageCode: null,
          message: null,
        });
        break;
      }
      case 'InstanceSyncFailed':
        if (item)
          Object.assign(item, {
            status: 'failed',
            messageCode: data.messageCode as string,
            message: data.message as string,
          });
        break;
      case 'InstanceSyncSkipped':
      case 'InstanceSyncAbandoned':
        if (item)
          Object.assign(item, {
            status: 'failed',
            messageCode: 'TASK_EXECUTION_FAILED',
            message: data.reason as string,
          });
        break;
      case 'SessionCompleted':
      case 'SessionCancelled':
        ended = true;
        break;
    }
  }
  const list = [...items.values()];
  const counts = { applied: 0, unchanged: 0, failed: 0 };
  for (const i of list) counts[i.status]++;
  return { sessionId, ended, counts, items: list };
}

/** How often a retry looks whether the first request's session has ended. */
const POLL_MS = 200;

/**
 * The receipt of a session another request runs: waits until it has ended, at most `timeoutMs`; then a
 * session still running answers CONCURRENT_MODIFICATION (retry later with the same key).
 */
export async function awaitReceipt(
  store: Pick<EventStore, 'readStream'>,
  sessionId: string,
  timeoutMs: number,
): Promise<BulkReceipt> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const receipt = receiptOf(sessionId, await store.readStream(sessionStream(sessionId)));
    if (receipt.ended) return receipt;
    if (Date.now() >= until)
      throw new AppError(
        'CONCURRENT_MODIFICATION',
        `the request with this Idempotency-Key is still running (session ${sessionId}): retry later with the same key`,
        { sessionId },
      );
    await sleep(POLL_MS);
  }
}

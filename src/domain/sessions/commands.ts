// Commands of the sync-session decider. Times and leases come in as arguments: the domain reads no clock.
import type { recordPhases, sessionCategories, syncTypes } from './events.js';

type Phase = (typeof recordPhases)[number];
type RecordRef = { sessionId: string; instanceId: string };

export type SessionCommand =
  | {
      type: 'StartSession';
      sessionId: string;
      category: (typeof sessionCategories)[number];
      syncType: (typeof syncTypes)[number];
      instances: { instanceId: string; instanceName: string }[];
    }
  | ({ type: 'StartRecord'; now: Date; leaseMs: number } & RecordRef)
  | ({
      type: 'CompleteRecord';
      itemsSynced: number;
      itemsCreated: number;
      itemsUpdated: number;
      itemsDeleted: number;
      details: Record<string, unknown>;
    } & RecordRef)
  | ({ type: 'FailRecord'; phase: Phase; messageCode: string; message: string } & RecordRef)
  /**
   * An attempt failed and the run will try again after `retryInMs`: the record waits in `retrying` (not
   * ended, so the session stays running) with a lease covering the wait plus the next attempt (`leaseMs`).
   */
  | ({
      type: 'FailAttempt';
      phase: Phase;
      messageCode: string;
      message: string;
      retryInMs: number;
      now: Date;
      leaseMs: number;
    } & RecordRef)
  | ({ type: 'SkipRecord'; reason: string } & RecordRef)
  | ({ type: 'AbandonRecord'; reason: string } & RecordRef)
  /**
   * The next attempt of a record: an operator's retry (failed or abandoned), or the run's own after
   * FailAttempt. `inRun` marks the latter: it only continues a `retrying` record, so an operator's abandon
   * or retry during the backoff is not undone by the run.
   */
  | ({ type: 'RetryRecord'; phase: Phase; now: Date; leaseMs: number; inRun?: boolean } & RecordRef)
  | { type: 'CancelSession'; sessionId: string; reason: string };

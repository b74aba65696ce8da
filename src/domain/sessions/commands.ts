// Commands of the sync-session decider. Times, leases and the owning process come in as arguments: the
// domain reads no clock and makes no ids.
import type {
  compensationActions,
  recordPhases,
  SessionPeriod,
  sessionCategories,
  syncTypes,
} from './events.js';

type Phase = (typeof recordPhases)[number];
type RecordRef = { sessionId: string; instanceId: string };
/**
 * The attempt an outcome belongs to (the runner's): refused when the record has moved on to another one,
 * so a late outcome of an earlier attempt never ends a later one. Operators' commands carry none.
 */
type OfAttempt = { attempt?: number };

export type SessionCommand =
  | {
      type: 'StartSession';
      sessionId: string;
      category: (typeof sessionCategories)[number];
      syncType: (typeof syncTypes)[number];
      instances: { instanceId: string; instanceName: string }[];
      /** The process that runs the session (its pending records are its own). */
      owner?: string;
      period?: SessionPeriod;
    }
  | ({ type: 'StartRecord'; now: Date; leaseMs: number; owner?: string } & RecordRef)
  | ({
      type: 'CompleteRecord';
      itemsSynced: number;
      itemsCreated: number;
      itemsUpdated: number;
      itemsDeleted: number;
      details: Record<string, unknown>;
    } & RecordRef &
      OfAttempt)
  | ({ type: 'FailRecord'; phase: Phase; messageCode: string; message: string } & RecordRef & OfAttempt)
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
    } & RecordRef &
      OfAttempt)
  | ({ type: 'SkipRecord'; reason: string } & RecordRef & OfAttempt)
  | ({ type: 'AbandonRecord'; reason: string } & RecordRef & OfAttempt)
  /**
   * The next attempt of a record: an operator's retry (failed or abandoned), or the run's own after
   * FailAttempt. `inRun` marks the latter: it only continues a `retrying` record, so an operator's abandon
   * or retry during the backoff is not undone by the run.
   */
  | ({
      type: 'RetryRecord';
      phase: Phase;
      now: Date;
      leaseMs: number;
      inRun?: boolean;
      owner?: string;
    } & RecordRef)
  /** An operator's compensation on a record (what it did, in the session's timeline). */
  | ({
      type: 'RecordCompensation';
      action: (typeof compensationActions)[number];
      detail: string;
    } & RecordRef)
  | { type: 'CancelSession'; sessionId: string; reason: string };

// A folded account ledger as stored between syncs (account_ledger_snapshots): derived data, a cache of a
// fold of the log and never part of it, so losing one only costs the next sync a fold from the start.
// Maps and sets are kept as arrays of entries in their order, so a state read back iterates exactly as
// the fold that wrote it did (the accounts' order is the order a permissions-only retry lists them in).
import type { PermissionFacts } from '../engines/model.js';
import type { InventoryAccount } from './events.js';
import type { LedgerState } from './ledger.js';

/**
 * Bump it whenever foldLedger (or what it reads from an event, an upcaster included) changes: a snapshot
 * of another version is ignored and the stream folded from the start.
 */
export const LEDGER_FOLD_VERSION = 1;

interface StoredLedger {
  accounts: [string, InventoryAccount][];
  facts: [string, PermissionFacts][];
  observed: [string, { at: string; sessionId: string }][];
  known: string[];
}

export const ledgerStateJson = (state: LedgerState): string =>
  JSON.stringify({
    accounts: [...state.accounts],
    facts: [...state.facts],
    observed: [...state.observed],
    known: [...state.known],
  } satisfies StoredLedger);

export function ledgerStateOf(stored: unknown): LedgerState {
  const s = (typeof stored === 'string' ? JSON.parse(stored) : stored) as StoredLedger;
  return {
    accounts: new Map(s.accounts),
    facts: new Map(s.facts),
    observed: new Map(s.observed),
    known: new Set(s.known),
  };
}

// What an auto-classify run of one instance must judge again. The run before it left a checkpoint: the
// accounts stream revision it had read, the rule versions it judged by, and a fingerprint of each active
// account's facts then. With the same rules, only the accounts whose facts changed since (or that are new)
// can change their auto assignments, and those that left the inventory lose theirs; everything else is
// as the last run decided. Anything the tail cannot answer alone (an inventory revert, a reactivated
// account whose facts are older than the checkpoint) means judging every account again. Pure.
import { createHash } from 'node:crypto';
import type { InventoryAccount } from '../accounts/events.js';
import { canonicalJson, type LedgerEvent } from '../accounts/ledger.js';
import type { DbType, PermissionFacts } from '../engines/model.js';
import type { ActiveRule } from './assignments.js';

export interface ClassificationCheckpoint {
  /** The last accounts-{instance} revision the run read (-1: the stream was empty). */
  accountsRevision: bigint;
  /** rulesKey() of the rules it judged by. */
  rulesKey: string;
  /** username -> factsFingerprint() of every account active then ('-': no facts yet). */
  fingerprints: Record<string, string>;
}

/** The rules of one engine as a key: equal keys, the same rules at the same versions. */
export const rulesKey = (rules: readonly ActiveRule[], dbType: DbType): string =>
  rules
    .filter((r) => r.dbType === dbType)
    .map((r) => `${r.ruleId}:${r.version}`)
    .sort()
    .join(',');

export const NO_FACTS = '-';

export const factsFingerprint = (facts: PermissionFacts | undefined): string =>
  facts ? createHash('sha1').update(canonicalJson(facts)).digest('base64url').slice(0, 16) : NO_FACTS;

export type IncrementalPlan =
  | { full: string }
  | {
      /** Accounts to judge: new ones, and those whose facts changed since the checkpoint. */
      judge: { username: string; facts: PermissionFacts | undefined }[];
      /** Accounts active at the checkpoint that have left the inventory since. */
      gone: string[];
      /** The fingerprints after this run. */
      fingerprints: Record<string, string>;
    };

/** The plan for the events after the checkpoint (`tail`: accounts-{instance} from its revision + 1). */
export function planFromCheckpoint(
  checkpoint: ClassificationCheckpoint,
  tail: readonly LedgerEvent[],
): IncrementalPlan {
  let active = new Set(Object.keys(checkpoint.fingerprints));
  const latest = new Map<string, PermissionFacts>();
  for (const e of tail) {
    if (e.type === 'InventoryReverted') return { full: 'an inventory was reverted since the last run' };
    if (e.type === 'InstanceInventorySynced') {
      const d = e.data as { accounts: InventoryAccount[]; reactivated: string[] };
      if (d.reactivated.length > 0)
        return { full: 'accounts came back whose facts are older than the last run' };
      active = new Set(d.accounts.map((a) => a.username));
    } else if (e.type === 'PermissionsSynced') {
      for (const a of (e.data as { accounts: { username: string; facts: PermissionFacts }[] }).accounts)
        latest.set(a.username, a.facts);
    }
  }
  const judge: { username: string; facts: PermissionFacts | undefined }[] = [];
  const fingerprints: Record<string, string> = {};
  for (const username of [...active].sort()) {
    const before = checkpoint.fingerprints[username];
    const facts = latest.get(username);
    const now = facts ? factsFingerprint(facts) : (before ?? NO_FACTS);
    fingerprints[username] = now;
    if (before === undefined || before !== now) judge.push({ username, facts });
  }
  const gone = Object.keys(checkpoint.fingerprints)
    .filter((u) => !active.has(u))
    .sort();
  return { judge, gone, fingerprints };
}

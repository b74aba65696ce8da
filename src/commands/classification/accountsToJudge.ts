// Which accounts an auto-classify record judges: since the instance's checkpoint (what the last run read:
// classification_checkpoints) only those whose facts changed, came or went; every active account when
// there is no usable checkpoint, the rules changed, or the tail cannot tell (planFromCheckpoint).
import type { Knex } from 'knex';
import type { FencedStore } from '../../adapters/eventStore/fencedStore.js';
import { accountsStream } from '../../domain/accounts/events.js';
import { foldLedger } from '../../domain/accounts/ledger.js';
import type { ClassifiedAccount } from '../../domain/classification/assignments.js';
import {
  factsFingerprint,
  planFromCheckpoint,
  type ClassificationCheckpoint,
} from '../../domain/classification/checkpoint.js';
import { accountId } from '../../domain/ids.js';
import type { InstanceTarget } from '../connections.js';
import { toLedgerEvents } from '../sync/syncInstanceAccounts.js';

/** The checkpoint the last run left for the instance, if any. */
async function loadCheckpoint(knex: Knex, instanceId: string): Promise<ClassificationCheckpoint | undefined> {
  const row = await knex<{
    instance_id: string;
    accounts_revision: string;
    rules_key: string;
    fingerprints: Record<string, string>;
  }>('classification_checkpoints')
    .where({ instance_id: instanceId })
    .first('accounts_revision', 'rules_key', 'fingerprints');
  return (
    row && {
      accountsRevision: BigInt(row.accounts_revision),
      rulesKey: row.rules_key,
      fingerprints: row.fingerprints,
    }
  );
}

export const saveCheckpoint = (
  db: Knex | Knex.Transaction,
  instanceId: string,
  cp: ClassificationCheckpoint,
) =>
  db('classification_checkpoints')
    .insert({
      instance_id: instanceId,
      accounts_revision: cp.accountsRevision.toString(),
      rules_key: cp.rulesKey,
      fingerprints: JSON.stringify(cp.fingerprints),
      updated_at: new Date(),
    })
    .onConflict('instance_id')
    .merge();

export interface Judged {
  accounts: ClassifiedAccount[];
  /** Accounts whose auto assignments the run decides (the judged ones, and those that left); all when full. */
  scope: Set<string> | 'all';
  checkpoint: ClassificationCheckpoint;
  /** Why every account was judged ('' when only the changed ones were). */
  full: string;
}

/**
 * The accounts this run judges: since the checkpoint only those whose facts changed (or that came or
 * went), or every active account when there is no usable checkpoint or the rules changed.
 */
export async function accountsToJudge(input: {
  knex: Knex;
  store: FencedStore;
  instance: InstanceTarget;
  rulesKey: string;
  everyAccount: boolean;
}): Promise<Judged> {
  const { store, instance, rulesKey: key } = input;
  const stream = accountsStream(instance.id);
  const cp = input.everyAccount ? undefined : await loadCheckpoint(input.knex, instance.id);
  let full = input.everyAccount
    ? 'every account requested'
    : !cp
      ? 'no earlier run'
      : cp.rulesKey !== key
        ? 'the rules changed'
        : '';
  if (cp && !full) {
    const tail = await store.readStream(stream, { from: cp.accountsRevision + 1n });
    const plan = planFromCheckpoint(cp, toLedgerEvents(tail));
    if (!('full' in plan)) {
      const accounts = plan.judge.map((a) => ({ ...a, accountId: accountId(instance.id, a.username) }));
      const scope = new Set(
        [...plan.judge, ...plan.gone.map((username) => ({ username }))].map((a) =>
          accountId(instance.id, a.username),
        ),
      );
      const last = tail[tail.length - 1];
      return {
        accounts,
        scope,
        full: '',
        checkpoint: {
          accountsRevision: last ? last.revision : cp.accountsRevision,
          rulesKey: key,
          fingerprints: plan.fingerprints,
        },
      };
    }
    full = plan.full;
  }
  const events = await store.readStream(stream);
  const ledger = foldLedger(toLedgerEvents(events));
  const accounts = [...ledger.accounts.keys()].map((username) => ({
    accountId: accountId(instance.id, username),
    username,
    facts: ledger.facts.get(username),
  }));
  const last = events[events.length - 1];
  return {
    accounts,
    scope: 'all',
    full,
    checkpoint: {
      accountsRevision: last ? last.revision : -1n,
      rulesKey: key,
      fingerprints: Object.fromEntries(accounts.map((a) => [a.username, factsFingerprint(a.facts)])),
    },
  };
}

import { describe, expect, it } from 'vitest';
import { makeFacts } from '../engines/model.js';
import type { InventoryAccount } from './events.js';
import { foldLedger, inventoryChanges, type AccountLedger, type LedgerEvent } from './ledger.js';
import { ledgerStateJson, ledgerStateOf } from './ledgerSnapshot.js';

/** mulberry32: the same histories on every run, so a failure can be replayed from its seed. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['app', 'report', 'root', 'etl', 'backup', 'old', 'svc'];

/** A random history: inventories (accounts leaving and coming back), reverts, permissions read in part
 * (unread accounts keep their facts), permissions that failed. */
function history(seed: number): LedgerEvent[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const events: LedgerEvent[] = [];
  const sets: InventoryAccount[][] = [];
  let current: InventoryAccount[] = [];
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();
  /** An inventory or a revert that makes `current` the account set. */
  const setTo = (type: string, i: number, sessionId: string) => {
    sets.push(current);
    events.push({ type, eventId: `e${i}`, occurredAt: at(i), data: { sessionId, accounts: current } });
  };
  for (let i = 0; i < 40; i++) {
    const kind = r();
    const sessionId = `s${i % 7}`;
    if (kind < 0.35 || current.length === 0) {
      current = NAMES.filter(() => r() < 0.6).map((username) => ({
        username,
        isSystem: username === 'root',
        locked: r() < 0.2,
        // Key order varies as it does after jsonb.
        attributes:
          r() < 0.5 ? { host: pick(['%', 'h']), plugin: 'p' } : { plugin: 'p', host: pick(['%', 'h']) },
      }));
      setTo('InstanceInventorySynced', i, sessionId);
    } else if (kind < 0.45 && sets.length > 1) {
      current = sets[sets.length - 2]!;
      setTo('InventoryReverted', i, sessionId);
    } else if (kind < 0.55) {
      events.push({
        type: 'PermissionsFailed',
        eventId: `e${i}`,
        occurredAt: at(i),
        data: { sessionId, messageCode: 'X' },
      });
    } else {
      const read = current.filter(() => r() < 0.7);
      const unread = current
        .filter((a) => !read.includes(a))
        .map((a) => ({ username: a.username, code: 'C' }));
      events.push({
        type: 'PermissionsSynced',
        eventId: `e${i}`,
        occurredAt: at(i),
        data: {
          sessionId,
          accounts: read.map((a) => ({
            username: a.username,
            facts: makeFacts('mysql', {
              global: NAMES.filter(() => r() < 0.3),
              database: r() < 0.5 ? { d1: ['SELECT'] } : {},
            }),
          })),
          ...(unread.length > 0 && { unread }),
        },
      });
    }
  }
  return events;
}

const entries = (l: Omit<AccountLedger, 'inventories'>) => ({
  accounts: [...l.accounts],
  facts: [...l.facts],
  observed: [...l.observed],
  known: [...l.known],
});

describe('account ledger continued from a snapshot', () => {
  it('folding a prefix, storing it as JSON and folding the rest equals folding all, at every cut', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const events = history(seed);
      const all = foldLedger(events);
      for (let cut = 0; cut <= events.length; cut++) {
        const stored = JSON.parse(
          JSON.stringify(ledgerStateJson(foldLedger(events.slice(0, cut)))),
        ) as string;
        const continued = foldLedger(events.slice(cut), undefined, ledgerStateOf(stored));
        expect(entries(continued), `seed ${seed} cut ${cut}`).toEqual(entries(all));
        expect(continued.inventories).toEqual(
          all.inventories.slice(all.inventories.length - continued.inventories.length),
        );
        // What a sync makes of the next inventory: added vs reactivated depends on every name ever seen.
        for (const next of [
          [],
          NAMES.map((username) => ({ username, isSystem: false, locked: false, attributes: {} })),
        ])
          expect(inventoryChanges(continued, next)).toEqual(inventoryChanges(all, next));
      }
    }
  });

  it('reads a state stored as a parsed json value as well as text', () => {
    const events = history(7);
    const text = ledgerStateJson(foldLedger(events));
    expect(entries(ledgerStateOf(JSON.parse(text)))).toEqual(entries(ledgerStateOf(text)));
  });
});

// Folding a session is linear in its events (no copy of every record per event), and every state the fold
// hands out keeps its records whatever is folded from it afterwards.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { A, B, completed, now, running, S, started } from '../../../test/support/sessionDecider.js';
import { decide, evolve, initialState, type SessionEvent, type SessionState } from './decider.js';

const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

/** A session of `n` records, each started and completed. */
const sessionOf = (n: number): SessionEvent[] => {
  const records = ids(n);
  return [started(...records), ...records.map((id) => running(id)), ...records.map(completed)];
};

/** How many entries Map.prototype.set stores while `body` runs (a copy of a map stores each entry). */
function mapSets(body: () => void): number {
  const set = vi.spyOn(Map.prototype, 'set');
  try {
    body();
    return set.mock.calls.length;
  } finally {
    set.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('folding a session', () => {
  it('stores each record once per event that changes it, not the whole map per event', () => {
    const n = 1000;
    const events = sessionOf(n);
    const sets = mapSets(() => events.reduce(evolve, initialState()));
    // SessionStarted stores n records, then one store per event; the old copy per event stored n x 2n.
    expect(sets).toBeLessThanOrEqual(3 * n + 10);
  });

  it('decides and folds a run record by record in linear work (the session writer does this)', () => {
    const n = 1000;
    const records = ids(n);
    let state = evolve(initialState(), started(...records));
    const sets = mapSets(() => {
      for (const instanceId of records) {
        const leaseMs = 60_000;
        for (const command of [
          { type: 'StartRecord' as const, sessionId: S, instanceId, now, leaseMs },
          { type: 'CompleteRecord' as const, sessionId: S, instanceId, ...outcome },
        ])
          state = decide(command, state).reduce(evolve, state);
      }
    });
    expect(state.status).toBe('completed');
    // Each decision folds its events once to see whether the session closes, and the caller once more.
    expect(sets).toBeLessThanOrEqual(6 * n + 10);
  });
});

const outcome = { itemsSynced: 0, itemsCreated: 0, itemsUpdated: 0, itemsDeleted: 0, details: {} };

const statuses = (state: SessionState) => [...state.records].map(([id, r]) => [id, r.status]);

describe('the states a fold hands out', () => {
  it('keep their records when later events are folded from them', () => {
    const opened = evolve(initialState(), started(A, B));
    const a = evolve(opened, running(A));
    const ab = evolve(a, running(B));
    const done = evolve(ab, completed(A));
    expect(statuses(opened)).toEqual([
      [A, 'pending'],
      [B, 'pending'],
    ]);
    expect(statuses(a)).toEqual([
      [A, 'running'],
      [B, 'pending'],
    ]);
    expect(statuses(done)).toEqual([
      [A, 'completed'],
      [B, 'running'],
    ]);
    expect(ab.records.get(A)?.status).toBe('running');
    expect(initialState().records.size).toBe(0);
    expect(evolve(initialState(), started(A)).records.size).toBe(1);
  });

  it('may be folded twice: two branches from one state do not see each other', () => {
    const opened = evolve(initialState(), started(A, B));
    const left = evolve(opened, running(A));
    const right = evolve(opened, running(B));
    expect(left.records.get(B)?.status).toBe('pending');
    expect(right.records.get(A)?.status).toBe('pending');
    expect(evolve(left, completed(A)).records.get(A)?.status).toBe('completed');
    expect(statuses(right)).toEqual([
      [A, 'pending'],
      [B, 'running'],
    ]);
    expect(statuses(opened)).toEqual([
      [A, 'pending'],
      [B, 'pending'],
    ]);
    expect(opened.records.tally.pending).toBe(2);
    expect(left.records.tally).toMatchObject({ pending: 1, running: 1 });
  });

  it('iterate a copy: reading another state while iterating changes nothing seen', () => {
    const opened = evolve(initialState(), started(A, B));
    const later = evolve(opened, running(A));
    const seen: string[] = [];
    for (const [id, r] of opened.records) {
      seen.push(`${id.slice(-1)}:${r.status}:${later.records.get(A)?.status}`);
    }
    expect(seen).toEqual(['a:pending:running', 'b:pending:running']);
  });
});

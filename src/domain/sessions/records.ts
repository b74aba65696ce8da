// The records of a session state as a persistent map, so that folding a session costs one small change
// per event instead of a copy of every record per event (a session of 10,000 records has some 30,000
// events: copying the map on each one cost records x events).
//
// Every version (what one `evolve` returns) keeps its own contents for good, whatever is derived from it
// later: callers may hold an old state and read it, or decide twice from one state. Only one version at a
// time holds the Map itself; each other version holds the few changes that turn its neighbour's contents
// into its own, and a pointer to that neighbour, so every version leads to the holder. Reading a version
// that does not hold the Map moves the Map to it first, reversing the changes along the way ("rerooting",
// as in Baker's persistent arrays). Folding event after event always reads the newest version, which
// holds the Map: each step is O(1). Reading an old version costs the changes between it and the holder.
//
// Records are only ever added or replaced, never removed, so moving the Map back and forth keeps their
// order (the order of SessionStarted's instance list).
import type { RecordState, RecordStatus } from './state.js';

/**
 * A version's changes, flat: id, record, id, record... (the record `id` became `record`; undefined: it did
 * not exist). Flat, so that a version of one change costs one small array, not an array of pairs.
 */
type Changes = (string | RecordState | undefined)[];

/** How many records are in each status. */
export type StatusTally = Readonly<Record<RecordStatus, number>>;

const noChanges: Changes = [];

const noRecords: StatusTally = {
  pending: 0,
  running: 0,
  retrying: 0,
  completed: 0,
  failed: 0,
  skipped: 0,
  abandoned: 0,
};

/** Applies `changes` in order to `map`; returns the changes that undo them (in the reverse order). */
function applyChanges(map: Map<string, RecordState>, changes: Changes): Changes {
  const undo: Changes = new Array<string | RecordState | undefined>(changes.length);
  for (let i = 0, j = changes.length - 2; i < changes.length; i += 2, j -= 2) {
    const id = changes[i] as string;
    const record = changes[i + 1] as RecordState | undefined;
    undo[j] = id;
    undo[j + 1] = map.get(id);
    if (record === undefined) map.delete(id);
    else map.set(id, record);
  }
  return undo;
}

/** The pairs of `changes` in the reverse order (undoing runs from the last change back). */
function reversePairs(changes: Changes): Changes {
  const reversed: Changes = new Array<string | RecordState | undefined>(changes.length);
  for (let i = 0, j = changes.length - 2; i < changes.length; i += 2, j -= 2) {
    reversed[j] = changes[i];
    reversed[j + 1] = changes[i + 1];
  }
  return reversed;
}

/** A copy of the tally to change (a literal of one shape: a spread here cost more than the change). */
const copyOf = (t: StatusTally): Record<RecordStatus, number> => ({
  pending: t.pending,
  running: t.running,
  retrying: t.retrying,
  completed: t.completed,
  failed: t.failed,
  skipped: t.skipped,
  abandoned: t.abandoned,
});

/** The tally with one record moved from `before`'s status (if it existed) to `after`'s. */
function moved(tally: StatusTally, before: RecordState | undefined, after: RecordState): StatusTally {
  const next = copyOf(tally);
  if (before) next[before.status]--;
  next[after.status]++;
  return next;
}

export class SessionRecords implements ReadonlyMap<string, RecordState> {
  /** The Map, while this version holds it. */
  private map: Map<string, RecordState> | undefined;
  /** Otherwise: the changes that turn `toward`'s contents into this version's. */
  private changes: Changes = noChanges;
  private toward: SessionRecords | undefined;

  private constructor(
    map: Map<string, RecordState>,
    readonly size: number,
    /** The records by status, counted as they changed (counts and "is one still open" in O(1)). */
    readonly tally: StatusTally,
  ) {
    this.map = map;
  }

  static empty(): SessionRecords {
    return new SessionRecords(new Map(), 0, noRecords);
  }

  /** A new version with these records set (added, or replaced); this one keeps its own contents. */
  with(records: Iterable<readonly [string, RecordState]>): SessionRecords {
    const map = this.holder();
    const tally = copyOf(this.tally);
    const undo: Changes = [];
    for (const [id, record] of records) {
      const before = map.get(id);
      if (before) tally[before.status]--;
      tally[record.status]++;
      undo.push(id, before);
      map.set(id, record);
    }
    return this.handOver(map, tally, reversePairs(undo));
  }

  /** A new version with the one record `id` set to `record` (what most events change). */
  set(id: string, record: RecordState): SessionRecords {
    const map = this.holder();
    const before = map.get(id);
    map.set(id, record);
    return this.handOver(map, moved(this.tally, before, record), [id, before]);
  }

  /** The new version after `undo`'s changes were made to the Map: it holds the Map from now on. */
  private handOver(map: Map<string, RecordState>, tally: StatusTally, undo: Changes): SessionRecords {
    const next = new SessionRecords(map, map.size, tally);
    this.map = undefined;
    this.changes = undo;
    this.toward = next;
    return next;
  }

  /** This version's Map: moved here from the version that holds it, if need be. */
  private holder(): Map<string, RecordState> {
    if (this.map) return this.map;
    // Iterative, not recursive: the path may be as long as a session's history.
    const path: SessionRecords[] = [this];
    let holder = this.toward!;
    while (!holder.map) {
      path.push(holder);
      holder = holder.toward!;
    }
    const map = holder.map;
    // From the holder back to this version: each step hands the Map one version further.
    for (let i = path.length - 1; i >= 0; i--) {
      const version = path[i]!;
      const from = version.toward!;
      from.changes = applyChanges(map, version.changes);
      from.toward = version;
      from.map = undefined;
      version.map = map;
      version.changes = noChanges;
      version.toward = undefined;
    }
    return map;
  }

  get(id: string): RecordState | undefined {
    return this.holder().get(id);
  }

  has(id: string): boolean {
    return this.holder().has(id);
  }

  // Iterators walk a copy: the Map may move to another version while a caller is still iterating.
  entries() {
    return [...this.holder().entries()].values();
  }

  keys() {
    return [...this.holder().keys()].values();
  }

  values() {
    return [...this.holder().values()].values();
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  forEach(fn: (record: RecordState, id: string, map: ReadonlyMap<string, RecordState>) => void): void {
    for (const [id, record] of this.entries()) fn(record, id, this);
  }
}

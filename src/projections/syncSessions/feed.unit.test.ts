// The session feed over a fake log: one subscription shared by the listeners and closed with the last (and
// opened again for the next), rows read only once the projection has applied the batch, session events
// coalesced while a read is under way, other streams ignored, a failed subscription resumed after the
// last event seen, a stream opened only once the projection holds what came before it, and close()
// ending every listener.
import { Observable, type Subscriber } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Position, RecordedEvent } from '../../domain/events/envelope.js';
import { createLogger } from '../../logger.js';
import type { SessionWithProgress } from './dashboard.js';
import { createSessionFeed, type SessionUpdate } from './feed.js';

const at = (n: number): Position => ({ commit: BigInt(n), prepare: BigInt(n) });
const event = (n: number, streamId: string, type: string) =>
  ({
    streamId,
    type,
    position: at(n),
    revision: 0n,
    recordedAt: new Date(),
    data: {},
  }) as unknown as RecordedEvent;

function fakeLog() {
  const subscribers: { from: Position | 'start' | undefined; sub: Subscriber<RecordedEvent> }[] = [];
  return {
    subscribers,
    open: () => subscribers.filter((s) => !s.sub.closed),
    store: {
      headPosition: () => Promise.resolve(at(100)),
      subscribeAll: (options?: { fromPosition?: Position | 'start' }) =>
        new Observable<RecordedEvent>((sub) => {
          subscribers.push({ from: options?.fromPosition, sub });
        }),
    },
    emit(e: RecordedEvent) {
      for (const s of this.open()) s.sub.next(e);
    },
  };
}

/** `projected`: the position the projection has applied (a wait for a later one lasts until release()). */
function setup(projected = 100) {
  const log = fakeLog();
  const applied: Position[] = [];
  const reads: string[][] = [];
  const waiting: (() => void)[] = [];
  const feed = createSessionFeed({
    store: log.store,
    logger: createLogger({ level: 'silent' }),
    retryMs: 10,
    applied: (p) => {
      if (p.commit <= BigInt(projected)) return Promise.resolve();
      applied.push(p);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    read: (ids) => {
      reads.push([...ids]);
      return Promise.resolve(
        ids.map((id) => ({ session_id: id, status: 'running' }) as unknown as SessionWithProgress),
      );
    },
  });
  const listener = () => {
    const got: SessionUpdate[] = [];
    let ended = 0;
    return { got, ended: () => ended, update: (s: SessionUpdate) => got.push(s), end: () => void ended++ };
  };
  const settle = () => new Promise((r) => setTimeout(r, 5));
  return {
    log,
    feed,
    applied,
    reads,
    listener,
    settle,
    release: () => waiting.splice(0).forEach((r) => r()),
  };
}

describe('the session feed', () => {
  it('shares one subscription from the head, closes it with the last listener, opens one for the next', async () => {
    const { log, feed, listener } = setup();
    const leaveA = await feed.subscribe(listener());
    const leaveB = await feed.subscribe(listener());
    expect(log.open()).toHaveLength(1);
    expect(log.subscribers[0]!.from).toEqual(at(100));
    expect(feed.size).toBe(2);
    leaveA();
    expect(log.open()).toHaveLength(1);
    leaveB();
    expect(log.open()).toHaveLength(0);
    await feed.subscribe(listener());
    expect(log.open()).toHaveLength(1);
  });

  it('reads the sessions once the projection applied the batch; coalesces while reading; skips other streams', async () => {
    const { log, feed, applied, reads, listener, settle, release } = setup();
    const a = listener();
    await feed.subscribe(a);
    log.emit(event(101, 'session-s1', 'SessionStarted'));
    log.emit(event(102, 'instance-x', 'InstanceRegistered'));
    await settle();
    expect(applied).toEqual([at(101)]);
    expect(reads).toEqual([]); // not before the projection has applied it
    log.emit(event(103, 'session-s1', 'InstanceSyncStarted'));
    log.emit(event(104, 'session-s2', 'SessionStarted'));
    log.emit(event(105, 'session-s1', 'InstanceSyncCompleted'));
    release();
    await settle();
    expect(reads).toEqual([['s1']]);
    expect(applied).toEqual([at(101), at(105)]);
    release();
    await settle();
    expect(reads).toEqual([['s1'], ['s1', 's2']]);
    expect(a.got.map((g) => [g.session_id, g.last_event_type])).toEqual([
      ['s1', 'SessionStarted'],
      ['s1', 'InstanceSyncCompleted'],
      ['s2', 'SessionStarted'],
    ]);
  });

  it('resolves a subscribe once the projection has applied the log up to where the listener starts', async () => {
    const { log, feed, applied, reads, listener, settle, release } = setup(99); // head 100, not yet applied
    let opened = false;
    void feed.subscribe(listener()).then(() => (opened = true));
    await settle();
    // A page that read the session now would miss event 100, and the feed would never send it.
    expect(applied).toEqual([at(100)]);
    expect(opened).toBe(false);
    release();
    await settle();
    expect(opened).toBe(true);

    // A second listener joins the open subscription after event 101: it waits for 101.
    log.emit(event(101, 'session-s1', 'SessionStarted'));
    await settle();
    let second = false;
    void feed.subscribe(listener()).then(() => (second = true));
    await settle();
    expect(second).toBe(false);
    release();
    await settle();
    expect(reads).toEqual([['s1']]);
    expect(second).toBe(true);
  });

  it('opens the subscription again after a failure, after the last event seen', async () => {
    const { log, feed, listener } = setup();
    await feed.subscribe(listener());
    log.emit(event(107, 'instance-x', 'InstanceRegistered'));
    log.open()[0]!.sub.error(new Error('connection lost'));
    expect(log.open()).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(log.open()).toHaveLength(1);
    expect(log.open()[0]!.from).toEqual(at(107));
  });

  it('close() ends every listener and the subscription; a later subscribe is refused', async () => {
    const { log, feed, listener } = setup();
    const a = listener();
    const b = listener();
    await feed.subscribe(a);
    await feed.subscribe(b);
    feed.close();
    expect([a.ended(), b.ended()]).toEqual([1, 1]);
    expect(log.open()).toHaveLength(0);
    expect(feed.size).toBe(0);
    await expect(feed.subscribe(listener())).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});

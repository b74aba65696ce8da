// The store an attempt works through: every append carries the attempt's fence, so the work itself needs no
// notion of attempts, and nothing it appends lands once its record has ended.
import type { AppendFence, EventStore } from './port.js';

export type FencedStore = Pick<EventStore, 'readStream' | 'append' | 'eventIdAt'>;

export function fencedStore(store: FencedStore, fence: AppendFence | readonly AppendFence[]): FencedStore {
  const { eventIdAt } = store;
  return {
    readStream: (streamId, options) => store.readStream(streamId, options),
    ...(eventIdAt && { eventIdAt: (streamId, revision) => eventIdAt.call(store, streamId, revision) }),
    append: (streamId, events, options) => store.append(streamId, events, { ...options, fence }),
  };
}

// The store an attempt works through: every append carries the attempt's fence, so the work itself needs no
// notion of attempts, and nothing it appends lands once its record has ended.
import type { AppendFence, EventStore } from './port.js';

export type FencedStore = Pick<EventStore, 'readStream' | 'append'>;

export function fencedStore(store: FencedStore, fence: AppendFence | readonly AppendFence[]): FencedStore {
  return {
    readStream: (streamId, options) => store.readStream(streamId, options),
    append: (streamId, events, options) => store.append(streamId, events, { ...options, fence }),
  };
}

import { describe, expect, it, vi } from 'vitest';
import {
  TransactionalAppendUnsupportedError,
  type AppendOptions,
  type EventStore,
} from '../adapters/eventStore/port.js';
import type { EventData } from '../domain/events/envelope.js';
import { appendWithRows } from './streamWrites.js';

const event = { eventId: 'e-1', type: 'TestHappened', schemaVersion: 1, data: {} } as unknown as EventData;
const result = { nextExpectedRevision: 0n, position: { commit: 1n, prepare: 1n } };
const trx = { raw: vi.fn() };

/** A store whose append answers `answer` for the options it is given, recording them. */
const storeAnswering = (answer: (options: AppendOptions) => Promise<typeof result>) => {
  const calls: AppendOptions[] = [];
  const store: Pick<EventStore, 'append'> = {
    append: (_stream, _events, options) => {
      calls.push(options);
      return answer(options);
    },
  };
  return { store, calls };
};

describe('appendWithRows', () => {
  it('appends inside the transaction when the store can', async () => {
    const { store, calls } = storeAnswering(() => Promise.resolve(result));
    await expect(appendWithRows(store, trx, 's', [event], 'no_stream')).resolves.toBe(result);
    expect(calls).toEqual([{ expectedRevision: 'no_stream', transaction: trx }]);
  });

  it('falls back to a plain append, still before the commit, when the store refuses the transaction', async () => {
    const { store, calls } = storeAnswering((options) =>
      options.transaction
        ? Promise.reject(new TransactionalAppendUnsupportedError('KurrentDB'))
        : Promise.resolve(result),
    );
    await expect(appendWithRows(store, trx, 's', [event], 3n)).resolves.toBe(result);
    expect(calls).toEqual([{ expectedRevision: 3n, transaction: trx }, { expectedRevision: 3n }]);
  });

  it('passes any other failure on, without a second append', async () => {
    const { store, calls } = storeAnswering(() => Promise.reject(new Error('conflict')));
    await expect(appendWithRows(store, trx, 's', [event], 'any')).rejects.toThrow('conflict');
    expect(calls).toHaveLength(1);
  });

  it('without a transaction, appends once on its own', async () => {
    const { store, calls } = storeAnswering(() => Promise.resolve(result));
    await appendWithRows(store, undefined, 's', [event], 'any');
    expect(calls).toEqual([{ expectedRevision: 'any' }]);
  });
});

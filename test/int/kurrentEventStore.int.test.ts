// The same contract against a real KurrentDB / EventStoreDB, when EVENTSTORE_URL names one.
import { describe, it } from 'vitest';
import { createKurrentEventStore } from '../../src/adapters/eventStore/kurrentEventStore.js';
import { eventStoreContract } from './eventStoreContract.js';

const url = process.env.EVENTSTORE_URL;

if (url) {
  eventStoreContract('KurrentDB', () => {
    const store = createKurrentEventStore(url);
    return Promise.resolve({ store, teardown: () => store.close() });
  });
} else {
  describe.skipIf(!url)(
    'event store contract: KurrentDB [skipped: EVENTSTORE_URL is not set; no KurrentDB server here]',
    () => {
      it('runs the contract', () => {});
    },
  );
}

// The capacity read model's scenario: i1 with app, shop and legacy on day A, collected twice that day (the
// second replaces the first, projected in a later batch); i2 with main; on day B legacy is gone and
// reports is new; a far month (2031-01) that has no partition; table sizes, app's replaced by a later
// snapshot. The projection's test checks the tables it leaves, the queries' test reads them.
import { randomUUID } from 'node:crypto';
import { capacityEvents } from './capacityEvents.js';
import type { ProjectionSpec } from './projectionSpec.js';

export function capacityScenario(spec: ProjectionSpec) {
  // spec.store opens with the database (before the file's tests), not when the scenario is made.
  const ev = () => capacityEvents(spec.store);
  const i1 = randomUUID();
  const i2 = randomUUID();
  // The migration created partitions for the current UTC month and the next 3; 2031-01 has none.
  const month = new Date().toISOString().slice(0, 7);
  const dayA = `${month}-01`;
  const dayB = `${month}-02`;
  const far = '2031-01-15';

  const steps = {
    /** Day A: i1 has app, shop and legacy; its first collection. */
    async dayAFirst() {
      await ev().inventory(i1, dayA, ['app', 'shop', 'legacy'], { added: ['app', 'shop', 'legacy'] });
      await ev().stats(i1, dayA, '02:00:05.000', { app: 100, shop: 50, legacy: 10 });
    },
    /** The rest: day A's second collection, i2, day B, the far month, table sizes. */
    async rest() {
      await ev().stats(i1, dayA, '14:30:00.000', { app: 110.5, shop: 55, legacy: 10 });
      await ev().inventory(i2, dayA, ['main'], { added: ['main'] });
      await ev().stats(i2, dayA, '03:00:00.000', { main: 42 });
      // Day B: legacy is gone, reports is new.
      await ev().inventory(i1, dayB, ['app', 'shop', 'reports'], {
        added: ['reports'],
        vanished: ['legacy'],
      });
      await ev().stats(i1, dayB, '02:00:05.000', { app: 120, shop: 60, reports: 5 });
      // A month without a partition: the default partition takes it.
      await ev().inventory(i1, far, ['app', 'shop', 'reports']);
      await ev().stats(i1, far, '02:00:05.000', { app: 200, shop: 70, reports: 6 });
      // Table sizes: app's snapshot is replaced; shop's and i2's stay.
      await ev().tableSizes(i1, 'app', `${dayA}T03:00:00.000Z`, [
        ['public', 'orders', 60, 1000],
        ['public', 'users', 30, 200],
        ['audit', 'log', 20, 5000],
      ]);
      await ev().tableSizes(i1, 'shop', `${dayA}T03:00:00.000Z`, [['public', 'items', 40, 70]]);
      await ev().tableSizes(i2, 'main', `${dayA}T04:00:00.000Z`, [['dbo', 'facts', 41, null]]);
      await ev().tableSizes(i1, 'app', `${far}T03:00:00.000Z`, [
        ['public', 'orders', 150, 1234.4],
        ['public', 'invoices', 45, 10],
      ]);
    },
  };

  return {
    instances: { i1, i2 },
    month,
    days: { dayA, dayB, far },
    /** Appends the scenario, catching up (in batches of 2) between day A's two collections and at the end. */
    async run() {
      const runner = spec.runner({ batchSize: 2 });
      await steps.dayAFirst();
      await spec.catchUp(runner);
      await steps.rest();
      await spec.catchUp(runner);
    },
  };
}

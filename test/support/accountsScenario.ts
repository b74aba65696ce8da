// The accounts read model's scenario, over three days: i1 (MariaDB) and i2 (PostgreSQL) are inventoried
// and their permissions collected; on day 2 app@% is locked and gains DELETE, backup@% appears, report@%
// is gone; on day 3 report@% is back, the permissions phase fails and the inventory is reverted to day 2's
// set. The projection's test checks the tables between the days, the queries' test reads what they leave.
import { randomUUID } from 'node:crypto';
import type { InventoryAccount } from '../../src/domain/accounts/events.js';
import { makeFacts, type PermissionFacts } from '../../src/domain/engines/model.js';
import { accountEvents, mysqlAccount } from './accountEvents.js';
import type { ProjectionSpec } from './projectionSpec.js';

export const times = {
  t1: '2026-11-20T10:00:00.000Z',
  t1p: '2026-11-20T10:00:01.000Z',
  t2: '2026-11-21T10:00:00.000Z',
  t2p: '2026-11-21T10:00:01.000Z',
  t3: '2026-11-22T10:00:00.000Z',
  t3f: '2026-11-22T10:00:01.000Z',
  t3r: '2026-11-22T10:00:05.000Z',
};
const { t1, t1p, t2, t2p, t3, t3f, t3r } = times;

const root = mysqlAccount('root@localhost');
const sys = mysqlAccount('mysql.sys@localhost', {
  isSystem: true,
  locked: true,
  attributes: { plugin: 'mysql_native_password', account_locked: 'Y' },
});
const app = mysqlAccount('app@%', {
  attributes: { plugin: 'caching_sha2_password', account_locked: 'N' },
});
const report = mysqlAccount('report@%');
const backup = mysqlAccount('backup@%');
// Keys in another order than jsonb keeps them: the projection compares attributes key-order-free.
const appLocked: InventoryAccount = {
  ...app,
  locked: true,
  attributes: { account_locked: 'Y', plugin: 'caching_sha2_password' },
};

const rootFacts = makeFacts('mysql', {
  capabilities: { SUPERUSER: ['GRANT ALL PRIVILEGES ON *.*'], GRANT_ADMIN: ['WITH GRANT OPTION'] },
  global: ['ALL PRIVILEGES'],
});
const sysFacts = makeFacts('mysql', { capabilities: { LOCKED: ['account_locked = Y'] } });
const appFacts = makeFacts('mysql', { database: { appdb: ['SELECT', 'INSERT', 'UPDATE'] } });
const appFacts2 = makeFacts('mysql', {
  capabilities: { LOCKED: ['account_locked = Y'] },
  database: { appdb: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
});
const reportFacts = makeFacts('mysql', { database: { appdb: ['SELECT'] } });
const backupFacts = makeFacts('mysql', { global: ['LOCK TABLES', 'RELOAD', 'SELECT'] });

export function accountsScenario(spec: ProjectionSpec) {
  // spec.store opens with the database (before the file's tests), not when the scenario is made.
  const ev = () => accountEvents(spec.store);
  const i1 = randomUUID(); // MariaDB
  const i2 = randomUUID(); // PostgreSQL
  const [s1, s2, s3] = [randomUUID(), randomUUID(), randomUUID()];

  /** i1's inventory, then its permissions: what the ledger decided of each. */
  const sync = async (
    sessionId: string,
    [at, permissionsAt]: [string, string],
    accounts: InventoryAccount[],
    facts: Record<string, PermissionFacts>,
  ) => ({
    changes: await ev().inventory(i1, 'mysql', sessionId, at, accounts),
    diffs: await ev().permissions(i1, sessionId, permissionsAt, facts),
  });

  /** Each step returns i1's inventory changes (and permission diffs) as the ledger decided them. */
  const steps = {
    /** Day 1: first inventory and permissions of both instances. */
    async day1() {
      const i1Synced = await sync(s1, [t1, t1p], [root, sys, app, report], {
        'root@localhost': rootFacts,
        'mysql.sys@localhost': sysFacts,
        'app@%': appFacts,
        'report@%': reportFacts,
      });
      await ev().inventory(i2, 'postgresql', s1, '2026-11-20T10:00:02.000Z', [
        { username: 'postgres', isSystem: true, locked: false, attributes: { rolcanlogin: true } },
        { username: 'alice_ro', isSystem: false, locked: false, attributes: { rolcanlogin: true } },
      ]);
      await ev().permissions(i2, s1, '2026-11-20T10:00:03.000Z', {
        postgres: makeFacts('postgresql', { capabilities: { SUPERUSER: ['rolsuper'] } }),
        alice_ro: makeFacts('postgresql', { roles: ['pg_read_all_data'] }),
      });
      return i1Synced;
    },
    /** Day 2: app is locked (inventory) and gains DELETE (permissions); backup appears; report is gone. */
    async day2() {
      return sync(s2, [t2, t2p], [root, sys, appLocked, backup], {
        'root@localhost': rootFacts,
        'mysql.sys@localhost': sysFacts,
        'app@%': appFacts2,
        'backup@%': backupFacts,
      });
    },
    /** Day 3: report is back; the permissions phase fails. */
    async day3() {
      const changes = await ev().inventory(i1, 'mysql', s3, t3, [root, sys, appLocked, backup, report]);
      await ev().permissionsFailed(i1, s3, t3f);
      return { changes };
    },
    /** Day 3: the inventory is reverted to day 2's set. */
    day3Revert: () => ev().revert(i1, s3, t3r),
  };

  return {
    instances: { i1, i2 },
    sessions: { s1, s2, s3 },
    steps,
    /** Every step, in order, then a catch-up in batches of 2. */
    async run() {
      for (const step of Object.values(steps)) await step();
      await spec.catchUp(spec.runner({ batchSize: 2 }));
    },
  };
}

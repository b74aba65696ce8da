// The data of the api benchmark (api.ts), written THROUGH THE EVENT STORE: the domain events the service
// itself appends (instance registered, account sync sessions with their inventory and permissions, a
// year of daily capacity collections and their sessions, daily instance aggregations), in large appends
// (one stream's events per call, many calls at once), then folded into the read tables by the
// projections' own catch-up. Not measured; deterministic apart from ids and event ids.
// Sizes (BENCH_SCALE scales the instance counts): 10,000 instances of 50 accounts (500,000 accounts),
// account syncs in sessions of 100 instances, and for the first 1,000 instances a year of daily stats
// (3 databases each), one capacity session per day and one daily aggregation per day.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { EventStore } from '../src/adapters/eventStore/port.js';
import { newEvent, type CommandContext } from '../src/commands/commandContext.js';
import { accountsStream } from '../src/domain/accounts/events.js';
import { capacityStream } from '../src/domain/capacity/events.js';
import type { DbType } from '../src/domain/engines/model.js';
import type { EventData } from '../src/domain/events/envelope.js';
import { instanceStream } from '../src/domain/instances/events.js';
import { sessionStream } from '../src/domain/sessions/events.js';
import { aggregations } from './apiAggregations.js';
import { instanceAccounts, inventoryEntry, snapshotOf } from './classifyData.js';

const scale = Number(process.env.BENCH_SCALE ?? '1') || 1;
export const sizes = {
  instances: Math.max(20, Math.round(10_000 * scale)),
  accountsPerInstance: 50,
  statsInstances: Math.max(10, Math.round(1_000 * scale)),
  days: Number(process.env.BENCH_DAYS ?? '365'),
  databasesPerInstance: 3,
  instancesPerAccountSession: 100,
};

export const DAY_MS = 86_400_000;
/** Appends running at once (the service's pool has 10 connections; its projections need some). */
const APPENDS_AT_ONCE = 8;

export interface BenchInstance {
  id: string;
  name: string;
  dbType: DbType;
}

export interface GeneratedData {
  instances: BenchInstance[];
  events: number;
  seconds: number;
}

const say = (line: string) => process.stderr.write(`${line}\n`);
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A context whose events say they happened at `at` (as a command run then would have stamped them). */
export const at = (ms: number, kind: 'user' | 'scheduler' = 'scheduler'): CommandContext => ({
  actor: kind === 'user' ? { kind: 'user', id: 'bench-admin' } : { kind: 'scheduler', id: 'scheduler' },
  correlationId: randomUUID(),
  now: new Date(ms),
});

/** Writes every event of the benchmark; returns the instances (by name order of registration). */
export async function generate(store: EventStore, today: Date): Promise<GeneratedData> {
  const started = performance.now();
  const limit = pLimit(APPENDS_AT_ONCE);
  let events = 0;
  const append = (stream: string, batch: EventData[]) =>
    limit(async () => {
      await store.append(stream, batch, { expectedRevision: 'any' });
      events += batch.length;
    });
  const step = async (what: string, work: Promise<unknown>) => {
    const t0 = performance.now();
    await work;
    say(
      `  ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s (${events.toLocaleString('en-US')} events so far)`,
    );
  };
  const todayMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());

  const instances: BenchInstance[] = Array.from({ length: sizes.instances }, (_, i) => ({
    id: randomUUID(),
    name: `db-${i % 2 === 0 ? 'mysql' : 'pg'}-${String(i).padStart(5, '0')}.fleet.example`,
    dbType: i % 2 === 0 ? 'mysql' : 'postgresql',
  }));
  await step(
    `${instances.length.toLocaleString('en-US')} instances registered`,
    Promise.all(
      instances.map((inst, i) =>
        append(instanceStream(inst.id), [
          newEvent(at(todayMs - 400 * DAY_MS, 'user'), 'InstanceRegistered', {
            instanceId: inst.id,
            name: inst.name,
            dbType: inst.dbType,
            host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            port: inst.dbType === 'mysql' ? 3306 : 5432,
            databaseName: null,
            credentialId: null,
            description: `bench instance ${i}`,
          }),
        ]),
      ),
    ),
  );
  await step(
    `${(instances.length * sizes.accountsPerInstance).toLocaleString('en-US')} accounts synced`,
    accountSyncs(instances, todayMs, append),
  );
  const statsInstances = instances.slice(0, sizes.statsInstances);
  await step(
    `${sizes.days} days of capacity for ${statsInstances.length.toLocaleString('en-US')} instances`,
    capacity(statsInstances, todayMs, append),
  );
  await step('daily aggregations', aggregations(statsInstances, todayMs, append));
  return { instances, events, seconds: (performance.now() - started) / 1000 };
}

export type Append = (stream: string, batch: EventData[]) => Promise<void>;

/** A session's own stream: started, each instance's record started and completed, the session completed. */
function sessionEvents(
  ctx: CommandContext,
  sessionId: string,
  category: 'account' | 'capacity',
  members: readonly BenchInstance[],
  items: number,
): EventData[] {
  const scope = { sessionId };
  return [
    newEvent(
      ctx,
      'SessionStarted',
      {
        sessionId,
        category,
        syncType: 'scheduled_task',
        instances: members.map((m) => ({ instanceId: m.id, instanceName: m.name })),
      },
      scope,
    ),
    ...members.flatMap((m) => [
      newEvent(
        ctx,
        'InstanceSyncStarted',
        {
          sessionId,
          instanceId: m.id,
          attempt: 1,
          leaseExpiresAt: new Date(ctx.now.getTime() + 600_000).toISOString(),
        },
        { ...scope, instanceId: m.id },
      ),
      newEvent(
        ctx,
        'InstanceSyncCompleted',
        {
          sessionId,
          instanceId: m.id,
          itemsSynced: items,
          itemsCreated: category === 'account' ? items : 0,
          itemsUpdated: 0,
          itemsDeleted: 0,
          details: {},
        },
        { ...scope, instanceId: m.id },
      ),
    ]),
    newEvent(
      ctx,
      'SessionCompleted',
      {
        sessionId,
        status: 'completed',
        counts: { total: members.length, completed: members.length, failed: 0, skipped: 0, abandoned: 0 },
      },
      scope,
    ),
  ];
}

/** Account sync sessions of 100 instances, one a day back from today; each instance's accounts stream. */
async function accountSyncs(instances: readonly BenchInstance[], todayMs: number, append: Append) {
  const per = sizes.instancesPerAccountSession;
  const work: Promise<void>[] = [];
  for (let from = 0, n = 0; from < instances.length; from += per, n++) {
    const members = instances.slice(from, from + per);
    const sessionId = randomUUID();
    const ctx = at(todayMs - (n + 1) * DAY_MS + 3_600_000);
    work.push(
      append(
        sessionStream(sessionId),
        sessionEvents(ctx, sessionId, 'account', members, sizes.accountsPerInstance),
      ),
    );
    members.forEach((m, k) => {
      const accounts = instanceAccounts(m.id, m.dbType, from + k, sizes.accountsPerInstance);
      const scope = { sessionId, instanceId: m.id };
      work.push(
        append(accountsStream(m.id), [
          newEvent(
            ctx,
            'InstanceInventorySynced',
            {
              instanceId: m.id,
              sessionId,
              dbType: m.dbType,
              accounts: accounts.map((a) => inventoryEntry(m.dbType, a)),
              added: accounts.map((a) => a.username),
              changed: [],
              deactivated: [],
              reactivated: [],
            },
            scope,
          ),
          newEvent(
            ctx,
            'PermissionsSynced',
            {
              instanceId: m.id,
              sessionId,
              accounts: accounts.map((a) => ({
                username: a.username,
                facts: a.facts,
                snapshot: snapshotOf(m.dbType, a.facts),
                diff: null,
              })),
              errors: [],
            },
            scope,
          ),
        ]),
      );
    });
  }
  await Promise.all(work);
}

/** Sizes that grow a little every day (deterministic per instance and database). */
export const sizeOf = (i: number, db: number, day: number) =>
  Math.round((100 + ((i * 37 + db * 101) % 900)) * (1 + day * 0.001) * 100) / 100;

/** Per instance: the database inventory, then one StatsSaved a day; one capacity session per day. */
async function capacity(instances: readonly BenchInstance[], todayMs: number, append: Append) {
  const firstMs = todayMs - sizes.days * DAY_MS;
  const sessions = Array.from({ length: sizes.days }, () => randomUUID());
  const names = Array.from({ length: sizes.databasesPerInstance }, (_, d) => `app_${d}`);
  const work: Promise<void>[] = sessions.map((sessionId, day) =>
    append(
      sessionStream(sessionId),
      sessionEvents(at(firstMs + day * DAY_MS + 7_200_000), sessionId, 'capacity', instances, names.length),
    ),
  );
  instances.forEach((m, i) => {
    const scope = (day: number) => ({ sessionId: sessions[day]!, instanceId: m.id });
    const batch: EventData[] = [
      newEvent(
        at(firstMs + 7_200_000),
        'DatabaseInventorySynced',
        {
          instanceId: m.id,
          sessionId: sessions[0]!,
          collectedDate: isoDay(firstMs),
          databases: names,
          added: names,
          vanished: [],
        },
        scope(0),
      ),
    ];
    for (let day = 0; day < sizes.days; day++) {
      const ctx = at(firstMs + day * DAY_MS + 7_200_000);
      const databases = names.map((databaseName, d) => {
        const sizeMb = sizeOf(i, d, day);
        return { databaseName, sizeMb, dataSizeMb: Math.round(sizeMb * 75) / 100, logSizeMb: null };
      });
      batch.push(
        newEvent(
          ctx,
          'StatsSaved',
          {
            instanceId: m.id,
            sessionId: sessions[day]!,
            collectedDate: isoDay(ctx.now.getTime()),
            collectedAt: ctx.now.toISOString(),
            databases,
            totalSizeMb: Math.round(databases.reduce((s, d) => s + d.sizeMb, 0) * 100) / 100,
            databaseCount: databases.length,
          },
          scope(day),
        ),
      );
    }
    work.push(append(capacityStream(m.id), batch));
  });
  await Promise.all(work);
}

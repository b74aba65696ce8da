// A session's timeline shows the whole story (issue 10, item 7): `whalefall replay` and
// GET /sync-sessions/{id}/events list the session's own events and those it caused on other streams
// (inventory and permission facts, database inventory and stats, aggregated figures), in commit order, each
// with its instance's id and name. Real account syncs and capacity collections of two MariaDB instances in
// one session each, so their events interleave.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncSessionRoutes } from '../../src/api/routes/syncSessions.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { makeAggregate } from '../../src/commands/aggregate.js';
import { makeRunAccountSync } from '../../src/commands/sync/runAccountSync.js';
import { replaySession } from '../../src/cli/replay.js';
import { sessionTimeline } from '../../src/commands/sync/sessionTimeline.js';
import { loadConfig } from '../../src/config.js';
import { parsePosition, comparePositions, type RecordedEvent } from '../../src/domain/events/envelope.js';
import { createLogger } from '../../src/logger.js';
import { capacityProjection } from '../../src/projections/capacity/projection.js';
import { instancesProjection } from '../../src/projections/instances/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import {
  onlyAccounts,
  onlyDatabases,
  openCapacityHarness,
  type CapacityHarness,
} from '../support/capacityHarness.js';
import { collectorServer, createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wft_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const names = [`${p}-north`, `${p}-south`] as const;
const ctx = () => ({ actor: { kind: 'user' as const, id: 'auditor' }, correlationId: 'c', now: new Date() });

interface Line {
  streamId: string;
  position: string;
  type: string;
  instanceId?: string | null;
  instanceName?: string | null;
  data: { sessionId?: string };
  metadata: { sessionId?: string };
}

describe.skipIf(!service.url)(titled('the session timeline against MariaDB', service), () => {
  let h: CapacityHarness;
  let root: mysql.Connection;
  let ids: Record<(typeof names)[number], string>;

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    await root.query(`CREATE DATABASE \`${p}_app\``);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [`${p}_app`, '%', 'x-App-pw-1']);
    await root.query(`GRANT SELECT ON \`${p}_app\`.* TO ?@'%'`, [`${p}_app`]);
    // Only this suite's databases and accounts: the server is shared with other suites.
    h = await openCapacityHarness((real) =>
      onlyAccounts(onlyDatabases(real, p), (a) => a.username.startsWith(`${p}_app`)),
    );
    ids = await h.register(collectorServer(service.url!, collector), names);
  });
  afterAll(async () => {
    await h?.close();
    if (!root) return;
    await dropCollector(root, collector.user);
    await root.query('DROP USER IF EXISTS ?@?', [`${p}_app`, '%']);
    await root.query(`DROP DATABASE IF EXISTS \`${p}_app\``);
    await root.end();
  });

  const replay = async (sessionId: string): Promise<Line[]> => {
    let text = '';
    const code = await replaySession({ store: h.deps.store }, sessionId, true, {
      write: (chunk: string) => ((text += chunk), true),
    });
    expect(code).toBe(0);
    return text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
  };

  /** Every event of these streams that belongs to the session, in commit order: what the timeline must be. */
  const expectedTimeline = async (sessionId: string, streams: string[]) => {
    const all: RecordedEvent[] = [];
    for (const s of streams) all.push(...(await h.raw.readStream(s)));
    return all
      .filter((e) => e.metadata.sessionId === sessionId)
      .sort((a, b) => comparePositions(a.position, b.position))
      .map((e) => `${e.streamId} ${e.type}`);
  };

  const expectWholeStory = async (
    sessionId: string,
    caused: (instanceId: string) => string[],
    causedTypes: string[],
  ) => {
    const lines = await replay(sessionId);
    const streams = [`session-${sessionId}`, ...Object.values(ids).flatMap(caused)];
    expect(lines.map((l) => `${l.streamId} ${l.type}`)).toEqual(await expectedTimeline(sessionId, streams));
    for (let i = 1; i < lines.length; i++)
      expect(comparePositions(parsePosition(lines[i]!.position), parsePosition(lines[i - 1]!.position))).toBe(
        1,
      );
    for (const [name, id] of Object.entries(ids)) {
      const mine = lines.filter((l) => l.instanceId === id);
      expect(mine.every((l) => l.instanceName === name)).toBe(true);
      // Each instance's caused events sit between its record's start and its end.
      const types = mine.map((l) => l.type);
      expect(types.slice(0, 1)).toEqual(['InstanceSyncStarted']);
      expect(types.slice(1, 1 + causedTypes.length)).toEqual(causedTypes);
      expect(types.at(-1)).toBe('InstanceSyncCompleted');
      expect(mine.filter((l) => !l.streamId.startsWith('session-')).map((l) => l.type)).toEqual(causedTypes);
    }
    expect(lines[0]).toMatchObject({ type: 'SessionStarted', instanceId: null, instanceName: null });
    expect(lines.at(-1)).toMatchObject({ type: 'SessionCompleted' });
    return lines;
  };

  const eventsRoute = () => {
    // The real route definitions; only what building them and this handler touch is given.
    const deps = {
      config: loadConfig({ DATABASE_URL: h.db.url }),
      knex: h.db.knex,
      pool: h.db.pool,
      store: h.deps.store,
      logger: h.deps.logger,
      keyring: { current: h.deps.keyring, reload: () => Promise.resolve() },
      commands: {},
      queries: { sessionTimeline: (id: string) => sessionTimeline(h.deps.store, id) },
    };
    const routes = syncSessionRoutes(deps as unknown as ApiDeps);
    const route = routes.find((r) => r.path === '/sync-sessions/:id/events')!;
    return async (id: string) => {
      const { data } = await route.handler({ params: { id } } as never);
      // What the handler answers is what its OpenAPI schema says, field for field.
      expect(route.response.parse(data)).toEqual(data);
      return data as { stream_id: string; type: string; instance_name: string | null; position: string }[];
    };
  };

  it('an account sync: InstanceInventorySynced and PermissionsSynced of each instance among the session events', async () => {
    const started = await makeRunAccountSync(h.deps)(
      { instanceIds: Object.values(ids) },
      'manual_batch',
      ctx(),
    );
    await started.done;
    const lines = await expectWholeStory(started.sessionId, (id) => [`accounts-${id}`], [
      'InstanceInventorySynced',
      'PermissionsSynced',
    ]);

    const api = await eventsRoute()(started.sessionId);
    expect(api.map((e) => `${e.stream_id} ${e.type} ${e.instance_name} ${e.position}`)).toEqual(
      lines.map((l) => `${l.streamId} ${l.type} ${l.instanceName ?? null} ${l.position}`),
    );
  });

  it('a capacity collection, then an aggregation of its day: DatabaseInventorySynced, StatsSaved, InstanceAggregated', async () => {
    const session = await h.collect(Object.values(ids));
    expect(session.state.status).toBe('completed');
    const collection = [...session.history][0]!.metadata.sessionId!;
    await expectWholeStory(collection, (id) => [`capacity-${id}`], ['DatabaseInventorySynced', 'StatsSaved']);

    // The aggregation reads the stats tables: catch up until they hold this collection (a reader sees an
    // event once every older transaction of the cluster ended, other suites' too).
    const logger = createLogger({ level: 'silent' });
    for (let tries = 0; ; tries++) {
      for (const projection of [instancesProjection, capacityProjection])
        await new ProjectionRunner({ projection, store: h.raw, knex: h.db.knex, logger }).catchUp();
      const rows = await h.db.knex('instance_size_stats').countDistinct({ n: 'instance_id' });
      if (Number(rows[0]?.n) === names.length) break;
      if (tries >= 200) throw new Error('the capacity projection did not catch up');
      await new Promise((r) => setTimeout(r, 50));
    }
    const aggregated = await makeAggregate({ knex: h.db.knex, store: h.deps.store })(
      { periodType: 'daily', current: true, timeZone: 'UTC' },
      ctx(),
    );
    const lines = await replay(aggregated.sessionId);
    const figures = lines.filter((l) => l.type === 'InstanceAggregated');
    expect(figures.map((l) => l.instanceName).sort()).toEqual([...names].sort());
    expect(figures.every((l) => l.streamId.startsWith('aggregation-daily-'))).toBe(true);
    expect(lines.map((l) => l.type)).toContain('AggregationCompleted');
    const api = await eventsRoute()(aggregated.sessionId);
    expect(api.map((e) => e.type)).toEqual(lines.map((l) => l.type));
  });
});

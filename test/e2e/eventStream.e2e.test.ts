// GET /events/stream on the built server with the local MariaDB registered (reached through a latency
// proxy, so a sync takes long enough to be seen running): an account sync's session arrives running, then
// completed, with the row GET /sync-sessions shows; a viewer's stream gets the same; ?session_id= follows
// one session from its current state; keepalives come; logging out ends the stream; the per-process cap
// answers 503 and a closed stream frees its place; no credentials is 401; a shutdown ends the streams.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../support/apiServer.js';
import { registerCollector } from '../support/apiInstances.js';
import { openEventStream, type EventStreamClient, type SseEvent } from '../support/eventStreamClient.js';
import { startLatencyProxy, type LatencyProxy } from '../support/latencyProxy.js';
import { collectorServer, createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfs_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const MAX_CLIENTS = 4;

type LiveSession = {
  session_id: string;
  status: string;
  sync_category: string;
  successful_instances: number;
  progress: Record<string, number>;
  last_event_type: string | null;
};

const sessionData = (e: SseEvent) => JSON.parse(e.data) as LiveSession;
const ofSession = (id: string) => (e: SseEvent) => e.event === 'session' && sessionData(e).session_id === id;

describe.skipIf(!service.url)(titled('the live session event stream', service), () => {
  let api: ApiServer;
  let token: string;
  let root: mysql.Connection;
  let proxy: LatencyProxy;
  let instanceId: string;
  const open: EventStreamClient[] = [];

  const stream = async (bearer: string | undefined, query = '') => {
    const client = await openEventStream(`${api.baseUrl}/events/stream${query}`, {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    });
    open.push(client);
    if (client.status === 200) await client.until(() => client.comments.includes('connected'));
    return client;
  };
  const startSync = async () => {
    const res = await api.call<{ data: { session_id: string } }>(
      'POST',
      `/instances/${instanceId}/actions/sync-accounts`,
      { token },
    );
    expect(res.status).toBe(202);
    return res.body.data.session_id;
  };
  /** The session's events on the stream until the one that is no longer running. */
  const statusesOf = async (client: EventStreamClient, id: string) => {
    await client.waitFor((e) => ofSession(id)(e) && sessionData(e).last_event_type === 'SessionCompleted');
    return client.events.filter(ofSession(id)).map(sessionData);
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url! });
    await createCollector(root, collector.user, collector.password);
    proxy = await startLatencyProxy(collectorServer(service.url!, collector), 25);
    api = await startApiServer({
      EVENT_STREAM_KEEPALIVE_MS: '300',
      EVENT_STREAM_MAX_CLIENTS: String(MAX_CLIENTS),
    });
    token = await api.adminToken();
    instanceId = await registerCollector(api, token, `${p}-m`, service.url!, collector, proxy);
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await api?.stop();
    await proxy?.close();
    if (root) {
      await dropCollector(root, collector.user);
      await root.end();
    }
  });

  it('without credentials: 401 AUTHENTICATION_REQUIRED, as JSON', async () => {
    const client = await stream(undefined);
    expect(client.status).toBe(401);
    expect(client.body).toMatchObject({ success: false, message_code: 'AUTHENTICATION_REQUIRED' });
    const bad = await stream(token, '?session_id=not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ message_code: 'VALIDATION_ERROR' });
  });

  it("an account sync's session arrives running, then completed, as GET /sync-sessions shows it; a viewer's stream gets the same", async () => {
    const admin = await stream(token);
    const viewer = await stream(await api.userToken('viewer'));
    expect(admin.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(admin.headers.get('cache-control')).toContain('no-cache');
    const id = await startSync();

    const seen = await statusesOf(admin, id);
    expect(seen[0]).toMatchObject({ status: 'running', sync_category: 'account' });
    expect(seen.at(-1)).toMatchObject({
      status: 'completed',
      successful_instances: 1,
      last_event_type: 'SessionCompleted',
      progress: { total: 1, completed: 1, failed: 0, running: 0 },
    });
    // Running, then completed, never back.
    const firstDone = seen.findIndex((s) => s.status !== 'running');
    expect(seen.slice(firstDone).every((s) => s.status === 'completed')).toBe(true);
    expect(seen.slice(0, firstDone).length).toBeGreaterThan(0);
    const { progress, last_event_type, ...row } = seen.at(-1)!;
    void progress;
    void last_event_type;
    const read = await api.call<{ data: Record<string, unknown> }>('GET', `/sync-sessions/${id}`, { token });
    expect(read.body.data).toMatchObject(row);

    const viewed = await statusesOf(viewer, id);
    expect(viewed[0]!.status).toBe('running');
    expect(viewed.at(-1)).toEqual(seen.at(-1));
    // Keepalive comments every 300 ms here.
    await admin.until(() => admin.comments.filter((c) => c === 'keepalive').length >= 2, 5_000);
    admin.close();
    viewer.close();
  });

  it('?session_id= sends that session as it is now, then only its changes', async () => {
    const watcher = await stream(token);
    const first = await startSync();
    await statusesOf(watcher, first);
    const viewerToken = await api.userToken('viewer');
    const follower = await stream(viewerToken, `?session_id=${first}`);
    const current = sessionData(await follower.waitFor(ofSession(first), 5_000));
    expect(current).toMatchObject({ session_id: first, status: 'completed', last_event_type: null });

    const second = await startSync();
    await statusesOf(watcher, second);
    // The follower got nothing of the other session (the watcher saw it end after the follower subscribed).
    await new Promise((r) => setTimeout(r, 300));
    expect(
      follower.events.filter((e) => e.event === 'session').map((e) => sessionData(e).session_id),
    ).toEqual([first]);
    watcher.close();
    follower.close();
  });

  it('logging out ends the stream with event: end', async () => {
    const userToken = await api.userToken('user');
    const client = await stream(userToken);
    const out = await api.call('POST', '/auth/logout', { token: userToken });
    expect(out.status).toBe(200);
    await Promise.race([
      client.ended,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the stream did not end')), 5_000)),
    ]);
    const end = client.events.find((e) => e.event === 'end');
    expect(JSON.parse(end!.data)).toEqual({ reason: 'credentials', message_code: 'AUTHENTICATION_REQUIRED' });
  });

  it(`at most ${MAX_CLIENTS} streams: 503 beyond, and a closed one frees its place`, async () => {
    // The streams of the tests before (one that failed left its own open) go first.
    for (const c of open.splice(0)) c.close();
    await new Promise((r) => setTimeout(r, 500));
    const clients = [];
    for (let i = 0; i < MAX_CLIENTS; i++) clients.push(await stream(token));
    expect(clients.map((c) => c.status)).toEqual(Array(MAX_CLIENTS).fill(200));
    const refused = await stream(token);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      message_code: 'SERVICE_UNAVAILABLE',
      context: { limit: MAX_CLIENTS },
    });

    clients[0]!.close();
    await expect
      .poll(async () => {
        const again = await stream(token);
        again.close();
        return again.status;
      })
      .toBe(200);
    for (const c of clients) c.close();
  });

  it('the OpenAPI document gives the route as text/event-stream', async () => {
    const doc = await api.call<{
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, unknown> }> } }>;
    }>('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths['/api/v1/events/stream']!.get.responses['200']!.content)).toEqual([
      'text/event-stream',
    ]);
  });

  // Last: it stops the server.
  it('at shutdown an open stream gets event: end at once, and the server exits 0', async () => {
    const client = await stream(token);
    const signalled = Date.now();
    const exited = api.server.stop('SIGTERM');
    await client.ended;
    // Before closeHttp's 5 s for connections that stay open.
    expect(Date.now() - signalled).toBeLessThan(4_000);
    const end = client.events.find((e) => e.event === 'end');
    expect(JSON.parse(end!.data)).toEqual({ reason: 'shutdown', message_code: 'SERVICE_UNAVAILABLE' });
    expect(await exited).toBe(0);
  });
});

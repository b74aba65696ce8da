// /health: ping (public), basic, detailed (database, event store, each projection's lag).
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { formatPosition } from '../../domain/events/envelope.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type RouteDefinition } from '../route.js';

const LAG_CAP = 1000;

async function timed<T>(
  work: () => Promise<T>,
): Promise<{ ok: boolean; latency_ms: number; value?: T; error?: string }> {
  const started = performance.now();
  try {
    const value = await work();
    return { ok: true, latency_ms: Math.round(performance.now() - started), value };
  } catch (err) {
    return {
      ok: false,
      latency_ms: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

export function healthRoutes({ knex, store, projections, version }: ApiDeps): RouteDefinition[] {
  const started = Date.now();
  const basic = () => ({
    status: 'ok',
    version,
    uptime_seconds: Math.round((Date.now() - started) / 1000),
    time: new Date().toISOString(),
  });

  return [
    defineRoute({
      method: 'get',
      path: '/health/ping',
      tag: 'health',
      summary: 'Liveness: answers without touching anything',
      access: 'public',
      response: z.object({ status: z.literal('ok') }),
      handler: () => Promise.resolve({ data: { status: 'ok' as const }, message: 'pong' }),
    }),
    defineRoute({
      method: 'get',
      path: '/health/basic',
      tag: 'health',
      summary: 'Version and uptime',
      access: { permission: 'view' },
      response: z.object({
        status: z.string(),
        version: z.string(),
        uptime_seconds: z.number(),
        time: z.string(),
      }),
      handler: () => Promise.resolve({ data: basic() }),
    }),
    defineRoute({
      method: 'get',
      path: '/health/detailed',
      tag: 'health',
      summary: "Database, event store and each projection's lag (events and seconds behind the log)",
      access: { permission: 'view' },
      response: z.object({
        status: z.enum(['ok', 'degraded']),
        version: z.string(),
        uptime_seconds: z.number(),
        time: z.string(),
        database: z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() }),
        event_store: z.object({
          ok: z.boolean(),
          latency_ms: z.number(),
          head_position: z.string().nullable(),
          error: z.string().optional(),
        }),
        projections: z.array(
          z.object({
            name: z.string(),
            running: z.boolean(),
            checkpoint: z.string(),
            lag_events: z.number(),
            lag_events_capped: z.boolean(),
            lag_seconds: z.number(),
            last_error: z.string().nullable(),
          }),
        ),
      }),
      handler: async () => {
        const database = await timed(() => knex.raw('SELECT 1'));
        const head = await timed(() => store.headPosition());
        const lags = await Promise.all(
          projections.status().map(async (p) => {
            const behind = await store
              .readAll({ fromPosition: p.checkpoint, maxCount: LAG_CAP })
              .catch(() => []);
            const oldest = behind[0];
            return {
              name: p.projection,
              running: p.running,
              checkpoint: formatPosition(p.checkpoint),
              lag_events: behind.length,
              lag_events_capped: behind.length >= LAG_CAP,
              lag_seconds: oldest
                ? Math.max(0, Math.round((Date.now() - oldest.recordedAt.getTime()) / 1000))
                : 0,
              last_error: p.lastError ?? null,
            };
          }),
        );
        const healthy = database.ok && head.ok && lags.every((l) => !l.last_error);
        return {
          data: {
            ...basic(),
            status: healthy ? ('ok' as const) : ('degraded' as const),
            database: {
              ok: database.ok,
              latency_ms: database.latency_ms,
              ...(database.error ? { error: database.error } : {}),
            },
            event_store: {
              ok: head.ok,
              latency_ms: head.latency_ms,
              head_position: head.value ? formatPosition(head.value) : null,
              ...(head.error ? { error: head.error } : {}),
            },
            projections: lags,
          },
        };
      },
    }),
  ];
}

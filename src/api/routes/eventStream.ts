// GET /events/stream (issue 15): server-sent events of session progress for the live views. Each change of a
// session (started, a record started / completed / failed / retried, completed, cancelled...) is sent as
// `event: session` once the sync_sessions projection has applied it, with the session's row and its records
// counted by status as data (src/projections/syncSessions/feed.ts), so a page re-renders without another
// request; `?session_id=` follows one session (its current state first). A `: keepalive` comment comes every
// EVENT_STREAM_KEEPALIVE_MS (15 s), and each keepalive checks the credentials again: once they no longer
// hold (logged out, expired, password changed, user disabled) the stream sends `event: end` and closes, as
// it does at shutdown. At most EVENT_STREAM_MAX_CLIENTS (100) streams per process: 503 beyond.
//
// Who sees what: every session read of the API needs `view` (GET /sync-sessions, one session, its error
// logs and timeline), so viewers, users and admins get the same `session` events, what GET /sync-sessions
// shows them. Nothing only an admin may read (audit events, users) travels on the stream, and record
// error messages stay behind GET /sync-sessions/{id}/error-logs.
import type { Response } from 'express';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { MessageCode } from '../../domain/messageCodes.js';
import { can } from '../../domain/users/roles.js';
import { sessionsWithProgress } from '../../projections/syncSessions/dashboard.js';
import type { SessionListener, SessionUpdate } from '../../projections/syncSessions/feed.js';
import type { ApiDeps } from '../deps.js';
import { makeAuthenticate } from '../middleware/authenticate.js';
import { defineRoute, streamOpened, type RouteDefinition } from '../route.js';
import { liveSessionSchema } from '../schemas/dashboard.js';

const permission = 'view' as const;
/** A client that reads slower than its events come is dropped once this much waits for it. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** How long an EventSource waits before it reconnects. */
const RETRY_MS = 3000;

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Why the server ends a stream (the data of `event: end`). */
interface Ending {
  reason: 'shutdown' | 'too_slow' | 'credentials' | 'error';
  message_code: MessageCode;
}

export function eventStreamRoutes({ sessionFeed, config, knex, authentication }: ApiDeps): RouteDefinition[] {
  const authenticate = makeAuthenticate(authentication);
  const { maxClients, keepaliveMs } = config.eventStream;
  return [
    defineRoute({
      method: 'get',
      path: '/events/stream',
      tag: 'events',
      summary:
        'Server-sent events (text/event-stream) of session progress: `event: session` after each change (session_id: one session, its state first); keepalive; 503 when full',
      access: { permission },
      query: z.strictObject({ session_id: z.uuid().optional().describe('follow this session only') }),
      response: liveSessionSchema,
      contentType: 'text/event-stream',
      stream: true,
      handler: async ({ query, req, res }) => {
        if (sessionFeed.size >= maxClients)
          throw new AppError(
            'SERVICE_UNAVAILABLE',
            `this server already serves ${maxClients} event streams (EVENT_STREAM_MAX_CLIENTS): try again later`,
            { limit: maxClients },
          );
        const wanted = (s: { session_id: string }) => !query.session_id || s.session_id === query.session_id;
        let ended = false;
        // Set once the stream is open; end() may run before (shutdown while subscribing).
        const held: { keepalive?: NodeJS.Timeout; unsubscribe?: () => void } = {};
        const write = (text: string) => {
          if (ended) return;
          res.write(text);
          if (res.writableLength > MAX_BUFFERED_BYTES)
            end({ reason: 'too_slow', message_code: 'SERVICE_UNAVAILABLE' });
        };
        const end = (why?: Ending) => {
          if (ended) return;
          if (why && res.headersSent && !res.destroyed) res.write(frame('end', why));
          ended = true;
          clearInterval(held.keepalive);
          held.unsubscribe?.();
          if (res.headersSent) res.end();
        };
        const listener: SessionListener = {
          update: (session: SessionUpdate) => {
            if (wanted(session)) write(frame('session', session));
          },
          end: () => end({ reason: 'shutdown', message_code: 'SERVICE_UNAVAILABLE' }),
        };
        // Subscribed before the headers go: a change made once the client has them is never missed.
        const unsubscribe = (held.unsubscribe = await sessionFeed.subscribe(listener));
        res.on('close', () => end());
        if (ended || res.destroyed) {
          // The client went, or the server began to shut down, while the subscription opened.
          unsubscribe();
          if (!res.headersSent && !res.destroyed) throw new AppError('SERVICE_UNAVAILABLE');
          return streamOpened;
        }
        open(res);
        res.write(`retry: ${RETRY_MS}\n: connected\n\n`);
        held.keepalive = setInterval(() => {
          write(': keepalive\n\n');
          authenticate(req).then(
            (user) => {
              if (!can(user.row.role, permission))
                end({ reason: 'credentials', message_code: 'PERMISSION_DENIED' });
            },
            (err: unknown) => {
              // Refused credentials end it; a database that does not answer for a moment does not.
              if (err instanceof AppError && (err.status === 401 || err.status === 403))
                end({ reason: 'credentials', message_code: err.code });
            },
          );
        }, keepaliveMs);
        if (query.session_id) {
          try {
            const [current] = await sessionsWithProgress(knex, [query.session_id]);
            if (current) write(frame('session', { ...current, last_event_type: null }));
          } catch {
            end({ reason: 'error', message_code: 'INTERNAL_ERROR' });
          }
        }
        return streamOpened;
      },
    }),
  ];
}

function open(res: Response): void {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // A proxy (nginx) must pass each event on as it comes.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
}

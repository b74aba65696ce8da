// The typed API client: openapi-fetch over the generated paths (schema.d.ts), so every call is checked
// against the OpenAPI document. It sends the session cookie, adds the CSRF token to writes, unwraps the
// envelope, and turns a failure into an ApiError carrying the server's message code. A 401 tells the
// app to show the login page (onUnauthorized).
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export type { paths };

/** A failed call: the server's message code (VALIDATION_ERROR, PERMISSION_DENIED, ...) and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly context?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorEnvelope {
  message_code?: string;
  message?: string;
  context?: Record<string, unknown>;
}

let unauthorized: () => void = () => undefined;
/** Called on every 401 (the session expired or was revoked). */
export const onUnauthorized = (handler: () => void): void => {
  unauthorized = handler;
};

let csrfToken: Promise<string> | undefined;
/** The CSRF token is bound to the session: forget it on login and logout. */
export const resetCsrf = (): void => {
  csrfToken = undefined;
};
const fetchCsrf = async (): Promise<string> => {
  const res = await fetch('/api/v1/auth/csrf-token', { credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(res.status, 'CSRF_UNAVAILABLE', 'could not get a CSRF token');
  const body = (await res.json()) as { data: { csrf_token: string } };
  return body.data.csrf_token;
};

const session: Middleware = {
  async onRequest({ request }) {
    if (request.method === 'GET' || request.url.endsWith('/auth/login')) return request;
    csrfToken ??= fetchCsrf().catch((err: unknown) => {
      csrfToken = undefined;
      throw err;
    });
    request.headers.set('X-CSRF-Token', await csrfToken);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.endsWith('/auth/login')) unauthorized();
    return response;
  },
};

export const client = createClient<paths>({ baseUrl: '/api/v1', credentials: 'same-origin' });
client.use(session);

type Envelope<T> = { data?: T; meta?: PageMeta };
export interface PageMeta {
  page: number;
  limit: number;
  total: number;
  pages: number;
}

/** The error envelope as an ApiError. */
export function toApiError(status: number, error: unknown): ApiError {
  const e = (error ?? {}) as ErrorEnvelope;
  return new ApiError(
    status,
    e.message_code ?? `HTTP_${status}`,
    e.message ?? `the server answered ${status}`,
    e.context,
  );
}

/**
 * Awaits an openapi-fetch call and returns the envelope's `data` (and `meta` for lists), or throws the
 * ApiError. `unwrap(client.GET('/instances', { params: { query } }))`.
 */
export async function unwrap<T>(
  call: Promise<{ data?: Envelope<T>; error?: unknown; response: Response }>,
): Promise<T> {
  return (await unwrapPage(call)).data;
}

export async function unwrapPage<T>(
  call: Promise<{ data?: Envelope<T>; error?: unknown; response: Response }>,
): Promise<{ data: T; meta: PageMeta | undefined }> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) throw toApiError(response.status, error);
  return { data: data.data as T, meta: data.meta };
}

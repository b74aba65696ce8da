// pino, JSON by default and pretty on a terminal. Secrets are redacted at any depth: a field whose
// name looks secret (any case, camel/snake/kebab) is censored, and credentials inside URLs in any
// string (postgres://user:pw@host) are masked, in the logged object and in the message.
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACTED = '[REDACTED]';

// Matched against the key with '-' and '_' removed and lower-cased: accessToken, access_token,
// x-csrf-token, Set-Cookie, PRIVATE_KEY, client_secret, proxy-authorization, sessionToken...
// Identifiers are not secrets: sessionId, session_id, sessionIds and correlationId pass (every sync log
// line names its session). What holds a session itself does not: `session`, `sid` (the usual cookie
// name), sessionKey; sessionToken, sessionSecret and sessionCookie match token, secret and cookie.
const secretKey =
  /(password|passwd|passphrase|^pwd$|token|secret|cookie|authorization|apikey|privatekey|csrf|^session$|sessionkey|^sid$)/;

export const isSecretKey = (key: string): boolean => secretKey.test(key.replace(/[-_]/g, '').toLowerCase());

const urlCredentials = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi;

/** Masks the password part of any URL in a string. */
export const scrubText = (text: string): string => text.replace(urlCredentials, `$1$2:${REDACTED}@`);

// pino does not run formatters over child-logger bindings, but it does apply redact paths to them.
const bindingKeys = [
  'password',
  'token',
  'secret',
  'cookie',
  'authorization',
  'apiKey',
  'secretKey',
  'accessToken',
];
const bindingPaths = bindingKeys.flatMap((k) => {
  const snake = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return [...new Set([k, k.toLowerCase(), snake, snake.toUpperCase(), k[0]!.toUpperCase() + k.slice(1)])];
});

const MAX_DEPTH = 12;

const isPlain = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A redacted copy; the logged object itself is never modified. Plain objects and arrays are walked;
 * Errors become {type, message, stack} (scrubbed) plus their own fields; other class instances (requests,
 * responses, dates, buffers) are left for pino's serializers, which only pick safe fields.
 */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  if (value instanceof Error) {
    // Prototype-less, so pino's err serializer takes `name` for the type rather than 'Object'.
    return Object.assign(Object.create(null) as Record<string, unknown>, {
      name: value.name,
      type: value.name,
      message: scrubText(value.message),
      stack: value.stack === undefined ? undefined : scrubText(value.stack),
      ...(redact({ ...value }, depth + 1, seen) as Record<string, unknown>),
    });
  }
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redact(v, depth + 1, seen);
  }
  return out;
}

export interface LoggerOptions {
  level: string;
  pretty?: boolean | undefined;
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { service: 'whalefall' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: bindingPaths, censor: REDACTED },
    formatters: { log: (object) => redact(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as typeof args;
        method.apply(this, scrubbed);
      },
    },
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(base);
}

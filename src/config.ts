// The one place that reads the environment. Everything else receives a Config.
import path from 'node:path';
import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const wholeNumber = (min: number, max: number, what: string) =>
  z
    .string()
    .regex(/^\d+$/, `expected ${what}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `expected ${what}`);

const port = (fallback: number) => wholeNumber(1, 65535, 'a port from 1 to 65535').default(fallback);

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), 'expected a postgres:// or postgresql:// URL');

const optional = <T extends z.ZodType>(schema: T) => schema.optional();

// 32 bytes: 44 base64 characters with one '=' (or 43 base64url without padding), or 64 hex digits.
const isSecretKey = (v: string) =>
  /^[0-9a-fA-F]{64}$/.test(v) || /^[A-Za-z0-9+/]{43}=$/.test(v) || /^[A-Za-z0-9_-]{43}$/.test(v);

const envSchema = z.object({
  DATABASE_URL: optional(postgresUrl),
  EVENTSTORE_URL: optional(
    z.string().refine((v) => /^(esdb|kurrentdb|kdb|esdb\+discover|kurrentdb\+discover):\/\/.+/.test(v), {
      error: 'expected an esdb:// or kurrentdb:// connection string',
    }),
  ),
  WHALEFALL_SECRET_KEY: optional(
    z.string().refine(isSecretKey, 'expected 32 bytes, as base64 or 64 hex digits'),
  ),
  WHALEFALL_PREVIOUS_SECRET_KEYS: optional(
    z
      .string()
      .refine(
        (v) => v.split(',').every((k) => isSecretKey(k.trim())),
        'expected a comma-separated list of 32-byte keys',
      ),
  ),
  WHALEFALL_DATA_DIR: z.string().default('./.whalefall'),
  WHALEFALL_EMBEDDED_PG_PORT: port(54329),
  WHALEFALL_EMBEDDED_PG_RESTARTS: wholeNumber(0, 20, 'a whole number from 0 to 20').default(5),
  WHALEFALL_EMBEDDED_PG_RESTART_BACKOFF_MS: wholeNumber(0, 60_000, 'milliseconds from 0 to 60000').default(
    1000,
  ),
  WHALEFALL_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone such as UTC or Asia/Shanghai'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port(5080),
  LOG_LEVEL: z.enum(logLevels, { error: `expected one of ${logLevels.join(', ')}` }).default('info'),
  LOG_PRETTY: optional(z.enum(['true', 'false'], { error: 'expected true or false' })),
  WHALEFALL_ADMIN_PASSWORD: optional(z.string().min(8, 'expected at least 8 characters')),
  JWT_TTL_SECONDS: wholeNumber(60, 30 * 24 * 3600, 'seconds from 60 to 2592000').default(8 * 3600),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false'], { error: 'expected auto, true or false' }).default('auto'),
  TRUST_PROXY: z.enum(['true', 'false'], { error: 'expected true or false' }).default('false'),
  HTTP_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 100kb or 1mb')
    .default('100kb'),
  LOGIN_RATE_LIMIT_WINDOW_MS: wholeNumber(
    1000,
    24 * 3600 * 1000,
    'milliseconds from 1000 to 86400000',
  ).default(15 * 60 * 1000),
  LOGIN_RATE_LIMIT_PER_USER: wholeNumber(1, 10_000, 'a whole number from 1 to 10000').default(5),
  LOGIN_RATE_LIMIT_PER_ADDRESS: wholeNumber(1, 100_000, 'a whole number from 1 to 100000').default(50),
  SYNC_CONCURRENCY: wholeNumber(1, 64, 'a whole number from 1 to 64').default(8),
  DATABASE_POOL_SIZE: optional(wholeNumber(2, 500, 'a whole number from 2 to 500')),
  SYNC_GLOBAL_CAP_ACCOUNT: wholeNumber(1, 1024, 'a whole number from 1 to 1024').default(64),
  SYNC_GLOBAL_CAP_CAPACITY: wholeNumber(1, 1024, 'a whole number from 1 to 1024').default(64),
  SYNC_INSTANCE_DEADLINE_MS: wholeNumber(
    1000,
    24 * 3600 * 1000,
    'milliseconds from 1000 to 86400000',
  ).default(5 * 60 * 1000),
  SYNC_RECOVERY_INTERVAL_MS: wholeNumber(1000, 3600 * 1000, 'milliseconds from 1000 to 3600000').default(
    60 * 1000,
  ),
  INVENTORY_MAX_DEACTIVATE_PERCENT: wholeNumber(0, 100, 'a whole number from 0 to 100').default(50),
  SYNC_HEARTBEAT_MS: wholeNumber(100, 600_000, 'milliseconds from 100 to 600000').default(2000),
  CAPACITY_ATTEMPTS: wholeNumber(1, 10, 'a whole number from 1 to 10').default(3),
  CAPACITY_RETRY_BACKOFF_MS: wholeNumber(0, 600_000, 'milliseconds from 0 to 600000').default(2000),
  PARTITION_MONTHS_AHEAD: wholeNumber(1, 24, 'a whole number from 1 to 24').default(3),
  PARTITION_RETENTION_MONTHS: wholeNumber(1, 240, 'a whole number from 1 to 240').default(24),
  WHALEFALL_SCHEDULER: z.enum(['on', 'off'], { error: 'expected on or off' }).default('on'),
  PGBOSS_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case PostgreSQL schema name')
    .default('pgboss'),
  SCHEDULER_MISFIRE_GRACE_MS: wholeNumber(0, 24 * 3600 * 1000, 'milliseconds from 0 to 86400000').default(
    5 * 60 * 1000,
  ),
  SCHEDULER_CATCH_UP_INTERVAL_MS: wholeNumber(1000, 3600 * 1000, 'milliseconds from 1000 to 3600000').default(
    30_000,
  ),
  PARTITION_MAINTENANCE_INTERVAL_MS: wholeNumber(
    60_000,
    7 * 24 * 3600 * 1000,
    'milliseconds from 60000 to 604800000',
  ).default(6 * 3600 * 1000),
  EVENT_STREAM_MAX_CLIENTS: wholeNumber(1, 10_000, 'a whole number from 1 to 10000').default(100),
  EVENT_STREAM_KEEPALIVE_MS: wholeNumber(100, 600_000, 'milliseconds from 100 to 600000').default(15_000),
  PROJECTION_BATCH_SIZE: wholeNumber(1, 100_000, 'a whole number from 1 to 100000').default(1000),
  PROJECTION_POLL_MS: wholeNumber(10, 600_000, 'milliseconds from 10 to 600000').default(1000),
  PROJECTION_LEADER_RETRY_MS: wholeNumber(100, 600_000, 'milliseconds from 100 to 600000').default(2000),
  METRICS_TOKEN: optional(z.string().min(16, 'expected at least 16 characters')),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  databaseUrl: string | undefined;
  /** Connections of each of the two PostgreSQL pools (read tables and commands; the event store). */
  databasePoolSize: number;
  eventStoreUrl: string | undefined;
  secretKey: string | undefined;
  /** Keys that only decrypt (during a rotation). */
  previousSecretKeys: string[];
  dataDir: string;
  embeddedPgPort: number;
  /** When the embedded postmaster exits on its own: restart attempts, and the wait before the first (doubling). */
  embeddedPgRestart: { attempts: number; backoffMs: number };
  timezone: string;
  host: string;
  port: number;
  logLevel: (typeof logLevels)[number];
  logPretty: boolean | undefined;
  projectionBatchSize: number;
  projectionPollMs: number;
  /** How often a process that does not lead a projection tries for its lock (the takeover delay). */
  projectionLeaderRetryMs: number;
  adminPassword: string | undefined;
  jwtTtlSeconds: number;
  /** 'auto': Secure cookies when the request came over HTTPS. */
  cookieSecure: 'auto' | boolean;
  trustProxy: boolean;
  httpBodyLimit: string;
  loginRateLimit: { windowMs: number; perUser: number; perAddress: number };
  /** An inventory deactivating more than this % of an instance's accounts (and at least 3) waits for an operator. */
  inventory: { maxDeactivatePercent: number };
  sync: {
    concurrency: number;
    /** Shared records of a category running at once across every process (`serve` and `worker`). */
    globalCap: { account: number; capacity: number };
    instanceDeadlineMs: number;
    recoveryIntervalMs: number;
    /** How often a process that runs syncs writes its heartbeat; three missed beats and it counts as gone. */
    heartbeatMs: number;
  };
  /** In-run retries of a failed capacity collection: attempts in all, backoff before the 2nd (doubling). */
  capacity: { attempts: number; retryBackoffMs: number };
  /** The maintenance pass of `serve` keeps this month and `monthsAhead` months ahead partitioned. */
  partitions: { monthsAhead: number; maintenanceIntervalMs: number; retentionMonths: number };
  /**
   * The scheduler of `serve` (pg-boss in its own schema): off runs no job by itself. A tick missed by up to
   * misfireGraceMs still runs once; the catch-up pass looks for such ticks every catchUpIntervalMs.
   */
  scheduler: { enabled: boolean; schema: string; misfireGraceMs: number; catchUpIntervalMs: number };
  /** The bearer token of GET /metrics; unset: /metrics answers 404. */
  metricsToken: string | undefined;
  /** GET /events/stream: open streams this process serves at most (503 beyond), keepalive comment interval. */
  eventStream: { maxClients: number; keepaliveMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable and what was expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Values are trimmed, and a blank one means unset (PORT= in a .env file, ${PORT} with PORT unset).
  const cleaned: Record<string, string | undefined> = {};
  for (const name of Object.keys(envSchema.shape)) {
    const value = env[name]?.trim();
    cleaned[name] = value === '' ? undefined : value;
  }
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      const raw = env[name];
      const shown = raw === undefined || /SECRET|URL|PASSWORD|TOKEN/.test(name) ? '' : ` (got '${raw}')`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    // Each of the two pools (read tables, event store): a session at SYNC_CONCURRENCY c appends from up to c
    // records at once, and the API, projections and scheduler need connections meanwhile.
    databasePoolSize: e.DATABASE_POOL_SIZE ?? Math.max(10, e.SYNC_CONCURRENCY + 4),
    eventStoreUrl: e.EVENTSTORE_URL,
    secretKey: e.WHALEFALL_SECRET_KEY,
    previousSecretKeys: e.WHALEFALL_PREVIOUS_SECRET_KEYS?.split(',').map((k) => k.trim()) ?? [],
    dataDir: path.resolve(e.WHALEFALL_DATA_DIR),
    embeddedPgPort: e.WHALEFALL_EMBEDDED_PG_PORT,
    embeddedPgRestart: {
      attempts: e.WHALEFALL_EMBEDDED_PG_RESTARTS,
      backoffMs: e.WHALEFALL_EMBEDDED_PG_RESTART_BACKOFF_MS,
    },
    timezone: e.WHALEFALL_TIMEZONE,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY === undefined ? undefined : e.LOG_PRETTY === 'true',
    projectionBatchSize: e.PROJECTION_BATCH_SIZE,
    projectionPollMs: e.PROJECTION_POLL_MS,
    projectionLeaderRetryMs: e.PROJECTION_LEADER_RETRY_MS,
    adminPassword: e.WHALEFALL_ADMIN_PASSWORD,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    cookieSecure: e.COOKIE_SECURE === 'auto' ? 'auto' : e.COOKIE_SECURE === 'true',
    trustProxy: e.TRUST_PROXY === 'true',
    httpBodyLimit: e.HTTP_BODY_LIMIT,
    capacity: { attempts: e.CAPACITY_ATTEMPTS, retryBackoffMs: e.CAPACITY_RETRY_BACKOFF_MS },
    sync: {
      concurrency: e.SYNC_CONCURRENCY,
      globalCap: { account: e.SYNC_GLOBAL_CAP_ACCOUNT, capacity: e.SYNC_GLOBAL_CAP_CAPACITY },
      instanceDeadlineMs: e.SYNC_INSTANCE_DEADLINE_MS,
      recoveryIntervalMs: e.SYNC_RECOVERY_INTERVAL_MS,
      heartbeatMs: e.SYNC_HEARTBEAT_MS,
    },
    inventory: { maxDeactivatePercent: e.INVENTORY_MAX_DEACTIVATE_PERCENT },
    partitions: {
      monthsAhead: e.PARTITION_MONTHS_AHEAD,
      maintenanceIntervalMs: e.PARTITION_MAINTENANCE_INTERVAL_MS,
      retentionMonths: e.PARTITION_RETENTION_MONTHS,
    },
    scheduler: {
      enabled: e.WHALEFALL_SCHEDULER === 'on',
      schema: e.PGBOSS_SCHEMA,
      misfireGraceMs: e.SCHEDULER_MISFIRE_GRACE_MS,
      catchUpIntervalMs: e.SCHEDULER_CATCH_UP_INTERVAL_MS,
    },
    eventStream: { maxClients: e.EVENT_STREAM_MAX_CLIENTS, keepaliveMs: e.EVENT_STREAM_KEEPALIVE_MS },
    loginRateLimit: {
      windowMs: e.LOGIN_RATE_LIMIT_WINDOW_MS,
      perUser: e.LOGIN_RATE_LIMIT_PER_USER,
      perAddress: e.LOGIN_RATE_LIMIT_PER_ADDRESS,
    },
    metricsToken: e.METRICS_TOKEN,
  };
}

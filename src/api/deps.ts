// What route handlers may use: the commands and read ports built by the composition root (src/compose.ts),
// the read tables (knex, for the projections' queries) and the projections' positions.
import type { Store } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { TokenClaims } from '../adapters/auth/tokens.js';
import type { DatabaseMonitor } from '../adapters/db/databaseMonitor.js';
import type { PartitionInfo, PartitionStatus } from '../adapters/db/partitions.js';
import type { PublicUser, UserRow, usersTable } from '../adapters/db/usersTable.js';
import type { foldLedger } from '../domain/accounts/ledger.js';
import type { DbType } from '../domain/engines/model.js';
import type { Commands } from '../compose.js';
import type { CommandContext } from '../commands/commandContext.js';
import type { makeChangePassword, makeLogin, makeLogout } from '../commands/auth.js';
import type { BackgroundTasks } from '../commands/sync/backgroundTasks.js';
import type { TimelineEntry } from '../commands/sync/sessionTimeline.js';
import type { Config } from '../config.js';
import type { Position, RecordedEvent } from '../domain/events/envelope.js';
import type { Logger } from '../logger.js';
import type { Paging } from '../domain/paging.js';
import type { classificationsAsOf, membersAsOf } from '../projections/classification/asOf.js';
import type { ProjectionDaemon } from '../projections/daemon.js';
import type { SessionFeed } from '../projections/syncSessions/feed.js';
import type { Csrf } from './middleware/csrf.js';
import type { Scheduler } from '../commands/scheduler/scheduler.js';

export interface ApiCommands extends Commands {
  login: ReturnType<typeof makeLogin>;
  logout: ReturnType<typeof makeLogout>;
  changePassword: ReturnType<typeof makeChangePassword>;
  /** Records a login refused by a rate limiter (LoginFailed, reason rate_limited). */
  auditLoginRateLimited(
    ctx: CommandContext,
    attempt: { username: string; ip: string | null },
  ): Promise<Position>;
}

export interface ApiQueries {
  /** A round trip to the database (SELECT 1). */
  pingDatabase(): Promise<unknown>;
  headPosition(): Promise<Position>;
  /** At most maxCount events of the log after the position. */
  eventsAfter(position: Position, maxCount: number): Promise<RecordedEvent[]>;
  /** Whether the session's stream exists (its read row may not be there yet). */
  sessionExists(id: string): Promise<boolean>;
  sessionTimeline(id: string): Promise<TimelineEntry[] | undefined>;
  /** An instance's account ledger folded from its accounts stream up to the moment. */
  accountLedgerAt(instanceId: string, asOf: Date): Promise<ReturnType<typeof foldLedger>>;
  /** The classifications an account held at the moment (its instance's assignments stream); undefined: no such account. */
  classificationsAsOf(accountId: string, asOf: Date): ReturnType<typeof classificationsAsOf>;
  /** The accounts that held a classification at the moment, paged. */
  classificationMembersAsOf(
    classificationId: string,
    asOf: Date,
    paging: Paging,
  ): ReturnType<typeof membersAsOf>;
  users: {
    list: (
      filters: Parameters<typeof usersTable.list>[1],
      paging: Parameters<typeof usersTable.list>[2],
    ) => Promise<{ rows: UserRow[]; total: number }>;
    stats: () => ReturnType<typeof usersTable.stats>;
    byId: (id: string) => Promise<UserRow | undefined>;
    /** What the API shows of a user: never the hash. */
    toApi: (row: UserRow) => PublicUser;
  };
  partitions: {
    list: (table: string) => Promise<PartitionInfo[]>;
    status: (tables: readonly string[], today: string, monthsAhead: number) => Promise<PartitionStatus>;
  };
  /** Migrations this code has and the database lacks, or the other way round. */
  migrationDrift(): Promise<{ pending: string[]; unknown: string[] }>;
  defaultPorts: Record<DbType, number>;
}

/** What authenticating a request reads: the token's claims (or why it is refused) and the user. */
export interface AuthenticationPort {
  verify(token: string): Promise<TokenClaims | 'expired' | 'invalid'>;
  /** The user a token names and whether the token (its jti) was revoked; undefined: no such user. */
  userForToken(userId: string, jti: string): Promise<{ row: UserRow; revoked: boolean } | undefined>;
  passwordFingerprint(passwordHash: string): string;
}

export interface ApiDeps {
  config: Config;
  logger: Logger;
  /** The read tables, for the projections' queries. */
  knex: Knex;
  projections: Pick<ProjectionDaemon, 'waitForPosition' | 'status'>;
  /** Sessions still running after the request that started them. */
  tasks: BackgroundTasks;
  /** Whether the PostgreSQL answers (only `serve` watches it). */
  database: DatabaseMonitor | undefined;
  commands: ApiCommands;
  queries: ApiQueries;
  /** The built web console (dist/web), served at /; undefined or missing: / says how to build it. */
  webDir?: string;
  authentication: AuthenticationPort;
  csrf: Csrf;
  /** An error that means the database is away (answered 503). */
  isDatabaseUnavailable: (err: unknown) => boolean;
  version: string;
  /**
   * A new rate-limit store shared by every process on the database, one per limiter (a store may not
   * serve two); `prefix` keeps each limiter's keys apart.
   */
  rateLimitStore: (prefix: string) => Store;
  /** The scheduler of this process (`serve` with WHALEFALL_SCHEDULER=on): run now, apply a change, dead letters. */
  scheduler: Scheduler | undefined;
  /** Sessions as the projection applies their events, for GET /events/stream; `serve` closes it at shutdown. */
  sessionFeed: SessionFeed;
}

// The composition root: every command is built here, once, from the runtime; the API and the CLI receive
// them built. composeApi adds what only the HTTP side needs (token service, CSRF, the authentication port,
// the read functions that live in adapters), so no route or middleware reaches into src/adapters itself.
import { serverSecret } from './adapters/auth/serverSecrets.js';
import { createTokenService, passwordFingerprint, TokenInvalidError } from './adapters/auth/tokens.js';
import { migrationDrift } from './adapters/db/knex.js';
import { listPartitions, partitionStatus } from './adapters/db/partitions.js';
import { PostgresRateLimitStore } from './adapters/db/rateLimitStore.js';
import { isDatabaseUnavailable } from './adapters/db/unavailable.js';
import { publicUser, usersTable } from './adapters/db/usersTable.js';
import { defaultPorts } from './adapters/engines/index.js';
import type { ApiDeps } from './api/deps.js';
import { createCsrf } from './api/middleware/csrf.js';
import { isSecureRequest } from './api/routes/auth.js';
import { makeAggregate } from './commands/aggregate.js';
import { instanceDirectory, type InstanceDirectory } from './commands/connections.js';
import { appendAudit } from './commands/appendAudit.js';
import { makeBootstrapAdmin, makeChangePassword, makeLogin, makeLogout } from './commands/auth.js';
import {
  makeCreateClassification,
  makeDeleteClassification,
  makeUpdateClassification,
} from './commands/classification/classifications.js';
import {
  activeRules,
  makeCreateRule,
  makeDeleteRule,
  makeUpdateRule,
} from './commands/classification/rules.js';
import { seedSystemClassifications } from './commands/classification/seed.js';
import { makeAssignManually, makeRemoveAssignment } from './commands/classification/assignments.js';
import { makeRunClassification, makeSyncThenClassify } from './commands/classification/autoClassify.js';
import type { CommandContext } from './commands/commandContext.js';
import { makeCreateCredential, makeDeleteCredential, makeUpdateCredential } from './commands/credentials.js';
import {
  makeDeleteInstance,
  makeRegisterInstance,
  makeRestoreInstance,
  makeUpdateInstance,
} from './commands/instances.js';
import { runPartitionMaintenance } from './commands/partitionMaintenance.js';
import { makeCleanupPartitions, makeCreatePartitions } from './commands/partitions.js';
import { makeRefreshTableSizes } from './commands/refreshTableSizes.js';
import { makeRunCapacityCollection } from './commands/sync/collectCapacity.js';
import {
  makeAbandonRecord,
  makeCancelSession,
  makeConfirmInventory,
  makeRetryRecord,
  makeRevertInventory,
  type RetryDeps,
} from './commands/sync/compensations.js';
import { abandonExpiredRecords } from './commands/sync/recovery.js';
import { makeRunAccountSync } from './commands/sync/runAccountSync.js';
import { leaseFor, type SessionRunDeps } from './commands/sync/runSession.js';
import { sessionTimeline } from './commands/sync/sessionTimeline.js';
import {
  makeBatchTestConnections,
  makeTestInstanceConnection,
  probeConnection,
} from './commands/testConnections.js';
import { makeCreateUser, makeDeleteUser, makeUpdateUser } from './commands/users.js';
import { makeBulkTags } from './commands/tags/bulk.js';
import type { RecordDispatch } from './commands/sync/recordDispatch.js';
import { makeChangeJobSchedule, makePauseJob, makeResumeJob } from './commands/scheduler/jobCommands.js';
import type { Scheduler } from './commands/scheduler/scheduler.js';
import { makeBatchDeleteTags, makeCreateTag, makeDeleteTag, makeUpdateTag } from './commands/tags/tags.js';
import { toLedgerEvents } from './commands/sync/syncInstanceAccounts.js';
import { accountsStream } from './domain/accounts/events.js';
import { foldLedger } from './domain/accounts/ledger.js';
import { sessionStream } from './domain/sessions/events.js';
import { classificationsAsOf, membersAsOf } from './projections/classification/asOf.js';
import { sessionsWithProgress } from './projections/syncSessions/dashboard.js';
import { createSessionFeed } from './projections/syncSessions/feed.js';
import type { Runtime } from './runtime.js';
import { packageRoot, packageVersion } from './version.js';

/** What building the commands needs of the runtime (tests and the route inspection pass a partial one). */
export type CommandRuntime = Pick<
  Runtime,
  'config' | 'logger' | 'knex' | 'pool' | 'store' | 'keyring' | 'sessions' | 'projections'
>;

/** The write side's view of instances and their credentials: every command reads them through it. */
export const composeInstances = ({ knex, store, keyring }: CommandRuntime): InstanceDirectory =>
  instanceDirectory({ knex, store, keyring: keyring.current, reloadKeyring: keyring.reload });

export function composeCommands(
  runtime: CommandRuntime,
  instances: InstanceDirectory = composeInstances(runtime),
  dispatch?: RecordDispatch,
) {
  const { config, logger, knex, store, keyring, sessions, projections } = runtime;
  const keys = { keyring: keyring.current, reloadKeyring: keyring.reload };
  const sessionRun = composeSessionRun(runtime, instances, dispatch);
  const retry: RetryDeps = {
    ...sessionRun,
    timeZone: config.timezone,
    deadlineMs: config.sync.instanceDeadlineMs,
    maxDeactivatePercent: config.inventory.maxDeactivatePercent,
    classificationRules: () => activeRules(knex),
  };
  const classify = { knex, timeZone: config.timezone, rules: () => activeRules(knex) };
  const runAccountSync = makeRunAccountSync(sessionRun, config.inventory);
  const runClassification = makeRunClassification(sessionRun, classify);
  const connections = { knex, store, instances, ...keys };
  const capacity = projections.runners.find((r) => r.projection.name === 'capacity');
  const statsRecorded = async () => {
    if (capacity) await capacity.waitForPosition(await store.headPosition());
  };
  return {
    runAccountSync,
    runClassification,
    /** An account sync, then a classification of the same instances (`?then=classify`). */
    runAccountSyncThenClassify: makeSyncThenClassify(runAccountSync, runClassification, logger),
    assignClassification: makeAssignManually({ knex, store, timeZone: config.timezone }),
    removeAssignment: makeRemoveAssignment({ knex, store, timeZone: config.timezone }),
    runCapacityCollection: makeRunCapacityCollection(sessionRun, config.timezone, {
      attempts: config.capacity.attempts,
      backoffMs: config.capacity.retryBackoffMs,
    }),
    retryRecord: makeRetryRecord(retry),
    confirmInventory: makeConfirmInventory(retry),
    revertInventory: makeRevertInventory(retry),
    abandonRecord: makeAbandonRecord({ store }),
    cancelSession: makeCancelSession({ store }),
    /** Ends the records of processes that stopped (recovery's pass). */
    abandonExpiredRecords: (now: Date) =>
      abandonExpiredRecords(runtime, now, leaseFor(config.sync.instanceDeadlineMs)),
    aggregate: makeAggregate({
      knex,
      store,
      sessions,
      instances,
      statsRecorded,
      deadlineMs: config.sync.instanceDeadlineMs,
    }),
    refreshTableSizes: makeRefreshTableSizes(connections),
    createPartitions: makeCreatePartitions({ knex, store }),
    cleanupPartitions: makeCleanupPartitions({ knex, store }),
    maintainPartitions: (pass: { today: string; monthsAhead: number; now: Date }) =>
      runPartitionMaintenance(runtime, pass),
    registerInstance: makeRegisterInstance({ knex, store }),
    updateInstance: makeUpdateInstance({ knex, store }),
    deleteInstance: makeDeleteInstance({ store }),
    restoreInstance: makeRestoreInstance({ store }),
    createCredential: makeCreateCredential({ knex, store, keyring: keyring.current }),
    updateCredential: makeUpdateCredential({ knex, store, keyring: keyring.current }),
    deleteCredential: makeDeleteCredential({ store }),
    testInstanceConnection: makeTestInstanceConnection(connections),
    batchTestConnections: makeBatchTestConnections(connections),
    probeConnection: (params: Parameters<typeof probeConnection>[0]) => probeConnection(params),
    createUser: makeCreateUser({ knex, store }),
    updateUser: makeUpdateUser({ knex, store }),
    deleteUser: makeDeleteUser({ knex, store }),
    bootstrapAdmin: makeBootstrapAdmin({ knex, store }),
    createClassification: makeCreateClassification({ knex, store }),
    updateClassification: makeUpdateClassification({ knex, store }),
    deleteClassification: makeDeleteClassification({ knex, store }),
    createRule: makeCreateRule({ knex, store }),
    updateRule: makeUpdateRule({ knex, store }),
    deleteRule: makeDeleteRule({ knex, store }),
    seedSystemClassifications: (ctx: CommandContext) => seedSystemClassifications({ knex, store }, ctx),
    listActiveRules: () => activeRules(knex),
    createTag: makeCreateTag({ knex, store }),
    updateTag: makeUpdateTag({ knex, store }),
    deleteTag: makeDeleteTag({ knex, store }),
    batchDeleteTags: makeBatchDeleteTags({ knex, store }),
    /** Bulk assign / remove / remove-all as a tags session; answers the receipt. */
    bulkTags: makeBulkTags(sessionRun),
    /** A built-in job's cron and time zone, pause, resume (the scheduler applies them: Scheduler.apply). */
    changeJobSchedule: makeChangeJobSchedule({ store, timezone: config.timezone }),
    pauseJob: makePauseJob({ store, timezone: config.timezone }),
    resumeJob: makeResumeJob({ store, timezone: config.timezone }),
  };
}

export type Commands = ReturnType<typeof composeCommands>;

/** What every session runs on; `dispatch`: shareable records go to the records queue. */
export function composeSessionRun(
  runtime: CommandRuntime,
  instances: InstanceDirectory,
  dispatch?: RecordDispatch,
): SessionRunDeps {
  const { logger, knex, pool, store, keyring, sessions } = runtime;
  const keys = { keyring: keyring.current, reloadKeyring: keyring.reload };
  return { knex, pool, store, logger, sessions, instances, ...keys, ...(dispatch ? { dispatch } : {}) };
}

/** The CLI's dependencies: the commands, and the write side's instances (to resolve `--instance` names). */
export function composeCli(runtime: CommandRuntime) {
  const instances = composeInstances(runtime);
  return { commands: composeCommands(runtime, instances), instances };
}

export type CliDeps = ReturnType<typeof composeCli>;

/** The API's dependencies: the commands, the HTTP secrets (token service, CSRF) and the read ports. */
/** dist/web beside the package (built by `npm run build`). */
const webConsoleDir = (): string | undefined => {
  const root = packageRoot();
  return root ? `${root}/dist/web` : undefined;
};

export async function composeApi(
  runtime: CommandRuntime & Pick<Runtime, 'projections' | 'tasks'> & Partial<Pick<Runtime, 'database'>>,
  scheduler?: Scheduler,
  dispatch?: RecordDispatch,
): Promise<ApiDeps> {
  const { config, knex, store } = runtime;
  const tokens = createTokenService(await serverSecret(knex, 'jwt'), config.jwtTtlSeconds);
  const csrf = createCsrf((await serverSecret(knex, 'csrf')).toString('base64'), (req) =>
    isSecureRequest(config, req),
  );
  const sessionsRead = runtime.projections.runners.find((r) => r.projection.name === 'sync_sessions');
  return {
    config,
    logger: runtime.logger,
    knex,
    projections: runtime.projections,
    tasks: runtime.tasks,
    database: runtime.database,
    scheduler,
    version: packageVersion(),
    webDir: webConsoleDir(),
    csrf,
    rateLimitStore: (prefix) => new PostgresRateLimitStore(knex, prefix),
    sessionFeed: createSessionFeed({
      store,
      read: (ids) => sessionsWithProgress(knex, ids),
      logger: runtime.logger,
      applied: async (position) => sessionsRead?.waitForPosition(position),
    }),
    commands: {
      ...composeCommands(runtime, undefined, dispatch),
      login: makeLogin({ knex, store, tokens }),
      logout: makeLogout({ knex, store }),
      changePassword: makeChangePassword({ knex, store, tokens }),
      auditLoginRateLimited: (ctx, attempt) =>
        appendAudit(store, ctx, 'LoginFailed', {
          ...attempt,
          userId: null,
          reason: 'rate_limited',
        }),
    },
    queries: {
      pingDatabase: () => knex.raw('SELECT 1'),
      headPosition: () => store.headPosition(),
      eventsAfter: (fromPosition, maxCount) => store.readAll({ fromPosition, maxCount }),
      sessionExists: async (id) => (await store.streamRevision(sessionStream(id))) !== undefined,
      sessionTimeline: (id) => sessionTimeline(store, id),
      accountLedgerAt: async (instanceId, asOf) =>
        foldLedger(toLedgerEvents(await store.readStream(accountsStream(instanceId))), asOf),
      classificationsAsOf: (accountId, asOf) => classificationsAsOf(store, knex, accountId, asOf),
      classificationMembersAsOf: (classificationId, asOf, paging) =>
        membersAsOf(store, knex, classificationId, asOf, paging),
      users: {
        list: (filters, page) => usersTable.list(knex, filters, page),
        stats: () => usersTable.stats(knex),
        byId: (id) => usersTable.byId(knex, id),
        toApi: publicUser,
      },
      partitions: {
        list: (table) => listPartitions(knex, table),
        status: (tables, today, monthsAhead) => partitionStatus(knex, tables, today, monthsAhead),
      },
      migrationDrift: () => migrationDrift(knex),
      defaultPorts,
    },
    authentication: {
      verify: async (token) => {
        try {
          return await tokens.verify(token);
        } catch (err) {
          if (err instanceof TokenInvalidError) return err.reason === 'expired' ? 'expired' : 'invalid';
          throw err;
        }
      },
      userForToken: (userId, jti) => usersTable.byIdWithRevocation(knex, userId, jti),
      passwordFingerprint,
    },
    isDatabaseUnavailable,
  };
}

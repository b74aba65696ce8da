#!/usr/bin/env node
// The whalefall binary: serve | migrate | rebuild | sync | replay | events ... Run `whalefall <command> --help`.
import { Command, InvalidArgumentError } from 'commander';
import { CliError } from './cli/cliError.js';
import { formatEvent } from './cli/eventFormat.js';
import { tailEvents } from './cli/eventsTail.js';
import { rotateKey } from './cli/rotateKey.js';
import { assertStoreExists, describeStore } from './cli/store.js';
import { aggregate, replaySession, syncAccounts, syncCapacity } from './cli/syncCommands.js';
import { cliLogger, installTerminalHandlers, status } from './cli/terminal.js';
import { isPeriodType, localDate, type PeriodType } from './domain/periods/periods.js';
import { partitionStatus } from './adapters/db/partitions.js';
import { makeCleanupPartitions, makeCreatePartitions, partitionedTables } from './commands/partitions.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { AppError } from './domain/errors.js';
import { formatPosition } from './domain/events/envelope.js';
import { createLogger, type Logger } from './logger.js';
import { allProjections, findProjection } from './projections/index.js';
import { rebuildProjection } from './projections/rebuild.js';
import { openRuntime, type Runtime } from './runtime.js';
import { startServer } from './server.js';

installTerminalHandlers();

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

function setup(): { config: Config; logger: Logger } {
  const config = loadConfig();
  return { config, logger: createLogger({ level: config.logLevel, pretty: config.logPretty }) };
}

interface RuntimeCommandOptions {
  /** Log level (default: warn, unless LOG_LEVEL asks for more than info). */
  level?: string;
  /** `migrate` creates the store when there is none; every other command refuses to. */
  mayCreateStore?: boolean;
  /** Exit after this long if closing hangs (a sync cancelled with work still stuck on a dead server). */
  closeWithinMs?: number;
}

/**
 * Opens the runtime for a one-off command (attaching to a running server's embedded database) and closes
 * it after. Says which store it uses (on stderr), and refuses to create one (see src/cli/store.ts).
 */
async function withRuntime<T>(
  work: (runtime: Runtime) => Promise<T>,
  options: RuntimeCommandOptions = {},
): Promise<T> {
  const config = loadConfig();
  const logger = cliLogger({
    level: options.level ?? (config.logLevel === 'info' ? 'warn' : config.logLevel),
    pretty: config.logPretty,
  });
  status.note(`whalefall: store ${describeStore(config)}`);
  if (!options.mayCreateStore) await assertStoreExists(config);
  const runtime = await openRuntime(config, logger, { attachToRunningServer: true });
  try {
    return await work(runtime);
  } finally {
    const closed = runtime.close();
    if (options.closeWithinMs === undefined) await closed;
    else if (!(await Promise.race([closed.then(() => true), delay(options.closeWithinMs, false)]))) {
      status.note(`whalefall: stopping before every connection closed (waited ${options.closeWithinMs} ms)`);
      process.exit(process.exitCode ?? 0);
    }
  }
}

/**
 * What the command line says about an unexpected error. A failed query (a PostgreSQL error, which knex
 * prefixes with the statement) is told by its code and PostgreSQL's words, without the SQL.
 */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  if (!(err instanceof AppError) && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return `a database query failed (PostgreSQL ${code}): ${err.message.split(' - ').pop()}`;
  return err.message;
}

const delay = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
const untilSignal = () =>
  new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

const program = new Command()
  .name('whalefall')
  .description('Event-sourced account, permission and capacity sync for fleets of databases.')
  .showHelpAfterError();

program
  .command('serve')
  .description('start the HTTP API and the projections (embedded PostgreSQL unless DATABASE_URL is set)')
  .action(async () => {
    const { config, logger } = setup();
    const running = await startServer(config, logger);
    const signal = await untilSignal();
    await running.shutdown(signal);
    // Everything we own is closed. Work that a deadline or the shutdown fenced out may still hold a socket
    // to a server that does not answer (until its query timeout): it can write nothing, so do not wait.
    setTimeout(() => process.exit(0), 1000).unref();
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(() =>
    withRuntime(
      () => {
        console.log('database schema is up to date');
        return Promise.resolve();
      },
      { level: 'info', mayCreateStore: true },
    ),
  );

program
  .command('rebuild')
  .description(
    'rebuild read tables from the event log into fresh tables and swap them in; live tables keep serving meanwhile',
  )
  .argument('[projection]', `one of: ${allProjections.map((p) => p.name).join(', ')} (default: all)`)
  .option('--batch-size <n>', 'events per batch', positiveInt, 5000)
  .action((name: string | undefined, opts: { batchSize: number }) =>
    withRuntime(async (runtime) => {
      const projections = name ? [findProjection(name)] : allProjections;
      for (const projection of projections) {
        let last = 0;
        const result = await rebuildProjection({
          projection,
          store: runtime.store,
          knex: runtime.knex,
          logger: runtime.logger,
          batchSize: opts.batchSize,
          onProgress: ({ events }) => {
            if (events - last >= 50_000) {
              last = events;
              process.stderr.write(`  ${projection.name}: ${events} events\n`);
            }
          },
        });
        console.log(
          `${result.projection}: rebuilt from ${result.events} events in ${(result.durationMs / 1000).toFixed(1)} s (checkpoint ${formatPosition(result.position)})`,
        );
      }
    }),
  );

program
  .command('secrets')
  .description('manage the keys that encrypt stored credential passwords')
  .command('rotate-key')
  .description('re-encrypt every stored password under a new key, without downtime (see docs/operations.md)')
  .option('--new-key <key>', 'embedded mode: the new key (32 bytes, base64 or hex); generated when omitted')
  .option('--prune-previous', 'embedded mode: drop previous keys once no secret uses them')
  .action((opts: { newKey?: string; prunePrevious?: boolean }) =>
    withRuntime((runtime) => rotateKey(runtime, opts, (line) => console.log(line))),
  );

const sync = program.command('sync').description('run syncs from the command line');

const syncOptions = { closeWithinMs: 5000 };
const instanceOption = [
  '--instance <name-or-id...>',
  'instance names or ids (repeatable; default: every active instance)',
] as const;

sync
  .command('capacity')
  .description('collect database sizes of the given instances (all active ones by default), showing progress')
  .option(...instanceOption)
  .action((opts: { instance?: string[] }) =>
    withRuntime(async (runtime) => {
      process.exitCode = await syncCapacity(runtime, opts.instance ?? [], process.stdout);
    }, syncOptions),
  );

sync
  .command('accounts')
  .description(
    'sync accounts and permissions of the given instances (all active ones by default), showing progress',
  )
  .option(...instanceOption)
  .action((opts: { instance?: string[] }) =>
    withRuntime(async (runtime) => {
      process.exitCode = await syncAccounts(runtime, opts.instance ?? [], process.stdout);
    }, syncOptions),
  );

program
  .command('aggregate')
  .description('aggregate size stats for a period: the last completed one by default')
  .requiredOption('--period <type>', 'daily | weekly | monthly | quarterly', (v) => {
    if (!isPeriodType(v)) throw new InvalidArgumentError('expected daily, weekly, monthly or quarterly');
    return v;
  })
  .option('--start <date>', 'the start of an explicit period (YYYY-MM-DD)')
  .option('--current', 'the period still running (its figures are marked partial)')
  .option('--scope <scope>', 'all (default) | instance | database: the levels computed')
  .action((opts: { period: PeriodType; start?: string; current?: boolean; scope?: string }) =>
    withRuntime(async (runtime) => {
      process.exitCode = await aggregate(runtime, opts, process.stdout);
    }),
  );

const partitions = program.command('partitions').description('monthly partitions of the size-stat tables');
const cliContext = () => ({
  actor: { kind: 'user' as const, id: 'cli' },
  correlationId: `cli-${Date.now()}`,
  now: new Date(),
});

partitions
  .command('status')
  .description('missing months and rows that landed in the default partitions')
  .option('--months-ahead <n>', 'months ahead that must exist', positiveInt, 3)
  .action((opts: { monthsAhead: number }) =>
    withRuntime(async (runtime) => {
      const status = await partitionStatus(
        runtime.knex,
        [...partitionedTables],
        localDate(new Date(), runtime.config.timezone),
        opts.monthsAhead,
      );
      console.log(JSON.stringify(status, null, 2));
      process.exitCode = status.healthy ? 0 : 1;
    }),
  );

partitions
  .command('create')
  .description('create the missing monthly partitions from this month on (each one a PartitionCreated event)')
  .option('--months-ahead <n>', 'months ahead', positiveInt, 3)
  .action((opts: { monthsAhead: number }) =>
    withRuntime(async (runtime) => {
      const { created } = await makeCreatePartitions(runtime)(
        localDate(new Date(), runtime.config.timezone),
        opts.monthsAhead,
        cliContext(),
      );
      console.log(
        created.length ? created.map((c) => `created ${c.partition}`).join('\n') : 'no partition was missing',
      );
    }),
  );

partitions
  .command('cleanup')
  .description(
    'drop monthly partitions (and their rows) older than the retention (each one a PartitionDropped event)',
  )
  .option('--retention-months <n>', 'months to keep', positiveInt, 12)
  .action((opts: { retentionMonths: number }) =>
    withRuntime(async (runtime) => {
      const { before, dropped } = await makeCleanupPartitions(runtime)(
        localDate(new Date(), runtime.config.timezone),
        opts.retentionMonths,
        cliContext(),
      );
      console.log(
        dropped.length
          ? dropped.map((d) => `dropped ${d.partition}`).join('\n')
          : `nothing before ${before} to drop`,
      );
    }),
  );

program
  .command('replay')
  .description(
    "print a sync session's whole timeline in commit order: its own events and those it caused on other streams, with instance names",
  )
  .requiredOption('--session <id>', 'the session id')
  .option('--json', 'one JSON object per line')
  .action((opts: { session: string; json?: boolean }) =>
    withRuntime(async (runtime) => {
      process.exitCode = await replaySession(runtime, opts.session, opts.json ?? false, process.stdout);
    }),
  );

const events = program.command('events').description('read the event log');

events
  .command('show')
  .description("print one stream's events in order")
  .argument('<stream>', 'stream id, e.g. session-<uuid>')
  .option('--from <revision>', 'first revision', positiveInt, 0)
  .option('--limit <n>', 'at most this many events', positiveInt)
  .option('--json', 'one JSON object per line')
  .action((stream: string, opts: { from: number; limit?: number; json?: boolean }) =>
    withRuntime(async (runtime) => {
      const list = await runtime.store.readStream(stream, { from: BigInt(opts.from), maxCount: opts.limit });
      if (list.length === 0) {
        console.error(`stream ${stream} has no events${opts.from ? ` from revision ${opts.from}` : ''}`);
        process.exitCode = 1;
      }
      for (const e of list) console.log(formatEvent(e, opts.json ?? false));
    }),
  );

events
  .command('tail')
  .description('follow new events as they are appended (Ctrl-C to stop)')
  .option('--stream <stream>', 'only this stream')
  .option('--from-start', 'print the whole log first')
  .option('--json', 'one JSON object per line')
  .action((opts: { stream?: string; fromStart?: boolean; json?: boolean }) =>
    withRuntime(async (runtime) => {
      await tailEvents(runtime.store, {
        from: opts.fromStart ? 'start' : await runtime.store.headPosition(),
        stream: opts.stream,
        print: (e) => console.log(formatEvent(e, opts.json ?? false)),
        note: (line) => status.note(`whalefall: ${line}`),
        until: untilSignal(),
      });
    }),
  );

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof CliError) {
    status.end();
    console.error(`whalefall: ${err.message}`);
    process.exit(err.exitCode);
  }
  status.end();
  console.error(`whalefall: ${messageOf(err)}`);
  process.exit(1);
});

#!/usr/bin/env node
// The whalefall binary: serve | worker | migrate | rebuild | sync | replay | events | rules | tags | jobs ... Run `whalefall <command> --help`.
// Each group of commands is in src/cli/groups/; the commands they run come from the composition root.
import { Command } from 'commander';
import { CliError, messageOf } from './cli/cliError.js';
import { addEventCommands } from './cli/groups/events.js';
import { addJobCommands } from './cli/groups/jobs.js';
import { addPartitionCommands } from './cli/groups/partitions.js';
import { addRuleCommands } from './cli/groups/rules.js';
import { addSessionCommands } from './cli/groups/sync.js';
import { addTagCommands } from './cli/groups/tags.js';
import { rotateKey } from './cli/rotateKey.js';
import { untilSignal } from './cli/signals.js';
import { installTerminalHandlers, status } from './cli/terminal.js';
import { positiveInt, withRuntime } from './cli/withRuntime.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { formatPosition } from './domain/events/envelope.js';
import { createLogger, type Logger } from './logger.js';
import { allProjections, findProjection } from './projections/index.js';
import { rebuildProjections } from './projections/rebuild.js';
import { startServer } from './server.js';
import { startWorker } from './worker.js';

installTerminalHandlers();

function setup(): { config: Config; logger: Logger } {
  const config = loadConfig();
  return { config, logger: createLogger({ level: config.logLevel, pretty: config.logPretty }) };
}

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
  .command('worker')
  .description(
    "take queued job runs (the scheduler's pg-boss queues) beside `serve`, on the same database; never schedules, no HTTP, no projections",
  )
  .action(async () => {
    const { config, logger } = setup();
    const running = await startWorker(config, logger);
    const signal = await untilSignal();
    await running.shutdown(signal);
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
      // Every projection in one pass over the log (read once, each batch fed to each projection).
      const projections = name ? [findProjection(name)] : allProjections;
      let last = 0;
      const results = await rebuildProjections({
        projections,
        store: runtime.store,
        knex: runtime.knex,
        logger: runtime.logger,
        batchSize: opts.batchSize,
        onProgress: ({ events }) => {
          if (events - last >= 50_000) {
            last = events;
            process.stderr.write(`  ${events} events\n`);
          }
        },
      });
      for (const result of results)
        console.log(
          `${result.projection}: rebuilt from ${result.events} events in ${(result.durationMs / 1000).toFixed(1)} s (checkpoint ${formatPosition(result.position)})`,
        );
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

addSessionCommands(program);
addPartitionCommands(program);
addEventCommands(program);
addRuleCommands(program);
addTagCommands(program);
addJobCommands(program);

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

// `whalefall partitions status|create|cleanup`: the monthly partitions of the size-stat tables.
import type { Command } from 'commander';
import { partitionStatus } from '../../adapters/db/partitions.js';
import { partitionedTables } from '../../commands/partitions.js';
import { localDate } from '../../domain/periods/periods.js';
import { cliContext, positiveInt, withRuntime } from '../withRuntime.js';

export function addPartitionCommands(program: Command): void {
  const partitions = program.command('partitions').description('monthly partitions of the size-stat tables');

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
    .description(
      'create the missing monthly partitions from this month on (each one a PartitionCreated event)',
    )
    .option('--months-ahead <n>', 'months ahead', positiveInt, 3)
    .action((opts: { monthsAhead: number }) =>
      withRuntime(async (runtime, { commands }) => {
        const { created } = await commands.createPartitions(
          localDate(new Date(), runtime.config.timezone),
          opts.monthsAhead,
          cliContext(),
        );
        console.log(
          created.length
            ? created.map((c) => `created ${c.partition}`).join('\n')
            : 'no partition was missing',
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
      withRuntime(async (runtime, { commands }) => {
        const { before, dropped } = await commands.cleanupPartitions(
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
}

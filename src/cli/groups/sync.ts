// The session commands: `sync accounts|capacity`, `classify`, `aggregate` and `replay`.
import { InvalidArgumentError, type Command } from 'commander';
import { isPeriodType, type PeriodType } from '../../domain/periods/periods.js';
import { aggregate } from '../aggregate.js';
import { replaySession } from '../replay.js';
import { syncInstances } from '../sync.js';
import { withRuntime } from '../withRuntime.js';

export function addSessionCommands(program: Command): void {
  const sync = program.command('sync').description('run syncs from the command line');
  const instanceOption = [
    '--instance <name-or-id...>',
    'instance names or ids (repeatable; default: every active instance)',
  ] as const;
  const syncCommand = (kind: 'accounts' | 'capacity', description: string) =>
    sync
      .command(kind)
      .description(description)
      .option(...instanceOption)
      .action((opts: { instance?: string[] }) =>
        withRuntime(
          async (runtime, cli) => {
            process.exitCode = await syncInstances(runtime, cli, kind, opts.instance ?? [], process.stdout);
          },
          { closeWithinMs: 5000 },
        ),
      );
  syncCommand(
    'capacity',
    'collect database sizes of the given instances (all active ones by default), showing progress',
  );
  syncCommand(
    'accounts',
    'sync accounts and permissions of the given instances (all active ones by default), showing progress',
  );

  program
    .command('classify')
    .description(
      'classify the accounts of the given instances (all active ones by default) by the active rules, showing progress; appends only what changed',
    )
    .option(...instanceOption)
    .action((opts: { instance?: string[] }) =>
      withRuntime(
        async (runtime, cli) => {
          process.exitCode = await syncInstances(
            runtime,
            cli,
            'classify',
            opts.instance ?? [],
            process.stdout,
          );
        },
        { closeWithinMs: 5000 },
      ),
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
      withRuntime(async (runtime, { commands }) => {
        process.exitCode = await aggregate(runtime, commands, opts, process.stdout);
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
}

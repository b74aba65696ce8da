// `whalefall aggregate`: one aggregation session for a period, run in this process.
import { describeOutcome } from '../commands/aggregate.js';
import type { Commands } from '../compose.js';
import { isAggregationScope } from '../domain/aggregation/events.js';
import { AppError } from '../domain/errors.js';
import type { PeriodType } from '../domain/periods/periods.js';
import type { Runtime } from '../runtime.js';
import { cliContext } from './withRuntime.js';

export async function aggregate(
  runtime: Pick<Runtime, 'config' | 'projections'>,
  commands: Pick<Commands, 'aggregate'>,
  options: {
    period: PeriodType;
    start?: string | undefined;
    current?: boolean | undefined;
    scope?: string | undefined;
  },
  out: NodeJS.WriteStream,
): Promise<number> {
  const { scope } = options;
  if (scope !== undefined && !isAggregationScope(scope))
    throw new AppError('VALIDATION_ERROR', `--scope ${scope}: expected all, instance or database`, {
      field: 'scope',
    });
  for (const runner of runtime.projections.runners) await runner.catchUp();
  // The projections follow the log while the aggregation runs, as in a server: a command may wait for one
  // inside its session (the capacity projection, for the stats of a collection that just ended).
  runtime.projections.start();
  const result = await commands.aggregate(
    {
      periodType: options.period,
      periodStart: options.start,
      current: options.current,
      scope,
      timeZone: runtime.config.timezone,
    },
    cliContext(),
  );
  for (const runner of runtime.projections.runners) await runner.catchUp();
  out.write(`${describeOutcome(result)}, session ${result.sessionId}\n`);
  if (result.missing.length > 0)
    out.write(`missing (no stats in the period): ${result.missing.join(', ')}\n`);
  return 0;
}

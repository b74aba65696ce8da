// `whalefall events show|tail`: the event log as it is.
import type { Command } from 'commander';
import { formatEvent } from '../eventFormat.js';
import { tailEvents } from '../eventsTail.js';
import { untilSignal } from '../signals.js';
import { status } from '../terminal.js';
import { positiveInt, withRuntime } from '../withRuntime.js';

export function addEventCommands(program: Command): void {
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
        const list = await runtime.store.readStream(stream, {
          from: BigInt(opts.from),
          maxCount: opts.limit,
        });
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
}

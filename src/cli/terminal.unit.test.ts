import { describe, expect, it } from 'vitest';
import { StatusLine } from './terminal.js';

/** A stream that records what was written, in order, tagged with its name. */
const recorder = (name: string, log: string[], tty: boolean, columns = 80) =>
  ({
    isTTY: tty,
    columns,
    write: (s: string) => log.push(`${name}:${JSON.stringify(s)}`),
  }) as unknown as NodeJS.WriteStream;

describe('the status line and the lines around it', () => {
  it('on a terminal, a log line clears the status line, stands on its own line, and the status comes back', () => {
    const log: string[] = [];
    const line = new StatusLine(recorder('out', log, true), recorder('err', log, false));
    line.show('0/2 ended; running: maria, pg');
    line.note('{"level":40,"msg":"slow query"}\n');
    line.show('1/2 ended; running: pg');
    line.line('  maria: completed');
    line.end();
    expect(log).toEqual([
      'out:"\\r\\u001b[2K0/2 ended; running: maria, pg"',
      'out:"\\r\\u001b[2K"',
      'err:"{\\"level\\":40,\\"msg\\":\\"slow query\\"}\\n"',
      'out:"0/2 ended; running: maria, pg"',
      'out:"\\r\\u001b[2K1/2 ended; running: pg"',
      'out:"\\r\\u001b[2K"',
      'out:"  maria: completed\\n"',
      'out:"1/2 ended; running: pg"',
      'out:"\\n"',
    ]);
  });

  it('a status line wider than the terminal is cut, so that redrawing it in place still works', () => {
    const log: string[] = [];
    new StatusLine(recorder('out', log, true, 20), recorder('err', log, false)).show('x'.repeat(50));
    expect(log).toEqual([`out:"\\r\\u001b[2K${'x'.repeat(18)}…"`]);
  });

  it('in a pipe or a file, each status is a line of its own and nothing is cleared', () => {
    const log: string[] = [];
    const line = new StatusLine(recorder('out', log, false), recorder('err', log, false));
    line.show('0/1 ended');
    line.note('a warning');
    line.end();
    expect(log).toEqual(['out:"0/1 ended\\n"', 'err:"a warning\\n"']);
  });
});

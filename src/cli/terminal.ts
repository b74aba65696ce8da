// What a CLI command prints besides its result: a status line that redraws in place on a terminal, and
// log lines and process warnings, which go to stderr on lines of their own (the status line is cleared
// first and drawn again after), so neither breaks the other. A reader that closes the pipe early
// (`whalefall events show ... | head -1`) ends the command quietly.
import { Writable } from 'node:stream';
import pinoPretty from 'pino-pretty';
import { createLogger, type Logger } from '../logger.js';

const CLEAR_LINE = '\r\x1b[2K';

export class StatusLine {
  private current = '';

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  /** On a terminal the line replaces the previous one; elsewhere (a pipe, a file) each is a line of its own. */
  show(line: string): void {
    if (!this.out.isTTY) {
      this.out.write(`${line}\n`);
      return;
    }
    const width = this.out.columns > 1 ? this.out.columns - 1 : 0;
    this.current = width && line.length > width ? `${line.slice(0, width - 1)}…` : line;
    this.out.write(CLEAR_LINE + this.current);
  }

  /** A line of the command's own output (an instance that ended), kept above the status line. */
  line(text: string): void {
    this.around(() => this.out.write(`${text}\n`));
  }

  /** A log line or a warning: on stderr, on its own line. */
  note(text: string): void {
    this.around(() => this.err.write(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** Leaves the status line as it is and moves below it. */
  end(): void {
    if (this.current) this.out.write('\n');
    this.current = '';
  }

  private around(write: () => void): void {
    if (this.current) this.out.write(CLEAR_LINE);
    write();
    if (this.current) this.out.write(this.current);
  }
}

/** The one status line of this process (stdout). */
export const status = new StatusLine(process.stdout);

/** The CLI's logger: to stderr through the status line; readable on a terminal, JSON lines otherwise. */
export function cliLogger(options: { level: string; pretty: boolean | undefined }): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      status.note(chunk.toString());
      done();
    },
  });
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  return createLogger({
    level: options.level,
    destination: pretty
      ? pinoPretty({ colorize: Boolean(process.stderr.isTTY), destination: sink, sync: true })
      : { write: (line: string) => status.note(line) },
  });
}

/**
 * Process warnings (a DeprecationWarning from a driver) through the status line instead of Node's own
 * printer; a closed stdout (EPIPE: the reader stopped reading) ends the command with exit code 0.
 */
export function installTerminalHandlers(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => status.note(`(node) ${warning.name}: ${warning.message}`));
  const quietOnEpipe = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  };
  process.stdout.on('error', quietOnEpipe);
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

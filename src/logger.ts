// pino, JSON by default and pretty on a terminal. Secret-looking fields are redacted at any depth we log.
import { pino, type Logger } from 'pino';

export type { Logger };

const secretKeys = [
  'password',
  'passwd',
  'token',
  'cookie',
  'authorization',
  'secret',
  'secretKey',
  'apiKey',
];

/** pino redacts exact paths; we cover the keys at the top level and three levels down, in any case spelling. */
export const redactPaths: string[] = (() => {
  const names = new Set<string>();
  for (const key of secretKeys) {
    names.add(key);
    names.add(key.toLowerCase());
    names.add(key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  }
  const paths: string[] = [];
  for (const name of names) {
    paths.push(name, `*.${name}`, `*.*.${name}`, `*.*.*.${name}`);
  }
  paths.push('req.headers["set-cookie"]', 'res.headers["set-cookie"]', '*.headers["x-csrf-token"]');
  return paths;
})();

export interface LoggerOptions {
  level: string;
  pretty?: boolean | undefined;
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: redactPaths, censor: '[REDACTED]' },
    base: { service: 'whalefall' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(base);
}

// A pino logger at debug whose JSON lines a test keeps and reads back.
import { createLogger } from '../../src/logger.js';

export interface LogLine {
  level: number;
  msg: string;
  status?: string;
  [key: string]: unknown;
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(s) } });
  return { logger, lines: () => lines.map((l) => JSON.parse(l) as LogLine) };
}

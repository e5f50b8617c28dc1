import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

import type { LogLevel } from '../config/types.js';

export type { Logger } from 'pino';

/**
 * Paths redacted at the root (STYLE 9): config secrets are `Secret` objects that print as
 * [redacted] already; these catch credentials that reach a log line any other way.
 */
const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'pass',
  '*.pass',
  'auth.pass',
  '*.auth.pass',
  'apiKey',
  '*.apiKey',
  'accessToken',
  '*.accessToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

/** The root logger: pino JSON on stdout (nothing else goes to stdout in `run`). */
export function createLogger(
  options: { level: LogLevel; pretty?: boolean },
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'mail-ingest' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ??
      (options.pretty
        ? pino.transport({ target: 'pino-pretty', options: { destination: 1 } })
        : pino.destination({ dest: 1, sync: false })),
  );
}

/** imapflow logs every protocol step at info; ours shifts it down a level so `info` stays readable. */
export function imapflowLogger(log: Logger): {
  debug: (obj: object) => void;
  info: (obj: object) => void;
  warn: (obj: object) => void;
  error: (obj: object) => void;
} {
  return {
    debug: (obj) => log.trace(obj),
    info: (obj) => log.debug(obj),
    warn: (obj) => log.warn(obj),
    error: (obj) => log.error(obj),
  };
}

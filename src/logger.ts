import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Field paths whose values are credentials wherever they appear in a log object. */
export const REDACTED_LOG_PATHS = [
  'appSecret',
  'secret',
  'accessToken',
  'access_token',
  'ticket',
  '*.appSecret',
  '*.secret',
  '*.accessToken',
  '*.access_token',
  '*.ticket',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** Human-readable lines (development) instead of JSON. @default false */
  pretty?: boolean;
  /** Where lines go (tests capture them here). @default stdout */
  destination?: DestinationStream;
}

/**
 * The one logger factory. Redaction by path catches structured fields; free text (messages, URLs,
 * errmsg) must go through `redact()` from redact.ts before it is logged.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
    base: undefined,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(base);
}

/** A logger that writes nothing, for code paths constructed without one. */
export const silentLogger: Logger = pino({ level: 'silent' });

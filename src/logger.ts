import { type DestinationStream, type Logger, pino } from 'pino';
import { Redactor } from './redact.js';

export type { Logger } from 'pino';

/** Field paths whose values are credentials wherever they appear in a log object. */
const REDACTED_LOG_PATHS = [
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
  /**
   * The gateway's redaction, which every line leaves through; give the one the rest of the gateway
   * teaches (src/redact.ts). @default a redactor of its own, which knows only the patterns
   */
  redactor?: Redactor;
}

/** Log objects are shallow; deeper values are left to the path redaction above. */
const MAX_REDACT_DEPTH = 3;

function redactValues(value: unknown, depth: number, redactor: Redactor): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  // Errors are the `err` serializer's: their message and stack are not own enumerable fields.
  if (depth >= MAX_REDACT_DEPTH || typeof value !== 'object' || value === null || value instanceof Error)
    return value;
  if (Array.isArray(value)) return value.map((item) => redactValues(item, depth + 1, redactor));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactValues(item, depth + 1, redactor);
  return out;
}

/**
 * The one logger factory. Every line leaves through the gateway's `Redactor` (redact.ts): its message, every string
 * of its object and every `err` (whatever was thrown: only its class, message, stack and code, never
 * the other properties libraries hang on errors). Redaction by path also catches credential fields.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const redactor = options.redactor ?? new Redactor();
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
    base: undefined,
    serializers: { err: (value: unknown) => redactor.serializeError(value) },
    formatters: {
      log: (object: Record<string, unknown>) => redactValues(object, 0, redactor) as Record<string, unknown>,
    },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...args: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactor.redact(arg) : arg)),
        );
      },
    },
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

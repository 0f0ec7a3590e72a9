import { type DestinationStream, type Logger, pino } from 'pino';
import { setNewest } from './bounded-map.js';
import { REDACTED, Redactor } from './redact.js';
import { finishTurn } from './turn-end.js';

export type { Logger } from 'pino';

/**
 * Field names (compared without case) whose values are credentials wherever they appear in a log
 * object, at every depth the formatter walks: their value is censored whatever it is, known to the
 * redactor or not.
 */
const CREDENTIAL_FIELDS = new Set(
  [
    'appSecret',
    'secret',
    'accessToken',
    'access_token',
    'ticket',
    'authorization',
    'x-api-key',
    'apiKey',
    'refreshToken',
    'refresh_token',
    'componentAccessToken',
    'component_access_token',
    'authorizer_access_token',
    'authorizer_refresh_token',
    'verifyTicket',
    'component_verify_ticket',
    'encodingAesKey',
    'authCode',
    'auth_code',
    'authorization_code',
    'preAuthCode',
    'pre_auth_code',
  ].map((name) => name.toLowerCase()),
);

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

/**
 * stdout's lines are buffered up to this many bytes and written asynchronously (pino's documented
 * asynchronous logging, docs/asynchronous.md): one write per batch of lines, not one per line.
 */
const STDOUT_BUFFER_BYTES = 32 * 1024;
/** sonic-boom writes at most this much at once; it must exceed the buffer. */
const STDOUT_MAX_WRITE_BYTES = 64 * 1024;
/** A buffer that does not fill (a quiet gateway) is written at least this often. */
const STDOUT_FLUSH_INTERVAL_MS = 100;
/** How long an exit waits for the buffered lines to be written before it exits anyway. */
const EXIT_FLUSH_TIMEOUT_MS = 2000;

/** Log objects are shallow: objects nested deeper than this are written as they are. */
const MAX_REDACT_DEPTH = 3;

/** Field names already checked against CREDENTIAL_FIELDS: a log line repeats the same few names. */
const checkedFields = new Map<string, boolean>();
const MAX_CHECKED_FIELDS = 1024;

function isCredentialField(key: string): boolean {
  let credential = checkedFields.get(key);
  if (credential === undefined) {
    credential = CREDENTIAL_FIELDS.has(key.toLowerCase());
    setNewest(checkedFields, key, credential, MAX_CHECKED_FIELDS);
  }
  return credential;
}

/**
 * A log object as it is written: every string through the redactor, every credential field censored
 * (one walk; pino's own path redaction would walk every value again for each wildcard path). The
 * object given is never changed: one that needs no change is written as it is, any other is copied.
 */
function redactValues(value: unknown, depth: number, redactor: Redactor): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  // Errors are the `err` serializer's: their message and stack are not own enumerable fields.
  if (depth >= MAX_REDACT_DEPTH || typeof value !== 'object' || value === null || value instanceof Error)
    return value;
  if (Array.isArray(value)) return value.map((item) => redactValues(item, depth + 1, redactor));
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    const written =
      item !== undefined && item !== null && isCredentialField(key)
        ? REDACTED
        : redactValues(item, depth + 1, redactor);
    if (written !== item) {
      out ??= { ...(value as Record<string, unknown>) };
      out[key] = written;
    }
  }
  return out ?? value;
}

/**
 * The one logger factory. Every line leaves through the gateway's `Redactor` (redact.ts): its message, every string
 * of its object and every `err` (whatever was thrown: only its class, message, stack and code, never
 * the other properties libraries hang on errors), and every credential field (`CREDENTIAL_FIELDS`) is
 * censored whatever its value.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const redactor = options.redactor ?? new Redactor();
  const base = {
    level: options.level ?? 'info',
    base: undefined,
    serializers: { err: (value: unknown) => redactor.serializeError(value) },
    formatters: {
      log: (object: Record<string, unknown>) => redactValues(object, 0, redactor) as Record<string, unknown>,
    },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...args: unknown[]) => void) {
        // `args` is pino's own copy of the call's arguments.
        for (let at = 0; at < args.length; at++) {
          const arg = args[at];
          if (typeof arg === 'string') args[at] = redactor.redact(arg);
        }
        method.apply(this, args);
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
  return pino(base, stdoutDestination());
}

/**
 * stdout as pino's own destination (sonic-boom) in its buffer mode, which keeps what it is handed in a
 * list until a batch is written. In its text mode every line is appended to one growing string whose
 * byte length is measured again at each line, which costs in proportion to the lines waiting, not to
 * the line. The lines of one turn of the event loop (a loaded gateway answers many requests in one)
 * are written to it together, as one Buffer, at the end of the turn, in the order they were logged;
 * `flush` writes what is pending first, so a flush before exiting still writes every line.
 */
function stdoutDestination(): DestinationStream & { flush(done: (error?: Error) => void): void } {
  const boom = pino.destination({
    dest: process.stdout.fd,
    minLength: STDOUT_BUFFER_BYTES,
    maxWrite: STDOUT_MAX_WRITE_BYTES,
    periodicFlush: STDOUT_FLUSH_INTERVAL_MS,
    sync: false,
    contentMode: 'buffer',
  });
  let pending: string[] = [];
  const writePending = () => {
    if (pending.length === 0) return;
    const lines = pending.length === 1 ? (pending[0] as string) : pending.join('');
    pending = [];
    boom.write(Buffer.from(lines) as unknown as string);
  };
  return {
    write: (line: string) => {
      if (pending.push(line) === 1) setImmediate(writePending);
    },
    flush: (done) => {
      writePending();
      boom.flush(done);
    },
  };
}

/**
 * Ends the process with `code` once every line the logger holds has been written. The stdout
 * destination writes asynchronously, and `process.exit` does not wait for a write in flight: a
 * process that logs its last line and exits goes through here. A destination that cannot be written
 * (a reader that stopped reading) does not keep the process alive past `EXIT_FLUSH_TIMEOUT_MS`.
 */
export function exitAfterFlush(
  logger: Logger,
  code: number,
  exit: (code: number) => void = process.exit,
): void {
  let exited = false;
  const exitOnce = () => {
    if (exited) return;
    exited = true;
    exit(code);
  };
  setTimeout(exitOnce, EXIT_FLUSH_TIMEOUT_MS);
  // Lines deferred to the end of this turn (the request lines) are handed to the logger first.
  finishTurn();
  logger.flush(exitOnce);
}

/** A logger that writes nothing, for code paths constructed without one. */
export const silentLogger: Logger = pino({ level: 'silent' });

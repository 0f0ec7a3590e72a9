import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { Redactor } from '../redact.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Yoga logs through the gateway's logger, with free text redacted. An error the mask reshaped is
 * already reported (request line, or the mask's own line for an unexpected error): debug only.
 * Arguments are turned into text only for a level the logger writes: Yoga logs at debug on every
 * request, which a gateway at `info` never writes.
 */
export function yogaLogger(logger: Logger, reshaped: WeakSet<object>, redactor: Redactor): YogaLogger {
  const write = (level: Level, args: unknown[]) => {
    if (logger.isLevelEnabled(level)) logger[level](args.map((a) => redactor.errorText(a)).join(' '));
  };
  const alreadyReported = (args: unknown[]) =>
    args.length === 1 && typeof args[0] === 'object' && args[0] !== null && reshaped.has(args[0]);
  return {
    debug: (...args) => write('debug', args),
    info: (...args) => write('info', args),
    warn: (...args) => write('warn', args),
    error: (...args) => write(alreadyReported(args) ? 'debug' : 'error', args),
  };
}

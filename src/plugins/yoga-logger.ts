import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { Redactor } from '../redact.js';

/**
 * Yoga logs through the gateway's logger, with free text redacted. An error the mask reshaped is
 * already reported (request line, or the mask's own line for an unexpected error): debug only.
 */
export function yogaLogger(logger: Logger, reshaped: WeakSet<object>, redactor: Redactor): YogaLogger {
  const line = (args: unknown[]) => args.map((a) => redactor.errorText(a)).join(' ');
  const alreadyReported = (args: unknown[]) =>
    args.length === 1 && typeof args[0] === 'object' && args[0] !== null && reshaped.has(args[0]);
  return {
    debug: (...args) => logger.debug(line(args)),
    info: (...args) => logger.info(line(args)),
    warn: (...args) => logger.warn(line(args)),
    error: (...args) => (alreadyReported(args) ? logger.debug(line(args)) : logger.error(line(args))),
  };
}

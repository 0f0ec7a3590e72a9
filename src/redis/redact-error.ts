import { redact } from '../redact.js';

/**
 * The one way a Redis error reaches a log or a health detail. ioredis errors carry the failed command
 * (`command.args`): for AUTH and HELLO that is the username and password in clear, so never log the
 * error object itself. This keeps the class, the message (redacted, minus any `known` value such as the
 * configured password) and the command's name only.
 */
export function redactRedisError(error: unknown, known: Iterable<string | undefined> = []): string {
  if (!(error instanceof Error)) return redact(String(error), known);
  const command = (error as { command?: { name?: unknown } }).command;
  const name = typeof command?.name === 'string' ? ` (command ${command.name.toUpperCase()})` : '';
  return `${error.name}: ${redact(error.message, known)}${name}`;
}

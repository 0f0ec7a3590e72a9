import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/logger.js';
import type { Redactor } from '../../../src/redact.js';

export interface LogCapture {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines: Record<string, unknown>[];
  /** Every line written so far, as written (to search for leaked secrets). */
  raw(): string;
}

/** A real pino logger (with the production redaction) writing JSON lines into memory. */
export function captureLogs(level = 'debug', redactor?: Redactor): LogCapture {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level, destination, ...(redactor && { redactor }) });
  return {
    logger,
    get lines() {
      return chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    raw: () => chunks.join(''),
  };
}

import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/logger.js';

export interface LogCapture {
  logger: Logger;
  /** Where `logger` writes: give it to a gateway whose own logger (and redactor) must write here. */
  destination: Writable;
  /** Every line written so far, parsed. */
  lines: Record<string, unknown>[];
  /** Every line written so far, as written (to search for leaked secrets). */
  raw(): string;
}

/** A real pino logger (with the production redaction) writing JSON lines into memory. */
export function captureLogs(level = 'debug'): LogCapture {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level, destination });
  return {
    logger,
    destination,
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

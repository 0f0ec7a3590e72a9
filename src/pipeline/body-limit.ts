import type { IncomingMessage } from 'node:http';
import { BadUserInputError, InvalidOptionError } from '../errors.js';
import type { Refusal } from './respond.js';

export interface BodyLimitOptions {
  /** Request bodies over this many bytes get 413. @default 65536 */
  maxBytes?: number;
  /**
   * POSTs without Content-Length get 411 instead of being counted while they stream, so an oversized
   * body is refused before a byte of it is read. @default false
   */
  requireContentLength?: boolean;
}

/** Only a single non-negative integer is a Content-Length; anything else is refused (request smuggling). */
const CONTENT_LENGTH = /^\d+$/;

const refusal = (status: number, message: string): Refusal => ({
  status,
  error: new BadUserInputError(message),
});

export interface BodyLimit {
  readonly maxBytes: number;
  /** What the request's headers already say about its body: a refusal, or nothing. */
  refusal(req: IncomingMessage): Refusal | undefined;
  /** The refusal of a body that grew past the bound while it streamed (no Content-Length). */
  readonly tooLarge: Refusal;
  /** The whole body; `too large` once it grows past the bound (reading stops there); `aborted` when the client left. */
  read(req: IncomingMessage): Promise<Buffer | 'too large' | 'aborted'>;
}

/**
 * The bound on a request body, checked once before an executor sees the request: by Content-Length
 * before reading (400 when it is not one number, 413 over the bound, 411 when required and absent),
 * and by counting while it streams when there is none (chunked uploads).
 */
export function createBodyLimit(options: BodyLimitOptions = {}): BodyLimit {
  const maxBytes = options.maxBytes ?? 65_536;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new InvalidOptionError(
      `The body limit must be a positive whole number of bytes (got ${maxBytes}).`,
    );
  }
  const tooLarge = refusal(413, `Request body is larger than ${maxBytes} bytes.`);
  return {
    maxBytes,
    tooLarge,
    refusal(req) {
      const length = req.headers['content-length'];
      if (length !== undefined) {
        if (!CONTENT_LENGTH.test(length)) return refusal(400, 'Content-Length header is invalid.');
        return Number(length) > maxBytes ? tooLarge : undefined;
      }
      if (options.requireContentLength && req.method === 'POST') {
        return refusal(411, 'Content-Length is required: send the body with its length, not chunked.');
      }
      return undefined;
    },
    read(req) {
      return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBytes) {
            chunks.push(chunk);
            return;
          }
          req.off('data', onData);
          req.pause();
          resolve('too large');
        };
        req.on('data', onData);
        req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
        req.on('error', () => resolve('aborted'));
      });
    },
  };
}

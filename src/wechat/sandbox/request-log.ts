import type { RecordedRequest } from '../open-api-endpoints.js';

/**
 * One request as WeChat remembers it for `/cgi-bin/openapi/rid/get`: the record that endpoint answers
 * (`RecordedRequest`), kept raw here, tokens and secrets included (`requestUrl` is the path and query
 * as received: `/cgi-bin/getcallbackip?access_token=…`), under its rid.
 */
export interface LoggedRequest extends RecordedRequest {
  rid: string;
  /** The app the request belonged to, when the sandbox could tell (appid or a token it issued). */
  appId: string | undefined;
}

/** @default capacity of the sandbox's log: enough to look up any rid a test or a developer just saw. */
export const REQUEST_LOG_CAPACITY = 1000;

/** The most recent answered requests by rid, oldest dropped first once `capacity` is reached. */
export class RequestLog {
  readonly #entries = new Map<string, LoggedRequest>();

  constructor(private readonly capacity = REQUEST_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RequestLog capacity must be a whole number ≥ 1 (got ${capacity}).`);
    }
  }

  record(entry: LoggedRequest): void {
    this.#entries.delete(entry.rid);
    this.#entries.set(entry.rid, entry);
    // Maps iterate in insertion order, so the first key is the oldest.
    for (const rid of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break;
      this.#entries.delete(rid);
    }
  }

  find(rid: string): LoggedRequest | undefined {
    return this.#entries.get(rid);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}

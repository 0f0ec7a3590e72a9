import { setImmediate } from 'node:timers';
import type { RedisEndpoint } from './endpoint.js';
import { perSlot } from './slots.js';

interface Waiter<T> {
  keys: readonly string[];
  resolve: (values: T[]) => void;
  reject: (error: unknown) => void;
}

/**
 * One multi-key read (MGET, or a script answering one value per key) for every caller of one turn of
 * the event loop: a page's authorizer records and its tokens, asked by two loaders of one request, go
 * to Redis as one command (one per slot in a Cluster, `perSlot`), not one per caller. The read is sent
 * once the turn's callbacks have run (`setImmediate`, from `node:timers` so fake timers in tests leave
 * it alone); a key asked twice is read once. A failure fails every caller of that turn.
 */
export class TurnBatch<T> {
  readonly #endpoint: Pick<RedisEndpoint, 'kind'>;
  readonly #command: (keys: string[]) => Promise<T[]>;
  readonly #missing: T;
  #waiters: Waiter<T>[] = [];

  constructor(endpoint: Pick<RedisEndpoint, 'kind'>, command: (keys: string[]) => Promise<T[]>, missing: T) {
    this.#endpoint = endpoint;
    this.#command = command;
    this.#missing = missing;
  }

  /** The values of `keys`, in order, read with whatever else this turn asks for. */
  read(keys: readonly string[]): Promise<T[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return new Promise<T[]>((resolve, reject) => {
      if (this.#waiters.length === 0) setImmediate(() => this.#flush());
      this.#waiters.push({ keys, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const waiters = this.#waiters;
    this.#waiters = [];
    const unique = [...new Set(waiters.flatMap(({ keys }) => keys))];
    try {
      const values = await perSlot(this.#endpoint, unique, this.#command, this.#missing);
      const byKey = new Map(unique.map((key, at) => [key, values[at] as T]));
      for (const { keys, resolve } of waiters) resolve(keys.map((key) => byKey.get(key) as T));
    } catch (error) {
      for (const { reject } of waiters) reject(error);
    }
  }
}

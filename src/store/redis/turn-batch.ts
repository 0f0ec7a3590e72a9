import { setImmediate } from 'node:timers';
import type { RedisEndpoint } from './endpoint.js';
import { perSlot, slotGroups } from './slots.js';

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

/** Calls one script invocation carries at most, so no batch holds Redis for long. */
const MAX_CALLS_PER_COMMAND = 128;

interface Call<A, R> {
  keys: readonly string[];
  args: A;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * One script invocation for every call of one turn of the event loop (one per slot in a Cluster, at
 * most MAX_CALLS_PER_COMMAND calls each), where each call is one app's change (its keys share the
 * app's slot): the apps obtaining tokens together take their leases, and store their tokens, in one
 * command rather than one each. `command` runs the calls in the order given, each exactly as it would
 * run alone, and answers one value per call. Sent once the turn's callbacks have run (`setImmediate`);
 * a failure fails every call that command carried.
 */
export class TurnCalls<A, R> {
  readonly #endpoint: Pick<RedisEndpoint, 'kind'>;
  readonly #command: (calls: readonly { keys: readonly string[]; args: A }[]) => Promise<R[]>;
  #calls: Call<A, R>[] = [];

  constructor(
    endpoint: Pick<RedisEndpoint, 'kind'>,
    command: (calls: readonly { keys: readonly string[]; args: A }[]) => Promise<R[]>,
  ) {
    this.#endpoint = endpoint;
    this.#command = command;
  }

  /** Runs one call (`keys` in one slot) with whatever else this turn calls. */
  call(keys: readonly string[], args: A): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.#calls.length === 0) setImmediate(() => this.#flush());
      this.#calls.push({ keys, args, resolve, reject });
    });
  }

  #flush(): void {
    const calls = this.#calls;
    this.#calls = [];
    for (const group of slotGroups(
      this.#endpoint,
      calls.map(({ keys }) => keys[0] ?? ''),
    )) {
      for (let at = 0; at < group.length; at += MAX_CALLS_PER_COMMAND) {
        const part = group.slice(at, at + MAX_CALLS_PER_COMMAND).map((index) => calls[index] as Call<A, R>);
        let sent: Promise<R[]>;
        try {
          sent = this.#command(part);
        } catch (error) {
          sent = Promise.reject(error);
        }
        sent.then(
          (answers) => {
            for (const [i, { resolve }] of part.entries()) resolve(answers[i] as R);
          },
          (error: unknown) => {
            for (const { reject } of part) reject(error);
          },
        );
      }
    }
  }
}

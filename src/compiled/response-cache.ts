import type { AuthenticatedCaller } from '../auth/resolve-caller.js';
import type { TokenService } from '../credentials/types.js';
import { setNewest } from './bounded-map.js';
import type { CompiledDocument } from './document-cache.js';

export interface ResponseCacheOptions {
  /** The context's token service: what a cached answer's reads are made again from. */
  tokens: TokenReads;
  /**
   * Answers cached per caller; the oldest is dropped first.
   * @default 256
   */
  maxEntriesPerCaller?: number;
  /**
   * Request bodies longer than this many characters are never cached (their text is the key).
   * @default 4096
   */
  maxRequestLength?: number;
}

/** The token service's reads: what they answer, with the caller, decides a run's answer. */
const TOKEN_READS = ['status', 'statuses', 'hasApp', 'findApp', 'listApps', 'defaultAppId'] as const;
export type TokenReads = Pick<TokenService, (typeof TOKEN_READS)[number]>;

/** One read an answer was made from, with what it gave. */
export interface TokenRead {
  method: keyof TokenReads;
  args: unknown[];
  value: unknown;
  /** The method and its arguments as one string: reads with the same key read the same. */
  key: string;
}

function readKey(method: keyof TokenReads, args: unknown[]): string {
  return `${method}${JSON.stringify(args)}`;
}

/** An answer the compiled phase sent, with what it was made from. */
export interface CachedAnswer {
  compiled: CompiledDocument;
  variables: Record<string, unknown> | undefined;
  /**
   * The JSON answer as text: node:http sends a text body in the same write as the headers (a Buffer
   * would take a second write).
   */
  body: string;
  code: string;
  reads: readonly TokenRead[];
}

/** The same plain data: primitives by value, dates by time, arrays and objects member by member. */
export function sameReading(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key)) return false;
    if (!sameReading((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** What a run read through `Recording.context`, once it has finished. */
export interface Recording {
  context: object;
  /** The token reads the run made; undefined when it read anything else from the context. */
  reads(): readonly TokenRead[] | undefined;
}

const READ_METHODS = new Set<string | symbol>(TOKEN_READS);
/** What else a run may read from its context and still have an answer its token reads decide. */
const PURE_CONTEXT_FIELDS = new Set<string | symbol>(['tokens', 'caller']);

/** `target`'s member, bound to it (methods of classes with private fields fail on a proxy). */
function member(target: object, property: string | symbol): unknown {
  const value = Reflect.get(target, property);
  return typeof value === 'function' ? value.bind(target) : value;
}

/**
 * A context that notes what a run reads: the token service's reads (and what they gave) and the
 * caller. Reading anything else the context holds (another service, another token method) makes the
 * answer one only a new run can give. Resolvers take the clock, WeChat and every other input from
 * the context, so a run that read only these answers the same while they read the same.
 */
export function recordingContext(context: { tokens: TokenService }): Recording {
  // What the run finds in its context; what it adds itself (Pothos' per-request cache) is its own.
  const inputs = new Set(Reflect.ownKeys(context).filter((key) => !PURE_CONTEXT_FIELDS.has(key)));
  let pure = true;
  let pending = 0;
  const reads: TokenRead[] = [];
  const tokens = new Proxy(context.tokens, {
    get(target, property) {
      if (!READ_METHODS.has(property)) {
        pure = false;
        return member(target, property);
      }
      const method = property as keyof TokenReads;
      return (...args: unknown[]) => {
        const value = (target[method] as (...args: unknown[]) => unknown)(...args);
        const key = readKey(method, args);
        if (!(value instanceof Promise)) {
          reads.push({ method, args, value, key });
          return value;
        }
        pending++;
        value.then(
          (resolved) => {
            pending--;
            reads.push({ method, args, value: resolved, key });
          },
          () => {
            pure = false;
          },
        );
        return value;
      };
    },
  });
  return {
    context: new Proxy(context, {
      get(target, property) {
        if (property === 'tokens') return tokens;
        if (inputs.has(property)) pure = false;
        return member(target, property);
      },
    }),
    // A read the run started and did not see finish (it failed elsewhere first) leaves it impure.
    reads: () => (pure && pending === 0 ? reads : undefined),
  };
}

/**
 * The compiled phase's answers (README, "Performance"), cached per caller and request body. An
 * answer is given again only while every token read it was made from gives the same, so it is exactly
 * the answer a new run would give: `expiresInSeconds` ticking, a renewal, a circuit, a store outage
 * or a reload each change what a read gives and so make a new run. A read is made once per turn of the
 * event loop and its reading shared by every answer checked in that turn: under load one `status()`
 * then serves every request the turn answers, and a request that starts after a change has finished (its bytes arrive in a later turn)
 * always sees the change.
 */
export class ResponseCache {
  readonly #byCaller = new WeakMap<AuthenticatedCaller, Map<string, CachedAnswer>>();
  readonly #maxEntries: number;
  readonly #maxRequestLength: number;
  readonly #tokens: TokenReads;
  /** This turn's readings, by read key. */
  readonly #readings = new Map<string, unknown>();

  constructor(options: ResponseCacheOptions) {
    this.#tokens = options.tokens;
    this.#maxEntries = options.maxEntriesPerCaller ?? 256;
    this.#maxRequestLength = options.maxRequestLength ?? 4096;
  }

  get(caller: AuthenticatedCaller, request: string): CachedAnswer | undefined {
    return this.#byCaller.get(caller)?.get(request);
  }

  set(caller: AuthenticatedCaller, request: string, answer: CachedAnswer): void {
    if (request.length > this.#maxRequestLength) return;
    let answers = this.#byCaller.get(caller);
    if (!answers) {
      answers = new Map();
      this.#byCaller.set(caller, answers);
    }
    setNewest(answers, request, answer, this.#maxEntries);
  }

  /**
   * Whether every read `answer` was made from still gives the same: at once when this turn's readings
   * have settled (no promise, no microtask for the answers after the first), else once they have.
   */
  unchanged(answer: CachedAnswer): boolean | Promise<boolean> {
    return this.#unchangedFrom(answer.reads, 0);
  }

  /** `unchanged` for the reads from `start` on: a reading still pending continues once it settles. */
  #unchangedFrom(reads: readonly TokenRead[], start: number): boolean | Promise<boolean> {
    try {
      for (let index = start; index < reads.length; index++) {
        const read = reads[index] as TokenRead;
        const value = this.#reading(read);
        if (value instanceof Promise) {
          return value.then(
            (settled) => sameReading(settled, read.value) && this.#unchangedFrom(reads, index + 1),
            () => false,
          );
        }
        if (!sameReading(value, read.value)) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * What `read` gives this turn: made once, then shared until the event loop's next check phase; a
   * promise is replaced by what it gave once it has, so later checks in the turn need not wait.
   */
  #reading(read: TokenRead): unknown {
    if (this.#readings.has(read.key)) return this.#readings.get(read.key);
    if (this.#readings.size === 0) setImmediate(() => this.#readings.clear());
    const value = (this.#tokens[read.method] as (...args: unknown[]) => unknown)(...read.args);
    this.#readings.set(read.key, value);
    if (value instanceof Promise) {
      value.then(
        (settled) => {
          if (this.#readings.get(read.key) === value) this.#readings.set(read.key, settled);
        },
        // A failed reading stays the promise: every check that shares it fails.
        () => {},
      );
    }
    return value;
  }
}

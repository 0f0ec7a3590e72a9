import type { AuthenticatedCaller } from '../auth/resolve-caller.js';
import { setNewest } from '../bounded-map.js';
import type { TokenService } from '../credentials/types.js';
import type { IpListCache } from '../services/ip-list-cache.js';
import type { CompiledDocument } from './document-cache.js';

export interface ResponseCacheOptions {
  /** The context's token service: what a cached answer's reads are made again from. */
  tokens: TokenReads;
  /**
   * The context's address lists, behind its `loaders`: an answer made from them is given again while
   * each list it read is still the one served (fresh, not fetched again). Left out, an answer that
   * read a list is never given again.
   */
  lists?: ListReads;
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

/** The address lists a run reads through its context's `loaders` (src/graphql/context.ts). */
const LIST_READS = ['callbackIps', 'apiDomainIps'] as const;
export type ListReads = Record<(typeof LIST_READS)[number], Pick<IpListCache, 'peek'>>;

/** Every read an answer may be made from: a token read, or an address list by its loader's name. */
type ReadMethod = keyof TokenReads | keyof ListReads;

/** One read an answer was made from, with what it gave. */
export interface Read {
  method: ReadMethod;
  args: unknown[];
  value: unknown;
  /** The method and its arguments as one string: reads with the same key read the same. */
  key: string;
}

function readKey(method: ReadMethod, args: unknown[]): string {
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
  reads: readonly Read[];
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
  /** The reads the run made; undefined when it read anything else from the context. */
  reads(): readonly Read[] | undefined;
}

const READ_METHODS = new Set<string | symbol>(TOKEN_READS);
const LIST_LOADERS = new Set<string | symbol>(LIST_READS);
/** What else a run may read from its context and still have an answer its reads decide. */
const PURE_CONTEXT_FIELDS = new Set<string | symbol>(['tokens', 'caller', 'loaders']);

/** `target`'s member, bound to it (methods of classes with private fields fail on a proxy). */
function member(target: object, property: string | symbol): unknown {
  const value = Reflect.get(target, property);
  return typeof value === 'function' ? value.bind(target) : value;
}

/**
 * A context that notes what a run reads: the token service's reads and the address lists its loaders
 * load (and what they gave), and the caller. Reading anything else the context holds (another
 * service, another token method) makes the answer one only a new run can give. Resolvers take the
 * clock, WeChat and every other input from the context, so a run that read only these answers the
 * same while they read the same.
 */
export function recordingContext(context: {
  tokens: TokenService;
  loaders?: Partial<Record<keyof ListReads, { load(appId: string): Promise<unknown> }>>;
}): Recording {
  // What the run finds in its context; what it adds itself (Pothos' per-request cache) is its own.
  const inputs = new Set(Reflect.ownKeys(context).filter((key) => !PURE_CONTEXT_FIELDS.has(key)));
  let pure = true;
  let pending = 0;
  const reads: Read[] = [];
  /** Notes `value` (what `method` gave for `args`) once it is known. */
  const note = (method: ReadMethod, args: unknown[], value: unknown): unknown => {
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
  const tokens = new Proxy(context.tokens, {
    get(target, property) {
      if (!READ_METHODS.has(property)) {
        pure = false;
        return member(target, property);
      }
      const method = property as keyof TokenReads;
      return (...args: unknown[]) =>
        note(method, args, (target[method] as (...args: unknown[]) => unknown)(...args));
    },
  });
  const loaders = context.loaders
    ? new Proxy(context.loaders, {
        get(target, property) {
          const loader = Reflect.get(target, property) as { load(appId: string): Promise<unknown> };
          if (!LIST_LOADERS.has(property) || !loader) {
            pure = false;
            return loader;
          }
          const method = property as keyof ListReads;
          return { load: (appId: string) => note(method, [appId], loader.load(appId)) };
        },
      })
    : undefined;
  return {
    context: new Proxy(context, {
      get(target, property) {
        if (property === 'tokens') return tokens;
        if (property === 'loaders' && loaders) return loaders;
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
 * answer is given again only while every read it was made from (token reads, address lists) gives the
 * same, so it is exactly the answer a new run would give: `expiresInSeconds` ticking, a renewal, a
 * circuit, a store outage, a reload or a list fetched again each change what a read gives and so make
 * a new run. A read is made once per turn of the
 * event loop and its reading shared by every answer checked in that turn: under load one `status()`
 * then serves every request the turn answers, and a request that starts after a change has finished (its bytes arrive in a later turn)
 * always sees the change.
 */
export class ResponseCache {
  readonly #byCaller = new WeakMap<AuthenticatedCaller, Map<string, CachedAnswer>>();
  readonly #maxEntries: number;
  readonly #maxRequestLength: number;
  /** Each read method, made again on the services the context's were. */
  readonly #reads: Record<ReadMethod, (...args: unknown[]) => unknown>;
  /** This turn's readings, by read key. */
  readonly #readings = new Map<string, unknown>();

  constructor(options: ResponseCacheOptions) {
    const { tokens, lists } = options;
    const reads = {} as Record<ReadMethod, (...args: unknown[]) => unknown>;
    for (const method of TOKEN_READS)
      reads[method] = (...args) => (tokens[method] as (...args: unknown[]) => unknown)(...args);
    // The list served now, never fetched for a check: a list due again makes a new run, which fetches it.
    for (const list of LIST_READS)
      reads[list] = lists ? (appId) => lists[list].peek(appId as string) : () => undefined;
    this.#reads = reads;
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
  #unchangedFrom(reads: readonly Read[], start: number): boolean | Promise<boolean> {
    try {
      for (let index = start; index < reads.length; index++) {
        const read = reads[index] as Read;
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
  #reading(read: Read): unknown {
    if (this.#readings.has(read.key)) return this.#readings.get(read.key);
    if (this.#readings.size === 0) setImmediate(() => this.#readings.clear());
    const value = this.#reads[read.method](...read.args);
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

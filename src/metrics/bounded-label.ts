import { InvalidOptionError } from '../errors.js';

/**
 * Keeps a metric label's cardinality bounded whatever clients send: a value is used as-is only when
 * it is well-formed and either known in advance or among the first `maxLearned` distinct values seen;
 * anything else is counted under `overflow`. Prometheus keeps one series per label value forever, so
 * an unbounded label (client-chosen operation names, say) would grow the gateway's memory and the
 * scrape without limit.
 */
export interface BoundedLabelOptions {
  /** What a usable value looks like (anchored); others become `overflow`. */
  pattern: RegExp;
  /** Values always accepted (e.g. the operation names of the trusted documents). @default [] */
  known?: Iterable<string>;
  /** How many further distinct values are accepted, first come first served. @default 50 */
  maxLearned?: number;
  /** The label value for everything else. @default 'other' */
  overflow?: string;
}

export class BoundedLabel {
  readonly #pattern: RegExp;
  readonly #accepted: Set<string>;
  readonly #maxAccepted: number;
  readonly #overflow: string;

  constructor(options: BoundedLabelOptions) {
    const maxLearned = options.maxLearned ?? 50;
    if (!Number.isInteger(maxLearned) || maxLearned < 0) {
      throw new InvalidOptionError(`BoundedLabel maxLearned must be a whole number ≥ 0 (got ${maxLearned}).`);
    }
    this.#pattern = options.pattern;
    this.#overflow = options.overflow ?? 'other';
    this.#accepted = new Set([...(options.known ?? [])].filter((value) => this.#pattern.test(value)));
    this.#maxAccepted = this.#accepted.size + maxLearned;
  }

  /**
   * Never throws: a value that is not a string (client text the types did not stop) is `overflow`.
   * `mayLearn` is asked only when `value` would be learned now (a caller's share of the slots); false
   * makes it `overflow` this time.
   */
  label(value: string, mayLearn?: () => boolean): string {
    if (typeof value !== 'string') return this.#overflow;
    if (this.#accepted.has(value)) return value;
    if (this.#accepted.size >= this.#maxAccepted || !this.#pattern.test(value)) return this.#overflow;
    if (mayLearn && !mayLearn()) return this.#overflow;
    this.#accepted.add(value);
    return value;
  }
}

/** A GraphQL name (spec §2.1.9), at most 64 characters. */
export const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
/** A stable error code: SCREAMING_SNAKE, at most 48 characters. */
export const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,47}$/;
/** A WeChat API path such as /cgi-bin/stable_token. */
export const ENDPOINT_PATH = /^\/[a-z0-9_/-]{1,80}$/;

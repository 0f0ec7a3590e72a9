import type { ExecutionResult } from 'graphql';
import { InvalidOptionError } from '../errors.js';
import { BoundedLabel, GRAPHQL_NAME } from './bounded-label.js';

/**
 * Which `operation` label a GraphQL request counts under in `wxgw_graphql_requests_total` (issue 29
 * item 4). Prometheus keeps a series per label value until restart, and the slots for operation names
 * are few (50), so only an operation that ran may claim one, and no one caller may claim more than a
 * few: a client cannot fill the slots with names of operations that do not exist (or that it may not
 * run), and the operations of the other callers keep their own labels.
 */

/**
 * An operation that ran: found in a document that parsed and validated, and executed (on either
 * path). Its name is the document's, never the request's `operationName` as sent.
 */
export interface RanOperation {
  readonly operationName: string | undefined;
}

/** What the label of one request is decided from. */
export interface OperationFacts {
  /** The operation that ran; undefined when none did (refused, not parsed, not valid, not found). */
  ran?: RanOperation | undefined;
  /** The result refused the whole operation (`refusedEntirely`): it ran, but answered nothing. */
  refused?: boolean | undefined;
  /** Whose request it was: the API key's id; every caller without a key is one caller, `anonymous`. */
  callerId?: string | undefined;
}

/** A request no operation ran for, or whose every field was refused. */
export const NOT_RUN = 'not_run';
/** An operation without a name that ran. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** A named operation that ran but found no slot (or whose name is not a usable label). */
export const OTHER_OPERATION = 'other';
/** How many operation names the gateway labels besides the trusted documents'. */
export const MAX_OPERATION_NAMES = 50;
/** How many of those slots one caller may claim. */
export const MAX_OPERATION_NAMES_PER_CALLER = 10;

const RESERVED = new Set([NOT_RUN, ANONYMOUS_OPERATION, OTHER_OPERATION]);

/**
 * Whether a result answered nothing because the caller may run none of it: every error is FORBIDDEN
 * and no field holds a value (`{ tokenStatus: { accessToken: null } }`); a batch, each of its results.
 */
export function refusedEntirely(result: unknown): boolean {
  if (Array.isArray(result)) return result.length > 0 && result.every(refusedEntirely);
  if (!result || typeof result !== 'object') return false;
  const { errors, data } = result as ExecutionResult;
  if (!errors || errors.length === 0) return false;
  if (!errors.every((error) => error.extensions?.code === 'FORBIDDEN')) return false;
  return holdsNothing(data);
}

/** Null all the way down: objects and lists whose every leaf is null. */
function holdsNothing(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'object') return false;
  return Object.values(value).every(holdsNothing);
}

export interface OperationLabelsOptions {
  /** Names always labelled (the trusted documents' operations). @default [] */
  known?: Iterable<string>;
  /** @default MAX_OPERATION_NAMES */
  maxNames?: number;
  /** @default MAX_OPERATION_NAMES_PER_CALLER */
  maxNamesPerCaller?: number;
}

/** The operation labels of one gateway: the slots taken so far (a `BoundedLabel`), and by whom. */
export class OperationLabels {
  readonly #names: BoundedLabel;
  readonly #maxPerCaller: number;
  /** How many slots each caller claimed (at most `maxNames` entries: one per claim). */
  readonly #claims = new Map<string, number>();

  constructor(options: OperationLabelsOptions = {}) {
    const maxNames = options.maxNames ?? MAX_OPERATION_NAMES;
    const maxPerCaller = options.maxNamesPerCaller ?? MAX_OPERATION_NAMES_PER_CALLER;
    for (const [name, value] of [
      ['maxNames', maxNames],
      ['maxNamesPerCaller', maxPerCaller],
    ] as const) {
      if (!Number.isInteger(value) || value < 0)
        throw new InvalidOptionError(`OperationLabels ${name} must be a whole number ≥ 0 (got ${value}).`);
    }
    this.#names = new BoundedLabel({
      pattern: GRAPHQL_NAME,
      known: [...(options.known ?? [])].filter((name) => !RESERVED.has(name)),
      maxLearned: maxNames,
      overflow: OTHER_OPERATION,
    });
    this.#maxPerCaller = maxPerCaller;
  }

  /** The label of one request; takes a slot for a new name when the caller and the gateway have one left. Never throws. */
  label(facts: OperationFacts): string {
    const { ran } = facts;
    if (!ran || facts.refused) return NOT_RUN;
    const name = ran.operationName;
    if (name === undefined) return ANONYMOUS_OPERATION;
    if (RESERVED.has(name)) return OTHER_OPERATION;
    return this.#names.label(name, () => {
      const caller = facts.callerId ?? ANONYMOUS_OPERATION;
      const claimed = this.#claims.get(caller) ?? 0;
      if (claimed >= this.#maxPerCaller) return false;
      this.#claims.set(caller, claimed + 1);
      return true;
    });
  }
}

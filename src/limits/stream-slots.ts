import { type AuthenticatedCaller, OPEN_CALLER } from '../auth/resolve-caller.js';
import type { StreamLimitConfig } from '../config/index.js';
import { InvalidOptionError, TooManyStreamsError } from '../errors.js';
import { Listeners } from '../listeners.js';
import { silentLogger } from '../logger.js';

/** The long-lived responses the gateway serves: `tokenEvents` subscriptions, `/status/events`. */
export const STREAM_KINDS = ['subscription', 'status_events'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

/** One open stream's place: give it back when the stream ends (again is harmless). */
export interface StreamSlot {
  release(): void;
}

/**
 * Who a stream counts against: the API key (by its id, never the key), or the client's address when
 * the request carries no key (the status page's stream, a gateway without keys).
 */
export function streamHolder(caller: AuthenticatedCaller | undefined, address: string | undefined): string {
  return caller && caller !== OPEN_CALLER ? `key:${caller.id}` : `address:${address ?? 'unknown'}`;
}

/**
 * The one count of open streams: every stream takes a slot before it starts and releases it as it
 * ends (closed by the client, completed, or ended by shutdown), so a slot is free again at once. A
 * stream over either cap is refused with TOO_MANY_STREAMS. Counts are per replica.
 */
export class StreamSlots {
  readonly #limits: StreamLimitConfig;
  readonly #byHolder = new Map<string, number>();
  readonly #byKind = new Map<StreamKind, number>(STREAM_KINDS.map((kind) => [kind, 0]));
  readonly #changed = new Listeners<void>(silentLogger, 'stream slot');
  #open = 0;

  constructor(limits: StreamLimitConfig) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) {
        throw new InvalidOptionError(`StreamSlots ${name} must be a whole number ≥ 1 (got ${value}).`);
      }
    }
    this.#limits = limits;
  }

  /** A slot for one stream of `holder` (streamHolder), or the refusal when a cap is reached. */
  take(kind: StreamKind, holder: string): StreamSlot | TooManyStreamsError {
    const held = this.#byHolder.get(holder) ?? 0;
    if (held >= this.#limits.maxPerCaller) {
      return new TooManyStreamsError(
        `This caller already holds ${held} open streams (GATEWAY_MAX_STREAMS_PER_CALLER); close one before opening another.`,
      );
    }
    if (this.#open >= this.#limits.maxStreams) {
      return new TooManyStreamsError(
        `This replica holds its maximum of ${this.#open} open streams (GATEWAY_MAX_STREAMS); retry later.`,
      );
    }
    this.#count(kind, holder, held, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#count(kind, holder, this.#byHolder.get(holder) ?? 1, -1);
      },
    };
  }

  /** Streams open now: of one kind, or all. */
  open(kind?: StreamKind): number {
    return kind === undefined ? this.#open : (this.#byKind.get(kind) ?? 0);
  }

  /** Calls `listener` after every take and release (tests wait on it); returns its removal. */
  onChange(listener: () => void): () => void {
    return this.#changed.add(listener);
  }

  #count(kind: StreamKind, holder: string, held: number, step: 1 | -1): void {
    this.#open += step;
    this.#byKind.set(kind, (this.#byKind.get(kind) ?? 0) + step);
    if (held + step === 0) this.#byHolder.delete(holder);
    else this.#byHolder.set(holder, held + step);
    this.#changed.emit();
  }
}

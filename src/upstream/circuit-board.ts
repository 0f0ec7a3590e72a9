import type { Clock } from '../clock.js';
import { appOfHoldKey, type HoldEvent, type HoldStore } from '../store/ports.js';

export interface CircuitBoardOptions {
  holds: Pick<HoldStore, 'heldForMs' | 'watch'>;
  clock: Clock;
  /**
   * Apps whose holds are read from the store at once; the others wait their turn. The first status
   * of thousands of apps (/ready, /metrics after a start) otherwise sent every app's reads together,
   * and Redis commands timed out under them. @default 32
   */
  maxConcurrentReads?: number;
}

const DEFAULT_MAX_CONCURRENT_READS = 32;

/**
 * What this replica knows of the quota circuits (store holds), in process memory, so reporting them
 * (`tokenStatus.circuitOpenUntil`, /ready, /metrics) never reads the store per request. An app's holds
 * are read once, then followed through the store's hold announcements (this and every other replica);
 * a `resync` (notifications were interrupted) reads them again on next use.
 */
export class CircuitBoard {
  readonly #options: CircuitBoardOptions;
  readonly #until = new Map<string, number>();
  /** appId → the latest end of any hold recorded for it: past it, none of the app's keys is held. */
  readonly #appUntil = new Map<string, number>();
  /** The apps whose holds were read; any other is read before answering. */
  readonly #read = new Set<string>();
  readonly #reading = new Map<string, Promise<void>>();
  /** Reads waiting for a slot, oldest first. */
  readonly #waiting: (() => void)[] = [];
  #activeReads = 0;
  readonly #unwatch: () => void;

  constructor(options: CircuitBoardOptions) {
    this.#options = options;
    this.#unwatch = options.holds.watch((event) => this.#onHold(event));
  }

  /** Records a hold this replica just read or set (the store's answer is the truth). */
  record(key: string, heldForMs: number): void {
    if (heldForMs <= 0) {
      this.#until.delete(key);
      return;
    }
    const until = this.#options.clock.now() + heldForMs;
    this.#until.set(key, until);
    const appId = appOfHoldKey(key);
    if (until > (this.#appUntil.get(appId) ?? 0)) this.#appUntil.set(appId, until);
  }

  /**
   * Milliseconds until every one of `keys()` (all of `appId`) is free again; 0 when none is held. The
   * keys are only made when the app may hold one: most of the time none is, and this runs per request.
   */
  async heldForMs(appId: string, keys: () => readonly string[]): Promise<number> {
    if (!this.#read.has(appId)) await this.#readHolds(appId, keys());
    const now = this.#options.clock.now();
    if ((this.#appUntil.get(appId) ?? 0) <= now) return 0;
    let longest = 0;
    for (const key of keys()) {
      const until = this.#until.get(key);
      if (until !== undefined && until - now > longest) longest = until - now;
    }
    return longest;
  }

  close(): void {
    this.#unwatch();
  }

  #readHolds(appId: string, keys: readonly string[]): Promise<void> {
    const running = this.#reading.get(appId);
    if (running) return running;
    const reading = this.#slot()
      .then(() =>
        Promise.all(keys.map((key) => this.#options.holds.heldForMs(key))).finally(() => this.#release()),
      )
      .then((held) => {
        keys.forEach((key, i) => {
          this.record(key, held[i] ?? 0);
        });
        this.#read.add(appId);
      })
      .finally(() => this.#reading.delete(appId));
    this.#reading.set(appId, reading);
    return reading;
  }

  /** Resolves once this read may go to the store. */
  #slot(): Promise<void> {
    if (this.#activeReads < (this.#options.maxConcurrentReads ?? DEFAULT_MAX_CONCURRENT_READS)) {
      this.#activeReads += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands a finished read's slot to the oldest waiting one. */
  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#activeReads -= 1;
  }

  #onHold(event: HoldEvent): void {
    if (event.type === 'resync') {
      this.#read.clear();
      return;
    }
    this.record(event.key, event.ttlMs);
  }
}

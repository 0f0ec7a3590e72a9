import type { Clock } from '../clock.js';
import { Slots } from '../slots.js';
import { appOfHoldKey, type HoldEvent, type HoldStore } from '../store/ports.js';

export interface CircuitBoardOptions {
  holds: Pick<HoldStore, 'heldForMsMany' | 'watch' | 'follows'>;
  clock: Clock;
  /**
   * Store reads (each of up to `APPS_PER_READ` apps' holds) running at once; the others wait their
   * turn. The first status of thousands of apps (/ready, /metrics after a start) otherwise sent every
   * app's reads together, and Redis commands timed out under them. @default 32
   */
  maxConcurrentReads?: number;
}

const DEFAULT_MAX_CONCURRENT_READS = 32;

/** Apps whose holds one store read asks for together (one command per Cluster slot). */
const APPS_PER_READ = 256;

/** One app's question: its hold keys, made only when the app may hold one. */
export interface HeldQuestion {
  appId: string;
  keys: () => readonly string[];
}

/**
 * What this replica knows of the quota circuits (store holds), in process memory, so reporting them
 * (`tokenStatus.circuitOpenUntil`, /ready, /metrics) never reads the store per request. An app's holds
 * are read once, then followed through the store's hold announcements (this and every other replica);
 * a `resync` (notifications were interrupted) reads them again on next use. An app whose holds the
 * store does not announce here (`follows`: an authorizer among 100,000 not used lately) is read on
 * every use, with whatever else that turn reads, so what is known stays bounded and true.
 */
export class CircuitBoard {
  readonly #options: CircuitBoardOptions;
  readonly #until = new Map<string, number>();
  /** appId → the latest end of any hold recorded for it: past it, none of the app's keys is held. */
  readonly #appUntil = new Map<string, number>();
  /** The apps whose holds were read and are announced since; any other is read before answering. */
  readonly #read = new Set<string>();
  readonly #reading = new Map<string, Promise<void>>();
  /** Holds reads going to the store at once to `maxConcurrentReads`. */
  readonly #reads: Slots;
  readonly #unwatch: () => void;

  constructor(options: CircuitBoardOptions) {
    this.#options = options;
    this.#reads = new Slots(options.maxConcurrentReads ?? DEFAULT_MAX_CONCURRENT_READS);
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
    return (await this.heldForMsMany([{ appId, keys }]))[0] ?? 0;
  }

  /**
   * `heldForMs` of many apps, in the order asked: the apps whose holds were never read are read
   * together (one store read per `APPS_PER_READ` apps), so a page of apps costs a constant number of
   * store commands however many it holds.
   */
  async heldForMsMany(questions: readonly HeldQuestion[]): Promise<number[]> {
    await this.#readHolds(questions.filter(({ appId }) => !this.#read.has(appId)));
    const now = this.#options.clock.now();
    return questions.map(({ appId, keys }) => {
      if ((this.#appUntil.get(appId) ?? 0) <= now) return 0;
      let longest = 0;
      for (const key of keys()) {
        const until = this.#until.get(key);
        if (until !== undefined && until - now > longest) longest = until - now;
      }
      return longest;
    });
  }

  close(): void {
    this.#unwatch();
  }

  /** Reads the apps' holds (each app once, however many ask at the same time). */
  async #readHolds(questions: readonly HeldQuestion[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const unread = new Map<string, HeldQuestion>();
    for (const question of questions) {
      const running = this.#reading.get(question.appId);
      if (running) waits.push(running);
      else unread.set(question.appId, question);
    }
    const batch = [...unread.values()];
    for (let at = 0; at < batch.length; at += APPS_PER_READ) {
      const part = batch.slice(at, at + APPS_PER_READ);
      const reading = this.#readBatch(part);
      for (const { appId } of part) this.#reading.set(appId, reading);
      waits.push(reading);
    }
    await Promise.all(waits);
  }

  #readBatch(questions: readonly HeldQuestion[]): Promise<void> {
    const keysOf = questions.map(({ keys }) => keys());
    return this.#reads
      .acquire()
      .then(() => this.#options.holds.heldForMsMany(keysOf.flat()).finally(() => this.#reads.release()))
      .then((held) => {
        let at = 0;
        questions.forEach(({ appId }, i) => {
          for (const key of keysOf[i] ?? []) this.record(key, held[at++] ?? 0);
          if (this.#options.holds.follows(appId)) this.#read.add(appId);
        });
      })
      .finally(() => {
        for (const { appId } of questions) this.#reading.delete(appId);
      });
  }

  #onHold(event: HoldEvent): void {
    if (event.type === 'resync') {
      if (event.appIds) for (const appId of event.appIds) this.#read.delete(appId);
      else this.#read.clear();
      return;
    }
    this.record(event.key, event.ttlMs);
  }
}

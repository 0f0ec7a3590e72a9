import { Listeners } from '../listeners.js';
import type { Logger } from '../logger.js';
import { errorText } from '../redact.js';
import { HEALTH_CACHE_MS } from './health-cache.js';
import type { StoreHealth } from './ports.js';

/**
 * Whether `next` is another answer than `last` for readiness: `ok` or `degraded` differ (the first
 * answer always does). A different `detail` alone is the same answer in other words (`connecting`,
 * then `reconnecting`) and is not announced.
 */
export function healthChanged(last: StoreHealth | undefined, next: StoreHealth): boolean {
  return last === undefined || last.ok !== next.ok || last.degraded !== next.degraded;
}

export interface HealthWatchOptions {
  /**
   * While the last answer is not healthy, the store is asked again this long after it, event or not,
   * until it is: a recovery that no event reports (a PING that failed right at a reconnection, a
   * Redis that answers again on a connection it never dropped) is announced within this time.
   * @default HEALTH_CACHE_MS (1000)
   */
  recheckMs?: number;
}

/**
 * The change notification of a store's health. It decides nothing: each `check()` (a connection
 * event) asks `read` — the store's own `health()`, the one owner of the answer — and announces the
 * answer when it differs from the last one (`healthChanged`). Checks never overlap: one asked while
 * another runs is run once after it, so the answers announced are in the order they were given and
 * the last one announced is the answer after the last event. While the answer is degraded or down,
 * the watch also checks again every `recheckMs` on its own.
 */
export class HealthWatch {
  readonly #read: () => Promise<StoreHealth>;
  readonly #listeners: Listeners<StoreHealth>;
  readonly #log: Logger;
  #last: StoreHealth | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  readonly #recheckMs: number;
  #recheck: NodeJS.Timeout | undefined;

  constructor(read: () => Promise<StoreHealth>, log: Logger, options: HealthWatchOptions = {}) {
    this.#read = read;
    this.#log = log;
    this.#listeners = new Listeners(log, 'store health');
    this.#recheckMs = options.recheckMs ?? HEALTH_CACHE_MS;
  }

  /** Listens to each change of the answer from now on; returns the unsubscribe function. */
  subscribe(listener: (health: StoreHealth) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Asks the store again (a connection event happened); announces the answer if it changed. */
  check(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves once no check is running (each check asked so far has announced its answer). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Announces nothing more (the store is closing: its connections' last events are not news). */
  stop(): void {
    this.#stopped = true;
    this.#cancelRecheck();
    this.#listeners.clear();
  }

  #cancelRecheck(): void {
    clearTimeout(this.#recheck);
    this.#recheck = undefined;
  }

  /** Asks again in `recheckMs` while the last answer is not healthy; stops asking once it is. */
  #scheduleRecheck(): void {
    const healthy = this.#last?.ok === true && !this.#last.degraded;
    if (this.#stopped || healthy) {
      this.#cancelRecheck();
      return;
    }
    if (this.#recheck) return;
    this.#recheck = setTimeout(() => {
      this.#recheck = undefined;
      this.check();
    }, this.#recheckMs);
    // A pending re-check never keeps the process alive.
    this.#recheck.unref?.();
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      let answer: StoreHealth;
      try {
        answer = await this.#read();
      } catch (error) {
        this.#log.debug({ err: errorText(error) }, 'store health check failed');
        continue;
      }
      if (this.#stopped || !healthChanged(this.#last, answer)) continue;
      this.#last = answer;
      this.#listeners.emit(answer);
    } while (this.#again && !this.#stopped);
    this.#scheduleRecheck();
  }
}

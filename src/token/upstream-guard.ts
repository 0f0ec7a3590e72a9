import type { Clock, Random } from '../clock.js';
import type { Logger } from '../logger.js';
import { WeChatError } from '../wechat/errors.js';
import { type BusyRetryPolicy, busyRetryDelay } from './backoff.js';
import { NegativeCache } from './negative-cache.js';
import { QuotaCircuits } from './quota-circuits.js';
import { isQuotaReaction } from './quota-window.js';
import type { TokenStore } from './store.js';

export interface UpstreamGuardOptions {
  store: TokenStore;
  clock: Clock;
  random: Random;
  logger: Logger;
  busy: BusyRetryPolicy;
  negativeCacheMs: number;
}

/**
 * The errcode rules around one upstream call that need no token change: quota circuits (45009/45011,
 * shared through the store), bounded jittered retries while WeChat is busy, and the negative cache of
 * configuration errors.
 */
export class UpstreamGuard {
  readonly circuits: QuotaCircuits;
  readonly #negative: NegativeCache;
  readonly #options: UpstreamGuardOptions;

  constructor(options: UpstreamGuardOptions) {
    this.#options = options;
    this.circuits = new QuotaCircuits(options.store, options.clock);
    this.#negative = new NegativeCache(options.clock, options.negativeCacheMs);
  }

  throwIfNegativelyCached(appId: string): void {
    const remembered = this.#negative.recall(appId);
    if (remembered) throw remembered;
  }

  /** Remembers a configuration error (wrong secret, IP not whitelisted, …) for the negative-cache window. */
  noteFailure(appId: string, error: unknown): void {
    if (error instanceof WeChatError && error.reaction === 'config') this.#negative.remember(appId, error);
  }

  async checkTokenCircuits(appId: string, endpoints: readonly string[]): Promise<void> {
    for (const endpoint of endpoints) await this.circuits.check(appId, endpoint, 'token');
  }

  /**
   * Runs `fn` with bounded jittered retries while WeChat is busy; a quota answer opens the circuit
   * of `endpoint` (callers check it beforehand) and is rethrown with its `retryAfterSeconds`.
   */
  async run<T>(appId: string, endpoint: string, fn: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof WeChatError)) throw error;
        if (isQuotaReaction(error.reaction)) {
          throw await this.circuits.open(appId, endpoint, error.reaction, error);
        }
        const delay =
          error.reaction === 'backoff'
            ? busyRetryDelay(retry, this.#options.busy, this.#options.random)
            : undefined;
        if (delay === undefined) throw error;
        this.#options.logger.debug(
          { appId, endpoint, retry: retry + 1, delayMs: delay },
          'WeChat busy; backing off',
        );
        await this.#options.clock.sleep(delay);
      }
    }
  }
}

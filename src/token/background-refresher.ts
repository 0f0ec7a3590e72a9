import type { Clock, Random } from '../clock.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type FailureBackoffPolicy, failureBackoffDelay } from './backoff.js';
import {
  backgroundRefreshDelayMs,
  MAX_SAME_TOKEN_RETRIES,
  type RefreshSchedulePolicy,
  sameTokenRetryDelayMs,
} from './refresh-schedule.js';
import type { StoredToken, StoreEvent, TokenStore } from './store.js';
import { isNewerToken } from './token-state.js';

export interface BackgroundRefresherOptions {
  appIds: readonly string[];
  store: TokenStore;
  clock: Clock;
  random: Random;
  logger: Logger;
  schedule: RefreshSchedulePolicy;
  failureBackoff: FailureBackoffPolicy;
  /** How long `stop()` waits for refreshes in flight. */
  stopTimeoutMs: number;
  /** WeChat's early-renewal window of the app's stable tokens; undefined for classic apps. */
  earlyWindowMs(appId: string): number | undefined;
  /**
   * Renews the token unless another replica holds the fetch lock (then resolves to undefined);
   * `basis` is the token this renewal replaces, so a token someone stored meanwhile is kept.
   */
  refresh(appId: string, basis: StoredToken | undefined): Promise<StoredToken | undefined>;
}

/**
 * One timer per app that renews its token ahead of the margin, so client requests never wait on
 * WeChat in steady state. A token written by any replica reschedules the timer; failures back off.
 */
export class BackgroundRefresher {
  readonly #options: BackgroundRefresherOptions;
  readonly #timers = new Map<string, () => void>();
  /** When each timer fires (epoch ms of the injected clock). */
  readonly #dueAt = new Map<string, number>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #failures = new Map<string, number>();
  /** Renewals in a row that were handed back the token they meant to replace. */
  readonly #sameToken = new Map<string, number>();
  /** The token each timer was set for; a different one in the store means someone else renewed it. */
  readonly #basis = new Map<string, StoredToken | undefined>();
  #unsubscribe: (() => void) | undefined;

  constructor(options: BackgroundRefresherOptions) {
    this.#options = options;
  }

  get started(): boolean {
    return this.#unsubscribe !== undefined;
  }

  start(): void {
    if (this.started) return;
    this.#unsubscribe = this.#options.store.subscribe((event) => this.#onStoreEvent(event));
    for (const appId of this.#options.appIds) void this.#scheduleFromStore(appId);
  }

  /** Clears every timer and waits (bounded) for refreshes already running. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    const running = [...this.#running.values()];
    if (running.length === 0) return;
    await Promise.race([Promise.allSettled(running), this.#options.clock.sleep(this.#options.stopTimeoutMs)]);
  }

  /** When this replica next renews the app's token; undefined while none is scheduled (or one runs). */
  nextRunAt(appId: string): number | undefined {
    return this.#timers.has(appId) ? this.#dueAt.get(appId) : undefined;
  }

  #onStoreEvent(event: StoreEvent): void {
    if (!this.#options.appIds.includes(event.appId) || this.#running.has(event.appId)) return;
    if (event.type === 'invalidated') {
      this.#basis.set(event.appId, undefined);
      this.#schedule(event.appId, 0);
      return;
    }
    this.#failures.delete(event.appId);
    void this.#scheduleFromStore(event.appId);
  }

  async #scheduleFromStore(appId: string): Promise<void> {
    try {
      this.#scheduleFromToken(appId, await this.#options.store.get(appId));
    } catch (error) {
      this.#scheduleAfterFailure(appId, error);
    }
  }

  #scheduleFromToken(appId: string, token: StoredToken | undefined): void {
    const { clock, schedule, random } = this.#options;
    this.#basis.set(appId, token);
    const now = clock.now();
    this.#schedule(
      appId,
      backgroundRefreshDelayMs(token, now, schedule, random, this.#options.earlyWindowMs(appId)),
      now,
    );
  }

  #scheduleAfterFailure(appId: string, error: unknown): void {
    const failures = (this.#failures.get(appId) ?? 0) + 1;
    this.#failures.set(appId, failures);
    const backoff = failureBackoffDelay(failures, this.#options.failureBackoff, this.#options.random);
    const windowMs = error instanceof GatewayError ? (error.retryAfterSeconds ?? 0) * 1000 : 0;
    const delay = Math.max(backoff, windowMs);
    this.#options.logger.warn(
      { appId, failures, retryInMs: delay, code: error instanceof GatewayError ? error.code : undefined },
      'background token refresh failed; retrying later',
    );
    this.#schedule(appId, delay);
  }

  /** `now` is the time the delay was reckoned from: the due time shown must be the one it meant. */
  #schedule(appId: string, delayMs: number, now = this.#options.clock.now()): void {
    this.#timers.get(appId)?.();
    this.#timers.delete(appId);
    if (!this.started) return;
    this.#timers.set(
      appId,
      this.#options.clock.setTimeout(() => this.#run(appId), delayMs),
    );
    this.#dueAt.set(appId, now + delayMs);
  }

  #run(appId: string): void {
    this.#timers.delete(appId);
    const run = (async () => {
      try {
        // The token this timer was set for, taken before the read: a notification handled meanwhile
        // may reschedule from a newer token, which this run must not mistake for its own to renew.
        const basis = this.#basis.get(appId);
        const current = await this.#options.store.get(appId);
        if (isNewerToken(current, basis)) {
          this.#scheduleFromToken(appId, current);
          return;
        }
        const token = await this.#options.refresh(appId, current);
        if (token) {
          this.#failures.delete(appId);
          if (this.#handedBackAgain(appId, current, token)) return;
          this.#scheduleFromToken(appId, token);
        } else {
          // Another replica holds the lock; its `updated` event reschedules us, this is the fallback.
          this.#schedule(appId, failureBackoffDelay(1, this.#options.failureBackoff, this.#options.random));
        }
      } catch (error) {
        this.#scheduleAfterFailure(appId, error);
      }
    })();
    this.#running.set(appId, run);
    void run.finally(() => this.#running.delete(appId));
  }

  /** A stable renewal that got the same token back retries a little later, a bounded number of times. */
  #handedBackAgain(appId: string, replaced: StoredToken | undefined, token: StoredToken): boolean {
    const windowMs = this.#options.earlyWindowMs(appId);
    if (windowMs === undefined || replaced?.accessToken !== token.accessToken) {
      this.#sameToken.delete(appId);
      return false;
    }
    const times = (this.#sameToken.get(appId) ?? 0) + 1;
    this.#sameToken.set(appId, times);
    if (times > MAX_SAME_TOKEN_RETRIES) return false;
    const delay = sameTokenRetryDelayMs(token, this.#options.schedule, windowMs);
    this.#options.logger.info(
      { appId, times, retryInMs: delay },
      'WeChat handed back the current stable token; renewing again shortly',
    );
    this.#basis.set(appId, token);
    this.#schedule(appId, delay);
    return true;
  }
}

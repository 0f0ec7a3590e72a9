import type { Clock, Random } from '../clock.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  type CredentialEvent,
  type CredentialKey,
  type CredentialStore,
  credentialId,
  type StoredCredential,
} from '../store/ports.js';
import { type FailureBackoffPolicy, failureBackoffDelay } from '../upstream/backoff.js';
import {
  backgroundRefreshDelayMs,
  MAX_SAME_VALUE_RETRIES,
  type RefreshSchedulePolicy,
  sameValueRetryDelayMs,
} from './schedule.js';
import { isNewer } from './state.js';

export interface RenewalOptions {
  credentials: CredentialStore;
  clock: Clock;
  random: Random;
  logger: Logger;
  schedule: RefreshSchedulePolicy;
  failureBackoff: FailureBackoffPolicy;
  /** How long `stop()` waits for renewals in flight. */
  stopTimeoutMs: number;
  /** Renewals running at once; the others due wait, in the order they fell due. */
  concurrency: number;
  /** WeChat's early window of the credential (stable tokens); undefined when it has none. */
  earlyWindowMs(key: CredentialKey): number | undefined;
  /**
   * Renews the credential unless another replica holds its lease (then resolves to undefined);
   * `basis` is the value this renewal replaces, so a value someone stored meanwhile is kept.
   */
  refresh(key: CredentialKey, basis: StoredCredential | undefined): Promise<StoredCredential | undefined>;
  /**
   * A credential followed because it was used (`used`) is renewed ahead only while its last use on this
   * replica is at most this long ago; past it, it is no longer followed and is obtained again on its
   * next use. Undefined: renewed for as long as the process runs.
   */
  renewIfUsedWithinMs?: number;
}

/**
 * Whether a credential is renewed ahead of expiry now: always when it is followed for good (`lastUsedAt`
 * undefined: eager kinds) or no window is set; otherwise only when it was used within the window.
 */
export function renewsAhead(
  lastUsedAt: number | undefined,
  now: number,
  usedWithinMs: number | undefined,
): boolean {
  if (lastUsedAt === undefined || usedWithinMs === undefined) return true;
  return now - lastUsedAt <= usedWithinMs;
}

interface Followed {
  key: CredentialKey;
  cancel?: () => void;
  /** When its timer fires (epoch ms of the injected clock). */
  dueAt?: number;
  running?: Promise<void>;
  failures: number;
  /** Renewals in a row that were handed back the value they meant to replace. */
  sameValue: number;
  /** The value its timer was set for; a different one in the store means someone else renewed it. */
  basis?: StoredCredential;
  /** When a caller last used it on this replica; undefined for a credential followed for good. */
  lastUsedAt?: number;
}

/**
 * One timer per followed credential that renews it ahead of its margin, so callers never wait on
 * WeChat in steady state. A value written by any replica reschedules the timer; failures back off.
 */
export class BackgroundRenewal {
  readonly #options: RenewalOptions;
  readonly #followed = new Map<string, Followed>();
  /** Due, waiting for one of the `concurrency` slots, in the order they fell due. */
  readonly #waiting = new Set<Followed>();
  #active = 0;
  #unsubscribe: (() => void) | undefined;

  constructor(options: RenewalOptions) {
    this.#options = options;
  }

  get started(): boolean {
    return this.#unsubscribe !== undefined;
  }

  start(): void {
    if (this.started) return;
    this.#unsubscribe = this.#options.credentials.subscribe((event) => this.#onStoreEvent(event));
    for (const followed of this.#followed.values()) void this.#scheduleFromStore(followed);
  }

  /** Renews `key` ahead of expiry from now on (once started); following it twice changes nothing. */
  follow(key: CredentialKey): void {
    const id = credentialId(key);
    if (this.#followed.has(id)) return;
    this.#add(key);
  }

  /**
   * A caller used `key`: it is renewed ahead while its uses are within `renewIfUsedWithinMs` of each
   * other (followed again after it was dropped).
   */
  used(key: CredentialKey): void {
    const now = this.#options.clock.now();
    const followed = this.#followed.get(credentialId(key)) ?? this.#add(key);
    followed.lastUsedAt = now;
  }

  #add(key: CredentialKey): Followed {
    const id = credentialId(key);
    const followed: Followed = { key, failures: 0, sameValue: 0 };
    this.#followed.set(id, followed);
    if (this.started) void this.#scheduleFromStore(followed);
    return followed;
  }

  /** Clears every timer and waits (bounded) for renewals already running. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#waiting.clear();
    const running: Promise<void>[] = [];
    for (const followed of this.#followed.values()) {
      followed.cancel?.();
      followed.cancel = undefined;
      if (followed.running) running.push(followed.running);
    }
    if (running.length === 0) return;
    await Promise.race([Promise.allSettled(running), this.#options.clock.sleep(this.#options.stopTimeoutMs)]);
  }

  /** When this replica next renews the credential; undefined while none is scheduled (or one runs). */
  nextRunAt(key: CredentialKey): number | undefined {
    const followed = this.#followed.get(credentialId(key));
    return followed?.cancel ? followed.dueAt : undefined;
  }

  #onStoreEvent(event: CredentialEvent): void {
    const followed = this.#followed.get(credentialId(event));
    if (!followed || followed.running) return;
    if (event.type === 'invalidated') {
      followed.basis = undefined;
      this.#schedule(followed, 0);
      return;
    }
    followed.failures = 0;
    void this.#scheduleFromStore(followed);
  }

  async #scheduleFromStore(followed: Followed): Promise<void> {
    try {
      this.#scheduleFrom(followed, await this.#options.credentials.get(followed.key));
    } catch (error) {
      this.#scheduleAfterFailure(followed, error);
    }
  }

  #scheduleFrom(followed: Followed, credential: StoredCredential | undefined): void {
    const { clock, schedule, random } = this.#options;
    followed.basis = credential;
    if (!credential && followed.lastUsedAt !== undefined) {
      // Followed because a caller used it: that caller is obtaining it, and its `updated` event
      // schedules the renewal. Obtaining it here too would race the caller for the lease.
      followed.cancel?.();
      followed.cancel = undefined;
      return;
    }
    const now = clock.now();
    const earlyWindowMs = this.#options.earlyWindowMs(followed.key);
    const id = credentialId(followed.key);
    const delay = backgroundRefreshDelayMs(credential, now, schedule, random, earlyWindowMs, id);
    this.#schedule(followed, delay, now);
  }

  #scheduleAfterFailure(followed: Followed, error: unknown): void {
    followed.failures += 1;
    const backoff = failureBackoffDelay(
      followed.failures,
      this.#options.failureBackoff,
      this.#options.random,
    );
    const windowMs = error instanceof GatewayError ? (error.retryAfterSeconds ?? 0) * 1000 : 0;
    const delay = Math.max(backoff, windowMs);
    this.#options.logger.warn(
      {
        appId: followed.key.appId,
        kind: followed.key.kind,
        failures: followed.failures,
        retryInMs: delay,
        code: error instanceof GatewayError ? error.code : undefined,
      },
      'background renewal failed; retrying later',
    );
    this.#schedule(followed, delay);
  }

  /** `now` is the time the delay was reckoned from: the due time shown must be the one it meant. */
  #schedule(followed: Followed, delayMs: number, now = this.#options.clock.now()): void {
    followed.cancel?.();
    followed.cancel = undefined;
    this.#waiting.delete(followed);
    if (!this.started) return;
    followed.cancel = this.#options.clock.setTimeout(() => this.#due(followed), delayMs);
    followed.dueAt = now + delayMs;
  }

  /** Runs now when a slot is free, else waits for one; one not used within the window is dropped. */
  #due(followed: Followed): void {
    followed.cancel = undefined;
    const now = this.#options.clock.now();
    if (!renewsAhead(followed.lastUsedAt, now, this.#options.renewIfUsedWithinMs)) {
      this.#followed.delete(credentialId(followed.key));
      this.#options.logger.debug(
        { appId: followed.key.appId, kind: followed.key.kind },
        'not renewed ahead: unused within the window; obtained again on its next use',
      );
      return;
    }
    if (this.#active >= this.#options.concurrency) this.#waiting.add(followed);
    else this.#run(followed);
  }

  /** Hands the slot a renewal freed to the renewal that has waited longest. */
  #next(): void {
    this.#active -= 1;
    if (!this.started) return;
    const [next] = this.#waiting;
    if (!next) return;
    this.#waiting.delete(next);
    this.#run(next);
  }

  #run(followed: Followed): void {
    this.#active += 1;
    const run = (async () => {
      try {
        // The value this timer was set for, taken before the read: a notification handled meanwhile
        // may reschedule from a newer value, which this run must not mistake for its own to renew.
        const basis = followed.basis;
        const current = await this.#options.credentials.get(followed.key);
        if (isNewer(current, basis)) {
          this.#scheduleFrom(followed, current);
          return;
        }
        const renewed = await this.#options.refresh(followed.key, current);
        if (renewed) {
          followed.failures = 0;
          if (this.#handedBackAgain(followed, current, renewed)) return;
          this.#scheduleFrom(followed, renewed);
        } else {
          // Another replica holds the lease; its `updated` event reschedules us, this is the fallback.
          this.#schedule(
            followed,
            failureBackoffDelay(1, this.#options.failureBackoff, this.#options.random),
          );
        }
      } catch (error) {
        this.#scheduleAfterFailure(followed, error);
      }
    })();
    followed.running = run;
    void run.finally(() => {
      followed.running = undefined;
      this.#next();
    });
  }

  /** A renewal inside an early window that got the same value back retries a little later, a bounded number of times. */
  #handedBackAgain(
    followed: Followed,
    replaced: StoredCredential | undefined,
    renewed: StoredCredential,
  ): boolean {
    const windowMs = this.#options.earlyWindowMs(followed.key);
    if (windowMs === undefined || replaced?.value !== renewed.value) {
      followed.sameValue = 0;
      return false;
    }
    followed.sameValue += 1;
    if (followed.sameValue > MAX_SAME_VALUE_RETRIES) return false;
    const delay = sameValueRetryDelayMs(renewed, this.#options.schedule, windowMs);
    this.#options.logger.info(
      { appId: followed.key.appId, kind: followed.key.kind, times: followed.sameValue, retryInMs: delay },
      'WeChat handed back the current value; renewing again shortly',
    );
    followed.basis = renewed;
    this.#schedule(followed, delay);
    return true;
  }
}

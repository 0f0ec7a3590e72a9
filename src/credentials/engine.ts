import type { Clock, Random } from '../clock.js';
import { GatewayError, InvalidOptionError, RefreshCooldownError } from '../errors.js';
import { Listeners } from '../listeners.js';
import type { Logger } from '../logger.js';
import type { Redactor } from '../redact.js';
import {
  type CredentialEvent,
  type CredentialKey,
  type CredentialStore,
  credentialId,
  type StoredCredential,
  type Stores,
} from '../store/ports.js';
import { UpstreamGuard } from '../upstream/guard.js';
import { retryAfterSeconds } from '../upstream/quota-window.js';
import { WeChatError } from '../wechat/errors.js';
import { acceptingStore } from './accepting-store.js';
import { CredentialFetcher, type FetchRequest } from './fetcher.js';
import { cooldownKey } from './hold-keys.js';
import { type CredentialKind, earlyWindowMsOf, type Obtained } from './kind.js';
import type { EngineSettings } from './options.js';
import { RejectedRenewal } from './rejected-renewal.js';
import { BackgroundRenewal } from './renewal.js';
import { renewableFrom } from './schedule.js';
import { credentialState, refreshAction } from './state.js';

export interface CredentialEngineOptions {
  stores: Pick<Stores, 'credentials' | 'leases' | 'holds'>;
  kinds: readonly CredentialKind[];
  settings: EngineSettings;
  clock: Clock;
  random: Random;
  logger: Logger;
  /**
   * The gateway's redaction: learns every value of a `secret` kind the moment the engine accepts it
   * (obtained, or read from the shared store), and redacts the failures it reports.
   */
  redactor: Pick<Redactor, 'learnCredential' | 'errorText'>;
  /** The fingerprint of an app's settings its remembered refusals are kept under (`UpstreamGuard`). @default none */
  settingsOf?: (appId: string) => string | undefined;
  /** Told whether each `get` was answered from the store (`hit`) or waited for WeChat (`miss`). */
  onCacheLookup?: (key: CredentialKey, result: 'hit' | 'miss') => void;
}

/** Everything that happens to credentials, for subscriptions, logs and metrics. */
export type EngineEvent =
  | CredentialEvent
  | { type: 'error'; appId: string; kind: string; code: string; message: string; background: boolean };

export interface LastError {
  code: string;
  message: string;
  at: Date;
}

/**
 * The one credential engine (docs/token-rules.md): every kind of credential — described by a
 * `CredentialKind` — is served, obtained, shared and renewed by this code. It serves a stored value
 * while valid, renews behind callers inside the margin and ahead of expiry in the background, asks
 * WeChat once per credential across replicas (`CredentialFetcher`), forces at most once per cooldown,
 * renews once when WeChat rejects a value, and keeps the upstream rules (`UpstreamGuard`).
 */
export class CredentialEngine {
  readonly guard: UpstreamGuard;
  readonly #options: CredentialEngineOptions;
  readonly #kinds = new Map<string, CredentialKind>();
  /** The store through which every value reaches the engine (`acceptingStore`). */
  readonly #credentials: CredentialStore;
  readonly #fetcher: CredentialFetcher;
  readonly #renewal: BackgroundRenewal;
  readonly #listeners: Listeners<EngineEvent>;
  readonly #lastErrors = new Map<string, LastError>();
  readonly #lastRenewedBehind = new Map<string, number>();
  readonly #rejections: RejectedRenewal;
  readonly #unsubscribe: () => void;

  constructor(options: CredentialEngineOptions) {
    this.#options = options;
    for (const kind of options.kinds) {
      if (this.#kinds.has(kind.name))
        throw new InvalidOptionError(`Credential kind ${kind.name} is given twice.`);
      this.#kinds.set(kind.name, kind);
    }
    const { stores, clock, random, logger, settings } = options;
    this.#credentials = acceptingStore(stores.credentials, (key, value) => this.#accept(key, value));
    this.#listeners = new Listeners(logger, 'credential event');
    this.guard = new UpstreamGuard({
      holds: stores.holds,
      clock,
      random,
      logger,
      busy: settings.busy,
      negativeCacheMs: settings.negativeCacheMs,
      ...(options.settingsOf && { settingsOf: options.settingsOf }),
    });
    this.#fetcher = new CredentialFetcher({
      credentials: this.#credentials,
      leases: stores.leases,
      clock,
      logger,
      leaseMs: settings.leaseMs,
      leaseWaitMs: settings.leaseWaitMs,
      needsNoRenewal: (kind, key, current) => this.#needsNoRenewal(kind, key, current),
      obtain: (kind, key, request, beforeCall) => this.#obtain(kind, key, request, beforeCall),
      onFailure: (key, error, background) => this.#recordFailure(key, error, background),
      onObtained: (key, value) => {
        this.#accept(key, value);
        this.#lastErrors.delete(credentialId(key));
      },
    });
    this.#renewal = new BackgroundRenewal({
      credentials: this.#credentials,
      clock,
      random,
      logger,
      schedule: settings.schedule,
      failureBackoff: settings.failureBackoff,
      stopTimeoutMs: settings.stopTimeoutMs,
      concurrency: settings.backgroundConcurrency,
      ...(settings.renewIfUsedWithinMs !== undefined && {
        renewIfUsedWithinMs: settings.renewIfUsedWithinMs,
      }),
      earlyWindowMs: (key) => earlyWindowMsOf(this.#kind(key).lifetime(key.appId)),
      refresh: (key, basis) =>
        this.#fetcher.fetch(this.#kind(key), key, {
          reason: basis ? 'margin' : 'cold',
          seen: basis,
          force: false,
          whenLeased: 'skip',
        }),
    });
    this.#rejections = new RejectedRenewal({
      credentials: this.#credentials,
      holds: stores.holds,
      clock,
      logger,
      windowMs: settings.rejectedRenewalWindowMs,
      renew: (kind, key, rejected) =>
        this.#fetcher.fetch(kind, key, {
          reason: 'invalidated',
          seen: rejected,
          force: false,
          whenLeased: 'wait',
        }),
    });
    this.#unsubscribe = stores.credentials.subscribe((event) => this.#listeners.emit(event));
  }

  /** Starts the background renewals (when `settings.backgroundRenewal` is on). */
  start(): void {
    if (this.#options.settings.backgroundRenewal) this.#renewal.start();
  }

  /** Renews `key` ahead of its expiry from now on (an `eager` kind's credential, from start-up). */
  follow(key: CredentialKey): void {
    this.#renewal.follow(key);
  }

  /** Stops the timers, waits (bounded) for fetches in flight, then stops listening to the store. */
  async stop(): Promise<void> {
    await this.#renewal.stop();
    const pending = this.#fetcher.pending();
    if (pending.length > 0) {
      await Promise.race([
        Promise.allSettled(pending),
        this.#options.clock.sleep(this.#options.settings.stopTimeoutMs),
      ]);
    }
    this.#fetcher.close();
    this.guard.circuits.close();
    this.#rejections.close();
    this.#unsubscribe();
  }

  /** A usable value: the stored one, renewed behind the caller inside the margin, or obtained (waited for). */
  async get(key: CredentialKey): Promise<StoredCredential> {
    const kind = this.#kind(key);
    const { clock, settings } = this.#options;
    if (kind.renewal === 'after-use') this.#renewal.used(key);
    const stored = await this.#credentials.get(key);
    const action = refreshAction(credentialState(stored, clock.now(), settings.schedule.marginMs));
    this.#options.onCacheLookup?.(key, stored && action !== 'blocking' ? 'hit' : 'miss');
    if (stored && action === 'none') return stored;
    if (stored && action === 'background') {
      if (clock.now() >= this.#renewableFrom(kind, key, stored)) this.#renewBehind(kind, key, stored);
      return stored;
    }
    return this.#fetch(kind, key, stored);
  }

  /** The stored value as it is; never calls WeChat. */
  read(key: CredentialKey): Promise<StoredCredential | undefined> {
    return this.#credentials.get(key);
  }

  /** `read` of many keys in one store round trip (one `MGET` per Cluster slot), in the order asked. */
  readMany(keys: readonly CredentialKey[]): Promise<(StoredCredential | undefined)[]> {
    return this.#credentials.getMany(keys);
  }

  /** `force: false` returns the stored value while fresh; `force: true` obtains anew, once per cooldown. */
  async refresh(key: CredentialKey, force: boolean): Promise<StoredCredential> {
    const kind = this.#kind(key);
    const { stores, clock, settings } = this.#options;
    const stored = await this.#credentials.get(key);
    if (!force || !kind.forceable) {
      if (stored && credentialState(stored, clock.now(), settings.schedule.marginMs) === 'FRESH')
        return stored;
      return this.#fetch(kind, key, stored);
    }
    // Checked before the cooldown is claimed, so a refusal does not also cost the next minute.
    await this.guard.throwIfNegativelyCached(key.appId);
    await this.guard.checkTokenCircuits(key.appId, kind.endpoints(key.appId, true));
    const claim = await stores.holds.claim(cooldownKey(key), settings.forceCooldownMs);
    if (!claim.ok) throw new RefreshCooldownError(key.appId, retryAfterSeconds(claim.remainingMs));
    return this.#fetcher.fetch(kind, key, {
      reason: 'forced',
      seen: stored,
      force: true,
      whenLeased: 'wait',
    });
  }

  /**
   * A caller reports that WeChat rejected `value`: if it is the stored one, it is dropped
   * (compare-and-delete) and a new one obtained, once across replicas; otherwise the stored value is
   * returned without calling WeChat. The answer never says which case it was.
   */
  async reportRejected(key: CredentialKey, value: string): Promise<StoredCredential> {
    const kind = this.#kind(key);
    const stored = await this.#credentials.get(key);
    // Another value (renewed meanwhile, or one this gateway never issued): nothing to do upstream.
    if (!stored || stored.value !== value) return stored ?? this.#fetch(kind, key, stored);
    await this.#credentials.deleteIfSame(key, value);
    return this.#fetcher.fetch(kind, key, {
      reason: 'invalidated',
      seen: stored,
      force: false,
      whenLeased: 'wait',
    });
  }

  /** Deletes the stored value only while it is still `value`. */
  invalidateIfSame(key: CredentialKey, value: string): Promise<boolean> {
    this.#kind(key);
    return this.#credentials.deleteIfSame(key, value);
  }

  /**
   * Runs a WeChat call with the credential lent to `fn`, under the upstream rules of `endpoint` (its
   * quota circuit, busy retries); a rejection of the credential renews it once and retries once.
   */
  async call<T>(key: CredentialKey, endpoint: string, fn: (value: string) => Promise<T>): Promise<T> {
    const kind = this.#kind(key);
    await this.guard.circuits.check(key.appId, endpoint, 'api');
    const credential = await this.get(key);
    try {
      return await this.guard.run(key.appId, endpoint, () => fn(credential.value));
    } catch (error) {
      if (!(error instanceof WeChatError && kind.verdict(error) === 'rejected')) throw error;
      const renewed = await this.#rejections.renew(kind, key, credential, error);
      return await this.guard.run(key.appId, endpoint, () => fn(renewed.value));
    }
  }

  /** How long a rejection of `credential` would not renew it (shared by replicas); 0 when it would. */
  rejectedRenewalBlockedForMs(key: CredentialKey, credential: StoredCredential): Promise<number> {
    return this.#rejections.blockedForMs(key, credential);
  }

  /** `rejectedRenewalBlockedForMs` of many values, the apps never read read together. */
  rejectedRenewalsBlockedForMs(
    values: readonly { key: CredentialKey; credential: StoredCredential }[],
  ): Promise<number[]> {
    return this.#rejections.blockedForMsMany(values);
  }

  /** The last failure to obtain the credential, while no value was obtained since. */
  lastError(key: CredentialKey): LastError | undefined {
    const error = this.#lastErrors.get(credentialId(key));
    return error && { ...error };
  }

  /** When this replica next renews the credential in the background; undefined when none is scheduled. */
  nextRenewalAt(key: CredentialKey): number | undefined {
    return this.#renewal.nextRunAt(key);
  }

  /** How long some replica still holds the credential's lease; 0 when free. */
  leaseHeldForMs(key: CredentialKey): Promise<number> {
    return this.#options.stores.leases.heldForMs(key);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Every value that reaches the engine: a secret kind's (or an unknown kind's) is redacted from then on. */
  #accept(key: CredentialKey, value: string): void {
    if (this.#kinds.get(key.kind)?.secret !== false)
      this.#options.redactor.learnCredential(value, credentialId(key));
  }

  #kind(key: CredentialKey): CredentialKind {
    const kind = this.#kinds.get(key.kind);
    if (!kind) throw new InvalidOptionError(`No credential kind ${key.kind} is known to the engine.`);
    return kind;
  }

  #renewableFrom(kind: CredentialKind, key: CredentialKey, credential: StoredCredential): number {
    return renewableFrom(
      credential,
      this.#options.settings.schedule.marginMs,
      earlyWindowMsOf(kind.lifetime(key.appId)),
    );
  }

  /** Fresh, or one WeChat would only hand back if asked now. */
  #needsNoRenewal(kind: CredentialKind, key: CredentialKey, current: StoredCredential): boolean {
    const now = this.#options.clock.now();
    const state = credentialState(current, now, this.#options.settings.schedule.marginMs);
    return state === 'FRESH' || (state === 'EXPIRING' && now < this.#renewableFrom(kind, key, current));
  }

  #fetch(
    kind: CredentialKind,
    key: CredentialKey,
    seen: StoredCredential | undefined,
  ): Promise<StoredCredential> {
    return this.#fetcher.fetch(kind, key, {
      reason: seen ? 'margin' : 'cold',
      seen,
      force: false,
      whenLeased: 'wait',
    });
  }

  /**
   * Asks WeChat under the upstream rules: a kind obtained with another credential goes through `call`
   * (that credential renewed once if rejected); any other is checked against its quota circuits, retried
   * while WeChat is busy, and its configuration errors are remembered (the negative cache).
   */
  async #obtain(
    kind: CredentialKind,
    key: CredentialKey,
    request: FetchRequest,
    beforeCall: () => Promise<void>,
  ): Promise<Obtained> {
    const endpoints = kind.endpoints(key.appId, request.force);
    const required = kind.requires?.(key);
    if (required !== undefined) {
      return this.call(required, endpoints[0], async (value) => {
        await beforeCall();
        return kind.obtain(key.appId, { force: request.force, with: value });
      });
    }
    // A configuration error this or another replica met moments ago is answered without asking again.
    await this.guard.throwIfNegativelyCached(key.appId);
    try {
      await this.guard.checkTokenCircuits(key.appId, endpoints);
      return await this.guard.run(key.appId, endpoints[0], async () => {
        await beforeCall();
        return kind.obtain(key.appId, { force: request.force });
      });
    } catch (error) {
      if (error instanceof WeChatError && kind.verdict(error) === 'configuration-wrong')
        await this.guard.noteConfigurationError(key.appId, error);
      throw error;
    }
  }

  /** A value still inside its life but past the margin: serve it, renew behind it (throttled). */
  #renewBehind(kind: CredentialKind, key: CredentialKey, credential: StoredCredential): void {
    const id = credentialId(key);
    const now = this.#options.clock.now();
    const last = this.#lastRenewedBehind.get(id);
    if (last !== undefined && now - last < this.#options.settings.schedule.minDelayMs) return;
    this.#lastRenewedBehind.set(id, now);
    this.#fetcher
      .fetch(kind, key, { reason: 'margin', seen: credential, force: false, whenLeased: 'fallback' })
      .catch(() => {
        // Already logged and reported as an `error` event by the fetcher; the caller got a valid value.
      });
  }

  #recordFailure(key: CredentialKey, error: unknown, background: boolean): void {
    const code = error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
    const message = this.#options.redactor.errorText(error);
    this.#lastErrors.set(credentialId(key), { code, message, at: new Date(this.#options.clock.now()) });
    this.#options.logger.warn(
      { appId: key.appId, kind: key.kind, code, background, err: message },
      'credential fetch failed',
    );
    this.#listeners.emit({ type: 'error', appId: key.appId, kind: key.kind, code, message, background });
  }
}

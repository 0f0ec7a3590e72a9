import type { Clock } from '../clock.js';
import type { AppConfig } from '../config/index.js';
import { StoreUnavailableError, UpstreamUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { redact, tokenFingerprint } from '../redact.js';
import type { WeChatApi } from '../wechat/endpoints.js';
import { tokenCircuits } from './quota-circuits.js';
import { SingleFlight } from './single-flight.js';
import type { LockLease, RefreshReason, StoredToken, StoreEvent, TokenStore } from './store.js';
import { isNewerToken, renewableEarly, tokenState } from './token-state.js';
import type { UpstreamGuard } from './upstream-guard.js';

/** Polling while another replica fetches, in case its `updated` notification is lost. */
const LOCK_POLL_FIRST_MS = 25;
const LOCK_POLL_MAX_MS = 500;

/**
 * What a fetch does when another replica holds the app's lock: `wait` for its token (at most
 * `lockWaitMs`), serve the `seen` token while it is still valid (`fallback`), or give up at once (`skip`).
 */
export type WhenLocked = 'wait' | 'fallback' | 'skip';

export interface FetchRequest {
  reason: RefreshReason;
  /** The token this fetch replaces: a different one in the store means someone else renewed it. */
  seen: StoredToken | undefined;
  /** stable_token's force_refresh. */
  force: boolean;
  whenLocked: WhenLocked;
}

export interface TokenFetcherOptions {
  store: TokenStore;
  api: WeChatApi;
  guard: UpstreamGuard;
  clock: Clock;
  logger: Logger;
  marginMs: number;
  /** The lock's lease; the holder renews it every third of it while its fetch runs. */
  lockLeaseMs: number;
  lockWaitMs: number;
  /** Told of every failed upstream token call; `background` when no caller waits for it. */
  onFailure(app: AppConfig, error: unknown, background: boolean): void;
  /** Told of every token obtained and stored. */
  onObtained(app: AppConfig): void;
}

/**
 * The only place that asks WeChat for a token: one flight per app and kind in this process, one
 * upstream call per app across replicas (the store's lock), the store re-read under the lock.
 */
export class TokenFetcher {
  readonly #options: TokenFetcherOptions;
  readonly #flights = new SingleFlight<StoredToken | undefined>();
  readonly #updateWaiters = new Map<string, Set<() => void>>();
  readonly #unsubscribe: () => void;

  constructor(options: TokenFetcherOptions) {
    this.#options = options;
    this.#unsubscribe = options.store.subscribe((event) => this.#onStoreEvent(event));
  }

  fetch(app: AppConfig, request: FetchRequest & { whenLocked: 'wait' | 'fallback' }): Promise<StoredToken>;
  fetch(app: AppConfig, request: FetchRequest): Promise<StoredToken | undefined>;
  async fetch(app: AppConfig, request: FetchRequest): Promise<StoredToken | undefined> {
    await this.#options.guard.throwIfNegativelyCached(app.appId);
    // A flight that may end without a new token (`fallback` answers the old one, `skip` nothing) must
    // not be joined by callers that need a new one, nor a forced one by callers that do not.
    const key = `${app.appId}:${request.force ? 'forced' : request.whenLocked}`;
    return this.#flights.run(key, () => this.#fetchLocked(app, request));
  }

  /** Everything still running, for a bounded shutdown. */
  pending(): Promise<unknown>[] {
    return this.#flights.pending();
  }

  close(): void {
    this.#unsubscribe();
  }

  async #fetchLocked(app: AppConfig, request: FetchRequest): Promise<StoredToken | undefined> {
    const { store, lockWaitMs, clock } = this.#options;
    const { seen } = request;
    const deadline = clock.now() + lockWaitMs;
    let pollMs = LOCK_POLL_FIRST_MS;
    for (;;) {
      const lock = await this.#tryLock(app);
      if (lock.acquired) {
        const stopRenewing = lock.lease ? this.#keepRenewing(app.appId, lock.lease) : () => {};
        try {
          // Someone may have renewed it between our read and the lock: then there is nothing to do
          // (in classic mode a second fetch would rotate it for nothing).
          const current = await store.getLatest(app.appId);
          if (current && isNewerToken(current, seen) && this.#needsNoRenewal(current)) return current;
          return await this.#fetchUpstream(app, request, lock.lease, current);
        } finally {
          stopRenewing();
          if (lock.lease) await this.#releaseLock(app.appId, lock.lease.owner);
        }
      }
      if (request.whenLocked === 'skip') return undefined;
      if (request.whenLocked === 'fallback' && seen && clock.now() < seen.expiresAt) return seen;
      const remaining = deadline - clock.now();
      if (remaining <= 0) {
        throw new UpstreamUnavailableError(
          `Another gateway replica is fetching the token of ${app.appId} and did not finish within ${lockWaitMs} ms; try again.`,
        );
      }
      await this.#waitForUpdate(app.appId, Math.min(pollMs, remaining));
      pollMs = Math.min(pollMs * 2, LOCK_POLL_MAX_MS);
      const current = await store.get(app.appId);
      if (current && isNewerToken(current, seen)) return current;
    }
  }

  /**
   * `lease` is undefined when the shared store is down and the mode allows fetching without it:
   * stable_token hands every replica the same token, whereas an unlocked classic /cgi-bin/token call
   * would kill every other replica's token, so classic mode refuses.
   */
  async #tryLock(app: AppConfig): Promise<{ acquired: boolean; lease?: LockLease }> {
    try {
      const lease = await this.#options.store.acquireLock(app.appId, this.#options.lockLeaseMs);
      return lease ? { acquired: true, lease } : { acquired: false };
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || app.tokenMode === 'classic') throw error;
      this.#options.logger.warn(
        { appId: app.appId },
        'shared store unavailable; fetching the stable token without the distributed lock',
      );
      return { acquired: true };
    }
  }

  async #releaseLock(appId: string, owner: string): Promise<void> {
    try {
      await this.#options.store.releaseLock(appId, owner);
    } catch (error) {
      // The lease lapses by itself within lockLeaseMs; the token is already stored.
      this.#options.logger.warn({ appId, err: describe(error) }, 'could not release the token fetch lock');
    }
  }

  /**
   * Renews the lease every third of it until stopped. A holder that loses it (paused past it) keeps
   * going: its write is fenced, and `#stillHolding` stops it before any further upstream call.
   */
  #keepRenewing(appId: string, lease: LockLease): () => void {
    const { clock, store, lockLeaseMs, logger } = this.#options;
    let stopped = false;
    let cancel = () => {};
    const renew = async () => {
      const renewed = await store.renewLock(appId, lease.owner, lockLeaseMs).catch(() => false);
      if (stopped) return;
      if (!renewed) logger.warn({ appId }, 'lost the token fetch lock lease while fetching');
      cancel = clock.setTimeout(() => void renew(), lockLeaseMs / 3);
    };
    cancel = clock.setTimeout(() => void renew(), lockLeaseMs / 3);
    return () => {
      stopped = true;
      cancel();
    };
  }

  /** Before each upstream call: a holder whose lease lapsed must not call beside the new holder. */
  async #stillHolding(app: AppConfig, lease: LockLease | undefined): Promise<void> {
    if (!lease) return;
    const held = await this.#options.store
      .renewLock(app.appId, lease.owner, this.#options.lockLeaseMs)
      .catch(() => false);
    if (!held) {
      throw new UpstreamUnavailableError(
        `This replica lost the fetch lock of ${app.appId} before calling WeChat; another replica fetches the token; try again.`,
      );
    }
  }

  async #fetchUpstream(
    app: AppConfig,
    request: FetchRequest,
    lease: LockLease | undefined,
    current: StoredToken | undefined,
  ): Promise<StoredToken> {
    const { api, guard, clock, store, logger } = this.#options;
    const circuits = tokenCircuits(app.tokenMode, request.force);
    let issued: Awaited<ReturnType<WeChatApi['fetchToken']>>;
    // Another replica may have met a configuration error while this one waited for the lock.
    await guard.throwIfNegativelyCached(app.appId);
    try {
      await guard.checkTokenCircuits(app.appId, circuits);
      issued = await guard.run(app.appId, circuits[0], async () => {
        await this.#stillHolding(app, lease);
        return api.fetchToken(
          { appId: app.appId, appSecret: app.appSecret },
          { mode: app.tokenMode, forceRefresh: request.force },
        );
      });
    } catch (error) {
      await guard.noteFailure(app.appId, error);
      this.#options.onFailure(app, error, request.whenLocked !== 'wait');
      throw error;
    }
    if (current && issued.accessToken === current.accessToken) {
      // stable_token outside its early window hands back the stored token: nothing changed.
      logger.debug({ appId: app.appId }, 'WeChat handed back the current token');
      return current;
    }
    const now = clock.now();
    const token: StoredToken = {
      accessToken: issued.accessToken,
      obtainedAt: now,
      expiresAt: now + issued.expiresInSeconds * 1000,
      ...(lease && { fence: lease.fence }),
    };
    if (!(await store.set(app.appId, token, request.reason))) {
      // Fenced: this replica lost its lease, and a newer holder's token is the one to use.
      logger.warn({ appId: app.appId }, 'a newer token was stored while this fetch ran; keeping that one');
      return (await store.get(app.appId)) ?? token;
    }
    this.#options.onObtained(app);
    logger.info(
      {
        appId: app.appId,
        reason: request.reason,
        fingerprint: tokenFingerprint(token.accessToken),
        expiresIn: issued.expiresInSeconds,
      },
      'obtained a new access token',
    );
    return token;
  }

  /** Fresh, or inside the margin but just handed back by WeChat, which would only hand it back again. */
  #needsNoRenewal(token: StoredToken): boolean {
    const state = tokenState(token, this.#options.clock.now(), this.#options.marginMs);
    return state === 'FRESH' || (state === 'EXPIRING' && !renewableEarly(token, this.#options.marginMs));
  }

  #waitForUpdate(appId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#updateWaiters.get(appId) ?? new Set<() => void>();
      this.#updateWaiters.set(appId, waiters);
      const done = () => {
        cancel();
        waiters.delete(done);
        if (waiters.size === 0) this.#updateWaiters.delete(appId);
        resolve();
      };
      const cancel = this.#options.clock.setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  #onStoreEvent(event: StoreEvent): void {
    if (event.type !== 'updated') return;
    for (const wake of [...(this.#updateWaiters.get(event.appId) ?? [])]) wake();
  }
}

function describe(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

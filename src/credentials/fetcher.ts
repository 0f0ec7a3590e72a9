import type { Clock } from '../clock.js';
import { StoreUnavailableError, UpstreamUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorText, tokenFingerprint } from '../redact.js';
import {
  type CredentialKey,
  type CredentialStore,
  credentialId,
  type LeaseStore,
  type LockLease,
  NEVER_EXPIRES,
  type RefreshReason,
  type StoredCredential,
} from '../store/ports.js';
import { type CredentialKind, type Obtained, obtainableWithoutLease } from './kind.js';
import { SingleFlight } from './single-flight.js';
import { isNewer } from './state.js';

/** Polling while another replica obtains the credential, in case its `updated` notification is lost. */
const LEASE_POLL_FIRST_MS = 25;
const LEASE_POLL_MAX_MS = 500;

/**
 * Whether a lease the store confirmed (took or renewed) at `confirmedAt` is still held at `now` without
 * asking the store again: the store keeps it `leaseMs` from a moment after `confirmedAt` (it sets the
 * expiry on receipt), and the holder renews it every third of that, so within that third at least two
 * thirds of it remain. A holder paused past it asks the store before calling WeChat.
 */
export function leaseHeldSince(confirmedAt: number, now: number, leaseMs: number): boolean {
  return now >= confirmedAt && now - confirmedAt < leaseMs / 3;
}

/**
 * A lease this fetch holds; `confirmedAt` is when the store last said so (read before asking it).
 * `released`: its release went to the store with the value obtained under it (`CredentialStore.set`).
 */
interface Holding {
  lease: LockLease;
  confirmedAt: number;
  released?: boolean;
}

/**
 * What a fetch does when another replica holds the credential's lease: `wait` for its value (at most
 * `leaseWaitMs`), serve the `seen` value while it is still valid (`fallback`), or give up at once (`skip`).
 */
export type WhenLeased = 'wait' | 'fallback' | 'skip';

export interface FetchRequest {
  reason: RefreshReason;
  /** The value this fetch replaces: a different one in the store means someone else renewed it. */
  seen: StoredCredential | undefined;
  force: boolean;
  whenLeased: WhenLeased;
}

export interface FetcherOptions {
  credentials: CredentialStore;
  leases: LeaseStore;
  clock: Clock;
  logger: Logger;
  /** The lease's length; the holder renews it every third of it while its fetch runs. */
  leaseMs: number;
  leaseWaitMs: number;
  /**
   * Whether the stored `current` value (newer than the one a fetch replaces) spares the call: fresh,
   * or one WeChat would only hand back.
   */
  needsNoRenewal(kind: CredentialKind, key: CredentialKey, current: StoredCredential): boolean;
  /**
   * Asks WeChat, with the engine's rules around the call (circuits, retries, negative cache, a
   * required credential lent); `beforeCall` runs right before each upstream request.
   */
  obtain(
    kind: CredentialKind,
    key: CredentialKey,
    request: FetchRequest,
    beforeCall: () => Promise<void>,
  ): Promise<Obtained>;
  /** Told of every failed attempt; `background` when no caller waits for it. */
  onFailure(key: CredentialKey, error: unknown, background: boolean): void;
  /** Told of every value WeChat hands out, before it is stored (the engine's redactor learns it). */
  onObtained(key: CredentialKey, value: string): void;
}

/**
 * The only place that asks WeChat for a credential of any kind: one flight per credential in this
 * process, one upstream call per credential across replicas (its fenced lease), the store re-read
 * under the lease before calling.
 */
export class CredentialFetcher {
  readonly #options: FetcherOptions;
  readonly #flights = new SingleFlight<StoredCredential | undefined>();
  readonly #updateWaiters = new Map<string, Set<() => void>>();
  readonly #unsubscribe: () => void;

  constructor(options: FetcherOptions) {
    this.#options = options;
    this.#unsubscribe = options.credentials.subscribe((event) => {
      if (event.type !== 'updated') return;
      for (const wake of [...(this.#updateWaiters.get(credentialId(event)) ?? [])]) wake();
    });
  }

  fetch(
    kind: CredentialKind,
    key: CredentialKey,
    request: FetchRequest & { whenLeased: 'wait' | 'fallback' },
  ): Promise<StoredCredential>;
  fetch(
    kind: CredentialKind,
    key: CredentialKey,
    request: FetchRequest,
  ): Promise<StoredCredential | undefined>;
  fetch(
    kind: CredentialKind,
    key: CredentialKey,
    request: FetchRequest,
  ): Promise<StoredCredential | undefined> {
    // A flight that may end without a new value (`fallback` answers the old one, `skip` nothing) must
    // not be joined by callers that need a new one, nor a forced one by callers that do not.
    const flight = `${credentialId(key)}\n${request.force ? 'forced' : request.whenLeased}`;
    return this.#flights.run(flight, () => this.#fetchLeased(kind, key, request));
  }

  /** Everything still running, for a bounded shutdown. */
  pending(): Promise<unknown>[] {
    return this.#flights.pending();
  }

  close(): void {
    this.#unsubscribe();
  }

  async #fetchLeased(
    kind: CredentialKind,
    key: CredentialKey,
    request: FetchRequest,
  ): Promise<StoredCredential | undefined> {
    const { credentials, leaseWaitMs, clock } = this.#options;
    const { seen } = request;
    const deadline = clock.now() + leaseWaitMs;
    let pollMs = LEASE_POLL_FIRST_MS;
    for (;;) {
      const lease = await this.#tryLease(kind, key);
      if (lease.acquired) {
        const { holding } = lease;
        const stopRenewing = holding ? this.#keepRenewing(key, holding) : () => {};
        try {
          // Someone may have renewed it between our read and the lease: then there is nothing to do
          // (a classic token fetched again would be rotated for nothing).
          const current = await credentials.getLatest(key);
          if (current && isNewer(current, seen) && this.#options.needsNoRenewal(kind, key, current)) {
            return current;
          }
          return await this.#fetchUpstream(kind, key, request, holding, current);
        } finally {
          stopRenewing();
          if (holding && !holding.released) await this.#release(key, holding.lease.owner);
        }
      }
      if (request.whenLeased === 'skip') return undefined;
      if (request.whenLeased === 'fallback' && seen && clock.now() < seen.expiresAt) return seen;
      const remaining = deadline - clock.now();
      if (remaining <= 0) {
        throw new UpstreamUnavailableError(
          `Another gateway replica is obtaining the ${kind.noun} of ${key.appId} and did not finish within ${leaseWaitMs} ms; try again.`,
        );
      }
      await this.#waitForUpdate(credentialId(key), Math.min(pollMs, remaining));
      pollMs = Math.min(pollMs * 2, LEASE_POLL_MAX_MS);
      const current = await credentials.get(key);
      if (current && isNewer(current, seen)) return current;
    }
  }

  /** `holding` is undefined when the shared store is down and the kind may be obtained without a lease. */
  async #tryLease(
    kind: CredentialKind,
    key: CredentialKey,
  ): Promise<{ acquired: boolean; holding?: Holding }> {
    try {
      const confirmedAt = this.#options.clock.now();
      const lease = await this.#options.leases.acquire(key, this.#options.leaseMs);
      return lease ? { acquired: true, holding: { lease, confirmedAt } } : { acquired: false };
    } catch (error) {
      if (!(error instanceof StoreUnavailableError && obtainableWithoutLease(kind.lifetime(key.appId))))
        throw error;
      this.#options.logger.warn(
        { appId: key.appId, kind: key.kind },
        `shared store unavailable; obtaining the ${kind.noun} without the distributed lease`,
      );
      return { acquired: true };
    }
  }

  async #release(key: CredentialKey, owner: string): Promise<void> {
    try {
      await this.#options.leases.release(key, owner);
    } catch (error) {
      // The lease lapses by itself within leaseMs; the value is already stored.
      this.#options.logger.warn(
        { appId: key.appId, kind: key.kind, err: errorText(error) },
        'could not release a credential lease',
      );
    }
  }

  /**
   * Renews the lease every third of it until stopped. A holder that loses it (paused past it) keeps
   * going: its write is fenced, and `#stillHolding` stops it before any further upstream call.
   */
  #keepRenewing(key: CredentialKey, holding: Holding): () => void {
    const { clock, logger } = this.#options;
    let stopped = false;
    let cancel = () => {};
    const renew = async () => {
      // Released with the value written: nothing is left to renew.
      if (holding.released) return;
      const renewed = await this.#renew(key, holding);
      if (stopped || holding.released) return;
      if (!renewed)
        logger.warn({ appId: key.appId, kind: key.kind }, 'lost a credential lease while fetching');
      cancel = clock.setTimeout(() => void renew(), this.#options.leaseMs / 3);
    };
    cancel = clock.setTimeout(() => void renew(), this.#options.leaseMs / 3);
    return () => {
      stopped = true;
      cancel();
    };
  }

  /** Renews the lease; a lease found lost is never again taken as held without asking the store. */
  async #renew(key: CredentialKey, holding: Holding): Promise<boolean> {
    const { clock, leases, leaseMs } = this.#options;
    const askedAt = clock.now();
    const renewed = await leases.renew(key, holding.lease.owner, leaseMs).catch(() => false);
    holding.confirmedAt = renewed ? Math.max(holding.confirmedAt, askedAt) : Number.NEGATIVE_INFINITY;
    return renewed;
  }

  /**
   * Before each upstream call: a holder whose lease lapsed must not call beside the new holder. A lease
   * confirmed within a third of it is held (`leaseHeldSince`); any other is renewed first.
   */
  async #stillHolding(kind: CredentialKind, key: CredentialKey, holding: Holding | undefined): Promise<void> {
    if (!holding) return;
    const { clock, leaseMs } = this.#options;
    if (leaseHeldSince(holding.confirmedAt, clock.now(), leaseMs)) return;
    if (!(await this.#renew(key, holding))) {
      throw new UpstreamUnavailableError(
        `This replica lost the lease on the ${kind.noun} of ${key.appId} before calling WeChat; another replica obtains it; try again.`,
      );
    }
  }

  async #fetchUpstream(
    kind: CredentialKind,
    key: CredentialKey,
    request: FetchRequest,
    holding: Holding | undefined,
    current: StoredCredential | undefined,
  ): Promise<StoredCredential> {
    const { clock, credentials, logger } = this.#options;
    let issued: Obtained;
    try {
      issued = await this.#options.obtain(kind, key, request, () => this.#stillHolding(kind, key, holding));
    } catch (error) {
      this.#options.onFailure(key, error, request.whenLeased !== 'wait');
      throw error;
    }
    this.#options.onObtained(key, issued.value);
    if (current && issued.value === current.value) {
      // Outside an early window WeChat hands back the current value: nothing changed.
      logger.debug({ appId: key.appId, kind: key.kind }, `WeChat handed back the current ${kind.noun}`);
      return current;
    }
    const now = clock.now();
    const credential: StoredCredential = {
      value: issued.value,
      obtainedAt: now,
      // A kind that never expires by time (a refresh token) is kept until replaced.
      expiresAt: 'none' in kind.lifetime(key.appId) ? NEVER_EXPIRES : now + issued.expiresInSeconds * 1000,
      ...(holding && { fence: holding.lease.fence }),
    };
    const written = credentials.set(key, credential, request.reason, holding?.lease.owner);
    if (holding) holding.released = true;
    if (!(await written)) {
      // Fenced: this replica lost its lease, and a newer holder's value is the one to use.
      logger.warn(
        { appId: key.appId, kind: key.kind },
        `a newer ${kind.noun} was stored while this fetch ran; keeping that one`,
      );
      return (await credentials.get(key)) ?? credential;
    }
    logger.info(
      {
        appId: key.appId,
        kind: key.kind,
        reason: request.reason,
        fingerprint: tokenFingerprint(credential.value),
        expiresIn: issued.expiresInSeconds,
      },
      `obtained a new ${kind.noun}`,
    );
    return credential;
  }

  #waitForUpdate(id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#updateWaiters.get(id) ?? new Set<() => void>();
      this.#updateWaiters.set(id, waiters);
      const done = () => {
        cancel();
        waiters.delete(done);
        if (waiters.size === 0) this.#updateWaiters.delete(id);
        resolve();
      };
      const cancel = this.#options.clock.setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { type Clock, systemClock } from '../clock.js';
import { StoreUnavailableError, UnknownAppError, UpstreamUnavailableError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { redact, tokenFingerprint } from '../redact.js';
import { SingleFlight } from '../token/single-flight.js';
import type { StoredEntry, TokenStore } from '../token/store.js';
import { tokenState } from '../token/token-state.js';
import type { TokenService, TokenState } from '../token/types.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import { TICKET_TYPES, type TicketType, type WeChatFrontendApi } from '../wechat/frontend-endpoints.js';

/** Polling while another replica fetches the ticket (entries send no notification). */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 250;

export type TicketStore = Pick<TokenStore, 'getEntry' | 'setEntry' | 'acquireEntryLock' | 'releaseEntryLock'>;

export interface TicketServiceOptions {
  /** Tickets are fetched with the app's token through `call`, so a 40001/42001 renews it once and retries once. */
  tokens: Pick<TokenService, 'call' | 'hasApp'>;
  /** The token store: replicas sharing it share each app's tickets. */
  store: TicketStore;
  api: Pick<WeChatFrontendApi, 'getTicket'>;
  /** A ticket this close to its expiry is renewed behind the callers it still serves. @default 300 */
  refreshMarginSeconds?: number;
  /** Lifetime of a ticket's fetch lock, longer than one fetch. @default 60000 */
  lockTtlMs?: number;
  /** How long a caller waits for another replica's fetch before giving up. @default 15000 */
  lockWaitMs?: number;
  /** @default systemClock */
  clock?: Clock;
  /** @default silentLogger */
  logger?: Logger;
}

/** A ticket's state without its value: what GraphQL shows. */
export interface TicketStatus {
  type: TicketType;
  state: TokenState;
  expiresAt?: Date;
  obtainedAt?: Date;
}

/**
 * Each app's JS-SDK tickets (`jsapi`, `wx_card`), held like its token: cached in the store for WeChat's
 * `expires_in`, one upstream call per app and type at a time across replicas (single-flight here, the
 * entry lock in the store), renewed inside the margin behind the callers the old ticket still serves.
 * A ticket lives on its own clock: a new token does not cost a new ticket. The value leaves this class
 * only towards the signer; logs name a ticket by fingerprint.
 */
export class TicketService {
  readonly #tokens: TicketServiceOptions['tokens'];
  readonly #store: TicketStore;
  readonly #api: TicketServiceOptions['api'];
  readonly #marginMs: number;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #flights = new SingleFlight<StoredEntry>();

  constructor(options: TicketServiceOptions) {
    const marginSeconds = options.refreshMarginSeconds ?? 300;
    const lockTtlMs = options.lockTtlMs ?? 60_000;
    const lockWaitMs = options.lockWaitMs ?? 15_000;
    for (const [name, value] of Object.entries({
      refreshMarginSeconds: marginSeconds,
      lockTtlMs,
      lockWaitMs,
    })) {
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`TicketService ${name} must be a number ≥ 0 (got ${value}).`);
    }
    this.#tokens = options.tokens;
    this.#store = options.store;
    this.#api = options.api;
    this.#marginMs = marginSeconds * 1000;
    this.#lockTtlMs = Math.max(1, Math.ceil(lockTtlMs));
    this.#lockWaitMs = lockWaitMs;
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger).child({ module: 'tickets' });
  }

  /** A usable ticket: the cached one, or one fetched (single-flight, locked) when missing or expired. */
  async get(appId: string, type: TicketType): Promise<StoredEntry> {
    this.#requireApp(appId);
    const cached = await this.#store.getEntry(appId, entryName(type));
    const state = this.#state(cached);
    if (cached && state === 'FRESH') return cached;
    if (cached && state === 'EXPIRING') {
      this.#renewBehind(appId, type, cached);
      return cached;
    }
    return this.#obtain(appId, type, cached);
  }

  /** Every ticket type of the app with its state; reads the store, never calls WeChat. */
  async statuses(appId: string): Promise<TicketStatus[]> {
    this.#requireApp(appId);
    return Promise.all(
      TICKET_TYPES.map(async (type) => {
        const entry = await this.#store.getEntry(appId, entryName(type));
        return {
          type,
          state: this.#state(entry),
          ...(entry && { expiresAt: new Date(entry.expiresAt), obtainedAt: new Date(entry.obtainedAt) }),
        };
      }),
    );
  }

  #requireApp(appId: string): void {
    if (!this.#tokens.hasApp(appId)) throw new UnknownAppError(appId);
  }

  #state(entry: StoredEntry | undefined): TokenState {
    const asToken = entry && { accessToken: '', expiresAt: entry.expiresAt, obtainedAt: entry.obtainedAt };
    return tokenState(asToken, this.#clock.now(), this.#marginMs);
  }

  #renewBehind(appId: string, type: TicketType, current: StoredEntry): void {
    this.#flights
      .run(`${appId}:${type}#behind`, () => this.#fetchLocked(appId, type, current, current))
      .catch((error: unknown) => {
        this.#logger.warn(
          { appId, type, err: describe(error) },
          'ticket renewal failed; the current ticket is served until it expires',
        );
      });
  }

  #obtain(appId: string, type: TicketType, seen: StoredEntry | undefined): Promise<StoredEntry> {
    return this.#flights.run(`${appId}:${type}`, () => this.#fetchLocked(appId, type, seen, undefined));
  }

  /** Under the entry lock (or without it while the store is down: a second ticket costs nothing but quota). */
  async #fetchLocked(
    appId: string,
    type: TicketType,
    seen: StoredEntry | undefined,
    fallback: StoredEntry | undefined,
  ): Promise<StoredEntry> {
    const name = entryName(type);
    const deadline = performance.now() + this.#lockWaitMs;
    let pollMs = POLL_FIRST_MS;
    for (;;) {
      const lock = await this.#tryLock(appId, name);
      if (lock.acquired) {
        try {
          const current = await this.#store.getEntry(appId, name);
          if (current && isNewer(current, seen) && this.#state(current) === 'FRESH') return current;
          return await this.#fetch(appId, type);
        } finally {
          if (lock.owner) await this.#release(appId, name, lock.owner);
        }
      }
      if (fallback) return fallback;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new UpstreamUnavailableError(
          `Another gateway replica is fetching the ${type} ticket of ${appId} and did not finish within ${this.#lockWaitMs} ms; try again.`,
        );
      }
      await sleep(Math.min(pollMs, remaining));
      pollMs = Math.min(pollMs * 2, POLL_MAX_MS);
      const current = await this.#store.getEntry(appId, name);
      if (current && isNewer(current, seen) && this.#state(current) !== 'EXPIRED') return current;
    }
  }

  async #tryLock(appId: string, name: string): Promise<{ acquired: boolean; owner?: string }> {
    try {
      const owner = await this.#store.acquireEntryLock(appId, name, this.#lockTtlMs);
      return owner ? { acquired: true, owner } : { acquired: false };
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.#logger.warn(
        { appId, entry: name },
        'shared store unavailable; fetching the ticket without the lock',
      );
      return { acquired: true };
    }
  }

  async #release(appId: string, name: string, owner: string): Promise<void> {
    try {
      await this.#store.releaseEntryLock(appId, name, owner);
    } catch (error) {
      this.#logger.warn(
        { appId, entry: name, err: describe(error) },
        'could not release the ticket fetch lock',
      );
    }
  }

  async #fetch(appId: string, type: TicketType): Promise<StoredEntry> {
    const issued = await this.#tokens.call(appId, WECHAT_API_PATHS.ticket, (token) =>
      this.#api.getTicket(token, type),
    );
    const now = this.#clock.now();
    const entry: StoredEntry = {
      value: issued.ticket,
      obtainedAt: now,
      expiresAt: now + issued.expiresInSeconds * 1000,
    };
    await this.#store.setEntry(appId, entryName(type), entry);
    this.#logger.info(
      { appId, type, fingerprint: tokenFingerprint(entry.value), expiresIn: issued.expiresInSeconds },
      'obtained a new JS-SDK ticket',
    );
    return entry;
  }
}

function entryName(type: TicketType): string {
  return `ticket:${type}`;
}

function isNewer(current: StoredEntry, seen: StoredEntry | undefined): boolean {
  return !seen || current.value !== seen.value || current.obtainedAt !== seen.obtainedAt;
}

function describe(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

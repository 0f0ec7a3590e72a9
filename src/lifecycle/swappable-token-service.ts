import type {
  AppSummary,
  TokenEvent,
  TokenInspection,
  TokenService,
  TokenStatus,
} from '../credentials/types.js';
import { Listeners } from '../listeners.js';
import { type Logger, silentLogger } from '../logger.js';
import type { StoredCredential } from '../store/ports.js';

/**
 * A `TokenService` whose implementation can be replaced while the gateway runs (a SIGHUP reload
 * builds a manager for the new apps list and swaps it in). Calls already running finish on the
 * manager they started on; new calls go to the new one. Tokens live in the store, which both
 * managers share, so a swap fetches nothing anew. Subscribers stay subscribed across swaps.
 */
export class SwappableTokenService<T extends TokenService = TokenService> implements TokenService {
  #current: T;
  readonly #listeners: Listeners<TokenEvent>;
  #unsubscribe: () => void;

  /** `logger` hears of a subscriber that throws. @default silentLogger */
  constructor(initial: T, logger: Logger = silentLogger) {
    this.#listeners = new Listeners(logger, 'token event');
    this.#current = initial;
    this.#unsubscribe = this.#forwardEventsOf(initial);
  }

  get current(): T {
    return this.#current;
  }

  /** The current service's tickets: a ticket asked for after a swap comes from the new one. */
  readonly tickets: TokenService['tickets'] = {
    get: (appId, type) => this.#current.tickets.get(appId, type),
    statuses: (appId) => this.#current.tickets.statuses(appId),
  };

  /** Routes every later call to `next`; returns the previous service, for the caller to stop. */
  swap(next: T): T {
    const previous = this.#current;
    this.#unsubscribe();
    this.#current = next;
    this.#unsubscribe = this.#forwardEventsOf(next);
    return previous;
  }

  listApps(): AppSummary[] {
    return this.#current.listApps();
  }

  hasApp(appId: string): boolean {
    return this.#current.hasApp(appId);
  }

  findApp(appId: string): Promise<AppSummary | undefined> {
    return this.#current.findApp(appId);
  }

  app(appId: string): AppSummary | undefined {
    return this.#current.app(appId);
  }

  getToken(appId: string): Promise<StoredCredential> {
    return this.#current.getToken(appId);
  }

  defaultAppId(): string | undefined {
    return this.#current.defaultAppId();
  }

  status(appId: string): Promise<TokenStatus> {
    return this.#current.status(appId);
  }

  statuses(appIds: readonly string[]): Promise<TokenStatus[]> {
    return this.#current.statuses(appIds);
  }

  refresh(appId: string, options: { force: boolean }): Promise<StoredCredential> {
    return this.#current.refresh(appId, options);
  }

  invalidateIfSame(appId: string, accessToken: string): Promise<boolean> {
    return this.#current.invalidateIfSame(appId, accessToken);
  }

  reportRejected(appId: string, rejectedToken: string): Promise<StoredCredential> {
    return this.#current.reportRejected(appId, rejectedToken);
  }

  call<T>(appId: string, endpoint: string, fn: (accessToken: string) => Promise<T>): Promise<T> {
    return this.#current.call(appId, endpoint, fn);
  }

  clearQuotaCircuits(appId: string): Promise<string[]> {
    return this.#current.clearQuotaCircuits(appId);
  }

  async inspect(appId: string): Promise<TokenInspection> {
    return (await this.#current.inspect?.(appId)) ?? { circuits: [] };
  }

  subscribe(listener: (event: TokenEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  #forwardEventsOf(service: TokenService): () => void {
    return service.subscribe((event) => this.#listeners.emit(event));
  }
}

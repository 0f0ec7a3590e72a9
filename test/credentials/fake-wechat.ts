import { type Clock, systemClock } from '../../src/clock.js';
import type {
  AppCredentials,
  FetchTokenOptions,
  IssuedToken,
  WeChatApi,
} from '../../src/wechat/endpoints.js';
import { type EndpointKind, WeChatError } from '../../src/wechat/errors.js';
import type { IssuedTicket, TicketType, WeChatFrontendApi } from '../../src/wechat/frontend-endpoints.js';

type Outcome = IssuedToken | Error;

/**
 * A scripted stand-in for WeChat, for tests of the engine's wiring where WeChat itself is not under
 * test (the integration tests use the real sandbox over HTTP). Unscripted calls issue a new token.
 * Time is the injected clock's: `delayMs` is a sleep on it (a `FakeClock`'s, or Vitest's fake timers
 * through `systemClock`), and `calledAt` records when each call arrived.
 */
export class FakeWeChat implements WeChatApi, Pick<WeChatFrontendApi, 'getTicket'> {
  readonly tokenCalls: FetchTokenOptions[] = [];
  /** Clock time of each token call, in order. */
  readonly calledAt: number[] = [];
  readonly ticketCalls: { accessToken: string; type: TicketType }[] = [];
  readonly script: Array<Outcome | (() => Outcome)> = [];
  /** Outcome of every call once the script is used up; undefined issues a new token. */
  always: (() => Outcome) | undefined;
  delayMs = 0;
  expiresInSeconds = 7200;
  ticketExpiresInSeconds = 7200;
  /**
   * Models stable_token's early window in normal mode: while the last token issued has more than this
   * left, the same token is handed back (with what is left of it). Undefined: every call issues anew.
   */
  stableEarlyWindowSeconds: number | undefined;
  #issued = 0;
  #tickets = 0;
  #last: { accessToken: string; expiresAt: number } | undefined;

  constructor(private readonly clock: Clock = systemClock) {}

  async fetchToken(_app: AppCredentials, options: FetchTokenOptions): Promise<IssuedToken> {
    this.tokenCalls.push(options);
    this.calledAt.push(this.clock.now());
    if (this.delayMs > 0) await this.clock.sleep(this.delayMs);
    const handedBack = this.#handedBack(options);
    if (handedBack) return handedBack;
    const next = this.script.shift() ?? this.always ?? (() => this.issue());
    const outcome = typeof next === 'function' ? next() : next;
    if (outcome instanceof Error) throw outcome;
    this.#last = {
      accessToken: outcome.accessToken,
      expiresAt: this.clock.now() + outcome.expiresInSeconds * 1000,
    };
    return outcome;
  }

  issue(expiresInSeconds = this.expiresInSeconds): IssuedToken {
    this.#issued += 1;
    return { accessToken: `fake-token-${this.#issued}`, expiresInSeconds };
  }

  async getTicket(accessToken: string, type: TicketType): Promise<IssuedTicket> {
    this.ticketCalls.push({ accessToken, type });
    this.#tickets += 1;
    return { ticket: `fake-${type}-ticket-${this.#tickets}`, expiresInSeconds: this.ticketExpiresInSeconds };
  }

  async getCallbackIp(): Promise<string[]> {
    return ['127.0.0.1'];
  }

  async getApiDomainIp(): Promise<string[]> {
    return ['127.0.0.1'];
  }

  #handedBack(options: FetchTokenOptions): IssuedToken | undefined {
    const window = this.stableEarlyWindowSeconds;
    if (window === undefined || options.mode !== 'stable' || options.forceRefresh || !this.#last) return;
    const leftMs = this.#last.expiresAt - this.clock.now();
    if (leftMs <= window * 1000) return;
    return { accessToken: this.#last.accessToken, expiresInSeconds: Math.floor(leftMs / 1000) };
  }
}

export function wechatError(
  errcode: number,
  kind: EndpointKind = 'token',
  endpoint = '/cgi-bin/stable_token',
) {
  return new WeChatError({ errcode, errmsg: `fake errcode ${errcode} rid: 0123abcd`, endpoint, kind });
}

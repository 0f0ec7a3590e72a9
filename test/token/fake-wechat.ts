import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AppCredentials,
  FetchTokenOptions,
  IssuedToken,
  WeChatApi,
} from '../../src/wechat/endpoints.js';
import { type EndpointKind, WeChatError } from '../../src/wechat/errors.js';

type Outcome = IssuedToken | Error;

/**
 * A scripted stand-in for WeChat, for tests of the manager's wiring where WeChat itself is not under
 * test (the integration tests use the real sandbox over HTTP). Unscripted calls issue a new token.
 */
export class FakeWeChat implements WeChatApi {
  readonly tokenCalls: FetchTokenOptions[] = [];
  readonly script: Array<Outcome | (() => Outcome)> = [];
  /** Outcome of every call once the script is used up; undefined issues a new token. */
  always: (() => Outcome) | undefined;
  delayMs = 0;
  expiresInSeconds = 7200;
  #issued = 0;

  async fetchToken(_app: AppCredentials, options: FetchTokenOptions): Promise<IssuedToken> {
    this.tokenCalls.push(options);
    if (this.delayMs > 0) await sleep(this.delayMs);
    const next = this.script.shift() ?? this.always ?? (() => this.issue());
    const outcome = typeof next === 'function' ? next() : next;
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  issue(expiresInSeconds = this.expiresInSeconds): IssuedToken {
    this.#issued += 1;
    return { accessToken: `fake-token-${this.#issued}`, expiresInSeconds };
  }

  async getCallbackIp(): Promise<string[]> {
    return ['127.0.0.1'];
  }

  async getApiDomainIp(): Promise<string[]> {
    return ['127.0.0.1'];
  }
}

export function wechatError(
  errcode: number,
  kind: EndpointKind = 'token',
  endpoint = '/cgi-bin/stable_token',
) {
  return new WeChatError({ errcode, errmsg: `fake errcode ${errcode} rid: 0123abcd`, endpoint, kind });
}

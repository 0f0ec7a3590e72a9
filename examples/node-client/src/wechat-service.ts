import { type GatewaySettings, request, subscribe } from './gateway-client.js';
import { graphql } from './gql/index.js';

const AccessToken = graphql(`
  query AccessToken($appId: ID!) {
    tokenStatus(appId: $appId) {
      accessToken
      expiresAt
    }
  }
`);

// tokenStatus never calls WeChat: before the gateway's first fetch it has no token to show.
const EnsureToken = graphql(`
  mutation EnsureToken($appId: ID!) {
    refreshToken(appId: $appId, force: false) {
      accessToken
    }
  }
`);

// Reports a token WeChat refused: the gateway drops it only if it still holds it and obtains the next one
// in normal mode (no force_refresh spent, no cooldown); either way the answer is the current token.
const ReportRejected = graphql(`
  mutation ReportRejected($appId: ID!, $rejectedToken: String!) {
    refreshToken(appId: $appId, rejectedToken: $rejectedToken) {
      accessToken
    }
  }
`);

const TokenChanges = graphql(`
  subscription TokenChanges($appId: ID!) {
    tokenEvents(appId: $appId) {
      type
      fingerprint
    }
  }
`);

export interface WeChatServiceOptions {
  gateway: GatewaySettings;
  appId: string;
  /** Where WeChat is: https://api.weixin.qq.com, or the sandbox in development. */
  wechatBase: string;
}

/** WeChat's answer to a call made with a token it no longer accepts. */
const TOKEN_REJECTED = new Set([40001, 40014, 42001]);

/**
 * A backend service that calls WeChat itself with the gateway's token: it reads `accessToken` once,
 * re-reads it whenever `tokenEvents` says the token changed (on any replica), and when WeChat still
 * rejects a token (40001/40014/42001) it reports it with `refreshToken(rejectedToken:)`, which answers
 * the gateway's current token (renewed once if it was the rejected one), then retries the call once.
 */
export class WeChatService {
  readonly #options: WeChatServiceOptions;
  #token: Promise<string> | undefined;
  readonly #stop = new AbortController();
  /** How many times the token was read from the gateway (for the example's tests and logs). */
  reads = 0;

  constructor(options: WeChatServiceOptions) {
    this.#options = options;
  }

  /** Starts following token events; re-reads the token on every REFRESHED or INVALIDATED. */
  follow(onChange?: (type: string) => void): Promise<void> {
    return subscribe(
      this.#options.gateway,
      TokenChanges,
      { appId: this.#options.appId },
      ({ tokenEvents }) => {
        if (tokenEvents.type === 'ERROR') return;
        this.#remember(this.#read());
        onChange?.(tokenEvents.type);
      },
      this.#stop.signal,
    );
  }

  stop(): void {
    this.#stop.abort();
  }

  /** WeChat's callback addresses, fetched by this service with the gateway's token. */
  async callbackIps(): Promise<string[]> {
    const answer = await this.#callWeChat('/cgi-bin/getcallbackip');
    return answer.ip_list as string[];
  }

  async #callWeChat(path: string): Promise<Record<string, unknown>> {
    const token = await this.token();
    const answer = await this.#get(path, token);
    if (!TOKEN_REJECTED.has(answer.errcode as number)) return this.#checked(answer);
    const renewed = this.#remember(this.#reportRejected(token));
    return this.#checked(await this.#get(path, await renewed));
  }

  token(): Promise<string> {
    return this.#token ?? this.#remember(this.#read());
  }

  /** Keeps `token` for the next calls; if it fails (gateway unreachable, WeChat busy), the next call asks again. */
  #remember(token: Promise<string>): Promise<string> {
    this.#token = token;
    token.catch(() => {
      if (this.#token === token) this.#token = undefined;
    });
    return token;
  }

  async #read(): Promise<string> {
    this.reads += 1;
    const variables = { appId: this.#options.appId };
    const { tokenStatus } = await request(this.#options.gateway, AccessToken, variables);
    const token =
      tokenStatus.accessToken ??
      (await request(this.#options.gateway, EnsureToken, variables)).refreshToken.accessToken;
    if (!token) throw new Error('The gateway returned no accessToken: the key needs token:read.');
    return token;
  }

  async #reportRejected(rejectedToken: string): Promise<string> {
    this.reads += 1;
    const variables = { appId: this.#options.appId, rejectedToken };
    const { refreshToken } = await request(this.#options.gateway, ReportRejected, variables);
    if (!refreshToken.accessToken)
      throw new Error('The gateway returned no accessToken: the key needs token:read.');
    return refreshToken.accessToken;
  }

  async #get(path: string, token: string): Promise<Record<string, unknown>> {
    const url = new URL(`${this.#options.wechatBase}${path}`);
    url.searchParams.set('access_token', token);
    return (await (await fetch(url)).json()) as Record<string, unknown>;
  }

  #checked(answer: Record<string, unknown>): Record<string, unknown> {
    if (typeof answer.errcode === 'number' && answer.errcode !== 0) {
      throw new Error(`WeChat answered errcode ${answer.errcode}`);
    }
    return answer;
  }
}

import type { TokenService } from '../credentials/types.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import type {
  NetworkCheckAction,
  NetworkDnsResult,
  NetworkOperator,
  NetworkPingResult,
  WeChatFrontendApi,
} from '../wechat/frontend-endpoints.js';

/** A ping result with WeChat's strings parsed: `"0%"` → 0, `"23.079ms"` → 23.079 (null when unreadable). */
export interface ParsedPingResult extends NetworkPingResult {
  packageLossPercent: number | null;
  timeMs: number | null;
}

export interface NetworkCheck {
  appId: string;
  dns: NetworkDnsResult[];
  ping: ParsedPingResult[];
}

/** `"0%"`, `"100%"`, `"12.5 %"` → the number; anything else null. */
export function parsePercent(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  return match ? Number(match[1]) : null;
}

/** `"23.079ms"`, `"5 ms"` → milliseconds; anything else null. */
export function parseMilliseconds(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*ms\s*$/i.exec(text);
  return match ? Number(match[1]) : null;
}

export interface NetworkCheckerOptions {
  tokens: Pick<TokenService, 'call'>;
  api: Pick<WeChatFrontendApi, 'checkCallbackNetwork'>;
}

/** `/cgi-bin/callback/check`: how WeChat resolves and reaches the account's callback URL, asked each time. */
export class NetworkChecker {
  readonly #tokens: NetworkCheckerOptions['tokens'];
  readonly #api: NetworkCheckerOptions['api'];

  constructor(options: NetworkCheckerOptions) {
    this.#tokens = options.tokens;
    this.#api = options.api;
  }

  async check(appId: string, action: NetworkCheckAction, operator: NetworkOperator): Promise<NetworkCheck> {
    const answer = await this.#tokens.call(appId, WECHAT_API_PATHS.callbackCheck, (token) =>
      this.#api.checkCallbackNetwork(token, action, operator),
    );
    return {
      appId,
      dns: answer.dns,
      ping: answer.ping.map((result) => ({
        ...result,
        packageLossPercent: parsePercent(result.packageLoss),
        timeMs: parseMilliseconds(result.time),
      })),
    };
  }
}

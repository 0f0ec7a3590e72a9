import { type Clock, systemClock } from '../clock.js';
import type { TokenService } from '../token/types.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import type { ApiQuota, RecordedRequest, WeChatOpsApi } from '../wechat/ops-endpoints.js';
import { validateCgiPath, validateRid } from './ops-input.js';

export interface AppApiQuota extends ApiQuota {
  appId: string;
  cgiPath: string;
}

export interface ClearQuotaOutcome {
  appId: string;
  clearedAt: Date;
  /** Endpoints whose 45009 circuit the gateway closed, so calls to them go upstream again. */
  reopenedEndpoints: string[];
}

export interface RequestLookup extends RecordedRequest {
  appId: string;
  rid: string;
}

export interface WeChatOpsOptions {
  tokens: Pick<TokenService, 'call' | 'clearQuotaCircuits'>;
  api: WeChatOpsApi;
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
}

/**
 * WeChat's operations endpoints for one app: quotas, clearing them, and request lookup by rid. Not
 * cached: each answer describes the moment it is asked. Every call goes through `TokenService.call`,
 * so tokens are renewed, busy answers retried and quota circuits honoured as for any other call.
 */
export class WeChatOps {
  readonly #tokens: WeChatOpsOptions['tokens'];
  readonly #api: WeChatOpsApi;
  readonly #clock: Pick<Clock, 'now'>;

  constructor(options: WeChatOpsOptions) {
    this.#tokens = options.tokens;
    this.#api = options.api;
    this.#clock = options.clock ?? systemClock;
  }

  async apiQuota(appId: string, cgiPath: string): Promise<AppApiQuota> {
    const path = validateCgiPath(cgiPath);
    const quota = await this.#tokens.call(appId, WECHAT_API_PATHS.apiQuota, (token) =>
      this.#api.getApiQuota(token, path),
    );
    return { appId, cgiPath: path, ...quota };
  }

  /**
   * Spends one of the account's monthly clears; then the daily quotas start over on WeChat's side,
   * so the gateway closes its own 45009 circuits for the app on every replica.
   */
  async clearQuota(appId: string): Promise<ClearQuotaOutcome> {
    await this.#tokens.call(appId, WECHAT_API_PATHS.clearQuota, (token) =>
      this.#api.clearQuota(token, appId),
    );
    const reopenedEndpoints = await this.#tokens.clearQuotaCircuits(appId);
    return { appId, clearedAt: new Date(this.#clock.now()), reopenedEndpoints };
  }

  /** What WeChat recorded for a rid (from an error's `extensions.rid`), redacted by the client. */
  async requestLookup(appId: string, rid: string): Promise<RequestLookup> {
    const checked = validateRid(rid);
    const recorded = await this.#tokens.call(appId, WECHAT_API_PATHS.requestLookup, (token) =>
      this.#api.getRequestByRid(token, checked),
    );
    return { appId, rid: checked, ...recorded };
  }
}

import { type Clock, systemClock } from '../clock.js';
import { DEFAULT_CLEAR_QUOTA_COOLDOWN_SECONDS } from '../config/defaults.js';
import type { TokenService } from '../credentials/types.js';
import { ClearQuotaCooldownError } from '../errors.js';
import type { HoldStore } from '../store/ports.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import type { ApiQuota, OpenApiManagementApi, RecordedRequest } from '../wechat/open-api-endpoints.js';
import { validateCgiPath, validateRid } from './open-api-input.js';

export interface AppApiQuota extends ApiQuota {
  appId: string;
  cgiPath: string;
}

export interface ClearQuotaOutcome {
  appId: string;
  clearedAt: Date;
  /** Endpoints whose 45009 circuit the gateway closed, so calls to them go upstream again. */
  reopenedEndpoints: string[];
  /** clear_quota calls spent on WeChat's monthly allowance (10) by this answer. */
  clearQuotaCallsSpent: number;
  /** When the cooldown lets the next clear_quota of the app through. */
  nextClearAllowedAt: Date;
}

export interface RequestLookup extends RecordedRequest {
  appId: string;
  rid: string;
}

export interface OpenApiManagementOptions {
  tokens: Pick<TokenService, 'call' | 'clearQuotaCircuits'>;
  api: OpenApiManagementApi;
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** Where the clear_quota cooldown is claimed, shared by replicas. */
  holds: Pick<HoldStore, 'claim'>;
  /** Minimum gap between two clear_quota calls of one app. @default 3600 */
  clearQuotaCooldownSeconds?: number;
}

/**
 * WeChat's OpenAPI management endpoints for one app: quotas, clearing them, and request lookup by rid. Not
 * cached: each answer describes the moment it is asked. Every call goes through `TokenService.call`,
 * so tokens are renewed, busy answers retried and quota circuits honoured as for any other call.
 */
export class OpenApiManagement {
  readonly #tokens: OpenApiManagementOptions['tokens'];
  readonly #api: OpenApiManagementApi;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #holds: Pick<HoldStore, 'claim'>;
  readonly #clearQuotaCooldownMs: number;

  constructor(options: OpenApiManagementOptions) {
    this.#tokens = options.tokens;
    this.#api = options.api;
    this.#clock = options.clock ?? systemClock;
    this.#holds = options.holds;
    this.#clearQuotaCooldownMs =
      (options.clearQuotaCooldownSeconds ?? DEFAULT_CLEAR_QUOTA_COOLDOWN_SECONDS) * 1000;
  }

  async apiQuota(appId: string, cgiPath: string): Promise<AppApiQuota> {
    const path = validateCgiPath(cgiPath);
    const quota = await this.#tokens.call(appId, WECHAT_API_PATHS.apiQuota, (token) =>
      this.#api.getApiQuota(token, path),
    );
    return { appId, cgiPath: path, ...quota };
  }

  /**
   * Spends one of the account's monthly clears, at most one per app per cooldown across replicas
   * (CLEAR_QUOTA_COOLDOWN otherwise, without calling WeChat); then the daily quotas start over on
   * WeChat's side, so the gateway closes its own 45009 circuits for the app on every replica.
   */
  async clearQuota(appId: string): Promise<ClearQuotaOutcome> {
    const claim = await this.#holds.claim(`clear-quota:${appId}`, this.#clearQuotaCooldownMs);
    if (!claim.ok) throw new ClearQuotaCooldownError(appId, claim.remainingMs / 1000);
    const claimedAt = this.#clock.now();
    await this.#tokens.call(appId, WECHAT_API_PATHS.clearQuota, (token) =>
      this.#api.clearQuota(token, appId),
    );
    const reopenedEndpoints = await this.#tokens.clearQuotaCircuits(appId);
    return {
      appId,
      clearedAt: new Date(this.#clock.now()),
      reopenedEndpoints,
      clearQuotaCallsSpent: 1,
      nextClearAllowedAt: new Date(claimedAt + this.#clearQuotaCooldownMs),
    };
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

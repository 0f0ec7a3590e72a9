import type { AppConfig } from '../../config/index.js';
import { TOKEN_ENDPOINT } from '../../wechat/api-paths.js';
import type { WeChatApi } from '../../wechat/endpoints.js';
import { type CredentialKind, catalogVerdict, ROTATION_OVERLAP_MS, UNTIL_ITS_EXPIRY } from '../kind.js';

/** The kind name of an app's access token (its Redis keys are the ones tokens always had). */
export const ACCESS_TOKEN = 'token';

export interface AccessTokenKindOptions {
  /** The configured app of an appId (its secret and token mode). */
  app(appId: string): AppConfig;
  api: Pick<WeChatApi, 'fetchToken'>;
  /** WeChat's early window of stable tokens, in milliseconds. */
  stableEarlyWindowMs: number;
}

/**
 * An Official Account's or Mini Program's access token: `stable_token` (every caller gets the same
 * token until WeChat's early window, forced renewals on their own small quota) or classic
 * `/cgi-bin/token` (each call retires the previous token, so never without the lease).
 */
export function accessTokenKind(options: AccessTokenKindOptions): CredentialKind {
  return {
    name: ACCESS_TOKEN,
    noun: 'access token',
    secret: true,
    forceable: true,
    renewal: 'eager',
    endpoints(appId, force) {
      const mode = options.app(appId).tokenMode;
      const endpoint = TOKEN_ENDPOINT[mode];
      // stable_token's force_refresh has its own small quota (20 a day, 30 s apart): spending it must
      // stop forced renewals only, never the normal ones that keep the app running.
      return force && mode === 'stable' ? [`${endpoint}:force_refresh`, endpoint] : [endpoint];
    },
    async obtain(appId, request) {
      const app = options.app(appId);
      const issued = await options.api.fetchToken(
        { appId: app.appId, appSecret: app.appSecret },
        { mode: app.tokenMode, forceRefresh: request.force },
      );
      return { value: issued.accessToken, expiresInSeconds: issued.expiresInSeconds };
    },
    // stable_token: the same token back before WeChat's early window, a new one inside it, the previous
    // one valid until its own expiry. /cgi-bin/token: a new one on every call, the previous one retired
    // after the rotation overlap, so a second call beside the first cuts every other replica's token short.
    lifetime: (appId) =>
      options.app(appId).tokenMode === 'stable'
        ? { expires: { earlyWindowMs: options.stableEarlyWindowMs, previousValidForMs: UNTIL_ITS_EXPIRY } }
        : { expires: { earlyWindowMs: 0, previousValidForMs: ROTATION_OVERLAP_MS } },
    verdict: (error) => catalogVerdict(error, true),
  };
}

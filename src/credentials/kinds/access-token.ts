import type { AppConfig } from '../../config/index.js';
import { TOKEN_ENDPOINT } from '../../wechat/api-paths.js';
import type { WeChatApi } from '../../wechat/endpoints.js';
import type { CredentialKind } from '../kind.js';

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
    earlyWindowMs: (appId) =>
      options.app(appId).tokenMode === 'stable' ? options.stableEarlyWindowMs : undefined,
    obtainableWithoutLease: (appId) => options.app(appId).tokenMode === 'stable',
    rejects: (error) => error.reaction === 'renew-token',
  };
}

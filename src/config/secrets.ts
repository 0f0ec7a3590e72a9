import { redisSecrets } from '../store/redis/endpoint.js';
import type { Config } from './types.js';

/**
 * Every secret the configuration holds: the apps' AppSecrets, the components' AppSecrets, Tokens and
 * EncodingAESKeys, the API keys, the Redis credentials
 * (a URL's user and password, the data nodes' and the sentinels' passwords). A gateway's `Redactor`
 * starts with them (src/redact.ts), so none of them leaves the process in any text.
 */
export function configuredSecrets(
  config: Pick<Config, 'apps' | 'auth' | 'redis'> & Partial<Pick<Config, 'components'>>,
): string[] {
  return [
    ...config.apps.map((app) => app.appSecret),
    ...(config.components ?? []).flatMap((c) => [c.appSecret, c.token, c.encodingAesKey]),
    ...config.auth.apiKeys.map((apiKey) => apiKey.key),
    ...redisSecrets(config.redis.endpoint),
  ].filter((secret): secret is string => Boolean(secret));
}

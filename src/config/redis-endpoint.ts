import { ONE_REDIS_FIX, type RedisEndpointOptions } from '../redis/endpoint.js';
import { ConfigError } from './config-error.js';
import type { SettingValues } from './settings.js';

/**
 * One Redis deployment from the settings: REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES
 * (docs/scaling.md), or undefined for the in-memory store. The rows that only make sense together
 * are checked here, each refusal one line with its fix.
 */
export function readRedisEndpoint(s: SettingValues): RedisEndpointOptions | undefined {
  const { REDIS_URL: url, REDIS_SENTINELS: sentinels, REDIS_CLUSTER_NODES: clusterNodes } = s;
  const given = [
    url && 'REDIS_URL',
    sentinels && 'REDIS_SENTINELS',
    clusterNodes && 'REDIS_CLUSTER_NODES',
  ].filter(Boolean);
  if (given.length > 1) throw new ConfigError(`${given.join(' and ')} are all set. Fix: ${ONE_REDIS_FIX}`);
  const { REDIS_SENTINEL_MASTER: sentinelMaster, REDIS_SENTINEL_PASSWORD: sentinelPassword } = s;
  const { REDIS_USERNAME: username, REDIS_PASSWORD: password, REDIS_TLS: tls } = s;
  if (!sentinels && (sentinelMaster || sentinelPassword)) {
    throw new ConfigError(
      'REDIS_SENTINEL_MASTER and REDIS_SENTINEL_PASSWORD only apply with REDIS_SENTINELS. Fix: set REDIS_SENTINELS=host:port,… or unset them.',
    );
  }
  if (sentinels && !sentinelMaster) {
    throw new ConfigError(
      'REDIS_SENTINELS needs REDIS_SENTINEL_MASTER. Fix: the name of the sentinels\' "sentinel monitor" line, e.g. REDIS_SENTINEL_MASTER=mymaster.',
    );
  }
  if (url && tls !== undefined) {
    throw new ConfigError(
      'REDIS_TLS applies to REDIS_SENTINELS and REDIS_CLUSTER_NODES. Fix: with REDIS_URL, write rediss:// for TLS and unset REDIS_TLS.',
    );
  }
  if (given.length === 0) {
    if (username || password || tls !== undefined) {
      throw new ConfigError(
        `REDIS_USERNAME, REDIS_PASSWORD and REDIS_TLS need a Redis. Fix: ${ONE_REDIS_FIX}`,
      );
    }
    return undefined;
  }
  return { url, sentinels, sentinelMaster, sentinelPassword, clusterNodes, username, password, tls };
}

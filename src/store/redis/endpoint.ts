import { InvalidOptionError } from '../../errors.js';

/**
 * Where Redis is: one URL, a Sentinel-managed master, or a Cluster's seed nodes (docs/scaling.md).
 * Every Redis user (token store, rate-limit buckets, notifications) connects through one of these.
 */

export interface HostPort {
  host: string;
  port: number;
}

export interface RedisEndpointOptions {
  /** One endpoint: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url?: string;
  /** Sentinels to ask for the master's address (ioredis follows failovers). */
  sentinels?: HostPort[];
  /** The master's name as the sentinels know it; required with `sentinels`. */
  sentinelMaster?: string;
  /** Password of the sentinels themselves (not of the data nodes). */
  sentinelPassword?: string;
  /** Seed nodes of a Redis Cluster: the rest are discovered. */
  clusterNodes?: HostPort[];
  /** Data-node ACL user; overrides the URL's. */
  username?: string;
  /** Data-node password; overrides the URL's. */
  password?: string;
  /** TLS for the list forms (`rediss://` says it for a URL). @default false */
  tls?: boolean;
}

export type RedisEndpoint =
  | { kind: 'url'; url: string; username?: string; password?: string }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      master: string;
      sentinelPassword?: string;
      username?: string;
      password?: string;
      tls: boolean;
    }
  | { kind: 'cluster'; nodes: HostPort[]; username?: string; password?: string; tls: boolean };

const URL_PATTERN = /^rediss?:\/\/\S+$/;
const MASTER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Why `url` cannot name one Redis node, or undefined: redis:// or rediss://, and a port (when given)
 * from 1 to 65535; ioredis would take 70000 and fail on every connection instead. Config and the
 * stores' options apply this one rule.
 */
export function redisUrlProblem(url: string): string | undefined {
  if (!URL_PATTERN.test(url)) return 'expected redis:// or rediss://';
  // The host part: after any user:password@, before the /db, ?query or #.
  const rest = url.slice(url.indexOf('://') + 3);
  const hostPort = rest.slice(rest.lastIndexOf('@') + 1).split(/[/?#]/)[0] ?? '';
  const port = /:([^:\]]*)$/.exec(hostPort)?.[1];
  if (port === undefined) return undefined;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    // Only digits are shown: text after a colon may be a password written without its "@host".
    const got = /^\d{1,10}$/.test(port) ? `got ${port}` : 'got something else';
    return `the port must be a number from 1 to 65535 (${got})`;
  }
  return undefined;
}

/** The one message for "which Redis?" conflicts, shared by config and the stores. */
export const ONE_REDIS_FIX =
  'Set exactly one of REDIS_URL (one node), REDIS_SENTINELS (+ REDIS_SENTINEL_MASTER) or REDIS_CLUSTER_NODES, and unset the others.';

/** Checks the endpoint up front, so a bad value fails at start-up instead of on the first command. */
export function resolveRedisEndpoint(options: RedisEndpointOptions): RedisEndpoint {
  const given = [
    options.url !== undefined && 'url',
    options.sentinels !== undefined && 'sentinels',
    options.clusterNodes !== undefined && 'clusterNodes',
  ].filter(Boolean);
  if (given.length !== 1) {
    throw new InvalidOptionError(
      `Redis needs exactly one of url, sentinels or clusterNodes (got ${given.join(' and ') || 'none'}). ${ONE_REDIS_FIX}`,
    );
  }
  const credentials = {
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
  };
  if (options.url !== undefined) {
    const problem = typeof options.url === 'string' ? redisUrlProblem(options.url) : 'expected a string';
    if (problem) {
      throw new InvalidOptionError(
        `Redis url is invalid: ${problem}. Write redis://host:port[/db] or rediss:// for TLS, e.g. redis://127.0.0.1:6379/0 (use sentinels or clusterNodes for Sentinel and Cluster).`,
      );
    }
    return { kind: 'url', url: options.url, ...credentials };
  }
  const tls = options.tls ?? false;
  if (options.sentinels !== undefined) {
    const master = options.sentinelMaster;
    if (!master || !MASTER_NAME.test(master)) {
      throw new InvalidOptionError(
        'Redis sentinels need the master name (REDIS_SENTINEL_MASTER), 1-64 characters from A-Z a-z 0-9 _ . -, e.g. mymaster.',
      );
    }
    return {
      kind: 'sentinel',
      sentinels: hostPorts('sentinels', options.sentinels),
      master,
      ...(options.sentinelPassword ? { sentinelPassword: options.sentinelPassword } : {}),
      ...credentials,
      tls,
    };
  }
  return {
    kind: 'cluster',
    nodes: hostPorts('clusterNodes', options.clusterNodes ?? []),
    ...credentials,
    tls,
  };
}

function hostPorts(name: string, list: HostPort[]): HostPort[] {
  if (list.length === 0) throw new InvalidOptionError(`Redis ${name} must list at least one host:port.`);
  for (const { host, port } of list) {
    if (!host || /[\s/@]/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidOptionError(`Redis ${name} must be host:port pairs such as 10.0.0.5:26379.`);
    }
  }
  return list;
}

/**
 * `host:port,host:port` as the settings write it (an IPv6 host in brackets: `[::1]:6379`); undefined for
 * an entry that is not one, so the caller can name the setting in its error.
 */
export function parseHostPorts(text: string): HostPort[] | undefined {
  const out: HostPort[] = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) return undefined;
    out.push({ host: match[1] ?? match[2] ?? '', port });
  }
  return out;
}

/** Where Redis is, for log lines and health details: never a password. */
export function describeRedisEndpoint(endpoint: RedisEndpoint): string {
  switch (endpoint.kind) {
    case 'url':
      return describeEndpoint(endpoint.url);
    case 'sentinel':
      return `sentinel master ${endpoint.master} via ${list(endpoint.sentinels)}`;
    case 'cluster':
      return `cluster via ${list(endpoint.nodes)}`;
  }
}

/**
 * Which Redis, by kind and count only, for text anyone may read (`/ready`, `/status`): no host, port
 * or name. The address is for the log (`describeRedisEndpoint`).
 */
export function publicRedisName(endpoint: RedisEndpoint): string {
  switch (endpoint.kind) {
    case 'url':
      return 'Redis';
    case 'sentinel':
      return `Redis (the master of ${endpoint.sentinels.length} Sentinel${endpoint.sentinels.length === 1 ? '' : 's'})`;
    case 'cluster':
      return `Redis Cluster (${endpoint.nodes.length} seed node${endpoint.nodes.length === 1 ? '' : 's'})`;
  }
}

function list(nodes: HostPort[]): string {
  return nodes
    .map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`))
    .join(',');
}

/** `host:port` of a URL: never the password. */
export function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured Redis';
  }
}

/**
 * The credentials among the Redis settings (and a URL's password), for `configuredSecrets`: the gateway's `Redactor` then
 * removes them by value wherever text leaves the process. The username too: it is half of a credential.
 */
export function redisSecrets(options: RedisEndpointOptions | undefined): string[] {
  if (!options) return [];
  let fromUrl: string[] = [];
  if (options.url) {
    try {
      const url = new URL(options.url);
      fromUrl = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
    } catch {
      // Not a URL: config refused it already.
    }
  }
  return [options.username, options.password, options.sentinelPassword, ...fromUrl].filter(
    (value): value is string => Boolean(value),
  );
}

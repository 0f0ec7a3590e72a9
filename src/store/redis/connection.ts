import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { errorText } from '../../redact.js';
import { describeRedisEndpoint, publicRedisName, type RedisEndpoint } from './endpoint.js';

/** Either ioredis client: both speak the same commands; the Cluster routes each by its key's slot. */
export type RedisClient = Redis | Cluster;

export interface ScriptDefinition {
  /** Absent: the caller passes the number of keys first (a script over any number of keys). */
  numberOfKeys?: number;
  lua: string;
}

export interface RedisConnectionOptions {
  /** Names the connection in log lines (`commands`, `notifications`, `rate-limit`). */
  name: string;
  /**
   * `commands` fail fast while disconnected (no offline queue, no retries), so callers fall back at once;
   * `subscriber` queues its SUBSCRIBEs until connected and resubscribes after every reconnect.
   */
  role: 'commands' | 'subscriber';
  /** How long to wait for a TCP (and TLS) connection. */
  connectTimeoutMs: number;
  /** How long one command may take (commands role). */
  commandTimeoutMs?: number;
  /** Upper bound of the reconnect backoff (50 ms, doubling). */
  maxReconnectDelayMs: number;
  scripts?: Record<string, ScriptDefinition>;
  logger: Logger;
  /** Called on every (re)connection, e.g. to drop caches that missed notifications meanwhile. */
  onReady?: () => void;
}

/** The client events after which a connection's status or a node's may have changed (`onStatusEvent`). */
const STATUS_EVENTS = ['ready', 'close', 'end', 'reconnecting', '+node', '-node', 'node error'] as const;

/** Reconnect delay before attempt `attempt` (1-based): 50 ms doubling, capped. */
export function reconnectDelayMs(attempt: number, maxMs: number): number {
  return Math.min(maxMs, 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
}

/**
 * One ioredis client for one Redis user, built from the endpoint: `Redis` for a URL, `Redis` with
 * `sentinels` for Sentinel (ioredis asks the sentinels for the master and follows failovers), `Cluster`
 * for a cluster (ioredis discovers the nodes and follows MOVED/ASK). Adds what every user needs: a bounded
 * `ready()`, a bounded `quit()`, and an outage logged once (through the redacting serializer), not once
 * per reconnect attempt. Redis errors reach a log only through `errorText` (src/redact.ts).
 */
export class RedisConnection {
  readonly client: RedisClient;
  /** Where Redis is (host and port, never a password): for log lines. */
  readonly endpoint: string;
  /** Which Redis by kind only (`publicRedisName`): for what anyone may read. */
  readonly publicName: string;
  private readonly log: Logger;
  private readonly secrets: (string | undefined)[];
  private down = false;

  constructor(endpoint: RedisEndpoint, options: RedisConnectionOptions) {
    this.endpoint = describeRedisEndpoint(endpoint);
    this.publicName = publicRedisName(endpoint);
    this.log = options.logger;
    this.secrets = [
      endpoint.username,
      endpoint.password,
      endpoint.kind === 'sentinel' ? endpoint.sentinelPassword : undefined,
      ...(endpoint.kind === 'url' ? credentialsOf(endpoint.url) : []),
    ];
    this.client = createClient(endpoint, options);
    this.client.on('error', (error: unknown) => {
      if (this.down) return;
      this.down = true;
      this.log.warn(
        { connection: options.name, redis: this.endpoint, err: this.describe(error) },
        'Redis connection failed; reconnecting',
      );
    });
    this.client.on('ready', () => {
      options.onReady?.();
      if (!this.down) return;
      this.down = false;
      this.log.info({ connection: options.name, redis: this.endpoint }, 'Redis connection restored');
    });
  }

  /**
   * Calls `listener` on each event that may change what `up`, `status` or a command's answer says:
   * connected, lost, reconnecting, ended (Sentinel failovers included), and a Cluster's nodes coming
   * and going. Returns the function that stops it.
   */
  onStatusEvent(listener: () => void): () => void {
    for (const event of STATUS_EVENTS) this.client.on(event, listener);
    return () => {
      for (const event of STATUS_EVENTS) this.client.off(event, listener);
    };
  }

  get status(): string {
    return this.client.status;
  }

  get up(): boolean {
    return this.client.status === 'ready';
  }

  /** A Redis error as log text (`errorText`): its redacted message, never the command's arguments. */
  describe(error: unknown): string {
    return errorText(error, this.secrets);
  }

  /** Resolves once connected; rejects with `STORE_UNAVAILABLE` after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<void> {
    if (this.up) return;
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        onReady = resolve;
        this.client.once('ready', onReady);
        timer = setTimeout(
          () =>
            reject(
              new StoreUnavailableError(
                `Redis at ${this.endpoint} did not answer within ${timeoutMs} ms; check the REDIS_* settings and that Redis is running.`,
              ),
            ),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      if (onReady) this.client.off('ready', onReady);
    }
  }

  /**
   * QUIT when connected (pending replies arrive first), bounded in time; otherwise stop reconnecting
   * now. Either way the client is disconnected last: a QUIT ends the connection but not what its
   * connector opened beside it (a Sentinel client's connections to the sentinels for `+switch-master`,
   * which would otherwise go on reconnecting once the sentinels are gone).
   */
  async quit(timeoutMs: number): Promise<void> {
    const client = this.client;
    if (client.status !== 'ready') {
      client.disconnect();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      await Promise.race([client.quit(), timedOut]);
    } catch {
      // Disconnected below whatever the QUIT answered.
    } finally {
      clearTimeout(timer);
      client.disconnect();
    }
  }
}

function credentialsOf(url: string): string[] {
  try {
    const { username, password } = new URL(url);
    return [decodeURIComponent(username), decodeURIComponent(password)];
  } catch {
    return [];
  }
}

function roleOptions(
  options: RedisConnectionOptions,
): RedisOptions & { retryStrategy: (attempt: number) => number } {
  const retryStrategy = (attempt: number) => reconnectDelayMs(attempt, options.maxReconnectDelayMs);
  const common = {
    connectTimeout: options.connectTimeoutMs,
    retryStrategy,
    // After a Sentinel failover the old master may come back as a replica: reconnect to the new master.
    reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
  };
  if (options.role === 'subscriber') return { ...common, maxRetriesPerRequest: null, autoResubscribe: true };
  return {
    ...common,
    // Fail fast while disconnected instead of queueing: callers fall back to local memory at once.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
  };
}

function createClient(endpoint: RedisEndpoint, options: RedisConnectionOptions): RedisClient {
  const role = roleOptions(options);
  const scripts = options.scripts ? { scripts: options.scripts } : {};
  const auth = {
    ...(endpoint.username ? { username: endpoint.username } : {}),
    ...(endpoint.password ? { password: endpoint.password } : {}),
  };
  switch (endpoint.kind) {
    case 'url':
      return new Redis(endpoint.url, { ...role, ...auth, ...scripts });
    case 'sentinel':
      return new Redis({
        ...role,
        ...auth,
        ...scripts,
        sentinels: endpoint.sentinels,
        name: endpoint.master,
        ...(endpoint.sentinelPassword ? { sentinelPassword: endpoint.sentinelPassword } : {}),
        sentinelRetryStrategy: role.retryStrategy,
        // Listen to the sentinels' +switch-master, so a failover is followed at once rather than at the
        // next failed command.
        failoverDetector: true,
        ...(endpoint.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
      });
    case 'cluster': {
      const { enableOfflineQueue, ...nodeOptions } = role;
      const clusterOptions: ClusterOptions = {
        ...scripts,
        enableOfflineQueue: enableOfflineQueue ?? true,
        clusterRetryStrategy: role.retryStrategy,
        // Nodes that restart without a slot change are reconnected; slot moves arrive as MOVED/ASK.
        clusterNodeRetryStrategy: role.retryStrategy,
        // Per-app sharded channels (SSUBSCRIBE): one subscriber connection per master.
        shardedSubscribers: options.role === 'subscriber',
        slotsRefreshTimeout: options.connectTimeoutMs,
        redisOptions: { ...nodeOptions, ...auth, ...(endpoint.tls ? { tls: {} } : {}) },
      };
      return new Cluster(endpoint.nodes, clusterOptions);
    }
  }
}

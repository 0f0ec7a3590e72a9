import { existsSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { Stores } from '../../src/store/ports.js';
import type { HostPort, RedisEndpointOptions } from '../../src/store/redis/endpoint.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { deleteKeysUnder, keysUnder, randomPrefix } from '../redis/helpers.js';
import { guarded } from '../support/guard.js';
import { redisUrl } from '../support/redis.js';
import {
  type ClusterTopology,
  type SentinelTopology,
  startCluster,
  startSentinel,
} from '../support/redis-topologies.js';

/** Time for the stores' own judgement (expiry, copy freshness): moved by the test, never by waiting. */
export class TestClock {
  #now = Date.now();
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export interface RedisAccess {
  prefix: string;
  /** A plain client on the same deployment (a Cluster client in a Cluster). */
  client: Redis | Cluster;
  /** The data nodes serving the keys now (the master in Sentinel, every master in a Cluster). */
  dataNodes(): Promise<HostPort[]>;
}

/** Two replicas on one backend (in memory: one process, so both are the same stores). */
export interface Replicas {
  a: Stores;
  b: Stores;
  clock: TestClock;
  redis?: RedisAccess;
}

export interface Backend {
  name: string;
  available: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Opens two replicas, subscribed to `appIds` before this resolves. */
  open(appIds: readonly string[]): Promise<Replicas>;
  /** Closes what `open` opened and removes its keys. */
  closeAll(): Promise<void>;
  /**
   * Lets `ms` pass for the backend's own expiry: the clock for memory; on Redis, which expires keys on
   * its own time, every key of the test also has `ms` taken off its time to live (none is waited for).
   */
  lapse(replicas: Replicas, ms: number): Promise<void>;
}

const hasRedisServer = existsSync('/usr/bin/redis-server') || process.env.CI === 'true';

function memoryBackend(): Backend {
  return {
    name: 'memory',
    available: true,
    async start() {},
    async stop() {},
    async open() {
      const clock = new TestClock();
      const stores = new MemoryStores({ clock });
      return { a: stores, b: stores, clock };
    },
    async closeAll() {},
    async lapse(replicas, ms) {
      replicas.clock.advance(ms);
    },
  };
}

interface RedisDeployment {
  endpoint: RedisEndpointOptions;
  /**
   * A client of the test's own, connecting on its first command: most tests never send one, and a
   * Sentinel client disconnected while it still asks the sentinels for the master would go on
   * connecting after its test, its errors unheard.
   */
  client(): Redis | Cluster;
  dataNodes(): Promise<HostPort[]>;
  /** Keys to remove after each test (only on the shared single Redis; topologies are thrown away). */
  cleanUp?(prefix: string): Promise<void>;
}

function redisBackend(
  name: string,
  available: boolean,
  deploy: () => Promise<RedisDeployment>,
  stop: () => Promise<void>,
): Backend {
  let deployment: RedisDeployment | undefined;
  const open: { stores: Stores[]; client: Redis | Cluster; prefix: string }[] = [];
  return {
    name,
    available,
    async start() {
      deployment = await deploy();
    },
    stop,
    async open(appIds) {
      if (!deployment) throw new Error(`${name} did not start`);
      const prefix = randomPrefix();
      const clock = new TestClock();
      const options = { ...deployment.endpoint, keyPrefix: prefix, appIds, clock, maxReconnectDelayMs: 100 };
      const [a, b] = await Promise.all([RedisStores.connect(options), RedisStores.connect(options)]);
      const client = deployment.client();
      open.push({ stores: [a, b], client, prefix });
      return { a, b, clock, redis: { prefix, client, dataNodes: deployment.dataNodes } };
    },
    async closeAll() {
      for (const { stores, client, prefix } of open.splice(0)) {
        await Promise.all(stores.map((stores) => stores.close()));
        client.disconnect();
        await deployment?.cleanUp?.(prefix);
      }
    },
    async lapse(replicas, ms) {
      replicas.clock.advance(ms);
      if (replicas.redis) await shortenTtls(await replicas.redis.dataNodes(), replicas.redis.prefix, ms);
    },
  };
}

/**
 * Redis's share of a lapse: each key under `prefix` on each data node loses `ms` of its time to live,
 * and one whose time is up is removed (an expiry in the past deletes the key at once).
 */
async function shortenTtls(nodes: readonly HostPort[], prefix: string, ms: number): Promise<void> {
  for (const node of nodes) {
    const redis = new Redis({ ...node, lazyConnect: true });
    await redis.connect();
    try {
      const keys = await keysUnder(redis, prefix);
      for (const key of keys) {
        const ttl = await redis.pttl(key);
        if (ttl < 0) continue;
        if (ttl <= ms) await redis.del(key);
        else await redis.pexpire(key, ttl - ms);
      }
    } finally {
      redis.disconnect();
    }
  }
}

function singleBackend(): Backend {
  const url = new URL(redisUrl || 'redis://127.0.0.1:6379');
  const node = { host: url.hostname, port: Number(url.port) || 6379 };
  return redisBackend(
    'Redis',
    Boolean(redisUrl),
    async () => ({
      endpoint: { url: redisUrl },
      client: () => new Redis(redisUrl, { lazyConnect: true }),
      dataNodes: async () => [node],
      cleanUp: (prefix) => deleteKeysUnder(redisUrl, prefix),
    }),
    async () => {},
  );
}

function sentinelBackend(): Backend {
  let topology: SentinelTopology | undefined;
  return redisBackend(
    'Sentinel',
    hasRedisServer,
    async () => {
      const started = await startSentinel();
      topology = started;
      return {
        endpoint: { sentinels: started.sentinels, sentinelMaster: started.masterName },
        client: () =>
          new Redis({ sentinels: started.sentinels, name: started.masterName, lazyConnect: true }),
        dataNodes: async () => [{ host: '127.0.0.1', port: await started.currentMasterPort() }],
      };
    },
    async () => topology?.stop(),
  );
}

function clusterBackend(): Backend {
  let topology: ClusterTopology | undefined;
  return redisBackend(
    'Cluster',
    hasRedisServer,
    async () => {
      const started = await startCluster(3);
      topology = started;
      return {
        endpoint: { clusterNodes: started.nodes },
        client: () => new Cluster(started.nodes, { lazyConnect: true }),
        dataNodes: async () => started.nodes,
      };
    },
    async () => topology?.stop(),
  );
}

export const BACKENDS: Backend[] = [memoryBackend(), singleBackend(), sentinelBackend(), clusterBackend()];

/** What a subscription has heard so far, and a bounded wait for a matching event. */
export function listen<T>(subscribe: (listener: (event: T) => void) => () => void) {
  const heard: T[] = [];
  const waiters = new Set<(event: T) => void>();
  const off = subscribe((event) => {
    heard.push(event);
    for (const waiter of [...waiters]) waiter(event);
  });
  return {
    heard,
    off,
    /**
     * Resolves with the first event heard so far that matches `match`, or else with the next one to
     * come, as it comes; fails after `timeoutMs` (a guard, not a sleep).
     */
    until(match: (event: T) => boolean, timeoutMs = 3000): Promise<T> {
      const found = heard.find(match);
      if (found !== undefined) return Promise.resolve(found);
      let waiter: ((event: T) => void) | undefined;
      const coming = new Promise<T>((resolve) => {
        waiter = (event) => {
          if (match(event)) resolve(event);
        };
        waiters.add(waiter);
      });
      return guarded('the awaited event', coming, timeoutMs).finally(() => {
        if (waiter) waiters.delete(waiter);
      });
    },
  };
}

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';

/**
 * The scale-out recipe, read as Docker Compose reads it (no Docker engine here): one image built
 * once for the three replicas, the settings operators need passed through, and the ./config it
 * mounts present with examples that the gateway accepts as they are.
 */

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith('gateway-'));

/** `${NAME:-default}` as Compose interpolates it from an .env. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g,
    (_m, name: string, fallback = '') => env[name] || fallback,
  );
}

/** `localhost` on each port a replica publishes (`"4001:4000"` → 4001). */
function publishedHosts(services: [string, Service][]): { host: string; port: number }[] {
  return services.map(([, service]) => ({
    host: 'localhost',
    port: Number(service.ports?.[0]?.split(':')[0]),
  }));
}

describe('docker-compose.yml', () => {
  it('runs three replicas of one image, built once', () => {
    expect(gateways.map(([name]) => name)).toEqual(['gateway-1', 'gateway-2', 'gateway-3']);
    const images = new Set(gateways.map(([, service]) => service.image));
    expect([...images]).toEqual(['wxtoken-gateway:local']);
    expect(gateways.filter(([, service]) => service.build !== undefined)).toHaveLength(1);
    expect(new Set(gateways.map(([, service]) => service.ports?.[0])).size).toBe(3);
  });

  it.each([
    'GATEWAY_API_KEYS_FILE',
    'GATEWAY_API_KEYS',
    'WECHAT_API_BASE',
    'REDIS_KEY_PREFIX',
    'WECHAT_APPS_FILE',
  ])('passes %s through from .env', (name) => {
    for (const [, service] of gateways) expect(service.environment?.[name]).toBe(`\${${name}:-}`);
  });

  it('mounts ./config, which exists with examples the gateway accepts as the recipe passes them', () => {
    for (const [, service] of gateways) expect(service.volumes).toContain('./config:/config:ro');
    for (const file of ['config/README.md', 'config/apps.example.json', 'config/api-keys.example.json']) {
      expect(existsSync(file), file).toBe(true);
    }
    const dotEnv = {
      WECHAT_APPS_FILE: 'config/apps.example.json',
      GATEWAY_API_KEYS_FILE: 'config/api-keys.example.json',
    };
    const environment = Object.fromEntries(
      Object.entries(gateways[0]?.[1].environment ?? {}).map(([name, value]) => [
        name,
        interpolate(value, dotEnv),
      ]),
    );
    const config = loadConfig(environment);
    expect(config.nodeEnv).toBe('production');
    expect(config.apps.map((app) => app.appId)).toEqual(['wx0123456789abcdef']);
    expect(config.auth.apiKeys).toHaveLength(1);
    expect(config.auth.apiKeys[0]?.key).toBeUndefined();
    // Empty pass-throughs keep the defaults.
    expect(config.redis.keyPrefix).toBe('wxgw:');
    expect(config.wechat.baseUrls).toEqual(['https://api.weixin.qq.com', 'https://api2.weixin.qq.com']);
    // The Host allow-list is on, covering the published ports; .env replaces it.
    expect(config.allowedHosts).toEqual(publishedHosts(gateways));
    const named = loadConfig({
      ...environment,
      GATEWAY_ALLOWED_HOSTS: interpolate(gateways[0]?.[1].environment?.GATEWAY_ALLOWED_HOSTS ?? '', {
        GATEWAY_ALLOWED_HOSTS: 'localhost,wxgw.example.com:4001',
      }),
    });
    expect(named.allowedHosts).toEqual([{ host: 'localhost' }, { host: 'wxgw.example.com', port: 4001 }]);
  });

  it('the image runs Node 24', () => {
    const from = [...readFileSync('Dockerfile', 'utf8').matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(from).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
  });
});

describe('docker-compose.sentinel.yml', () => {
  const sentinel = parse(readFileSync('docker-compose.sentinel.yml', 'utf8'), { merge: true }) as {
    services: Record<string, Service & { entrypoint?: string[] }>;
  };
  const replicas = Object.entries(sentinel.services).filter(([name]) => name.startsWith('gateway-'));

  it('runs three replicas of one image on a master, a replica and three sentinels', () => {
    expect(Object.keys(sentinel.services).sort()).toEqual([
      'gateway-1',
      'gateway-2',
      'gateway-3',
      'redis-master',
      'redis-replica',
      'sentinel-1',
      'sentinel-2',
      'sentinel-3',
    ]);
    expect(new Set(replicas.map(([, service]) => service.image))).toEqual(new Set(['wxtoken-gateway:local']));
    expect(replicas.filter(([, service]) => service.build !== undefined)).toHaveLength(1);
    expect(sentinel.services['sentinel-1']?.entrypoint?.join('\n')).toContain(
      'sentinel monitor wxgw redis-master 6379 2',
    );
  });

  it('passes settings the gateway accepts: the sentinels and master name, nothing else for Redis', () => {
    const environment = Object.fromEntries(
      Object.entries(replicas[0]?.[1].environment ?? {}).map(([name, value]) => [
        name,
        interpolate(value, {
          WECHAT_APPS_FILE: 'config/apps.example.json',
          GATEWAY_API_KEYS_FILE: 'config/api-keys.example.json',
        }),
      ]),
    );
    expect(loadConfig(environment).redis.endpoint).toMatchObject({
      sentinels: [
        { host: 'sentinel-1', port: 26379 },
        { host: 'sentinel-2', port: 26379 },
        { host: 'sentinel-3', port: 26379 },
      ],
      sentinelMaster: 'wxgw',
      url: undefined,
      clusterNodes: undefined,
    });
    // The same Host allow-list as docker-compose.yml: on, covering the published ports.
    expect(loadConfig(environment).allowedHosts).toEqual(publishedHosts(replicas));
  });
});

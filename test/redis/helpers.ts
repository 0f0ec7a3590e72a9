import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { StoredCredential } from '../../src/store/ports.js';
import { watchLog } from '../support/process-log.js';

/** A prefix no other test file (or helper running tests at the same time) uses. */
export function randomPrefix(): string {
  return `test:${randomUUID().slice(0, 8)}:`;
}

/** Shaped like a WeChat access token: a long run of URL-safe characters. */
export function fakeAccessToken(): string {
  return randomBytes(96).toString('base64url');
}

export function tokenExpiringIn(ms: number, now = Date.now()): StoredCredential {
  return { value: fakeAccessToken(), expiresAt: now + ms, obtainedAt: now };
}

/** Every key under `prefix`, found with SCAN as an operator would. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

export async function deleteKeysUnder(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  const keys = await keysUnder(redis, prefix);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}

/** A throwaway redis-server without persistence on `port`, accepting connections when this resolves (its log says so). */
export async function startRedisServer(
  port: number,
  extraArgs: readonly string[] = [],
): Promise<ChildProcess> {
  const child = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    await watchLog(child).seen(`redis-server on port ${port}`, /Ready to accept connections/);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

export async function stopRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import type { TestProject } from 'vitest/node';
import { freePort } from './free-port.js';

/**
 * Finds a Redis for the suites that need one: REDIS_URL, else 127.0.0.1:6379, else a throwaway
 * `redis-server` on a free port. Without any, Redis suites are skipped with a loud notice, and the
 * whole run fails when CI=true (a green CI must have exercised them).
 */

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

function ping(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port) || 6379 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function startThrowaway(): Promise<{ url: string; child: ChildProcess } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await ping(url, 200)) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  return undefined;
}

export default async function setup(project: TestProject) {
  const configured = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (await ping(configured)) {
    project.provide('redisUrl', configured);
    return;
  }
  const throwaway = await startThrowaway();
  if (throwaway) {
    project.provide('redisUrl', throwaway.url);
    return () => {
      throwaway.child.kill('SIGTERM');
    };
  }
  const notice = `No Redis answers at ${configured} and no redis-server binary could be started.`;
  if (process.env.CI === 'true') {
    throw new Error(`${notice} CI must run the Redis suites: start Redis or install redis-server.`);
  }
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n${notice}\nRedis suites are SKIPPED. Install redis-server or set REDIS_URL to run them.\n${bar}\n`,
  );
  project.provide('redisUrl', '');
}

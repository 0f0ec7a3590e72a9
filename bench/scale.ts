import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomApp } from '../src/wechat/sandbox/random.js';
import { createSandbox } from '../src/wechat/sandbox/server.js';
import { cpuTimeOf, memoryMbOf, type Running, spawnBuiltGateway, stop, untilReady } from './lib/processes.js';
import type { PrivateRedis } from './lib/redis-counter.js';

/** Issue 28's figures for configured apps: start under 10 s, RSS under 400 MB with 10,000 of them. */
export const SCALE_TARGETS = { apps: 10_000, readyMs: 10_000, rssMb: 400 };

export interface ScaleResult {
  apps: number;
  store: 'memory' | 'redis';
  /** From spawning `node dist/main.js` until it accepts connections. */
  listeningMs: number;
  /** From spawning until `/ready` answers 200: every app's token obtained. */
  readyMs: number;
  /** Resident set size once ready. */
  rssMb: number;
  /**
   * The highest RSS until then (VmHWM): the heap grows between major collections and RSS at ready is
   * wherever that cycle stands, so this moves less from run to run.
   */
  peakRssMb: number;
  /**
   * Write system calls until ready (`syscw`, /proc/<pid>/io): every Redis command, upstream request and
   * probe answer sent; unlike time, the other processes on the machine do not move it.
   */
  writeSyscalls: number;
  /** The gateway's CPU time (user + system) until ready: what the other processes on the machine do not move. */
  cpuMs: number;
}

const POLL_MS = 50;

function writeSyscallsOf(pid: number | undefined): number {
  return Number(/syscw: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
}

/**
 * `apps` Official Accounts in an apps file (the sandbox accepts them all and answers at once): how
 * long the real entry takes to listen and to be ready, and its RSS then. With `redis`, on that
 * private Redis (its keys are this scenario's alone).
 */
export async function configuredAppsAtScale(options: {
  apps: number;
  port: number;
  redis?: PrivateRedis;
}): Promise<ScaleResult> {
  const apps = Array.from({ length: options.apps }, randomApp);
  const sandbox = await createSandbox({ apps });
  const dir = mkdtempSync(join(tmpdir(), 'wxgw-scale-'));
  const appsFile = join(dir, 'apps.json');
  writeFileSync(appsFile, JSON.stringify(apps.map((app, at) => ({ ...app, name: `App ${at}` }))));
  const started = performance.now();
  const child = spawnBuiltGateway(options.port, {
    WECHAT_APPS_FILE: appsFile,
    WECHAT_API_BASE: sandbox.url,
    GATEWAY_API_KEYS: 'bench-key-0123456789abcdef:token:read',
    ...(options.redis ? { REDIS_URL: options.redis.url } : {}),
  });
  const running: Running = { name: 'gateway (scale)', url: '', child };
  try {
    let listeningMs: number | undefined;
    await untilReady(child, `http://127.0.0.1:${options.port}`, POLL_MS, () => {
      listeningMs ??= performance.now() - started;
    });
    const readyMs = performance.now() - started;
    return {
      apps: options.apps,
      store: options.redis ? 'redis' : 'memory',
      listeningMs: Math.round(listeningMs ?? readyMs),
      readyMs: Math.round(readyMs),
      rssMb: memoryMbOf(child.pid, 'VmRSS'),
      peakRssMb: memoryMbOf(child.pid, 'VmHWM'),
      writeSyscalls: writeSyscallsOf(child.pid),
      cpuMs: (cpuTimeOf(child.pid) ?? Number.NaN) / 1000,
    };
  } finally {
    await stop(running);
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both stores, one after the other; printed with the targets and returned for results.json. */
export async function scaleScenarios(options: {
  apps: number;
  redis: PrivateRedis;
  freePort(): Promise<number>;
}): Promise<ScaleResult[]> {
  const results: ScaleResult[] = [];
  for (const redis of [undefined, options.redis]) {
    const result = await configuredAppsAtScale({
      apps: options.apps,
      port: await options.freePort(),
      ...(redis ? { redis } : {}),
    });
    results.push(result);
    const over = [
      result.readyMs > SCALE_TARGETS.readyMs ? `ready over ${SCALE_TARGETS.readyMs / 1000} s` : '',
      result.rssMb > SCALE_TARGETS.rssMb ? `RSS over ${SCALE_TARGETS.rssMb} MB` : '',
    ].filter(Boolean);
    console.log(
      `${result.apps} configured apps, ${result.store} store: listening after ${(result.listeningMs / 1000).toFixed(1)} s, ready after ${(result.readyMs / 1000).toFixed(1)} s, RSS ${result.rssMb} MB (peak ${result.peakRssMb} MB), CPU ${(result.cpuMs / 1000).toFixed(1)} s, ${result.writeSyscalls} write syscalls${over.length > 0 && result.apps >= SCALE_TARGETS.apps ? ` (${over.join(', ')})` : ''}`,
    );
  }
  return results;
}

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { freePort } from './free-port.js';
import { type ProcessLog, watchLog } from './process-log.js';

/**
 * Real Redis deployments for the Sentinel and Cluster suites: Debian's `redis-server` processes on free
 * loopback ports, each in a temporary directory. `stop()` kills every process and removes the
 * directories; it is also run when the test process exits, so a failed or interrupted suite leaves
 * nothing behind.
 */

const run = promisify(execFile);
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface RedisProcess {
  port: number;
  child: ChildProcess;
  /** What the current process writes, waited on line by line (support/process-log.ts). */
  log: ProcessLog;
  /** SIGKILLs the process and starts it again on the same port and directory (data is lost). */
  restart(): Promise<void>;
}

export interface Topology {
  /** Stops every process (SIGKILL) and removes the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

async function makeDir(kind: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `wxgw-${kind}-`));
}

function startProcess(args: string[], cwd: string): { child: ChildProcess; log: ProcessLog } {
  const child = spawn('/usr/bin/redis-server', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { child, log: watchLog(child) };
}

export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function answer(port: number, ...command: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command]);
  return stdout;
}

const NO_PERSISTENCE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

async function startNode(dir: string, name: string, extra: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const nodeDir = join(dir, name);
  await run('mkdir', ['-p', nodeDir]);
  const args = ['--port', String(port), ...NO_PERSISTENCE, '--dir', nodeDir, ...extra];
  const up = () => node.log.seen(`redis-server on ${port}`, /Ready to accept connections/);
  const node: RedisProcess = {
    port,
    ...startProcess(args, nodeDir),
    async restart() {
      await kill(node.child);
      Object.assign(node, startProcess(args, nodeDir));
      await up();
    },
  };
  await up();
  return node;
}

export interface ClusterTopology extends Topology {
  masters: RedisProcess[];
  nodes: { host: string; port: number }[];
  /** The port of the master that serves `key`'s slot. */
  portOf(key: string): Promise<number>;
  /** Resolves once every master reports `cluster_state:ok`. */
  waitUntilOk(): Promise<void>;
  /** Moves `key`'s slot, keys included, to the master on `port`, as `redis-cli --cluster reshard` would. */
  moveSlotOf(key: string, port: number): Promise<void>;
}

/** A Redis Cluster of `masters` masters (no replicas), slots spread by `redis-cli --cluster create`. */
export async function startCluster(masters = 3): Promise<ClusterTopology> {
  const dir = await makeDir('cluster');
  const started: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((node) => kill(node.child)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      started.push(
        await startNode(dir, `node-${i}`, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    await run('/usr/bin/redis-cli', [
      '--cluster',
      'create',
      ...started.map(({ port }) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitUntilOk();
  } catch (error) {
    await stop();
    throw error;
  }
  const first = started[0]?.port ?? 0;
  return {
    masters: started,
    nodes: started.map(({ port }) => ({ host: '127.0.0.1', port })),
    stop,
    portOf,
    waitUntilOk,
    async moveSlotOf(key, port) {
      const slot = (await answer(first, 'CLUSTER', 'KEYSLOT', key)).trim();
      const from = await portOf(key);
      const id = async (p: number) => (await answer(p, 'CLUSTER', 'MYID')).trim();
      const [fromId, toId] = [await id(from), await id(port)];
      await answer(port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', fromId);
      await answer(from, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', toId);
      for (;;) {
        const keys = (await answer(from, 'CLUSTER', 'GETKEYSINSLOT', slot, '100'))
          .split('\n')
          .filter(Boolean);
        if (keys.length === 0) break;
        await answer(from, 'MIGRATE', '127.0.0.1', String(port), '', '0', '5000', 'KEYS', ...keys);
      }
      for (const { port: p } of started) await answer(p, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId);
    },
  };
  async function waitUntilOk(): Promise<void> {
    // Each node logs every change of its cluster state: the last one it logged is its state now.
    for (const node of started) {
      await node.log.until(
        `cluster state ok on ${node.port}`,
        (lines) =>
          lines
            .findLast((line) => line.includes('Cluster state changed:'))
            ?.endsWith('Cluster state changed: ok') === true,
      );
    }
  }
  async function portOf(key: string): Promise<number> {
    {
      const slot = (await answer(first, 'CLUSTER', 'KEYSLOT', key)).trim();
      const redis = new Redis(first, '127.0.0.1');
      try {
        const slots = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const range = slots.find(([from, to]) => Number(slot) >= from && Number(slot) <= to);
        return range?.[2][1] ?? 0;
      } finally {
        redis.disconnect();
      }
    }
  }
}

export interface SentinelTopology extends Topology {
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: { host: string; port: number }[];
  masterName: string;
  /** The master's port as the sentinels report it now. */
  currentMasterPort(): Promise<number>;
}

/**
 * A master, one replica and three sentinels (quorum 2) with short timings: the master counts as down
 * after 1 s without answers, and a failover is retried after 3 s.
 */
export async function startSentinel(masterName = 'wxgw-test'): Promise<SentinelTopology> {
  const dir = await makeDir('sentinel');
  const processes: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((child) => kill(child)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const master = await startNode(dir, 'master');
    processes.push(master.child);
    const replica = await startNode(dir, 'replica', ['--replicaof', '127.0.0.1', String(master.port)]);
    processes.push(replica.child);
    await replica.log.seen('the replica in sync', /MASTER <-> REPLICA sync: Finished with success/);
    const sentinels: { host: string; port: number }[] = [];
    const sentinelLogs: ProcessLog[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${i}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 3000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = startProcess([file, '--sentinel'], dir);
      processes.push(sentinel.child);
      sentinelLogs.push(sentinel.log);
      sentinels.push({ host: '127.0.0.1', port });
    }
    // A sentinel logs `+slave` when it discovers the replica and `+sentinel` for each other sentinel.
    for (const [i, log] of sentinelLogs.entries()) {
      const what = `sentinel ${i} sees the replica and the other sentinels`;
      await log.until(
        what,
        (lines) =>
          lines.some((line) => line.includes('+slave ')) &&
          lines.filter((line) => line.includes('+sentinel ')).length >= 2,
        20_000,
      );
    }
    const first = sentinels[0]?.port ?? 0;
    return {
      master,
      replica,
      sentinels,
      masterName,
      stop,
      async currentMasterPort() {
        const reply = await answer(first, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName);
        return Number(reply.trim().split('\n')[1]);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `describe` for suites that start their own Redis processes (Debian's redis-server; required in CI). */
export const describeTopology = describe.skipIf(
  !existsSync('/usr/bin/redis-server') && process.env.CI !== 'true',
);

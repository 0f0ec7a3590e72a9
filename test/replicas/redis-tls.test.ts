import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../ops/support/gateway-process.js';
import { randomPrefix } from '../redis/helpers.js';
import { freePort } from '../support/free-port.js';
import { type ProcessLog, watchLog } from '../support/process-log.js';
import { describeTopology, kill } from '../support/redis-topologies.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

const run = promisify(execFile);

/**
 * TLS in the URL form (`rediss://`) and in the list forms (`REDIS_TLS=true`, here a TLS-only cluster):
 * a gateway process trusts a throwaway certificate through NODE_EXTRA_CA_CERTS and becomes ready with
 * its store not degraded.
 */
describeTopology('Redis over TLS', () => {
  let dir: string;
  let cert: string;
  let sandbox: TestSandbox;
  const servers: ChildProcess[] = [];
  const gateways: GatewayProcess[] = [];

  const cli = (port: number, ...args: string[]) =>
    run('/usr/bin/redis-cli', ['--tls', '--cacert', cert, '-h', '127.0.0.1', '-p', String(port), ...args]);

  /** What each TLS node writes, by port: the tests resume on its lines (support/process-log.ts). */
  const logs = new Map<number, ProcessLog>();

  async function startTlsNode(extra: string[] = []): Promise<number> {
    const port = await freePort();
    const nodeDir = join(dir, String(port));
    await run('mkdir', ['-p', nodeDir]);
    const tls = ['--tls-cert-file', cert, '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', cert];
    const args = ['--port', '0', '--tls-port', String(port), ...tls, '--tls-auth-clients', 'no'];
    const child = spawn(
      '/usr/bin/redis-server',
      [...args, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', nodeDir, ...extra],
      { cwd: nodeDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    servers.push(child);
    const log = watchLog(child);
    logs.set(port, log);
    await log.seen(`TLS redis-server on ${port}`, /Ready to accept connections/, 1, 10_000);
    return port;
  }

  async function gatewayReady(env: Record<string, string>): Promise<unknown> {
    const gateway = await startGatewayProcess({
      NODE_ENV: 'development',
      NODE_EXTRA_CA_CERTS: cert,
      REDIS_KEY_PREFIX: randomPrefix(),
      WECHAT_APP_ID: sandbox.app.appId,
      WECHAT_APP_SECRET: sandbox.app.appSecret,
      WECHAT_API_BASE: sandbox.url,
      ...env,
    });
    gateways.push(gateway);
    // Ready takes the app's token, stored in Redis once obtained: the gateway says so in its log.
    await gateway.waitForLine(
      (line) => line.appId === sandbox.app.appId && line.msg === 'obtained a new access token',
      20_000,
    );
    const response = await fetch(`${gateway.origin}/ready`);
    expect(response.status).toBe(200);
    return response.json();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxgw-tls-'));
    cert = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      cert,
    ]);
    sandbox = await startSandbox();
  }, 30_000);

  afterAll(async () => {
    for (const gateway of gateways) gateway.child.kill('SIGKILL');
    await Promise.all(servers.map((child) => kill(child)));
    await sandbox?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects to rediss:// and serves with a shared, healthy store', async () => {
    const port = await startTlsNode();
    expect(await gatewayReady({ REDIS_URL: `rediss://127.0.0.1:${port}` })).toMatchObject({
      status: 'ready',
      store: { kind: 'redis', status: 'ok' },
    });
  });

  it('connects to a TLS-only cluster with REDIS_CLUSTER_NODES and REDIS_TLS=true', async () => {
    const cluster = ['--cluster-enabled', 'yes', '--tls-cluster', 'yes', '--cluster-node-timeout', '2000'];
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) ports.push(await startTlsNode(cluster));
    const [first] = ports as [number];
    await run('/usr/bin/redis-cli', [
      '--tls',
      '--cacert',
      cert,
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-yes',
    ]);
    await logs.get(first)?.seen(`cluster state ok on ${first}`, /Cluster state changed: ok/, 1, 15_000);
    expect((await cli(first, 'CLUSTER', 'INFO')).stdout).toContain('cluster_state:ok');
    expect(
      await gatewayReady({ REDIS_CLUSTER_NODES: `127.0.0.1:${first}`, REDIS_TLS: 'true' }),
    ).toMatchObject({ status: 'ready', store: { kind: 'redis', status: 'ok' } });
  });
});

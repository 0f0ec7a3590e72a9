import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redactor } from '../../src/redact.js';
import { type GatewayProcess, startGatewayProcess } from '../ops/support/gateway-process.js';
import { freePort } from '../support/free-port.js';
import { describeTopology, kill } from '../support/redis-topologies.js';

const USERNAME = 'gw-rotated-user';
const RIGHT = 'Right-Passw0rd-after-rotation-91c2';
const WRONG = 'Wr0ng-Passw0rd-before-rotation-7f3a';

async function startProtectedRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    '/usr/bin/redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--user',
      'default',
      'off',
      '--user',
      USERNAME,
      'on',
      `>${RIGHT}`,
      '~*',
      '&*',
      '+@all',
    ],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (listening) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await kill(child);
  throw new Error(`redis-server did not start on ${port}`);
}

/**
 * Issue 16 item 4: a Redis that refuses the password at start-up (WRONGPASS, as after a rotation)
 * must not put the credentials in the log. ioredis errors carry them in `command.args` (AUTH/HELLO);
 * every Redis error reaches the log through `errorText` or the logger's `err` serializer.
 */
describeTopology('a Redis that refuses the password', () => {
  let redis: ChildProcess;
  let port: number;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    port = await freePort();
    redis = await startProtectedRedis(port);
  });

  afterAll(async () => {
    for (const gateway of gateways) gateway.child.kill('SIGKILL');
    await kill(redis);
  });

  it.each([
    [
      'REDIS_USERNAME and REDIS_PASSWORD',
      () => ({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_USERNAME: USERNAME, REDIS_PASSWORD: WRONG }),
    ],
    ['the URL form', () => ({ REDIS_URL: `redis://${USERNAME}:${WRONG}@127.0.0.1:${port}` })],
  ])('keeps the username and password given by %s out of the log', async (_, env) => {
    // Development: no app and no key, so the embedded sandbox answers and only the store fails.
    const gateway = await startGatewayProcess({ NODE_ENV: 'development', ...env() });
    gateways.push(gateway);
    await gateway.waitForLine((line) => String(line.msg).startsWith('Redis connection failed'));
    await gateway.waitForLine((line) => String(line.msg).startsWith('Redis is not answering'));
    const log = gateway.raw();
    expect(log).toMatch(/WRONGPASS/);
    expect(log).not.toContain(WRONG);
    expect(log).not.toContain(USERNAME);
    expect(log).not.toContain(RIGHT);
    gateway.child.kill('SIGKILL');
  });

  it('serializes an ioredis error by class, redacted message and code only, never command.args', () => {
    const error = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      name: 'ReplyError',
      command: { name: 'auth', args: [USERNAME, WRONG] },
    });
    const logged = JSON.stringify(new Redactor().serializeError(error));
    expect(logged).toContain('WRONGPASS');
    expect(logged).not.toContain(WRONG);
    expect(logged).not.toContain(USERNAME);
  });
});

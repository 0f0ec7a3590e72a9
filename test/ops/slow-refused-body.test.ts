import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_TIMEOUTS } from '../../src/server.js';
import { startTestGateway } from '../graphql/support/gateway.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.js';

/**
 * An unauthenticated client announcing a 1,000-byte body and dripping it byte by byte gets its 401
 * at once and loses its connection, so it holds neither a socket nor a graceful shutdown.
 */

const KEY = 'slowbody-key-0123456789abcdef';
let sandbox: TestSandbox;
let gateway: GatewayProcess | undefined;
const sockets: Socket[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
    gateway.child.kill('SIGKILL');
    await gateway.exited;
  }
  gateway = undefined;
});
afterAll(() => sandbox?.close());

interface Drip {
  /** Everything the server sent. */
  received(): string;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  stop(): void;
}

/** Sends the headers of a POST with `Content-Length: 1000`, then one byte of body every 50 ms. */
async function drip(origin: string): Promise<Drip> {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
  );
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(' ');
  }, 50);
  closed.then(() => clearInterval(timer));
  return { received: () => text, closed, stop: () => clearInterval(timer) };
}

function start(): Promise<GatewayProcess> {
  const [app] = sandbox.apps;
  return startGatewayProcess({
    NODE_ENV: 'production',
    GATEWAY_API_KEYS: `${KEY}:token:read`,
    WECHAT_APP_ID: app?.appId ?? '',
    WECHAT_APP_SECRET: app?.appSecret ?? '',
    WECHAT_API_BASE: sandbox.url,
    SHUTDOWN_TIMEOUT_MS: '10000',
  });
}

describe('a slow, refused body', () => {
  it('gets its 401 with Connection: close and loses its socket; SIGTERM with only such clients exits 0 at once', async () => {
    gateway = await start();
    const first = await drip(gateway.origin);
    await first.closed;
    expect(first.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(first.received().toLowerCase()).toContain('connection: close');

    const clients = await Promise.all([drip(gateway.origin), drip(gateway.origin), drip(gateway.origin)]);
    for (const client of clients) {
      await expect.poll(() => client.received(), { timeout: 5_000 }).toMatch(/^HTTP\/1\.1 401 /);
    }
    const started = performance.now();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    // Far below SHUTDOWN_TIMEOUT_MS (10 s), which is what one held socket would cost.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('request timeouts', () => {
  async function slowClient(url: string, first: string) {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    socket.on('error', () => undefined);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.write(first);
    const started = performance.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { text, elapsedMs: performance.now() - started };
  }

  it.each([
    ['never finishes its headers', 'POST /graphql HTTP/1.1\r\nHost: gateway\r\n'],
    [
      'never finishes its body (authenticated)',
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    ],
  ])('a client that %s gets 408 and loses its socket after the timeout', async (_what, first) => {
    const gw = await startTestGateway({ httpTimeouts: { headersMs: 300, requestMs: 600 } });
    try {
      const { text, elapsedMs } = await slowClient(gw.url, first);
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(elapsedMs).toBeGreaterThan(250);
      expect(elapsedMs).toBeLessThan(3_000);
    } finally {
      await gw.close();
    }
  });

  it('defaults to seconds, not Node’s minutes', () => {
    expect(HTTP_TIMEOUTS).toEqual({ headersMs: 10_000, requestMs: 30_000 });
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { drainHttpServer } from '../../src/lifecycle/drain-http.js';

/** A server whose /slow answers after `ms` milliseconds, and a keep-alive client. */
async function start(ms: number) {
  const server: Server = createServer((req, res) => {
    const delay = req.url === '/slow' ? ms : 0;
    setTimeout(() => res.end('done'), delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ keepAliveTimeout: 60_000 });
  return { server, url, agent };
}

const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
});

describe('drainHttpServer', () => {
  it('lets a request in flight finish, refuses new connections, and closes kept-alive ones', async () => {
    const { server, url, agent } = await start(150);
    agents.push(agent);
    // A kept-alive idle connection and a slow request on another one.
    expect(await request(`${url}/fast`, { dispatcher: agent }).then((r) => r.body.text())).toBe('done');
    const slow = request(`${url}/slow`, { dispatcher: agent }).then((r) => r.body.text());
    await sleep(20);

    const drained = drainHttpServer(server, { timeoutMs: 5000, idleSweepMs: 10 });
    await sleep(10);
    await expect(fetch(`${url}/fast`)).rejects.toThrow();
    expect(await slow).toBe('done');
    expect(await drained).toBe(true);
    expect(server.listening).toBe(false);
  });

  it('cuts connections still busy at the deadline and says so', async () => {
    const { server, url, agent } = await start(60_000);
    agents.push(agent);
    const slow = request(`${url}/slow`, { dispatcher: agent }).then(
      () => 'answered',
      () => 'cut',
    );
    await sleep(20);
    expect(await drainHttpServer(server, { timeoutMs: 50 })).toBe(false);
    expect(await slow).toBe('cut');
  });

  it('resolves at once for a server that is not listening', async () => {
    expect(await drainHttpServer(createServer(), { timeoutMs: 10 })).toBe(true);
  });
});

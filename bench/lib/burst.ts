import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * The cold burst's client, in its own process on the load core (as the load generator is), so the
 * sandbox in the bench's process answers the gateway without waiting behind it. One JSON request on
 * stdin (`BurstRequest`), one JSON line on stdout (`BurstResult`). node:http, a new connection per
 * request, every request sent at once; the client's own code is warmed first on a server of its own,
 * so the figure is the gateway's cold start, not the client's.
 */

export interface BurstRequest {
  url: string;
  count: number;
  headers: Record<string, string>;
  body: string;
}

export interface BurstResult {
  /** Milliseconds from the first request sent to each answer read. */
  latencies: number[];
  failures: number;
}

function post(url: string, agent: Agent, headers: Record<string, string>, body: string) {
  return new Promise<{ ok: boolean }>((resolve) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        let ok = res.statusCode === 200;
        try {
          ok &&= (JSON.parse(text) as { errors?: unknown }).errors === undefined;
        } catch {
          ok = false;
        }
        resolve({ ok });
      });
    });
    req.on('error', () => resolve({ ok: false }));
    req.end(body);
  });
}

async function burst(url: string, count: number, headers: Record<string, string>, body: string) {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const started = performance.now();
  const latencies: number[] = [];
  let failures = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const { ok } = await post(url, agent, headers, body);
      if (!ok) failures++;
      latencies.push(performance.now() - started);
    }),
  );
  agent.destroy();
  return { latencies, failures };
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input) as BurstRequest;
const headers = { 'content-type': 'application/json', ...job.headers };

const warm = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":{}}');
  });
});
await new Promise<void>((resolve) => warm.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
const warmUrl = `http://127.0.0.1:${(warm.address() as AddressInfo).port}/graphql`;
for (let round = 0; round < 3; round++) await burst(warmUrl, job.count, headers, job.body);
warm.close();

const result: BurstResult = await burst(job.url, job.count, headers, job.body);
process.stdout.write(`${JSON.stringify(result)}\n`);

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Agent, fetch } from 'undici';
import { DEMO_APP } from '../src/wechat/sandbox/demo-app.js';
import { createSandbox } from '../src/wechat/sandbox/server.js';
import type { BurstRequest, BurstResult } from './lib/burst.js';
import { benchFile, LOAD_CORE, serverFile, spawnNode, startAnnouncing, stop } from './lib/processes.js';

/** The scenarios beyond the hot path, each against a gateway and a sandbox of its own. */

export interface ScenarioOptions {
  /** The gateway's environment for a sandbox at `sandboxUrl`. */
  env(sandboxUrl: string): NodeJS.ProcessEnv;
  auth: Record<string, string>;
}

const BURST = 1000;
const UPSTREAM_LATENCY_MS = 50;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Runs bench/lib/burst.ts on the load core: every request at once, from a client of its own. */
async function runBurst(job: BurstRequest): Promise<BurstResult> {
  const child = spawnNode(LOAD_CORE, benchFile('lib/burst.ts'), process.env, ['pipe', 'pipe', 'inherit']);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stdin?.end(JSON.stringify(job));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the burst client exited (${code})`);
  return JSON.parse(output) as BurstResult;
}

/**
 * The kernel's count of connections dropped because a listen queue was full (Linux; undefined
 * elsewhere): a burst that overflows the gateway's queue waits a second for each SYN retransmitted.
 */
function listenOverflows(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const header = lines.find((line) => line.startsWith('TcpExt:') && line.includes('ListenOverflows'));
    const values = header === undefined ? undefined : lines[lines.indexOf(header) + 1];
    const at = header?.split(' ').indexOf('ListenOverflows') ?? -1;
    return values === undefined || at < 0 ? undefined : Number(values.split(' ')[at]);
  } catch {
    return undefined;
  }
}

/** The last answer of a burst, and its 99th percentile, in milliseconds. */
function burstTimes(latencies: number[]) {
  return { lastAnswerMs: Math.max(...latencies), p99Ms: percentile(latencies, 99) };
}

/**
 * 1,000 concurrent `callbackIps` at a gateway that holds no token yet, against a sandbox answering
 * every call after 50 ms: one token fetch and one getcallbackip call must serve them all. Two more
 * bursts say what the figure is made of: the same burst again at the same gateway (its code warm, its
 * token and list cached) and at raw node:http (the client's and the kernel's share: 1,000 new
 * connections at once).
 */
export async function coldBurst(options: ScenarioOptions & { body: string }) {
  const sandbox = await createSandbox({ apps: [DEMO_APP] });
  sandbox.setFault({ kind: 'latency', ms: UPSTREAM_LATENCY_MS });
  const gateway = await startAnnouncing('gateway (cold)', serverFile('gateway'), options.env(sandbox.url));
  try {
    const before = sandbox.counters();
    const overflowsBefore = listenOverflows();
    const job = { url: gateway.url, count: BURST, headers: options.auth, body: options.body };
    const { latencies, failures } = await runBurst(job);
    const after = sandbox.counters();
    const overflowsAfter = listenOverflows();
    const warm = await runBurst(job);
    const raw = await startAnnouncing('raw node:http (burst)', serverFile('raw'), { PATH: process.env.PATH });
    let floor: BurstResult;
    try {
      floor = await runBurst({ ...job, url: raw.url, headers: {} });
    } finally {
      await stop(raw);
    }
    return {
      requests: BURST,
      /** Connections the kernel dropped meanwhile, anyone's (Linux only): 0 unless the queue overflowed. */
      listenOverflows:
        overflowsBefore === undefined || overflowsAfter === undefined
          ? undefined
          : overflowsAfter - overflowsBefore,
      latencyMs: UPSTREAM_LATENCY_MS,
      tokenCalls:
        after['/cgi-bin/stable_token'] -
        before['/cgi-bin/stable_token'] +
        (after['/cgi-bin/token'] - before['/cgi-bin/token']),
      ipCalls: after['/cgi-bin/getcallbackip'] - before['/cgi-bin/getcallbackip'],
      ...burstTimes(latencies),
      failures,
      /** The same burst again at the same gateway. */
      warm: { ...burstTimes(warm.latencies), failures: warm.failures },
      /** The same burst at raw node:http, answering at once. */
      raw: { ...burstTimes(floor.latencies), failures: floor.failures },
    };
  } finally {
    await stop(gateway);
    await sandbox.close();
  }
}

const SUBSCRIBERS = 200;

/** 200 open `tokenEvents` streams and one forced refresh: how long until every stream has the event. */
export async function sseFanOut(options: ScenarioOptions & { appId: string }) {
  const sandbox = await createSandbox({ apps: [DEMO_APP] });
  // Every subscriber presents the one bench key: the per-caller stream cap (20 by default) is raised.
  const gateway = await startAnnouncing('gateway (sse)', serverFile('gateway'), {
    ...options.env(sandbox.url),
    GATEWAY_MAX_STREAMS_PER_CALLER: String(SUBSCRIBERS),
  });
  const dispatcher = new Agent({ connections: SUBSCRIBERS + 10 });
  const streams: AbortController[] = [];
  try {
    const opened: Promise<ReadableStreamDefaultReader<Uint8Array<ArrayBufferLike>>>[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const abort = new AbortController();
      streams.push(abort);
      opened.push(
        fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...options.auth },
          body: JSON.stringify({
            query: `subscription { tokenEvents(appId: "${options.appId}") { type reason } }`,
          }),
          signal: abort.signal,
          dispatcher,
        }).then(async (response) => {
          if (!response.ok || !response.body) throw new Error(`a subscription answered ${response.status}`);
          const reader = response.body.getReader();
          // The first chunk (a comment line) says the stream is open and subscribed.
          await reader.read();
          return reader;
        }),
      );
    }
    const readers = await Promise.all(opened);
    const decoder = new TextDecoder();
    const started = performance.now();
    let received = 0;
    let last = started;
    const waits = readers.map(async (reader) => {
      let text = '';
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return;
        text += decoder.decode(chunk.value, { stream: true });
        if (text.includes('REFRESHED')) {
          received++;
          last = performance.now();
          return;
        }
      }
    });
    const refresh = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.auth },
      body: JSON.stringify({
        query: `mutation { refreshToken(appId: "${options.appId}", force: true) { state } }`,
      }),
    });
    if (!refresh.ok) throw new Error(`the forced refresh answered ${refresh.status}`);
    await Promise.race([Promise.all(waits), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    return { subscribers: SUBSCRIBERS, received, allReceivedMs: last - started };
  } finally {
    for (const abort of streams) abort.abort();
    await dispatcher.close().catch(() => undefined);
    await stop(gateway);
    await sandbox.close();
  }
}

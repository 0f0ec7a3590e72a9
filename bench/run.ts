import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { DEMO_APP } from '../src/wechat/sandbox/demo-app.js';
import { createSandbox } from '../src/wechat/sandbox/server.js';

/**
 * `npm run bench`: the cost of metrics. Two gateways (metrics on, metrics off) run side by side on
 * loopback against one embedded sandbox; autocannon drives a cheap query at each in alternating
 * rounds, so drift on a shared machine hits both alike. Prints req/s of both and their ratio, and
 * exits 1 when metrics cost more than MAX_OVERHEAD of the throughput.
 *
 * BENCH_ROUNDS (3) × BENCH_SECONDS (5) per variant, BENCH_CONNECTIONS (10).
 */

const MAX_OVERHEAD = 0.1;
const rounds = positive('BENCH_ROUNDS', 3);
const seconds = positive('BENCH_SECONDS', 5);
const connections = positive('BENCH_CONNECTIONS', 10);
const QUERY = JSON.stringify({ query: 'query Bench { tokenStatus { state expiresInSeconds } }' });

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 60) {
    throw new RangeError(`${name} must be a whole number from 1 to 60 (got "${raw}").`);
  }
  return value;
}

type Variant = 'on' | 'off';

async function startGateway(
  variant: Variant,
  sandboxUrl: string,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url))],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'silent',
        GATEWAY_ALLOW_ANONYMOUS: 'true',
        WECHAT_APP_ID: DEMO_APP.appId,
        WECHAT_APP_SECRET: DEMO_APP.appSecret,
        WECHAT_API_BASE: sandboxUrl,
        BENCH_METRICS: variant,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the metrics-${variant} gateway exited (${code}) before it was ready`);
  });
  const ready = (async () => {
    for await (const line of lines) {
      if (line.startsWith('{')) return (JSON.parse(line) as { url: string }).url;
    }
    throw new Error(`the metrics-${variant} gateway closed its output before it was ready`);
  })();
  return { url: await Promise.race([ready, exited]), child };
}

async function measure(url: string, duration: number): Promise<number> {
  const result = await autocannon({
    url,
    connections,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: QUERY,
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `bad answers under load (${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts): the bench would measure failures`,
    );
  }
  return result.requests.average;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const sandbox = await createSandbox({ apps: [DEMO_APP] });
const gateways = {
  off: await startGateway('off', sandbox.url),
  on: await startGateway('on', sandbox.url),
};
let exitCode = 0;
try {
  const check = await fetch(gateways.on.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: QUERY,
  });
  const answer = (await check.json()) as { data?: { tokenStatus?: { state?: string } } };
  if (answer.data?.tokenStatus?.state !== 'FRESH')
    throw new Error(`unexpected answer: ${JSON.stringify(answer)}`);

  // Warm both (JIT, connection pools) before measuring.
  await measure(gateways.off.url, 1);
  await measure(gateways.on.url, 1);

  const results: Record<Variant, number[]> = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Variant[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const variant of order) {
      const rps = await measure(gateways[variant].url, seconds);
      results[variant].push(rps);
      console.log(`round ${round + 1} metrics ${variant.padEnd(3)} ${rps.toFixed(0)} req/s`);
    }
  }
  const off = median(results.off);
  const on = median(results.on);
  const ratio = on / off;
  console.log(`\nmedian req/s  metrics off: ${off.toFixed(0)}  metrics on: ${on.toFixed(0)}`);
  console.log(
    `ratio on/off: ${ratio.toFixed(3)} (overhead ${((1 - ratio) * 100).toFixed(1)} %, limit ${MAX_OVERHEAD * 100} %)`,
  );
  if (ratio < 1 - MAX_OVERHEAD) {
    console.error('FAIL: metrics cost more than the limit');
    exitCode = 1;
  } else {
    console.log('OK');
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  for (const { child } of Object.values(gateways)) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  await sandbox.close();
}
process.exit(exitCode);

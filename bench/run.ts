import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { DEMO_APP } from '../src/wechat/sandbox/demo-app.js';
import { createSandbox } from '../src/wechat/sandbox/server.js';
import { freePort } from '../test/support/free-port.js';
import type { LoadResult } from './lib/driver.js';
import {
  benchFile,
  buildServers,
  cpuTimeOf,
  LoadDriver,
  memoryOf,
  PINNED,
  type Running,
  serverFile,
  startAnnouncing,
  stop,
} from './lib/processes.js';
import { PrivateRedis } from './lib/redis-counter.js';
import { invalidReason, median, type Summary, summarise } from './lib/stats.js';
import { SCALE_TARGETS, scaleScenarios } from './scale.js';
import { authorizersAtScale } from './scale-authorizers.js';
import { coldBurst, sseFanOut } from './scenarios.js';

/**
 * `npm run bench [-- --quick]`: this gateway against the field on one machine, in one run (README,
 * "Performance"). Every server is its own process pinned to core 0, autocannon drives it from another
 * process on core 1, and variants take turns round after round (A B C … then … C B A) so machine
 * drift hits all alike; figures are medians over rounds. A run with more than 1 % failed answers is
 * reported invalid, never as a number. Writes bench/results.json (bench/results.quick.json with --quick).
 */

const quick = process.argv.includes('--quick');
/** `--scale`: only the configured-apps scale scenario (bench/scale.ts). */
const scaleOnly = process.argv.includes('--scale');
/** The scale scenario's app count: the issue's 10,000, or a tenth of it in a quick run. */
const SCALE_APPS = quick ? SCALE_TARGETS.apps / 10 : SCALE_TARGETS.apps;

/** `--scale-authorizers [--authorizers N]`: only the Open Platform scale scenario (bench/scale-authorizers.ts). */
if (process.argv.includes('--scale-authorizers')) {
  const at = process.argv.indexOf('--authorizers');
  const count = at > 0 ? Number(process.argv[at + 1]) : 100_000;
  if (!Number.isInteger(count) || count < 1000 || count > 200_000)
    throw new Error('--authorizers takes a whole number from 1000 to 200000');
  buildServers();
  const result = await authorizersAtScale({ authorizers: count, freePort });
  console.log(
    `machine: ${result.machine.cpu}, ${result.machine.cores} cores; node ${process.version}; upstream latency ${result.upstreamLatencyMs} ms`,
  );
  writeFileSync(
    benchFile('results.scale-authorizers.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...result }, null, 2)}\n`,
  );
  process.exit(0);
}

if (scaleOnly) {
  buildServers();
  const redis = await PrivateRedis.start();
  try {
    const scale = await scaleScenarios({ apps: SCALE_APPS, redis, freePort });
    writeFileSync(
      benchFile('results.scale.json'),
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, scale }, null, 2)}\n`,
    );
  } finally {
    await redis.stop();
  }
  process.exit(0);
}
const plan = quick
  ? { rounds: 2, seconds: 2, warmSeconds: 1, rssRequests: 40_000 }
  : // Short rounds, many of them: this VM's speed drifts by up to a third over tens of seconds, and
    // only slices shorter than that drift put every server in the same stretch of it.
    { rounds: 20, seconds: 2, warmSeconds: 3, rssRequests: 200_000 };
const CONNECTIONS = 50;
/** Metrics may cost at most this share of the gateway's throughput. */
const MAX_METRICS_OVERHEAD = 0.1;
const API_KEY = 'bench-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${API_KEY}` };
const STATUS_QUERY = JSON.stringify({
  query: 'query TokenStatus($a: ID) { tokenStatus(appId: $a) { appId state expiresAt expiresInSeconds } }',
  variables: { a: DEMO_APP.appId },
  operationName: 'TokenStatus',
});
/** The status document with a comment of its own per request: Yoga parses, validates and runs each. */
const FIRST_SEEN_QUERY = JSON.stringify({
  query:
    'query TokenStatus($a: ID) { tokenStatus(appId: $a) { appId state expiresAt expiresInSeconds } } # __N__',
  variables: { a: DEMO_APP.appId },
  operationName: 'TokenStatus',
});
const TOKEN_QUERY = JSON.stringify({
  query:
    'query TokenRead($a: ID) { tokenStatus(appId: $a) { appId state expiresAt expiresInSeconds accessToken } }',
  variables: { a: DEMO_APP.appId },
  operationName: 'TokenRead',
});
const IPS_QUERY = JSON.stringify({
  query: 'query Ips($a: ID) { callbackIps(appId: $a) { ips } }',
  variables: { a: DEMO_APP.appId },
  operationName: 'Ips',
});

function gatewayEnv(sandboxUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    WECHAT_APP_ID: DEMO_APP.appId,
    WECHAT_APP_SECRET: DEMO_APP.appSecret,
    WECHAT_API_BASE: sandboxUrl,
    GATEWAY_API_KEYS: `${API_KEY}:token:read+token:refresh+wechat:read`,
    // A limit far above the load: the limiter runs on every request but never refuses one.
    RATE_LIMIT_REQUESTS_PER_SECOND: '1000000',
    RATE_LIMIT_REQUEST_BURST: '1000000',
    ...extra,
  };
}

interface Variant {
  name: string;
  server: string;
  body: string;
  headers: Record<string, string>;
  /** Counts Redis commands per request for this variant. */
  redis?: PrivateRedis;
  results: LoadResult[];
  redisPerRequest: number[];
  /** The server's CPU time per answered request in each round, in µs (Linux). */
  cpuPerRequest: number[];
}

interface Row {
  name: string;
  rps?: number;
  p50?: number;
  p99?: number;
  rssMb?: number;
  ratio?: number;
  /** The server's CPU time per request, in µs: the median of the rounds' (Linux /proc). */
  cpuUsPerRequest?: number;
  /**
   * Raw node:http's CPU time per request over this server's, each from the median of its rounds: what
   * the server's own work costs, apart from how fast the client sent (raw does not always fill its core).
   */
  cpuRatio?: number;
  redisCommandsPerRequest?: number;
  invalid?: string;
}

async function checkAnswer(running: Running, variant: Variant): Promise<void> {
  const response = await fetch(running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...variant.headers },
    body: variant.body,
  });
  const answer = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (!response.ok || answer.errors || !answer.data) {
    throw new Error(`${variant.name} answered ${response.status} ${JSON.stringify(answer)}`);
  }
}

function line(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join('  ');
}

function printTable(rows: Row[]): void {
  const head = [
    'server',
    'req/s',
    'p50 ms',
    'p99 ms',
    'RSS MB',
    'vs raw',
    'CPU µs/req',
    'CPU vs raw',
    'redis/req',
  ];
  const body = rows.map((row) =>
    row.invalid
      ? [row.name, `INVALID: ${row.invalid}`, '', '', '', '', '', '', '']
      : [
          row.name,
          (row.rps ?? 0).toFixed(0),
          (row.p50 ?? 0).toFixed(1),
          (row.p99 ?? 0).toFixed(1),
          row.rssMb === undefined ? '-' : row.rssMb.toFixed(0),
          row.ratio === undefined ? '-' : row.ratio.toFixed(2),
          row.cpuUsPerRequest === undefined ? '-' : row.cpuUsPerRequest.toFixed(1),
          row.cpuRatio === undefined ? '-' : row.cpuRatio.toFixed(2),
          row.redisCommandsPerRequest === undefined ? '-' : row.redisCommandsPerRequest.toFixed(3),
        ],
  );
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((cells) => (cells[i] ?? '').length)));
  console.log(line(head, widths));
  for (const cells of body) console.log(line(cells, widths));
}

const startedAt = Date.now();
buildServers();
const sandbox = await createSandbox({ apps: [DEMO_APP] });
const redis = await PrivateRedis.start();
const driver = new LoadDriver();
const servers = new Map<string, Running>();
let exitCode = 0;
try {
  const started = await Promise.all([
    startAnnouncing('raw node:http', serverFile('raw'), { PATH: process.env.PATH }),
    startAnnouncing('gateway', serverFile('gateway'), gatewayEnv(sandbox.url)),
    startAnnouncing(
      'gateway+redis',
      serverFile('gateway'),
      gatewayEnv(sandbox.url, { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'bench:' }),
    ),
    startAnnouncing('graphql-yoga', serverFile('yoga'), {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
    }),
    startAnnouncing('apollo', serverFile('apollo'), {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
    }),
    startAnnouncing('mercurius+jit', serverFile('mercurius'), {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
    }),
    startAnnouncing(
      'gateway metrics off',
      serverFile('gateway'),
      gatewayEnv(sandbox.url, {
        BENCH_METRICS: 'off',
        LOG_LEVEL: 'silent',
        GATEWAY_API_KEYS: '',
        GATEWAY_ALLOW_ANONYMOUS: 'true',
      }),
    ),
    startAnnouncing(
      'gateway metrics on',
      serverFile('gateway'),
      gatewayEnv(sandbox.url, { LOG_LEVEL: 'silent', GATEWAY_API_KEYS: '', GATEWAY_ALLOW_ANONYMOUS: 'true' }),
    ),
  ]);
  for (const running of started) servers.set(running.name, running);

  const variant = (
    name: string,
    server: string,
    body: string,
    headers: Record<string, string> = {},
    withRedis = false,
  ): Variant => ({
    name,
    server,
    body,
    headers,
    ...(withRedis ? { redis } : {}),
    results: [],
    redisPerRequest: [],
    cpuPerRequest: [],
  });
  const hotPath: Variant[] = [
    variant('raw node:http', 'raw node:http', STATUS_QUERY),
    variant('raw node:http (accessToken)', 'raw node:http', TOKEN_QUERY),
    variant('gateway', 'gateway', STATUS_QUERY, AUTH),
    variant('gateway (accessToken)', 'gateway', TOKEN_QUERY, AUTH),
    variant('gateway+redis', 'gateway+redis', STATUS_QUERY, AUTH, true),
    variant('gateway+redis (accessToken)', 'gateway+redis', TOKEN_QUERY, AUTH, true),
    variant('graphql-yoga', 'graphql-yoga', STATUS_QUERY),
    variant('apollo', 'apollo', STATUS_QUERY),
    variant('mercurius+jit', 'mercurius+jit', STATUS_QUERY),
    variant('gateway callbackIps (cached)', 'gateway', IPS_QUERY, AUTH),
    variant('gateway first-seen document', 'gateway', FIRST_SEEN_QUERY, AUTH),
    variant('gateway metrics off', 'gateway metrics off', STATUS_QUERY),
    variant('gateway metrics on', 'gateway metrics on', STATUS_QUERY),
  ];
  const serverOf = (v: Variant) => servers.get(v.server) as Running;
  for (const v of hotPath) await checkAnswer(serverOf(v), v);

  const load = (v: Variant, duration: number) =>
    driver.run({
      url: serverOf(v).url,
      connections: CONNECTIONS,
      duration,
      headers: v.headers,
      body: v.body,
    });
  // Warm every server (JIT, pools, caches) before measuring.
  for (const v of hotPath) await load(v, plan.warmSeconds);

  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? hotPath : [...hotPath].reverse();
    for (const v of order) {
      const before = v.redis ? await v.redis.commandsProcessed() : 0;
      const cpuBefore = cpuTimeOf(serverOf(v).child.pid);
      const result = await load(v, plan.seconds);
      const cpuAfter = cpuTimeOf(serverOf(v).child.pid);
      if (cpuBefore !== undefined && cpuAfter !== undefined && result.total > 0)
        v.cpuPerRequest.push((cpuAfter - cpuBefore) / result.total);
      if (v.redis) {
        const after = await v.redis.commandsProcessed();
        v.redisPerRequest.push(PrivateRedis.between(before, after) / Math.max(1, result.total));
      }
      v.results.push(result);
      const invalid = invalidReason(result);
      console.log(
        `round ${round + 1}/${plan.rounds} ${v.name.padEnd(30)} ${invalid ? `INVALID (${invalid})` : `${result.rps.toFixed(0)} req/s p99 ${result.p99} ms`}`,
      );
    }
  }

  const summaries = new Map(hotPath.map((v) => [v.name, summarise(v.results)] as const));
  const rawNameOf = (v: Variant) =>
    v.body === TOKEN_QUERY ? 'raw node:http (accessToken)' : 'raw node:http';
  const rawOf = (v: Variant) => summaries.get(rawNameOf(v)) as Summary;
  const cpuOf = (v: Variant | undefined) =>
    v && v.cpuPerRequest.length === v.results.length ? median(v.cpuPerRequest) : undefined;
  const rows: Row[] = hotPath.map((v) => {
    const summary = summaries.get(v.name) as Summary | { invalid: string };
    if ('invalid' in summary) return { name: v.name, invalid: summary.invalid };
    const raw = rawOf(v);
    const rss = memoryOf(serverOf(v).child.pid);
    const cpu = cpuOf(v);
    const rawCpu = cpuOf(hotPath.find((other) => other.name === rawNameOf(v)));
    return {
      name: v.name,
      rps: summary.rps,
      p50: summary.p50,
      p99: summary.p99,
      ...(rss !== undefined ? { rssMb: rss / 2 ** 20 } : {}),
      ...('rps' in raw ? { ratio: summary.rps / raw.rps } : {}),
      ...(cpu !== undefined ? { cpuUsPerRequest: cpu } : {}),
      ...(cpu !== undefined && rawCpu !== undefined ? { cpuRatio: rawCpu / cpu } : {}),
      ...(v.redis ? { redisCommandsPerRequest: median(v.redisPerRequest) } : {}),
    };
  });

  // RSS of the gateway before and after many more requests: growth beyond noise would be a leak.
  const gateway = servers.get('gateway') as Running;
  const rssBefore = memoryOf(gateway.child.pid) ?? 0;
  const rssRun = await driver.run({
    url: gateway.url,
    connections: CONNECTIONS,
    amount: plan.rssRequests,
    headers: AUTH,
    body: TOKEN_QUERY,
  });
  const rssAfter = memoryOf(gateway.child.pid) ?? 0;
  const rss = {
    requests: plan.rssRequests,
    beforeMb: rssBefore / 2 ** 20,
    afterMb: rssAfter / 2 ** 20,
    ...(invalidReason(rssRun) ? { invalid: invalidReason(rssRun) } : {}),
  };

  for (const running of servers.values()) await stop(running);
  servers.clear();
  const burst = await coldBurst({
    env: (url) => gatewayEnv(url, { BENCH_COLD: '1' }),
    auth: AUTH,
    body: IPS_QUERY,
  });
  // One key holds all the streams: the per-caller cap (GATEWAY_MAX_STREAMS_PER_CALLER) is raised to them.
  const sse = await sseFanOut({
    env: (url) => gatewayEnv(url, { GATEWAY_MAX_STREAMS_PER_CALLER: '1000' }),
    auth: AUTH,
    appId: DEMO_APP.appId,
  });
  console.log('');
  const scale = await scaleScenarios({ apps: SCALE_APPS, redis, freePort });

  console.log(
    `\nhot path, ${CONNECTIONS} connections, median of ${plan.rounds} × ${plan.seconds} s (pinned: ${PINNED})`,
  );
  printTable(rows);
  // The two servers ran back to back in every round, so each round's ratio sees one speed of the
  // machine; a ratio of medians taken from different rounds would carry this VM's drift (±30 % within
  // a minute) instead of the metrics' cost.
  const measured = (name: string) =>
    rows.some((r) => r.name === name && !r.invalid) ? hotPath.find((v) => v.name === name) : undefined;
  const off = measured('gateway metrics off');
  const on = measured('gateway metrics on');
  const metricsRatio =
    off && on
      ? median(on.results.map((result, round) => result.rps / (off.results[round] as LoadResult).rps))
      : undefined;
  const metricsTooDear = metricsRatio !== undefined && metricsRatio < 1 - MAX_METRICS_OVERHEAD;
  if (metricsRatio !== undefined) {
    console.log(
      `\nmetrics on/off: ${metricsRatio.toFixed(3)}, the median of the rounds' ratios (limit ${1 - MAX_METRICS_OVERHEAD}${metricsTooDear ? ', OVER THE LIMIT' : ''})`,
    );
  }
  console.log(
    `RSS of the gateway before/after ${rss.requests} requests: ${rss.beforeMb.toFixed(0)} MB → ${rss.afterMb.toFixed(0)} MB${rss.invalid ? ` (INVALID: ${rss.invalid})` : ''}`,
  );
  console.log(
    `cold burst of ${burst.requests} callbackIps, upstream ${burst.latencyMs} ms: token calls ${burst.tokenCalls}, getcallbackip calls ${burst.ipCalls}, last answer after ${burst.lastAnswerMs.toFixed(0)} ms, p99 ${burst.p99Ms.toFixed(0)} ms, failures ${burst.failures}, listen-queue overflows ${burst.listenOverflows ?? 'n/a'}; the same burst again: last answer after ${burst.warm.lastAnswerMs.toFixed(0)} ms; at raw node:http: ${burst.raw.lastAnswerMs.toFixed(0)} ms`,
  );
  console.log(
    `${sse.subscribers} tokenEvents subscribers, one forced refresh: all had the event after ${sse.allReceivedMs.toFixed(0)} ms (${sse.received}/${sse.subscribers})`,
  );
  if (
    rows.some((r) => r.invalid) ||
    rss.invalid ||
    burst.failures > 0 ||
    burst.warm.failures > 0 ||
    burst.tokenCalls !== 1 ||
    sse.received !== sse.subscribers ||
    // Two-second rounds on a shared machine are too noisy to fail on: only a full run enforces it.
    (metricsTooDear && !quick)
  ) {
    exitCode = 1;
    console.error('\nFAIL: an invalid run or a scenario off its contract (see above)');
  }
  const results = {
    date: new Date(startedAt).toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    quick,
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      pinned: PINNED,
    },
    plan: { ...plan, connections: CONNECTIONS },
    hotPath: rows,
    metricsOnOffRatio: metricsRatio,
    rss,
    coldBurst: burst,
    sseFanOut: sse,
    scale,
  };
  writeFileSync(
    benchFile(quick ? 'results.quick.json' : 'results.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  console.log(
    `\n${quick ? 'bench/results.quick.json' : 'bench/results.json'} written after ${results.durationSeconds} s`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  for (const running of servers.values()) await stop(running);
  await driver.close();
  await redis.stop();
  await sandbox.close();
}
process.exit(exitCode);

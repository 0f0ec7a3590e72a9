import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEMO_APP } from '../src/wechat/sandbox/demo-app.js';
import { createSandbox, type Sandbox } from '../src/wechat/sandbox/server.js';
import { COMPONENT } from '../test/support/component.js';
import { cpuTimeOf, memoryMbOf, type Running, spawnBuiltGateway, stop, untilReady } from './lib/processes.js';
import { PrivateRedis } from './lib/redis-counter.js';
import { median } from './lib/stats.js';

/**
 * `npm run bench -- --scale-authorizers [--authorizers N]` (issue 28 item 6): one gateway process
 * (`node dist/main.js`, production settings, a private Redis) serving an Open Platform component
 * whose authorizer list (in the sandbox, answering every call after 20 ms) holds N authorizers.
 * Prints, with the machine: recovery time, gateway RSS, Redis memory per authorizer, a page of 100
 * with `tokenStatus` (Redis commands, p50), 1,000 distinct authorizers' tokens at once (upstream
 * calls, most in flight at the sandbox, time), the same after a restart with Redis kept, the size of
 * /metrics and /ready's latency.
 */

export const AUTHORIZER_TARGETS = {
  recoveryMs: 60_000,
  rssMb: 400,
  pageCommands: 3,
  pageP50Ms: 20,
  burst: 1000,
  burstMs: 10_000,
  maxConcurrentCalls: 16,
  metricsKb: 100,
  readyMs: 50,
};

const KEY = 'bench-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const TOKEN = '/cgi-bin/component/api_authorizer_token';
const COMPONENT_TOKEN = '/cgi-bin/component/api_component_token';
const LATENCY_MS = 20;

export interface AuthorizerScaleResult {
  machine: { cpu: string; cores: number };
  authorizers: number;
  upstreamLatencyMs: number;
  recoveryMs: number;
  rssMbAfterRecovery: number;
  rssMbAfterBurst: number;
  redisBytesPerAuthorizer: number;
  page100: {
    /** The gateway's CPU time per page (user + system, all 81 pages), whatever else the machine runs. */
    cpuMsPerPage: number;
    redisCommandsFirst: number;
    redisCommandsMedian: number;
    /** Of the first page's, the rate limiter's (a share of the caller's budget taken once the last lapsed). */
    redisCommandsFirstAdmission: number;
    /** The most any page sent but for the rate limiter's. */
    redisCommandsMostExceptAdmission: number;
    p50Ms: number;
    p99Ms: number;
  };
  burst: {
    authorizers: number;
    ms: number;
    failed: number;
    authorizerTokenCalls: number;
    componentTokenCalls: number;
    maxInFlight: number;
  };
  restart: { tokenCalls: number };
  metricsBytes: number;
  ready: { p50Ms: number; status: number };
}

async function graphql<T>(
  origin: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: AUTH,
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data as T;
}

async function startGateway(sandbox: Sandbox, redis: PrivateRedis, port: number): Promise<Running> {
  const child = spawnBuiltGateway(port, {
    WECHAT_APP_ID: DEMO_APP.appId,
    WECHAT_APP_SECRET: DEMO_APP.appSecret,
    WECHAT_COMPONENT_APP_ID: COMPONENT.appId,
    WECHAT_COMPONENT_APP_SECRET: COMPONENT.appSecret,
    WECHAT_COMPONENT_TOKEN: COMPONENT.token,
    WECHAT_COMPONENT_AES_KEY: COMPONENT.encodingAesKey,
    WECHAT_API_BASE: sandbox.url,
    REDIS_URL: redis.url,
    GATEWAY_API_KEYS: `${KEY}:token:read+token:refresh+component:admin`,
    RATE_LIMIT_REQUESTS_PER_SECOND: '1000000',
    RATE_LIMIT_REQUEST_BURST: '1000000',
    REFRESH_LIMIT_PER_KEY_PER_MINUTE: '100000',
  });
  const origin = `http://127.0.0.1:${port}`;
  const running: Running = { name: 'gateway (authorizers)', url: origin, child };
  await untilReady(child, origin, 50);
  await sandbox.pushTo(origin, 10 * 60_000);
  return running;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};

export async function authorizersAtScale(options: {
  authorizers: number;
  freePort(): Promise<number>;
}): Promise<AuthorizerScaleResult> {
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
  const sandbox = await createSandbox({ apps: [DEMO_APP], components: [COMPONENT] });
  const redis = await PrivateRedis.start();
  let gateway: Running | undefined;
  try {
    const appIds = sandbox.addAuthorizers(COMPONENT.appId, options.authorizers);
    sandbox.setFault({ kind: 'latency', ms: LATENCY_MS });
    gateway = await startGateway(sandbox, redis, await options.freePort());
    const origin = gateway.url;
    const usedMemory = () => redis.usedMemory();

    // Recovery of the whole list.
    const memoryBefore = await usedMemory();
    const recoveryStart = performance.now();
    let recovered: { recoverAuthorizers: { total: number; recovered: number } } | undefined;
    for (let attempt = 0; !recovered; attempt++) {
      try {
        recovered = await graphql(origin, 'mutation { recoverAuthorizers { total recovered } }');
      } catch (error) {
        // The first verify ticket may not have arrived yet.
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const recoveryMs = Math.round(performance.now() - recoveryStart);
    if (recovered.recoverAuthorizers.total !== options.authorizers)
      throw new Error(`recovered ${JSON.stringify(recovered.recoverAuthorizers)} of ${options.authorizers}`);
    const memoryAfter = await usedMemory();
    const rssMbAfterRecovery = memoryMbOf(gateway.child.pid);
    console.log(
      `recovered ${options.authorizers} authorizers in ${(recoveryMs / 1000).toFixed(1)} s; gateway RSS ${rssMbAfterRecovery} MB; Redis +${Math.round((memoryAfter - memoryBefore) / options.authorizers)} B per authorizer`,
    );

    // A page of 100 with tokenStatus: Redis commands and latency.
    const PAGE =
      'query Page($after: String) { component { authorizers(first: 100, after: $after) { edges { node { appId state tokenStatus { state expiresAt } } } } } }';
    const commands: { all: number; admission: number }[] = [];
    const latencies: number[] = [];
    const cpuBefore = cpuTimeOf(gateway.child.pid) ?? Number.NaN;
    for (let i = 0; i < 81; i++) {
      const after = appIds[(i * 997) % Math.max(1, appIds.length - 200)] as string;
      const cursor = Buffer.from(`authorizer:${after}`).toString('base64url');
      const variables = i === 0 ? {} : { after: cursor };
      // Every other request under MONITOR (counting: a script counts once), the others timed
      // without it (MONITOR slows Redis down).
      if (i % 2 === 0) {
        commands.push(
          await redis.commandsSentDuring(() => graphql(origin, PAGE, variables).then(() => undefined)),
        );
        continue;
      }
      const started = performance.now();
      await graphql(origin, PAGE, variables);
      latencies.push(performance.now() - started);
    }
    const cpuMsPerPage = Number(
      (((cpuTimeOf(gateway.child.pid) ?? Number.NaN) - cpuBefore) / 1000 / 81).toFixed(1),
    );
    const page100 = {
      cpuMsPerPage,
      redisCommandsFirst: commands[0]?.all ?? Number.NaN,
      redisCommandsMedian: median(commands.slice(1).map((c) => c.all)),
      redisCommandsFirstAdmission: commands[0]?.admission ?? Number.NaN,
      redisCommandsMostExceptAdmission: Math.max(...commands.map((c) => c.all - c.admission)),
      p50Ms: Number(percentile(latencies, 50).toFixed(1)),
      p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    };
    console.log(
      `page of 100 with tokenStatus: ${page100.redisCommandsFirst} Redis commands sent the first time (${page100.redisCommandsFirstAdmission} of them the rate limiter's), ${page100.redisCommandsMedian} then (median), at most ${page100.redisCommandsMostExceptAdmission} but for the rate limiter's; p50 ${page100.p50Ms} ms, p99 ${page100.p99Ms} ms; gateway CPU ${page100.cpuMsPerPage} ms a page`,
    );

    // 1,000 distinct authorizers' tokens at once.
    const burstIds = appIds.slice(0, Math.min(AUTHORIZER_TARGETS.burst, appIds.length));
    const TOKEN_QUERY = 'mutation T($a: ID) { refreshToken(appId: $a) { accessToken } }';
    const countersBefore = sandbox.counters();
    sandbox.resetConcurrency();
    let firstFailure: string | undefined;
    const burstStart = performance.now();
    const answers = await Promise.all(
      burstIds.map((a) =>
        graphql<{ refreshToken: { accessToken: string } }>(origin, TOKEN_QUERY, { a }).then(
          (d) => Boolean(d.refreshToken.accessToken),
          (error: unknown) => {
            firstFailure ??= String(error);
            return false;
          },
        ),
      ),
    );
    const burstMs = Math.round(performance.now() - burstStart);
    const countersAfter = sandbox.counters();
    const burst = {
      authorizers: burstIds.length,
      ms: burstMs,
      failed: answers.filter((ok) => !ok).length,
      authorizerTokenCalls: countersAfter[TOKEN] - countersBefore[TOKEN],
      componentTokenCalls: countersAfter[COMPONENT_TOKEN] - countersBefore[COMPONENT_TOKEN],
      maxInFlight: sandbox.concurrency().peak[TOKEN],
    };
    if (firstFailure) console.log(`first failure: ${firstFailure}`);
    const rssMbAfterBurst = memoryMbOf(gateway.child.pid);
    console.log(
      `${burst.authorizers} distinct authorizers' tokens at once: ${burst.ms} ms, ${burst.failed} failed, ${burst.authorizerTokenCalls} api_authorizer_token and ${burst.componentTokenCalls} component token calls, at most ${burst.maxInFlight} in flight at the sandbox; RSS ${rssMbAfterBurst} MB`,
    );

    // /metrics and /ready.
    const metricsBytes = (await (await fetch(`${origin}/metrics`, { headers: AUTH })).arrayBuffer())
      .byteLength;
    const readyTimes: number[] = [];
    let readyStatus = 0;
    for (let i = 0; i < 21; i++) {
      const started = performance.now();
      const response = await fetch(`${origin}/ready`);
      await response.arrayBuffer();
      readyStatus = response.status;
      readyTimes.push(performance.now() - started);
    }
    const ready = { p50Ms: Number(percentile(readyTimes, 50).toFixed(1)), status: readyStatus };
    console.log(
      `/metrics ${(metricsBytes / 1024).toFixed(1)} KB; /ready p50 ${ready.p50Ms} ms (${ready.status})`,
    );

    // A restart with Redis kept: the same tokens cost no call.
    await stop(gateway);
    gateway = await startGateway(sandbox, redis, await options.freePort());
    const beforeRestart = sandbox.counters()[TOKEN];
    await Promise.all(
      burstIds.map((a) => graphql(gateway?.url as string, TOKEN_QUERY, { a }).catch(() => undefined)),
    );
    const restart = { tokenCalls: sandbox.counters()[TOKEN] - beforeRestart };
    console.log(
      `after a restart with Redis kept, the same ${burstIds.length} tokens: ${restart.tokenCalls} token calls`,
    );

    return {
      machine,
      authorizers: options.authorizers,
      upstreamLatencyMs: LATENCY_MS,
      recoveryMs,
      rssMbAfterRecovery,
      rssMbAfterBurst,
      redisBytesPerAuthorizer: Math.round((memoryAfter - memoryBefore) / options.authorizers),
      page100,
      burst,
      restart,
      metricsBytes,
      ready,
    };
  } finally {
    await stop(gateway);
    await sandbox.close();
    await redis.stop();
  }
}

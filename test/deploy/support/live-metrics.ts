import { type GatewayProcess, startGatewayProcess } from '../../ops/support/gateway-process.js';
import { parsePrometheus, type Sample } from '../../ops/support/prometheus.js';
import { startSandbox, type TestSandbox } from '../../support/sandbox.js';

/**
 * A real `/metrics` exposition: the gateway as a child process (src/main.ts) against the sandbox
 * over HTTP, driven through every path the dashboard and the alerts look at (requests that succeed
 * and fail, upstream calls, a forced refresh, a failed fetch, an open quota circuit, rate-limit
 * refusals), so the series they query exist with their labels.
 */
export interface LiveMetrics {
  text: string;
  samples: Sample[];
  /** Every metric family announced by `# TYPE`, with the sample names it exposes (histograms: _bucket, _sum, _count). */
  names: Set<string>;
  /** Label names seen on the samples of each sample name. */
  labelsOf(name: string): Set<string>;
}

/** Rate limits apply to callers with a key only (an open gateway has one caller for all). */
const API_KEY = 'live-metrics-key-0123456789';

async function graphql(gateway: GatewayProcess, query: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

export async function collectLiveMetrics(): Promise<LiveMetrics> {
  let sandbox: TestSandbox | undefined;
  let gateway: GatewayProcess | undefined;
  try {
    sandbox = await startSandbox();
    gateway = await startGatewayProcess({
      NODE_ENV: 'development',
      WECHAT_APP_ID: sandbox.app.appId,
      WECHAT_APP_SECRET: sandbox.app.appSecret,
      WECHAT_API_BASE: sandbox.url,
      // An Open Platform component, so its gauges are exposed (the sandbox does not know it: no ticket).
      WECHAT_COMPONENT_APP_ID: 'wxc0c0c0c0c0c0c0c0',
      WECHAT_COMPONENT_APP_SECRET: 'c0'.repeat(16),
      WECHAT_COMPONENT_TOKEN: 'pushToken',
      WECHAT_COMPONENT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      GATEWAY_API_KEYS: `${API_KEY}:token:read+token:refresh+wechat:read`,
      CALLBACK_IPS_TTL_SECONDS: '0',
      FORCE_REFRESH_COOLDOWN_SECONDS: '0',
      RATE_LIMIT_REQUESTS_PER_SECOND: '1',
      RATE_LIMIT_REQUEST_BURST: '8',
    });
    await graphql(gateway, '{ tokenStatus { state } }');
    await graphql(gateway, 'query Ips { callbackIps { ips } }');
    await sandbox.setFault({ kind: 'bad-gateway', endpoint: '/cgi-bin/stable_token', times: 1 });
    await graphql(gateway, 'mutation Refresh { refreshToken(force: true) { state } }');
    await sandbox.setFault({ kind: 'daily-quota', endpoint: '/cgi-bin/get_api_domain_ip', times: 1 });
    await graphql(gateway, 'query DomainIps { apiDomainIps { ips } }');
    for (let i = 0; i < 20; i++) {
      if ((await graphql(gateway, 'query Burst { tokenStatus { state } }')).status === 429) break;
    }
    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    return describeExposition(text);
  } finally {
    if (gateway && gateway.child.exitCode === null) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    await sandbox?.close();
  }
}

const HISTOGRAM_PARTS = ['_bucket', '_sum', '_count'];

export function describeExposition(text: string): LiveMetrics {
  const samples = parsePrometheus(text);
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (!name) continue;
    if (type === 'histogram' || type === 'summary')
      for (const part of HISTOGRAM_PARTS) names.add(name + part);
    else names.add(name);
  }
  for (const sample of samples) names.add(sample.name);
  return {
    text,
    samples,
    names,
    labelsOf: (name) => new Set(samples.filter((s) => s.name === name).flatMap((s) => Object.keys(s.labels))),
  };
}

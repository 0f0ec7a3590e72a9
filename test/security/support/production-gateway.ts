import { expect } from 'vitest';
import { buildGateway } from '../../../src/build-gateway.js';
import { type Config, loadConfig } from '../../../src/config/index.js';
import { ticketKindName } from '../../../src/credentials/kinds/js-sdk-ticket.js';
import type { BucketStore } from '../../../src/limits/bucket-store.js';
import type { GatewayMetrics } from '../../../src/metrics/gateway-metrics.js';
import type { Gateway } from '../../../src/server.js';
import { MemoryStores } from '../../../src/store/memory/memory-stores.js';
import { TICKET_TYPES } from '../../../src/wechat/frontend-endpoints.js';
import { type WeComAppCredentials, wecomAppId } from '../../../src/wechat/sandbox/wecom-apis.js';
import { answeredBy } from '../../support/answers.js';
import { startSandbox, type TestSandbox } from '../../support/sandbox.js';

/** Keys the production gateways of these suites accept, one per access pattern. */
export const KEYS = {
  reader: 'reader-key-0123456789abcdef',
  refresher: 'refresher-key-0123456789abcd',
  wechat: 'wechat-key-0123456789abcdefg',
  statusOnly: 'status-key-0123456789abcdefg',
  signer: 'signer-key-0123456789abcdefg',
} as const;

/**
 * `GATEWAY_API_KEYS` of the no-leak suites: the reader, refresher and signer keys hold their own scope
 * and `wechat:read`, the status key `wechat:admin` alone, so every path those suites walk is open to
 * some key and refused to another.
 */
export const NO_LEAK_API_KEYS = [
  `${KEYS.reader}:token:read+wechat:read`,
  `${KEYS.refresher}:token:refresh+wechat:read`,
  `${KEYS.statusOnly}:wechat:admin`,
  `${KEYS.signer}:jssdk:sign+wechat:read`,
].join(',');

export interface ProductionGateway {
  url: string;
  origin: string;
  sandbox: TestSandbox;
  config: Config;
  gateway: Gateway;
  /** Every log line the gateway wrote (level debug and up). */
  logLines: string[];
  /** Every access token WeChat (the sandbox) issued to this gateway. */
  issuedTokens: Set<string>;
  /** Every JS-SDK ticket WeChat (the sandbox) issued to this gateway. */
  issuedTickets: Set<string>;
  metrics: GatewayMetrics;
  /**
   * A GraphQL POST over HTTP; the answer says which execution phase gave it (`wxgw_graphql_answers_total`,
   * 'none' when admission refused it). One request at a time.
   */
  post(body: unknown, options?: GraphQLOptions): Promise<PhaseAnswer>;
  /**
   * The same GraphQL POST twice: first-seen (Yoga runs it, and compiles its document when it ran) and
   * then repeated; checks that both answers keep the same contract (`expectSameAnswer`).
   */
  postTwice(
    body: unknown,
    options?: GraphQLOptions & SameAnswerOptions,
  ): Promise<{ first: PhaseAnswer; repeated: PhaseAnswer }>;
  /** Drops the app's stored JS-SDK tickets, so the next signature obtains one from WeChat. */
  forgetTickets(appId: string): Promise<void>;
  /** Any request over HTTP, with the phase that answered it: a GET, a form, another Accept header. */
  fetch(url: string, init: RequestInit): Promise<PhaseAnswer>;
  close(): Promise<void>;
}

export interface ProductionGatewayOptions {
  /** WeCom apps the sandbox accepts and the apps file configures (after the Official Accounts). @default [] */
  wecomApps?: WeComAppCredentials[];
  /** A WeCom app's corpSecret as the gateway is configured with it, when it differs from the sandbox's. */
  configuredCorpSecret?: (app: WeComAppCredentials) => string;
  /** The rate-limit budgets (a collaborator that fails). @default the composition root's choice */
  buckets?: BucketStore;
}

/**
 * The whole gateway as production runs it (NODE_ENV=production, keys required, GraphiQL and
 * introspection off) against the WeChat sandbox over HTTP, on 127.0.0.1 and a free port, with a
 * capturing logger and /metrics. `env` adds or overrides settings; `appIdForKeys` limits the wechat key to that app.
 */
export async function startProductionGateway(
  env: NodeJS.ProcessEnv | ((sandbox: TestSandbox) => NodeJS.ProcessEnv) = {},
  appCount = 1,
  options: ProductionGatewayOptions = {},
): Promise<ProductionGateway> {
  const wecomApps = options.wecomApps ?? [];
  // Every access token and JS-SDK ticket WeChat issues to this gateway, as WeChat sent it (the leak tests look for them).
  const issuedTokens = new Set<string>();
  const issuedTickets = new Set<string>();
  const sandbox = await startSandbox({
    appCount,
    wecomApps,
    onAnswer: (_endpoint, reply) => {
      const issued = issuedCredentials(reply.body);
      if (issued.accessToken) issuedTokens.add(issued.accessToken);
      if (issued.ticket) issuedTickets.add(issued.ticket);
    },
  });
  const settings = typeof env === 'function' ? env(sandbox) : env;
  const [first, second] = sandbox.apps;
  const appsFile =
    appCount > 1 || wecomApps.length > 0
      ? await writeAppsFile(sandbox, wecomApps, options.configuredCorpSecret)
      : undefined;
  const config = loadConfig({
    NODE_ENV: 'production',
    ...(appsFile
      ? { WECHAT_APPS_FILE: appsFile }
      : { WECHAT_APP_ID: first?.appId, WECHAT_APP_SECRET: first?.appSecret }),
    WECHAT_API_BASE: sandbox.url,
    WECOM_API_BASE: sandbox.url,
    GATEWAY_API_KEYS: [
      `${KEYS.reader}:token:read+wechat:read`,
      `${KEYS.refresher}:token:refresh`,
      `${KEYS.wechat}:wechat:read${second ? `:${second.appId}` : ''}`,
      `${KEYS.statusOnly}:wechat:admin`,
      `${KEYS.signer}:jssdk:sign`,
    ].join(','),
    LOG_LEVEL: 'debug',
    ...settings,
  });
  const logLines: string[] = [];
  const store = new MemoryStores();
  // Built as main.ts builds it (one redactor for the logger and every credential), writing its lines here.
  const built = await buildGateway(config, {
    store,
    logDestination: { write: (line: string) => logLines.push(line) },
    engine: { busyBackoffBaseMs: 10, backgroundRefresh: false },
    ...(options.buckets && { buckets: options.buckets }),
  });
  const { gateway } = built;
  const metrics = built.metrics as GatewayMetrics;
  const url = await gateway.listen(0, '127.0.0.1');
  const fetchPhase = async (target: string, init: RequestInit): Promise<PhaseAnswer> => {
    const { result, phase } = await answeredBy(metrics, async () => answerOf(await fetch(target, init)));
    return { ...result, phase };
  };
  const post = (body: unknown, postOptions: GraphQLOptions = {}) =>
    fetchPhase(url, graphqlRequest(body, postOptions));
  return {
    url,
    origin: new URL(url).origin,
    sandbox,
    config,
    gateway,
    logLines,
    issuedTokens,
    issuedTickets,
    async forgetTickets(appId) {
      for (const type of TICKET_TYPES) {
        const key = { appId, kind: ticketKindName(type) };
        const stored = await store.credentials.get(key);
        if (stored) await store.credentials.deleteIfSame(key, stored.value);
      }
    },
    metrics,
    post,
    async postTwice(body, postOptions = {}) {
      const first = await post(body, postOptions);
      const repeated = await post(body, postOptions);
      expectSameAnswer(first, repeated, postOptions);
      const sentId = postOptions.headers?.['x-request-id'];
      if (sentId !== undefined) {
        expect([first.headers.get('x-request-id'), repeated.headers.get('x-request-id')]).toEqual([
          sentId,
          sentId,
        ]);
      }
      return { first, repeated };
    },
    fetch: fetchPhase,
    async close() {
      await built.close();
      await sandbox.close();
    },
  };
}

/** The credentials a WeChat answer carries (an access token, a JS-SDK ticket), if it is JSON holding one. */
function issuedCredentials(body: string): { accessToken?: string; ticket?: string } {
  try {
    const answer = JSON.parse(body) as { access_token?: unknown; ticket?: unknown };
    return {
      ...(typeof answer.access_token === 'string' && { accessToken: answer.access_token }),
      ...(typeof answer.ticket === 'string' && { ticket: answer.ticket }),
    };
  } catch {
    return {};
  }
}

async function writeAppsFile(
  sandbox: TestSandbox,
  wecomApps: readonly WeComAppCredentials[],
  configuredCorpSecret?: (app: WeComAppCredentials) => string,
): Promise<string> {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const path = join(await mkdtemp(join(tmpdir(), 'wxgw-security-')), 'apps.json');
  const entries = [
    ...sandbox.apps.map((app, i) => ({ ...app, name: `App ${i + 1}` })),
    ...wecomApps.map((app) => ({
      kind: 'wecom',
      ...app,
      corpSecret: configuredCorpSecret?.(app) ?? app.corpSecret,
      name: `WeCom ${wecomAppId(app)}`,
    })),
  ];
  await writeFile(path, JSON.stringify(entries));
  return path;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked field by field in the tests
  json: any;
}

export interface SameAnswerOptions {
  /** The data is made anew for each request (a signature's nonce and timestamp): only its shape is the same. */
  freshData?: boolean;
}

/** A JSON value with each leaf replaced by its type. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, shapeOf(field)]));
  }
  return value === null ? null : typeof value;
}

/** An answer and the execution phase that gave it ('none': admission refused the request). */
export interface PhaseAnswer extends Answer {
  phase: 'cache' | 'compiled' | 'yoga' | 'none';
}

/** The phases that answer a request whose document Yoga has run before. */
export const FAST_PHASES = ['compiled', 'cache'] as const;

/**
 * The error contract of two answers to the same request is one, whichever phase gave each: the status,
 * the body (data and errors with their `extensions`: code, retryable, retryAfterSeconds), the content
 * type, `retry-after`, and the caller's `x-request-id` echoed when it sent one.
 */
export function expectSameAnswer(first: Answer, repeated: Answer, options: SameAnswerOptions = {}): void {
  expect(repeated.status).toBe(first.status);
  if (options.freshData) {
    expect(repeated.json?.errors).toEqual(first.json?.errors);
    expect(shapeOf(repeated.json?.data)).toEqual(shapeOf(first.json?.data));
  } else {
    expect(repeated.json).toEqual(first.json);
  }
  for (const header of ['content-type', 'retry-after', 'www-authenticate']) {
    expect(repeated.headers.get(header), header).toBe(first.headers.get(header));
  }
}

export interface GraphQLOptions {
  key?: string;
  headers?: Record<string, string>;
}

/** A GraphQL POST as JSON with the given key (or none). */
function graphqlRequest(body: unknown, options: GraphQLOptions): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** POSTs a GraphQL request as JSON with the given key (or none) and returns status, headers and body. */
export async function graphql(url: string, body: unknown, options: GraphQLOptions = {}): Promise<Answer> {
  return answerOf(await fetch(url, graphqlRequest(body, options)));
}

export async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

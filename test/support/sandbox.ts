import type { Clock } from '../../src/clock.js';
import type { AppConfig, TokenMode } from '../../src/config/index.js';
import type { AppCredentials } from '../../src/wechat/endpoints.js';
import type { ComponentCredentials } from '../../src/wechat/sandbox/component-apis.js';
import type { SandboxEndpoint } from '../../src/wechat/sandbox/endpoints.js';
import type { Fault, FaultSpec } from '../../src/wechat/sandbox/faults.js';
import { randomApp } from '../../src/wechat/sandbox/random.js';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/wechat/sandbox/server.js';
import type { SandboxSettings } from '../../src/wechat/sandbox/settings.js';
import type { WeComAppCredentials } from '../../src/wechat/sandbox/wecom-apis.js';

/**
 * A WeChat sandbox for a test file, on 127.0.0.1 and a free port, with random apps.
 *
 * ```ts
 * const sandbox = await startSandbox({ settings: { expiresInSeconds: 20 } });
 * afterAll(() => sandbox.close());
 * const client = new WeChatClient({ baseUrls: [sandbox.url] });
 * await sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/stable_token', times: 1 });
 * ```
 *
 * The helpers drive the admin API over HTTP (as a gateway in another process would); `sandbox.direct`
 * is the in-process control for what HTTP cannot express (nothing yet) or for speed.
 */

export interface StartSandboxOptions {
  /** How many random apps to register. @default 1 */
  appCount?: number;
  /** Use these apps instead of random ones (e.g. two sandboxes that must accept the same app). */
  apps?: AppCredentials[];
  settings?: Partial<SandboxSettings>;
  /** WeCom apps the sandbox accepts. @default [] */
  wecomApps?: WeComAppCredentials[];
  /** Open Platform components the sandbox accepts (driven in process through `direct.component`). */
  components?: ComponentCredentials[];
  /** Manual clock to test expiry and quotas without sleeping; only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** Told of each answer to a WeChat endpoint (src/wechat/sandbox/server.ts). @default none */
  onAnswer?: SandboxOptions['onAnswer'];
}

export interface TestSandbox {
  url: string;
  /** The registered apps with their secrets (random per call). */
  apps: AppCredentials[];
  /** `apps[0]`. */
  app: AppCredentials;
  setFault(spec: FaultSpec): Promise<Fault>;
  clearFaults(): Promise<void>;
  counters(): Promise<Record<SandboxEndpoint, number>>;
  /** The app's current tokens fail 40001 at once (another process rotated them). @default app.appId */
  rotateToken(appId?: string): Promise<void>;
  /** The app's current tokens answer 42001 at once. @default app.appId */
  expireToken(appId?: string): Promise<void>;
  configure(patch: Partial<SandboxSettings>): Promise<SandboxSettings>;
  /** Replaces what `/cgi-bin/getcallbackip` answers (IPs or CIDR ranges). */
  setCallbackIps(ips: string[]): Promise<string[]>;
  /** Sets the app's callback URL; `null` removes it (the network check answers 40201). @default app.appId */
  setCallbackUrl(url: string | null, appId?: string): Promise<void>;
  /** The app's JS-SDK tickets still valid, newest last (a sandbox-only view). @default app.appId */
  tickets(appId?: string): Promise<{ jsapi: string[]; wx_card: string[] }>;
  reset(): Promise<void>;
  /** In-process control of the same sandbox. */
  direct: Sandbox;
  close(): Promise<void>;
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<TestSandbox> {
  const apps = options.apps ?? Array.from({ length: options.appCount ?? 1 }, randomApp);
  const [first] = apps;
  if (!first) throw new Error('startSandbox: give at least one app (appCount ≥ 1)');
  const sandbox = await createSandbox({
    apps,
    ...(options.wecomApps ? { wecomApps: options.wecomApps } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.components ? { components: options.components } : {}),
    clock: options.clock,
    ...(options.onAnswer && { onAnswer: options.onAnswer }),
  });

  async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox admin ${method} ${path} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    url: sandbox.url,
    apps,
    app: first,
    setFault: (spec) => admin<Fault>('POST', 'faults', spec),
    clearFaults: () => admin('DELETE', 'faults'),
    counters: async () =>
      (await admin<{ counters: Record<SandboxEndpoint, number> }>('GET', 'counters')).counters,
    rotateToken: (appId = first.appId) => admin('POST', `apps/${encodeURIComponent(appId)}/rotate`),
    expireToken: (appId = first.appId) => admin('POST', `apps/${encodeURIComponent(appId)}/expire`),
    configure: (patch) => admin<SandboxSettings>('PATCH', 'config', patch),
    setCallbackIps: async (ips) => (await admin<{ ips: string[] }>('PUT', 'callback-ips', { ips })).ips,
    setCallbackUrl: (url, appId = first.appId) =>
      admin('PUT', `apps/${encodeURIComponent(appId)}/callback-url`, { url }),
    tickets: (appId = first.appId) => admin('GET', `apps/${encodeURIComponent(appId)}/tickets`),
    reset: () => admin('POST', 'reset'),
    direct: sandbox,
    close: () => sandbox.close(),
  };
}

/**
 * A sandbox of two apps (`appCount: 2`) as the gateway's configuration names them: the first fetched
 * in stable mode, the second in classic mode, for suites that show how each mode behaves.
 */
export function appsInBothModes(sandbox: TestSandbox): Record<TokenMode, AppConfig> {
  const [stable, classic] = sandbox.apps;
  if (!stable || !classic) throw new Error('the sandbox has two apps: start it with appCount: 2');
  return {
    stable: { ...stable, name: 'Stable app', tokenMode: 'stable' },
    classic: { ...classic, name: 'Classic app', tokenMode: 'classic' },
  };
}

import type { AppCredentials } from '../endpoints.js';
import type { SandboxEndpoint } from './endpoints.js';
import { SandboxInputError } from './input-error.js';
import { randomRid } from './random.js';
import { DEFAULT_SETTINGS, type SandboxSettings, validateSettings } from './settings.js';
import { TokenBook, type TokenSlot } from './token-book.js';

/**
 * WeChat's behaviour for the four endpoints, without I/O: a request in, a reply out. Faults, latency
 * and hangs are the server's business (server.ts); this is the "healthy WeChat" the faults replace.
 */

export interface SandboxRequest {
  method: string;
  endpoint: SandboxEndpoint;
  query: URLSearchParams;
  body: string;
}

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

export interface EmulatorOptions {
  apps: readonly AppCredentials[];
  settings?: Partial<SandboxSettings>;
  /** Epoch milliseconds; tests inject a manual clock. @default Date.now */
  now?: () => number;
}

/** Addresses the sandbox reports; a CIDR entry is included because real WeChat lists some. */
const CALLBACK_IPS = ['101.226.62.77', '101.226.62.78', '101.226.103.0/25', '180.163.15.0/24'];
const API_DOMAIN_IPS = ['101.89.47.18', '101.91.34.103', '203.205.239.82'];

const DAY_MS = 86_400_000;
/** WeChat's daily quotas reset at midnight in China (UTC+8). */
const CHINA_OFFSET_MS = 8 * 3_600_000;

interface Usage {
  day: number;
  classicCalls: number;
  forcedRefreshes: number;
  lastForcedAt: number | undefined;
}

export function json(body: unknown, status = 200): Reply {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

/** WeChat's error shape: HTTP 200, `errmsg` ending in ` rid: <hex>-<hex>-<hex>`. */
export function wechatError(errcode: number, errmsg: string): Reply {
  return json({ errcode, errmsg: `${errmsg} rid: ${randomRid()}` });
}

const MESSAGES = {
  badGrant: [40002, 'invalid grant_type'],
  noAppId: [41002, 'appid missing'],
  noSecret: [41004, 'appsecret missing'],
  badAppId: [40013, 'invalid appid'],
  badSecretStable: [40125, 'invalid appsecret'],
  badSecretClassic: [40001, 'invalid credential, access_token is invalid or not latest'],
  noToken: [41001, 'access_token missing'],
  staleToken: [40001, 'invalid credential, access_token is invalid or not latest'],
  expiredToken: [42001, 'access_token expired'],
  dailyQuota: [45009, 'reach max api daily quota limit'],
  minuteQuota: [45011, 'api minute-quota reach limit  mustslower  retry next minute'],
  needsPost: [43002, 'require POST method'],
  badJson: [47001, 'data format error'],
} as const satisfies Record<string, readonly [number, string]>;

function fail(which: keyof typeof MESSAGES): Reply {
  const [errcode, errmsg] = MESSAGES[which];
  return wechatError(errcode, errmsg);
}

export class WeChatEmulator {
  private readonly apps = new Map<string, string>();
  private readonly initialApps: readonly AppCredentials[];
  private readonly initialSettings: SandboxSettings;
  private current: SandboxSettings;
  private readonly tokens = new TokenBook();
  private readonly usage = new Map<string, Usage>();
  readonly now: () => number;

  constructor(options: EmulatorOptions) {
    this.now = options.now ?? Date.now;
    this.initialSettings = { ...DEFAULT_SETTINGS, ...validateSettings(options.settings ?? {}) };
    this.current = { ...this.initialSettings };
    this.initialApps = options.apps.map((app) => ({ ...app }));
    for (const app of this.initialApps) this.addApp(app);
  }

  answer(request: SandboxRequest): Reply {
    switch (request.endpoint) {
      case '/cgi-bin/token':
        return this.classicToken(request);
      case '/cgi-bin/stable_token':
        return this.stableToken(request);
      case '/cgi-bin/getcallbackip':
        return this.withToken(request, () => json({ ip_list: CALLBACK_IPS }));
      case '/cgi-bin/get_api_domain_ip':
        return this.withToken(request, () => json({ ip_list: API_DOMAIN_IPS }));
    }
  }

  addApp(app: AppCredentials): void {
    if (typeof app?.appId !== 'string' || !/^wx[0-9a-zA-Z]{6,32}$/.test(app.appId)) {
      throw new SandboxInputError('an app needs "appId" like "wx" followed by 16 hex digits');
    }
    if (typeof app.appSecret !== 'string' || app.appSecret.length < 8) {
      throw new SandboxInputError('an app needs "appSecret" (32 hex digits, like WeChat AppSecrets)');
    }
    this.apps.set(app.appId, app.appSecret);
  }

  /** Registered appIds (never the secrets). */
  appIds(): string[] {
    return [...this.apps.keys()];
  }

  settings(): SandboxSettings {
    return { ...this.current };
  }

  configure(patch: Partial<SandboxSettings>): SandboxSettings {
    this.current = { ...this.current, ...validateSettings(patch) };
    return this.settings();
  }

  rotateOut(appId: string): void {
    this.requireApp(appId);
    this.tokens.rotateOut(appId, this.now());
  }

  expireNow(appId: string): void {
    this.requireApp(appId);
    this.tokens.expireNow(appId, this.now());
  }

  /** Back to the state at creation: initial apps and settings, no tokens, fresh quotas. */
  reset(): void {
    this.apps.clear();
    for (const app of this.initialApps) this.addApp(app);
    this.current = { ...this.initialSettings };
    this.tokens.clear();
    this.usage.clear();
  }

  private requireApp(appId: string): void {
    if (!this.apps.has(appId)) throw new SandboxInputError(`no app "${appId}" is registered in the sandbox`);
  }

  private classicToken(request: SandboxRequest): Reply {
    const q = request.query;
    const refusal = this.checkCredentials(q.get('grant_type'), q.get('appid'), q.get('secret'), 'classic');
    if (refusal) return refusal;
    const appId = q.get('appid') as string;
    const usage = this.usageOf(appId);
    if (usage.classicCalls >= this.current.classicDailyQuota) return fail('dailyQuota');
    usage.classicCalls += 1;
    return this.issue(appId, 'classic');
  }

  private stableToken(request: SandboxRequest): Reply {
    if (request.method !== 'POST') return fail('needsPost');
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(request.body);
      if (typeof parsed !== 'object' || parsed === null) return fail('badJson');
      body = parsed as Record<string, unknown>;
    } catch {
      return fail('badJson');
    }
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const refusal = this.checkCredentials(
      text(body.grant_type),
      text(body.appid),
      text(body.secret),
      'stable',
    );
    if (refusal) return refusal;
    const appId = body.appid as string;
    if (body.force_refresh !== true) {
      const held = this.tokens.currentToken(appId, 'stable', this.now());
      if (held)
        return json({ access_token: held.token, expires_in: secondsUntil(held.expiresAt, this.now()) });
      return this.issue(appId, 'stable');
    }
    const usage = this.usageOf(appId);
    const now = this.now();
    if (usage.forcedRefreshes >= this.current.forceRefreshDailyLimit) return fail('dailyQuota');
    if (
      usage.lastForcedAt !== undefined &&
      now - usage.lastForcedAt < this.current.forceRefreshMinIntervalSeconds * 1000
    ) {
      return fail('minuteQuota');
    }
    usage.forcedRefreshes += 1;
    usage.lastForcedAt = now;
    return this.issue(appId, 'stable');
  }

  private checkCredentials(
    grantType: string | null | undefined,
    appId: string | null | undefined,
    secret: string | null | undefined,
    slot: TokenSlot,
  ): Reply | undefined {
    if (grantType !== 'client_credential') return fail('badGrant');
    if (!appId) return fail('noAppId');
    if (!secret) return fail('noSecret');
    const expected = this.apps.get(appId);
    if (expected === undefined) return fail('badAppId');
    if (secret !== expected) return fail(slot === 'stable' ? 'badSecretStable' : 'badSecretClassic');
    return undefined;
  }

  private issue(appId: string, slot: TokenSlot): Reply {
    const now = this.now();
    const lifetimeMs = this.current.expiresInSeconds * 1000;
    const token = this.tokens.issue(appId, slot, now, lifetimeMs, this.current.rotationOverlapSeconds * 1000);
    return json({ access_token: token, expires_in: secondsUntil(now + lifetimeMs, now) });
  }

  private withToken(request: SandboxRequest, answer: () => Reply): Reply {
    const token = request.query.get('access_token');
    if (!token) return fail('noToken');
    const check = this.tokens.check(token, this.now());
    if (!check.ok) return fail(check.reason === 'expired' ? 'expiredToken' : 'staleToken');
    return answer();
  }

  private usageOf(appId: string): Usage {
    const day = Math.floor((this.now() + CHINA_OFFSET_MS) / DAY_MS);
    const known = this.usage.get(appId);
    if (known && known.day === day) return known;
    const fresh: Usage = { day, classicCalls: 0, forcedRefreshes: 0, lastForcedAt: known?.lastForcedAt };
    this.usage.set(appId, fresh);
    return fresh;
  }
}

/** WeChat's `expires_in` is whole seconds. */
function secondsUntil(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil((expiresAt - now) / 1000));
}

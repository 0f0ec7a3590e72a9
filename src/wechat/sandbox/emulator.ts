import { type Clock, systemClock } from '../../clock.js';
import type { AppCredentials } from '../endpoints.js';
import { ComponentApis, type ComponentCredentials } from './component-apis.js';
import type { SandboxEndpoint } from './endpoints.js';
import { fail } from './errcode-replies.js';
import { FrontendApis } from './frontend-apis.js';
import { SandboxInputError } from './input-error.js';
import { QuotaBook } from './quota-book.js';
import { json, parseObject, type Reply, ridOf } from './reply.js';
import { type LoggedRequest, RequestLog } from './request-log.js';
import { DEFAULT_SETTINGS, type SandboxSettings, validateSettings } from './settings.js';
import { TokenBook, type TokenSlot } from './token-book.js';
import { WeComApis, type WeComAppCredentials } from './wecom-apis.js';

/**
 * WeChat's behaviour for the emulated endpoints, without I/O: a request in, a reply out. Faults, latency
 * and hangs are the server's business (server.ts); this is the "healthy WeChat" the faults replace.
 */

export interface SandboxRequest {
  method: string;
  endpoint: SandboxEndpoint;
  query: URLSearchParams;
  body: string;
}

export interface EmulatorOptions {
  apps: readonly AppCredentials[];
  /** Third-party platforms (Open Platform components). @default [] */
  components?: readonly ComponentCredentials[];
  /** WeCom apps (an agent each, or a special secret). @default [] */
  wecomApps?: readonly WeComAppCredentials[];
  settings?: Partial<SandboxSettings>;
  /** Tests inject a manual clock; only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
}

const API_DOMAIN_IPS = ['101.89.47.18', '101.91.34.103', '203.205.239.82'];

/** WeChat's rids: three dash-separated hex groups; anything else is refused with 76002. */
const RID_FORMAT = /^[0-9a-f]{1,16}(?:-[0-9a-f]{1,16}){2}$/;

export class WeChatEmulator {
  private readonly apps = new Map<string, string>();
  private readonly initialApps: readonly AppCredentials[];
  private readonly initialSettings: SandboxSettings;
  private current: SandboxSettings;
  private readonly tokens = new TokenBook();
  /** Daily counts per app and endpoint, forced refreshes, clear_quota's monthly allowance. */
  private readonly quotas = new QuotaBook();
  /** Answered requests that carried a rid, for `/cgi-bin/openapi/rid/get`. */
  readonly requests = new RequestLog();
  /** Tickets, the network check and the callback address list. */
  readonly frontend = new FrontendApis();
  /** The Open Platform: verify tickets, component and authorizer tokens, authorizations. */
  readonly component = new ComponentApis(this.tokens);
  /** WeCom: per-app tokens, corp and agent tickets, trusted IPs. */
  readonly wecom = new WeComApis(this.tokens);
  readonly #clock: Pick<Clock, 'now'>;

  now(): number {
    return this.#clock.now();
  }

  constructor(options: EmulatorOptions) {
    this.#clock = options.clock ?? systemClock;
    this.initialSettings = { ...DEFAULT_SETTINGS, ...validateSettings(options.settings ?? {}) };
    this.current = { ...this.initialSettings };
    this.initialApps = options.apps.map((app) => ({ ...app }));
    for (const app of this.initialApps) this.addApp(app);
    for (const component of options.components ?? []) this.component.addComponent(component);
    for (const app of options.wecomApps ?? []) this.wecom.addApp(app);
  }

  answer(request: SandboxRequest): Reply {
    switch (request.endpoint) {
      case '/cgi-bin/token':
        return this.classicToken(request);
      case '/cgi-bin/stable_token':
        return this.stableToken(request);
      case '/cgi-bin/getcallbackip':
        return this.withToken(request, (appId) =>
          this.counted(appId, request, json({ ip_list: this.frontend.callbackIps() })),
        );
      case '/cgi-bin/get_api_domain_ip':
        return this.withToken(request, (appId) =>
          this.counted(appId, request, json({ ip_list: API_DOMAIN_IPS })),
        );
      case '/cgi-bin/openapi/quota/get':
        return this.withPostedToken(request, (appId, body) =>
          this.quotas.quota(appId, body, this.now(), this.current),
        );
      case '/cgi-bin/clear_quota':
        return this.withPostedToken(request, (appId, body) =>
          this.quotas.clearQuota(appId, body, this.now(), this.current),
        );
      case '/cgi-bin/openapi/rid/get':
        return this.withPostedToken(request, (appId, body) => this.lookupRid(appId, body));
      case '/cgi-bin/ticket/getticket':
        return this.withToken(request, (appId) =>
          this.counted(
            appId,
            request,
            this.frontend.getTicket(
              appId,
              request.query.get('type'),
              this.now(),
              this.current.ticketExpiresInSeconds * 1000,
            ),
          ),
        );
      case '/cgi-bin/callback/check':
        return this.withPostedToken(request, (appId, body) => this.frontend.checkNetwork(appId, body));
      case '/cgi-bin/gettoken':
        return this.wecom.getToken(request.query, this.now(), this.current.expiresInSeconds * 1000);
      case '/cgi-bin/get_jsapi_ticket':
      case '/cgi-bin/ticket/get': {
        const agent = request.endpoint === '/cgi-bin/ticket/get';
        if (agent && request.query.get('type') !== 'agent_config') return fail('badJson');
        const lifetimeMs = this.current.ticketExpiresInSeconds * 1000;
        return this.wecom.getTicket(request.query.get('access_token'), agent, this.now(), lifetimeMs);
      }
      default: {
        const { endpoint, method, query, body } = request;
        const lifetimeMs = this.current.expiresInSeconds * 1000;
        return this.component.answer(endpoint, method, query, body, this.now(), lifetimeMs);
      }
    }
  }

  /**
   * Remembers an answered request under the rid of its errmsg (WeChat names only failed requests),
   * so `/cgi-bin/openapi/rid/get` can show it later. Raw: the URL and body keep their tokens.
   */
  record(request: SandboxRequest, reply: Reply, details: { costInMs: number; clientIp: string }): void {
    const rid = ridOf(reply);
    if (!rid) return;
    const query = request.query.toString();
    const entry: LoggedRequest = {
      rid,
      appId: this.appOf(request),
      invokeTime: Math.floor(this.now() / 1000),
      costInMs: Math.max(0, Math.round(details.costInMs)),
      requestUrl: `${request.endpoint}${query ? `?${query}` : ''}`,
      requestBody: request.body,
      responseBody: reply.body,
      clientIp: details.clientIp,
    };
    this.requests.record(entry);
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
    this.quotas.clear();
    this.requests.clear();
    this.frontend.reset();
    this.component.reset();
    this.wecom.reset();
  }

  requireApp(appId: string): void {
    if (!this.apps.has(appId)) throw new SandboxInputError(`no app "${appId}" is registered in the sandbox`);
  }

  private classicToken(request: SandboxRequest): Reply {
    const q = request.query;
    const refusal = this.checkCredentials(q.get('grant_type'), q.get('appid'), q.get('secret'), 'classic');
    if (refusal) return refusal;
    const appId = q.get('appid') as string;
    if (this.quotas.usedToday(appId, request.endpoint, this.now()) >= this.current.classicDailyQuota)
      return fail('dailyQuota');
    return this.counted(
      appId,
      request,
      this.issue(appId, 'classic', this.current.rotationOverlapSeconds * 1000),
    );
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
    const now = this.now();
    if (body.force_refresh !== true) {
      const held = this.tokens.currentToken(appId, 'stable', now);
      if (held && held.expiresAt - now > this.current.stableEarlyRenewalSeconds * 1000) {
        const answer = json({ access_token: held.token, expires_in: secondsUntil(held.expiresAt, now) });
        return this.counted(appId, request, answer);
      }
      // None, or inside its last minutes: WeChat updates it early, and the old one lives on until it expires.
      return this.counted(appId, request, this.issue(appId, 'stable', Number.POSITIVE_INFINITY));
    }
    const usage = this.quotas.usageOf(appId, this.now());
    if (usage.forcedRefreshes >= this.current.forceRefreshDailyLimit) return fail('dailyQuota');
    if (
      usage.lastForcedAt !== undefined &&
      now - usage.lastForcedAt < this.current.forceRefreshMinIntervalSeconds * 1000
    ) {
      return fail('minuteQuota');
    }
    usage.forcedRefreshes += 1;
    usage.lastForcedAt = now;
    return this.counted(appId, request, this.issue(appId, 'stable', 0)); // the old one dies at once
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

  /** A new current token; the previous one of the slot keeps working `overlapMs` more. */
  private issue(appId: string, slot: TokenSlot, overlapMs: number): Reply {
    const now = this.now();
    const lifetimeMs = this.current.expiresInSeconds * 1000;
    const token = this.tokens.issue(appId, slot, now, lifetimeMs, overlapMs);
    return json({ access_token: token, expires_in: secondsUntil(now + lifetimeMs, now) });
  }

  private withToken(request: SandboxRequest, answer: (appId: string) => Reply): Reply {
    const token = request.query.get('access_token');
    if (token && this.wecom.issued(token)) {
      const checked = this.wecom.checkToken(token, this.now());
      return 'refusal' in checked ? checked.refusal : answer(checked.appId);
    }
    if (!token) return fail('noToken');
    const check = this.tokens.check(token, this.now());
    if (!check.ok) return fail(check.reason === 'expired' ? 'expiredToken' : 'staleToken');
    return answer(check.appId);
  }

  /** The POST endpoints that take `?access_token` and a JSON object body. */
  private withPostedToken(
    request: SandboxRequest,
    answer: (appId: string, body: Record<string, unknown>) => Reply,
  ): Reply {
    return this.withToken(request, (appId) => {
      if (request.method !== 'POST') return fail('needsPost');
      const body = parseObject(request.body);
      return body ? answer(appId, body) : fail('badJson');
    });
  }

  private lookupRid(appId: string, body: Record<string, unknown>): Reply {
    const rid = body.rid;
    if (typeof rid !== 'string' || !RID_FORMAT.test(rid)) return fail('badRid');
    const found = this.requests.find(rid);
    if (!found) return fail('unknownRid');
    if (found.appId !== undefined && found.appId !== appId) return fail('otherAppsRid');
    return json({
      errcode: 0,
      errmsg: 'ok',
      request: {
        invoke_time: found.invokeTime,
        cost_in_ms: found.costInMs,
        request_url: found.requestUrl,
        request_body: found.requestBody,
        response_body: found.responseBody,
        client_ip: found.clientIp,
      },
    });
  }

  /** Whose request this was: the appid it names, or the app a token it carries was issued to. */
  private appOf(request: SandboxRequest): string | undefined {
    const named = request.query.get('appid') ?? parseObject(request.body)?.appid;
    if (typeof named === 'string' && this.apps.has(named)) return named;
    const token = request.query.get('access_token');
    return token ? this.tokens.ownerOf(token) : undefined;
  }

  /** Counts a successful answer against the app's daily usage of the endpoint. */
  private counted(appId: string, request: SandboxRequest, reply: Reply): Reply {
    this.quotas.count(appId, request.endpoint, this.now());
    return reply;
  }
}

/** WeChat's `expires_in` is whole seconds. */
function secondsUntil(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil((expiresAt - now) / 1000));
}

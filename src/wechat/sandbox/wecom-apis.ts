import { replies } from './errcode-replies.js';
import { SandboxInputError } from './input-error.js';
import { randomToken } from './random.js';
import { json, type Reply } from './reply.js';
import type { TokenBook } from './token-book.js';

/**
 * WeCom (qyapi.weixin.qq.com) as its docs describe it: one token per (corp, secret), so every app and
 * every special secret has its own; the corp ticket (`get_jsapi_ticket`) and the agent ticket
 * (`ticket/get?type=agent_config`) fetched with the app's own token, at most 400 an hour per corp and
 * 100 an hour per app; its own errcodes (40001 and 40091 a wrong secret, 40013 a wrong corp, 40014 a
 * token it no longer accepts, 60020 an address outside the app's trusted IPs). Tokens are kept in the
 * sandbox's TokenBook under the app's id, `<corpId>/<agentId>` or `<corpId>/<secretName>`.
 * Times are epoch ms.
 */

export interface WeComAppCredentials {
  corpId: string;
  corpSecret: string;
  /** The app's AgentId; absent for a special secret (contacts sync, customer contact, …). */
  agentId?: number;
  /** The special secret's name, for an app without an agent. */
  secretName?: string;
}

/** WeCom's own words for its errcodes (its errmsgs end with a hint URL; the sandbox keeps them short). */
const WECOM_MESSAGES = {
  noCorpId: [41002, 'corpid missing'],
  noSecret: [41004, 'corpsecret missing'],
  badCorpId: [40013, 'invalid corpid'],
  badSecret: [40001, 'invalid secret'],
  otherCorpsSecret: [40091, 'secret is invalid'],
  noToken: [41001, 'access_token missing'],
  staleToken: [40014, 'invalid access_token'],
  expiredToken: [42001, 'access_token expired'],
  notTrusted: [60020, 'not allow to access from your ip'],
  tooOften: [45009, 'api freq out of limit'],
  noAgent: [48002, 'api forbidden'],
} as const satisfies Record<string, readonly [number, string]>;

const wecomFail = replies(WECOM_MESSAGES);

const HOUR_MS = 3_600_000;

/** The corp ticket (`get_jsapi_ticket`) or the agent ticket (`ticket/get?type=agent_config`). */
export type WeComTicketKind = 'jsapi' | 'agent_config';
const CORP_TICKETS_PER_HOUR = 400;
const APP_TICKETS_PER_HOUR = 100;

interface WeComApp extends WeComAppCredentials {
  id: string;
  /** Ticket fetches (both kinds) within the last hour, epoch ms. */
  ticketTimes: number[];
  /** Tickets issued, newest last, with their expiry (a sandbox-only view, for signature checks). */
  issued: { type: WeComTicketKind; ticket: string; expiresAt: number }[];
  trusted: boolean;
}

/** The id an app goes by, everywhere in the gateway and here: `<corpId>/<agentId>` or `<corpId>/<secretName>`. */
export function wecomAppId(app: WeComAppCredentials): string {
  return `${app.corpId}/${app.agentId ?? app.secretName}`;
}

export class WeComApis {
  /** Apps by their secret (WeCom finds the app from corpid + corpsecret). */
  readonly #bySecret = new Map<string, WeComApp>();
  readonly #byId = new Map<string, WeComApp>();
  readonly #corps = new Set<string>();

  constructor(private readonly tokens: TokenBook) {}

  addApp(credentials: WeComAppCredentials): string {
    if (!/^w[wx][0-9a-f]{16}$/.test(credentials?.corpId ?? '')) {
      throw new SandboxInputError('a WeCom app needs "corpId" like "ww" followed by 16 hex digits');
    }
    if (typeof credentials.corpSecret !== 'string' || credentials.corpSecret.length < 8) {
      throw new SandboxInputError('a WeCom app needs "corpSecret" (43 characters, as WeCom shows it)');
    }
    if ((credentials.agentId === undefined) === (credentials.secretName === undefined)) {
      throw new SandboxInputError('a WeCom app needs either "agentId" or "secretName"');
    }
    const app: WeComApp = {
      ...credentials,
      id: wecomAppId(credentials),
      ticketTimes: [],
      issued: [],
      trusted: true,
    };
    this.#bySecret.set(credentials.corpSecret, app);
    this.#byId.set(app.id, app);
    this.#corps.add(credentials.corpId);
    return app.id;
  }

  appIds(): string[] {
    return [...this.#byId.keys()];
  }

  /** Whether a token was issued by WeCom (its failures then answer WeCom's errcodes). */
  issued(token: string): boolean {
    return this.tokens.slotOf(token) === 'wecom';
  }

  /** Calls with the app's token answer 60020 until `trust` is called again (the app's trusted IPs). */
  setTrusted(appId: string, trusted: boolean): void {
    this.#require(appId).trusted = trusted;
  }

  /** WeCom invalidates the app's token early: it answers 40014 from now on. */
  invalidate(appId: string, now: number): void {
    this.#require(appId);
    this.tokens.revoke(appId, 'wecom', now);
  }

  /** The app's token expires now: it answers 42001 from now on. */
  expire(appId: string, now: number): void {
    this.#require(appId);
    this.tokens.expireNow(appId, now);
  }

  /** The app's tickets of one kind still valid, newest last (WeCom never shows them: sandbox only). */
  validTickets(appId: string, type: WeComTicketKind, now: number): string[] {
    return this.#require(appId)
      .issued.filter((entry) => entry.type === type && entry.expiresAt > now)
      .map((entry) => entry.ticket);
  }

  reset(): void {
    for (const app of this.#byId.values()) {
      app.ticketTimes = [];
      app.issued = [];
      app.trusted = true;
    }
  }

  /** `GET /cgi-bin/gettoken?corpid&corpsecret`: the app's current token while it lives, else a new one. */
  getToken(query: URLSearchParams, now: number, lifetimeMs: number): Reply {
    const corpId = query.get('corpid');
    const secret = query.get('corpsecret');
    if (!corpId) return wecomFail('noCorpId');
    if (!secret) return wecomFail('noSecret');
    if (!this.#corps.has(corpId)) return wecomFail('badCorpId');
    const app = this.#bySecret.get(secret);
    if (!app) return wecomFail('badSecret');
    if (app.corpId !== corpId) return wecomFail('otherCorpsSecret');
    if (!app.trusted) return wecomFail('notTrusted');
    const held = this.tokens.currentToken(app.id, 'wecom', now);
    if (held) return tokenReply(held.token, held.expiresAt - now);
    return tokenReply(this.tokens.issue(app.id, 'wecom', now, lifetimeMs, 0), lifetimeMs);
  }

  /**
   * WeCom's refusal of a call made with `token`, or, when the token is good and the app may call, the
   * app's id for the endpoint's own answer.
   */
  checkToken(token: string | null, now: number): { refusal: Reply } | { appId: string } {
    if (!token) return { refusal: wecomFail('noToken') };
    const check = this.tokens.check(token, now);
    if (!check.ok) return { refusal: wecomFail(check.reason === 'expired' ? 'expiredToken' : 'staleToken') };
    const app = this.#byId.get(check.appId);
    // An Official Account's token means nothing to WeCom.
    if (check.slot !== 'wecom' || !app) return { refusal: wecomFail('staleToken') };
    if (!app.trusted) return { refusal: wecomFail('notTrusted') };
    return { appId: check.appId };
  }

  /** `get_jsapi_ticket` (`agent: false`) or `ticket/get?type=agent_config` (`agent: true`). */
  getTicket(token: string | null, agent: boolean, now: number, lifetimeMs: number): Reply {
    const checked = this.checkToken(token, now);
    if ('refusal' in checked) return checked.refusal;
    const app = this.#require(checked.appId);
    if (agent && app.agentId === undefined) return wecomFail('noAgent');
    const since = now - HOUR_MS;
    app.ticketTimes = app.ticketTimes.filter((t) => t > since);
    const corpTickets = [...this.#byId.values()]
      .filter((other) => other.corpId === app.corpId)
      .reduce((sum, other) => sum + other.ticketTimes.filter((t) => t > since).length, 0);
    if (app.ticketTimes.length >= APP_TICKETS_PER_HOUR || corpTickets >= CORP_TICKETS_PER_HOUR) {
      return wecomFail('tooOften');
    }
    app.ticketTimes.push(now);
    const ticket = `${agent ? 'agent' : 'corp'}@@@${randomToken().slice(0, 80)}`;
    app.issued.push({ type: agent ? 'agent_config' : 'jsapi', ticket, expiresAt: now + lifetimeMs });
    return json({ errcode: 0, errmsg: 'ok', ticket, expires_in: Math.ceil(lifetimeMs / 1000) });
  }

  #require(appId: string): WeComApp {
    const app = this.#byId.get(appId);
    if (!app) throw new SandboxInputError(`no WeCom app "${appId}" is registered in the sandbox`);
    return app;
  }
}

function tokenReply(token: string, lifetimeMs: number): Reply {
  return json({
    errcode: 0,
    errmsg: 'ok',
    access_token: token,
    expires_in: Math.max(1, Math.ceil(lifetimeMs / 1000)),
  });
}

import { randomBytes } from 'node:crypto';
import { MessageCrypto } from '../message-crypto.js';
import { fail } from './errcode-replies.js';
import { SandboxInputError } from './input-error.js';
import { randomToken } from './random.js';
import { json, parseObject, type Reply } from './reply.js';
import type { TokenBook } from './token-book.js';

/**
 * The Open Platform as a third-party platform (component) sees it, per WeChat's docs: verify tickets
 * pushed encrypted every 10 minutes and valid 12 hours, the component token (the previous one works 5
 * more minutes), pre-auth codes (single use), authorization codes (10 minutes), refresh tokens that
 * never expire by time but change on a new authorization, and authorizer tokens that work on the
 * account's APIs like the account's own. No I/O: the server sends the pushes this returns.
 * Times are epoch ms.
 */

export interface ComponentCredentials {
  appId: string;
  appSecret: string;
  /** The push URL's token (WeChat's console: 消息校验Token). */
  token: string;
  encodingAesKey: string;
}

/** A push as WeChat sends it to the component's authorization event URL. */
export interface ComponentPush {
  componentAppId: string;
  query: URLSearchParams;
  body: string;
}

const TICKET_LIFE_MS = 12 * 3_600_000;
const TOKEN_OVERLAP_MS = 5 * 60_000;
const PRE_AUTH_CODE_LIFE_MS = 1_800_000;
const AUTH_CODE_LIFE_MS = 600_000;
const MAX_LIST_COUNT = 500;
/** Most authorizers one `addAuthorizers` creates. */
const MAX_BULK_AUTHORIZERS = 200_000;

interface Component extends ComponentCredentials {
  crypto: MessageCrypto;
  tickets: { ticket: string; issuedAt: number }[];
  /** api_start_push_ticket calls: the server restarts its pushes on each. */
  pushRestarts: number;
  /** Whether WeChat is pushing tickets (false: the push was lost, until api_start_push_ticket). */
  pushing: boolean;
}

interface Authorizer {
  refreshToken: string;
  authorized: boolean;
  authTime: number;
}

export class ComponentApis {
  readonly #components = new Map<string, Component>();
  /** `component\nauthorizer` → the authorization. */
  readonly #authorizers = new Map<string, Authorizer>();
  /** Each component's authorized accounts as api_get_authorizer_list orders them, built on demand. */
  readonly #lists = new Map<
    string,
    { authorizer_appid: string; refresh_token: string; auth_time: number }[]
  >();
  /** The sequence number of the next bulk authorizer (`addAuthorizers`). */
  #bulkSeq = 0;
  readonly #preAuthCodes = new Map<string, { componentAppId: string; expiresAt: number }>();
  readonly #authCodes = new Map<
    string,
    { componentAppId: string; authorizerAppId: string; expiresAt: number }
  >();

  constructor(private readonly tokens: TokenBook) {}

  addComponent(credentials: ComponentCredentials): void {
    if (!/^wx[0-9a-zA-Z]{6,32}$/.test(credentials?.appId ?? '')) {
      throw new SandboxInputError('a component needs "appId" like "wx" followed by 16 hex digits');
    }
    const crypto = new MessageCrypto({ ...credentials, receiveId: credentials.appId });
    this.#components.set(credentials.appId, {
      ...credentials,
      crypto,
      tickets: [],
      pushRestarts: 0,
      pushing: true,
    });
  }

  componentAppIds(): string[] {
    return [...this.#components.keys()];
  }

  /** Whether the component's ticket push runs; `false` loses it until api_start_push_ticket. */
  isPushing(componentAppId: string): boolean {
    return this.#require(componentAppId).pushing;
  }

  setPushing(componentAppId: string, pushing: boolean): void {
    this.#require(componentAppId).pushing = pushing;
  }

  /** How many times api_start_push_ticket was called for the component. */
  pushRestarts(componentAppId: string): number {
    return this.#require(componentAppId).pushRestarts;
  }

  /** A new verify ticket, sealed as WeChat pushes it every 10 minutes. */
  ticketPush(componentAppId: string, now: number): ComponentPush {
    const component = this.#require(componentAppId);
    const ticket = `ticket@@@${randomToken().slice(0, 86)}`;
    component.tickets = [
      ...component.tickets.filter((t) => now - t.issuedAt < TICKET_LIFE_MS),
      { ticket, issuedAt: now },
    ];
    return this.#push(component, now, { InfoType: 'component_verify_ticket', ComponentVerifyTicket: ticket });
  }

  /**
   * A merchant authorizes (or, `update`, changes the permissions of) the component for an account: a
   * new refresh token (the previous one stops working), an authorization code, and the push announcing it.
   */
  authorize(
    componentAppId: string,
    authorizerAppId: string,
    now: number,
    update = false,
  ): { authorizationCode: string; push: ComponentPush } {
    const component = this.#require(componentAppId);
    if (!/^wx[0-9a-zA-Z]{6,32}$/.test(authorizerAppId)) {
      throw new SandboxInputError('an authorizer needs an appId like "wx" followed by 16 hex digits');
    }
    const refreshToken = `refreshtoken@@@${randomToken().slice(0, 40)}`;
    this.#authorizers.set(key(componentAppId, authorizerAppId), {
      refreshToken,
      authorized: true,
      authTime: now,
    });
    this.#lists.delete(componentAppId);
    this.tokens.revoke(authorizerAppId, 'authorizer', now);
    const authorizationCode = `queryauthcode@@@${randomToken().slice(0, 60)}`;
    const expiresAt = now + AUTH_CODE_LIFE_MS;
    this.#authCodes.set(authorizationCode, { componentAppId, authorizerAppId, expiresAt });
    const push = this.#push(component, now, {
      InfoType: update ? 'updateauthorized' : 'authorized',
      AuthorizerAppid: authorizerAppId,
      AuthorizationCode: authorizationCode,
      AuthorizationCodeExpiredTime: Math.floor(expiresAt / 1000),
      PreAuthCode: `preauthcode@@@${randomToken().slice(0, 40)}`,
    });
    return { authorizationCode, push };
  }

  /**
   * `count` accounts authorize the component at once, without pushes (as if they had before the gateway
   * ran): each gets a refresh token, and api_get_authorizer_list lists them. AppIds `wx5ca1e` + 11 hex
   * digits of a sequence number, so they are valid AppIds and never collide.
   */
  addAuthorizers(componentAppId: string, count: number, now: number): string[] {
    this.#require(componentAppId);
    if (!Number.isInteger(count) || count < 1 || count > MAX_BULK_AUTHORIZERS)
      throw new SandboxInputError(`"count" must be a whole number from 1 to ${MAX_BULK_AUTHORIZERS}`);
    const appIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const appId = `wx5ca1e${(this.#bulkSeq++).toString(16).padStart(11, '0')}`;
      this.#authorizers.set(key(componentAppId, appId), {
        refreshToken: `refreshtoken@@@${randomToken().slice(0, 40)}`,
        authorized: true,
        authTime: now,
      });
      appIds.push(appId);
    }
    this.#lists.delete(componentAppId);
    return appIds;
  }

  /** The merchant revokes the authorization: its tokens and refresh token stop working at once. */
  revoke(componentAppId: string, authorizerAppId: string, now: number): ComponentPush {
    const component = this.#require(componentAppId);
    const authorizer = this.#authorizers.get(key(componentAppId, authorizerAppId));
    if (!authorizer?.authorized)
      throw new SandboxInputError(`"${authorizerAppId}" has not authorized "${componentAppId}"`);
    authorizer.authorized = false;
    this.#lists.delete(componentAppId);
    this.tokens.revoke(authorizerAppId, 'authorizer', now);
    return this.#push(component, now, { InfoType: 'unauthorized', AuthorizerAppid: authorizerAppId });
  }

  reset(): void {
    for (const component of this.#components.values()) {
      component.tickets = [];
      component.pushRestarts = 0;
      component.pushing = true;
    }
    this.#authorizers.clear();
    this.#lists.clear();
    this.#bulkSeq = 0;
    this.#preAuthCodes.clear();
    this.#authCodes.clear();
  }

  /** `/cgi-bin/component/*`; `lifetimeMs` is the sandbox's token lifetime setting. */
  answer(
    endpoint: string,
    method: string,
    query: URLSearchParams,
    text: string,
    now: number,
    lifetimeMs: number,
  ): Reply {
    if (method !== 'POST') return fail('needsPost');
    const body = parseObject(text);
    if (!body) return fail('badJson');
    const component = this.#components.get(String(body.component_appid ?? ''));
    if (!body.component_appid) return fail('noAppId');
    if (!component) return fail('badComponent');
    switch (endpoint) {
      case '/cgi-bin/component/api_start_push_ticket':
        if (body.component_secret !== component.appSecret) return fail('badSecretStable');
        component.pushRestarts += 1;
        component.pushing = true;
        return json({ errcode: 0, errmsg: 'ok' });
      case '/cgi-bin/component/api_component_token':
        return this.#componentToken(component, body, now, lifetimeMs);
    }
    const token = query.get('component_access_token') ?? query.get('access_token');
    if (!token) return fail('noToken');
    const check = this.tokens.check(token, now);
    if (!check.ok) return fail(check.reason === 'expired' ? 'expiredToken' : 'staleToken');
    if (check.slot !== 'component' || check.appId !== component.appId) return fail('staleToken');
    switch (endpoint) {
      case '/cgi-bin/component/api_create_preauthcode': {
        const code = `preauthcode@@@${randomToken().slice(0, 40)}`;
        this.#preAuthCodes.set(code, {
          componentAppId: component.appId,
          expiresAt: now + PRE_AUTH_CODE_LIFE_MS,
        });
        return json({ pre_auth_code: code, expires_in: PRE_AUTH_CODE_LIFE_MS / 1000 });
      }
      case '/cgi-bin/component/api_query_auth':
        return this.#queryAuth(component, body, now, lifetimeMs);
      case '/cgi-bin/component/api_authorizer_token':
        return this.#authorizerToken(component, body, now, lifetimeMs);
      case '/cgi-bin/component/api_get_authorizer_list':
        return this.#authorizerList(component, body);
      default:
        return fail('badJson');
    }
  }

  /** Takes a pre-auth code once, as the authorization page does. */
  takePreAuthCode(componentAppId: string, code: string, now: number): boolean {
    const found = this.#preAuthCodes.get(code);
    this.#preAuthCodes.delete(code);
    return found?.componentAppId === componentAppId && found.expiresAt > now;
  }

  #componentToken(
    component: Component,
    body: Record<string, unknown>,
    now: number,
    lifetimeMs: number,
  ): Reply {
    if (!body.component_appsecret) return fail('noSecret');
    if (body.component_appsecret !== component.appSecret) return fail('badSecretStable');
    const ticket = component.tickets.find((t) => t.ticket === body.component_verify_ticket);
    if (!ticket) return fail('ticketInvalid');
    if (now - ticket.issuedAt >= TICKET_LIFE_MS) return fail('ticketExpired');
    const issued = this.tokens.issue(component.appId, 'component', now, lifetimeMs, TOKEN_OVERLAP_MS);
    return json({ component_access_token: issued, expires_in: Math.ceil(lifetimeMs / 1000) });
  }

  #queryAuth(component: Component, body: Record<string, unknown>, now: number, lifetimeMs: number): Reply {
    const code = this.#authCodes.get(String(body.authorization_code ?? ''));
    if (!code || code.componentAppId !== component.appId) return fail('codeInvalid');
    if (code.expiresAt <= now) return fail('codeExpired');
    const authorizer = this.#authorizers.get(key(component.appId, code.authorizerAppId));
    if (!authorizer?.authorized) return fail('notAuthorized');
    const accessToken = this.tokens.issue(
      code.authorizerAppId,
      'authorizer',
      now,
      lifetimeMs,
      TOKEN_OVERLAP_MS,
    );
    return json({
      authorization_info: {
        authorizer_appid: code.authorizerAppId,
        authorizer_access_token: accessToken,
        expires_in: Math.ceil(lifetimeMs / 1000),
        authorizer_refresh_token: authorizer.refreshToken,
        func_info: [{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 15 } }],
      },
    });
  }

  #authorizerToken(
    component: Component,
    body: Record<string, unknown>,
    now: number,
    lifetimeMs: number,
  ): Reply {
    const authorizerAppId = String(body.authorizer_appid ?? '');
    const authorizer = this.#authorizers.get(key(component.appId, authorizerAppId));
    if (!authorizer?.authorized) return fail('notAuthorized');
    if (body.authorizer_refresh_token !== authorizer.refreshToken) return fail('refreshTokenInvalid');
    const accessToken = this.tokens.issue(authorizerAppId, 'authorizer', now, lifetimeMs, TOKEN_OVERLAP_MS);
    return json({
      authorizer_access_token: accessToken,
      expires_in: Math.ceil(lifetimeMs / 1000),
      authorizer_refresh_token: authorizer.refreshToken,
    });
  }

  #authorizerList(component: Component, body: Record<string, unknown>): Reply {
    const { offset, count } = body;
    if (!Number.isInteger(offset) || !Number.isInteger(count)) return fail('badJson');
    if ((offset as number) < 0 || (count as number) < 1 || (count as number) > MAX_LIST_COUNT)
      return fail('badJson');
    const all = this.#listOf(component.appId);
    const start = offset as number;
    return json({ total_count: all.length, list: all.slice(start, start + (count as number)) });
  }

  /** Every authorized account of the component, oldest authorization first (then by appId). */
  #listOf(componentAppId: string): { authorizer_appid: string; refresh_token: string; auth_time: number }[] {
    const cached = this.#lists.get(componentAppId);
    if (cached) return cached;
    const prefix = `${componentAppId}\n`;
    const all = [...this.#authorizers]
      .filter(([name, authorizer]) => name.startsWith(prefix) && authorizer.authorized)
      .map(([name, authorizer]) => ({
        authorizer_appid: name.slice(prefix.length),
        refresh_token: authorizer.refreshToken,
        auth_time: Math.floor(authorizer.authTime / 1000),
      }))
      .sort((a, b) => a.auth_time - b.auth_time || a.authorizer_appid.localeCompare(b.authorizer_appid));
    this.#lists.set(componentAppId, all);
    return all;
  }

  #push(component: Component, now: number, fields: Record<string, string | number>): ComponentPush {
    const createTime = Math.floor(now / 1000);
    const inner = xml({ AppId: component.appId, CreateTime: createTime, ...fields });
    const nonce = randomBytes(5).toString('hex');
    const sealed = component.crypto.seal(inner, String(createTime), nonce);
    const query = new URLSearchParams({
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      encrypt_type: 'aes',
      msg_signature: sealed.msgSignature,
    });
    const body = xml({ AppId: component.appId, Encrypt: sealed.encrypt });
    return { componentAppId: component.appId, query, body };
  }

  #require(componentAppId: string): Component {
    const component = this.#components.get(componentAppId);
    if (!component)
      throw new SandboxInputError(`no component "${componentAppId}" is registered in the sandbox`);
    return component;
  }
}

function key(componentAppId: string, authorizerAppId: string): string {
  return `${componentAppId}\n${authorizerAppId}`;
}

/** WeChat's XML: numbers bare, text in CDATA. */
function xml(fields: Record<string, string | number>): string {
  const children = Object.entries(fields).map(([name, value]) =>
    typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`,
  );
  return `<xml>${children.join('')}</xml>`;
}

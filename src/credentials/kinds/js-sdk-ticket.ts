import type { AppConfig } from '../../config/index.js';
import { UnknownAppError } from '../../errors.js';
import type { CredentialKey, StoredCredential } from '../../store/ports.js';
import { WECHAT_API_PATHS } from '../../wechat/api-paths.js';
import type { TicketType, WeChatFrontendApi } from '../../wechat/frontend-endpoints.js';
import type { CredentialEngine } from '../engine.js';
import { type CredentialKind, catalogVerdict, UNTIL_ITS_EXPIRY } from '../kind.js';
import { type CredentialState, credentialState } from '../state.js';
import { ACCESS_TOKEN } from './access-token.js';
import { type JsSdkTicketType, ticketKindName, ticketKindNameOf, ticketTypesOf } from './names.js';

export { ticketKindName } from './names.js';

/**
 * A JS-SDK ticket (`jsapi` for `wx.config`, `wx_card` for card calls), obtained with the app's access
 * token, so a rejected token is renewed once. It lives on its own clock (a new token costs no new
 * ticket) and is renewed ahead of expiry once a page has asked for it.
 */
export function jsSdkTicketKind(type: TicketType, api: Pick<WeChatFrontendApi, 'getTicket'>): CredentialKind {
  return {
    name: ticketKindName(type),
    noun: `JS-SDK ticket (${type})`,
    secret: true,
    requires: (key) => ({ appId: key.appId, kind: ACCESS_TOKEN }),
    forceable: false,
    renewal: 'after-use',
    endpoints: () => [WECHAT_API_PATHS.ticket],
    async obtain(_appId, request) {
      const issued = await api.getTicket(request.with ?? '', type);
      return { value: issued.ticket, expiresInSeconds: issued.expiresInSeconds };
    },
    // Every replica may hold its own ticket: a second one costs quota, never a caller's ticket.
    lifetime: () => ({ expires: { earlyWindowMs: 0, previousValidForMs: UNTIL_ITS_EXPIRY } }),
    // Handed to pages, never to a WeChat call: only the token it is obtained with can be rejected.
    verdict: (error) => catalogVerdict(error, false),
  };
}

/** A ticket's state without its value: what GraphQL shows. */
export interface TicketStatus {
  type: JsSdkTicketType;
  state: CredentialState;
  expiresAt?: Date;
  obtainedAt?: Date;
}

export interface JsSdkTicketsOptions {
  engine: Pick<CredentialEngine, 'get' | 'read'>;
  /** The configured app of an appId (its kind says which tickets it has); undefined when unknown. */
  app(appId: string): Pick<AppConfig, 'appId' | 'kind' | 'wecom'> | undefined;
  clock: { now(): number };
  /** A ticket this close to its expiry counts as EXPIRING. */
  marginMs: number;
  /**
   * Where an authorizer's ticket lives (its component's engine), for an appId no app is configured
   * with; rejects UNKNOWN_APP (or the authorizer's state) when it is none. @default none
   */
  authorizerTicket?: (
    appId: string,
    type: JsSdkTicketType,
  ) => Promise<{ engine: Pick<CredentialEngine, 'get' | 'read'>; key: CredentialKey } | undefined>;
}

/** An authorizer's tickets: an Official Account's (WeChat's ticket API takes the authorizer token). */
const AUTHORIZER_APP = { appId: '', kind: 'officialAccount' } as const;

/**
 * Each app's JS-SDK tickets as the signer and GraphQL ask for them: values from the engine (the
 * value leaves only towards the signer), states read from the store.
 */
export class JsSdkTickets {
  readonly #options: JsSdkTicketsOptions;

  constructor(options: JsSdkTicketsOptions) {
    this.#options = options;
  }

  /**
   * A usable ticket, obtained when missing or expired; a type the app does not have (a Mini Program's
   * any, a WeCom special secret's agent ticket) is BAD_USER_INPUT before any upstream call.
   */
  async get(appId: string, type: JsSdkTicketType): Promise<StoredCredential> {
    const { engine, key } = await this.#route(appId, type);
    return engine.get(key);
  }

  /** Every ticket type of the app with its state; reads the store, never calls WeChat. */
  async statuses(appId: string): Promise<TicketStatus[]> {
    const { clock, marginMs } = this.#options;
    const app = this.#options.app(appId) ?? AUTHORIZER_APP;
    return Promise.all(
      ticketTypesOf(app).map(async (type) => {
        const { engine, key } = await this.#route(appId, type);
        const ticket = await engine.read(key);
        return {
          type,
          state: credentialState(ticket, clock.now(), marginMs),
          ...(ticket && { expiresAt: new Date(ticket.expiresAt), obtainedAt: new Date(ticket.obtainedAt) }),
        };
      }),
    );
  }

  /** A configured app's ticket on the apps' engine, else an authorizer's on its component's. */
  async #route(
    appId: string,
    type: JsSdkTicketType,
  ): Promise<{ engine: Pick<CredentialEngine, 'get' | 'read'>; key: CredentialKey }> {
    const app = this.#options.app(appId);
    if (app) return { engine: this.#options.engine, key: { appId, kind: ticketKindNameOf(app, type) } };
    ticketKindNameOf({ ...AUTHORIZER_APP, appId }, type);
    const route = await this.#options.authorizerTicket?.(appId, type);
    if (!route) throw new UnknownAppError(appId);
    return route;
  }
}

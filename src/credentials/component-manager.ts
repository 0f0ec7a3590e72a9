import { type Clock, systemClock } from '../clock.js';
import type { ComponentConfig } from '../config/components.js';
import { AuthorizerUnauthorizedError, BadUserInputError, UnknownAppError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { Redactor } from '../redact.js';
import type { AuthorizerRecord, CredentialKey, StoredCredential } from '../store/ports.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import { COMPONENT_API_PATHS, type ComponentWeChatApi } from '../wechat/component-api.js';
import {
  ComponentCallBound,
  DEFAULT_MAX_CONCURRENT_COMPONENT_CALLS,
} from '../wechat/component-call-bound.js';
import type { ComponentPushEvent } from '../wechat/component-push.js';
import { ComponentTickets } from '../wechat/component-ticket.js';
import type { TicketType } from '../wechat/frontend-endpoints.js';
import { AuthorizationFlow } from './authorization-flow.js';
import { type AuthorizationPageRequest, authorizationPageUrl } from './authorization-url.js';
import { RecoveryProgressBook } from './authorizer-recovery.js';
import { authorizerComponent } from './authorizer-routing.js';
import { Authorizers, type RecoveryResult } from './authorizers.js';
import {
  type ComponentManagerOptions,
  DEFAULT_RENEW_IF_USED_WITHIN_HOURS,
  DEFAULT_RENEWAL_SPREAD_MS,
} from './component-options.js';
import {
  type ComponentSummary,
  type CredentialStatus,
  componentSummaries,
  credentialStatusOf,
} from './component-summaries.js';
import { CredentialEngine, type EngineEvent } from './engine.js';
import {
  authorizerKind,
  authorizerTicketKindName,
  authorizerTicketKinds,
  authorizerTokenKind,
} from './kinds/authorizer-token.js';
import { componentTokenKey, componentTokenKind } from './kinds/component-token.js';
import { engineSettings, resolveTokenManagerOptions, type TokenManagerOptions } from './options.js';
import { TicketPushKeeper, type TicketPushStatus } from './ticket-push.js';
import { type StatusReading, tokenStatuses } from './token-status.js';

import type { AuthorizationEvent, TokenStatus } from './types.js';

export type { ComponentManagerOptions } from './component-options.js';
export type { ComponentSummary, CredentialStatus } from './component-summaries.js';
export type { AuthorizationEvent } from './types.js';

/**
 * The configured components' credentials (issue 26, docs/operations.md "Open Platform components"):
 * each component's token and its authorizers' tokens as kinds of one `CredentialEngine`, the verify
 * ticket kept by the push endpoint (`ComponentTickets`) and its push kept running (`TicketPushKeeper`),
 * the authorizers and their refresh tokens (`Authorizers`). Every rule of obtaining and renewing is the
 * engine's.
 */
export class ComponentManager {
  readonly tickets: ComponentTickets;
  readonly keeper: TicketPushKeeper;
  readonly authorizers: Authorizers;
  /** Upstream calls in flight per component on this replica (`maxConcurrentCalls`). */
  readonly callBound: ComponentCallBound;
  readonly #components: ReadonlyMap<string, ComponentConfig>;
  readonly #engine: CredentialEngine;
  readonly #options: ComponentManagerOptions;
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #flow: AuthorizationFlow;
  /** `options.api` under the per-component bound. */
  readonly #api: ComponentWeChatApi;

  constructor(options: ComponentManagerOptions) {
    this.#options = options;
    this.#components = new Map(options.components.map((c) => [c.appId, c]));
    const clock = options.clock ?? systemClock;
    this.#clock = clock;
    const logger = (options.logger ?? silentLogger).child({ module: 'component' });
    const redactor = options.redactor ?? new Redactor();
    for (const c of options.components) redactor.learnSecret(c.appSecret);
    const resolved = resolveTokenManagerOptions({ ...options, apps: [] } as unknown as TokenManagerOptions);
    this.#marginMs = resolved.refreshMarginSeconds * 1000;
    const settings = engineSettings(resolved);
    const { stores, frontend } = options;
    this.callBound = new ComponentCallBound(
      options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_COMPONENT_CALLS,
    );
    const api = this.callBound.componentApi(options.api);
    this.#api = api;
    this.tickets = new ComponentTickets(stores.credentials, redactor);
    this.keeper = new TicketPushKeeper({
      components: options.components,
      tickets: this.tickets,
      holds: stores.holds,
      api,
      clock,
      logger,
      redactor,
    });
    this.authorizers = new Authorizers({
      store: stores.authorizers,
      progress: new RecoveryProgressBook(stores.credentials, clock),
      holds: stores.holds,
      api,
      clock,
      logger,
      redactor,
    });
    this.#engine = new CredentialEngine({
      stores,
      kinds: [
        componentTokenKind({
          secretOf: (appId) => this.#component(appId).appSecret,
          tickets: this.tickets,
          api,
          restartPush: (appId, reason) => void this.keeper.restart(appId, reason),
        }),
        ...options.components.map((c) => authorizerKind(c.appId, this.authorizers)),
        ...options.components.flatMap((c) =>
          frontend ? authorizerTicketKinds(c.appId, this.callBound.ticketApi(c.appId, frontend)) : [],
        ),
      ],
      settings: {
        ...settings,
        schedule: {
          ...settings.schedule,
          spreadWindowMs: options.renewalSpreadMs ?? DEFAULT_RENEWAL_SPREAD_MS,
        },
        renewIfUsedWithinMs:
          (options.renewIfUsedWithinHours ?? DEFAULT_RENEW_IF_USED_WITHIN_HOURS) * 3_600_000,
      },
      clock,
      random: options.random ?? Math.random,
      logger,
      redactor,
    });
    for (const c of options.components) this.#engine.follow(componentTokenKey(c.appId));
    this.#flow = new AuthorizationFlow({
      stores,
      authorizers: this.authorizers,
      engine: this.#engine,
      clock,
      logger,
      authorizerKey: (componentAppId, authorizerAppId) =>
        this.#authorizerKey(componentAppId, authorizerAppId),
      callWithComponentToken: (componentAppId, endpoint, fn) =>
        this.callWithComponentToken(componentAppId, endpoint, fn),
    });
  }

  /** Renews every component token ahead of expiry and keeps the ticket pushes running. */
  start(): void {
    this.#engine.start();
    this.keeper.start();
  }

  async stop(): Promise<void> {
    this.keeper.stop();
    await this.#engine.stop();
  }

  list(): ComponentConfig[] {
    return [...this.#components.values()];
  }

  has(componentAppId: string): boolean {
    return this.#components.has(componentAppId);
  }

  /** The only component when none is named; an unknown or missing one is UNKNOWN_APP / BAD_USER_INPUT. */
  resolve(componentAppId: string | null | undefined): ComponentConfig {
    if (componentAppId) return this.#component(componentAppId);
    const all = this.list();
    if (all.length === 1) return all[0] as ComponentConfig;
    throw new BadUserInputError(
      all.length === 0
        ? 'No Open Platform component is configured: set WECHAT_COMPONENT_APP_ID, _APP_SECRET, _TOKEN and _AES_KEY.'
        : 'Several components are configured: name one with componentAppId.',
    );
  }

  /** The component's token (obtained when missing); never called on a ticket push. */
  async componentToken(componentAppId: string): Promise<StoredCredential> {
    this.#component(componentAppId);
    return this.#engine.get(componentTokenKey(componentAppId));
  }

  /** An authorizer's token, obtained for the component when missing (its refresh token recovered if lost). */
  async authorizerToken(componentAppId: string, authorizerAppId: string): Promise<StoredCredential> {
    const key = this.#authorizerKey(componentAppId, authorizerAppId);
    try {
      return await this.#engine.get(key);
    } catch (error) {
      // A revoked authorizer is named as such whatever failed on the way (its component's token, say).
      const record = await this.authorizers.get(componentAppId, authorizerAppId);
      if (record?.state === 'UNAUTHORIZED') throw new AuthorizerUnauthorizedError(authorizerAppId);
      throw error;
    }
  }

  /** Runs a component API call with the component token: a rejected token (40001/42001) is renewed once. */
  async callWithComponentToken<T>(
    componentAppId: string,
    endpoint: string,
    fn: (token: string) => Promise<T>,
  ): Promise<T> {
    this.#component(componentAppId);
    return this.#engine.call(componentTokenKey(componentAppId), endpoint, fn);
  }

  /** The component's (or, named, an authorizer's) token as GraphQL's `TokenStatus` shows it; never calls WeChat. */
  async tokenStatus(componentAppId: string, authorizerAppId?: string): Promise<TokenStatus> {
    if (authorizerAppId !== undefined)
      return (await this.tokenStatuses(componentAppId, [authorizerAppId]))[0] as TokenStatus;
    const component = this.#component(componentAppId);
    const [status] = await tokenStatuses(this.#statusReading(), [
      {
        appId: componentAppId,
        name: component.name,
        key: componentTokenKey(componentAppId),
        circuitEndpoints: () => Object.values(COMPONENT_API_PATHS),
      },
    ]);
    return status as TokenStatus;
  }

  /**
   * `tokenStatus` of many authorizers of the component at the cost of one (`tokenStatuses`: one read of
   * their tokens, one of the holds never read), in the order asked. `apiEndpoints`: the API endpoints
   * whose circuits an authorizer's status reports beside its token endpoint's (default: WeChat's known
   * paths; the token service adds those it called).
   */
  async tokenStatuses(
    componentAppId: string,
    authorizerAppIds: readonly string[],
    apiEndpoints: (appId: string) => Iterable<string> = () => Object.values(WECHAT_API_PATHS),
  ): Promise<TokenStatus[]> {
    return tokenStatuses(
      this.#statusReading(),
      authorizerAppIds.map((appId) => ({
        appId,
        name: appId,
        key: this.#authorizerKey(componentAppId, appId),
        circuitEndpoints: () => [COMPONENT_API_PATHS.authorizerToken, ...apiEndpoints(appId)],
      })),
    );
  }

  async componentTokenStatus(componentAppId: string): Promise<CredentialStatus> {
    return credentialStatusOf(await this.tokenStatus(componentAppId));
  }

  async authorizerTokenStatus(componentAppId: string, authorizerAppId: string): Promise<CredentialStatus> {
    return credentialStatusOf(await this.tokenStatus(componentAppId, authorizerAppId));
  }

  async ticketStatus(componentAppId: string): Promise<TicketPushStatus> {
    this.#component(componentAppId);
    return this.keeper.status(componentAppId);
  }

  /** Every component's ticket, token and authorizer counts; reads the store, never calls WeChat. */
  summaries(): Promise<ComponentSummary[]> {
    return componentSummaries(this);
  }

  /** Asks WeChat to push a ticket now (unless any replica did within 10 minutes); true when it was asked. */
  async restartTicketPush(componentAppId: string): Promise<boolean> {
    this.#component(componentAppId);
    return (await this.keeper.restart(componentAppId, 'asked for by an operator')) === 'restarted';
  }

  /** An authorization push (`AuthorizationFlow.onPush`): acted on once however often it comes. */
  onAuthorizationPush(
    event: Exclude<ComponentPushEvent, { infoType: 'component_verify_ticket' }>,
  ): Promise<void> {
    return this.#flow.onPush(event);
  }

  /** The code the merchant's browser brought back to `redirect_uri` (61010 when it expired). */
  completeAuthorization(componentAppId: string, code: string): Promise<AuthorizerRecord> {
    return this.#flow.complete(componentAppId, code);
  }

  async recoverAuthorizers(componentAppId: string): Promise<RecoveryResult> {
    return this.callWithComponentToken(componentAppId, COMPONENT_API_PATHS.authorizerList, (token) =>
      this.authorizers.recover(componentAppId, token, { spaced: false }),
    );
  }

  /** The page a merchant opens to authorize the component, with a new pre-auth code (single use). */
  async authorizationUrl(
    componentAppId: string,
    request: AuthorizationPageRequest,
  ): Promise<{ url: string; expiresAt: Date }> {
    const preAuth = await this.callWithComponentToken(
      componentAppId,
      COMPONENT_API_PATHS.createPreAuthCode,
      (token) => this.#api.createPreAuthCode(componentAppId, token),
    );
    return {
      url: authorizationPageUrl(componentAppId, preAuth.value, request),
      expiresAt: new Date(this.#clock.now() + preAuth.expiresInSeconds * 1000),
    };
  }

  /**
   * The component an appId is served for as an authorizer (`authorizerComponent`: the first configured
   * component it authorized); a revoked one is AUTHORIZER_UNAUTHORIZED, one needing a new authorization
   * AUTHORIZER_REAUTHORIZATION_REQUIRED, an unknown one undefined. Reads the store, never calls WeChat.
   */
  async locateAuthorizer(appId: string): Promise<string | undefined> {
    const componentAppIds = [...this.#components.keys()];
    const records = await Promise.all(componentAppIds.map((c) => this.authorizers.get(c, appId)));
    return authorizerComponent(appId, componentAppIds, records);
  }

  /**
   * Where an authorizer's access token (or, with `ticket`, its JS-SDK ticket) lives: this manager's
   * engine and the credential's key, for the token service, which serves authorizers as apps.
   */
  authorizerCredential(
    componentAppId: string,
    authorizerAppId: string,
    ticket?: TicketType,
  ): { engine: CredentialEngine; key: CredentialKey } {
    const key = this.#authorizerKey(componentAppId, authorizerAppId);
    if (ticket === undefined) return { engine: this.#engine, key };
    if (!this.#options.frontend) throw new UnknownAppError(authorizerAppId);
    return {
      engine: this.#engine,
      key: { appId: authorizerAppId, kind: authorizerTicketKindName(componentAppId, ticket) },
    };
  }

  /** Authorization events (never a token or a code). */
  onAuthorization(listener: (event: AuthorizationEvent) => void): () => void {
    return this.#flow.onAuthorization(listener);
  }

  /** Credential events of the components' tokens (fingerprints, never values). */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.#engine.subscribe(listener);
  }

  #statusReading(): StatusReading {
    return {
      engine: this.#engine,
      stores: this.#options.stores,
      clock: this.#clock,
      marginMs: this.#marginMs,
    };
  }

  #component(componentAppId: string): ComponentConfig {
    const component = this.#components.get(componentAppId);
    if (!component) throw new UnknownAppError(componentAppId);
    return component;
  }

  #authorizerKey(componentAppId: string, authorizerAppId: string): CredentialKey {
    this.#component(componentAppId);
    return { appId: authorizerAppId, kind: authorizerTokenKind(componentAppId) };
  }
}

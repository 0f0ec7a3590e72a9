import type { Clock } from '../clock.js';
import { Listeners } from '../listeners.js';
import type { Logger } from '../logger.js';
import type { AuthorizerRecord, CredentialKey, Stores } from '../store/ports.js';
import { COMPONENT_API_PATHS } from '../wechat/component-api.js';
import type { ComponentPushEvent } from '../wechat/component-push.js';
import type { Authorizers } from './authorizers.js';
import type { CredentialEngine } from './engine.js';
import type { AuthorizationEvent } from './types.js';

/** An authorization push is acted on once, however often WeChat (or a replay) repeats it. */
const PUSH_SEEN_MS = 30 * 60_000;

export interface AuthorizationFlowOptions {
  stores: Pick<Stores, 'credentials' | 'holds'>;
  authorizers: Authorizers;
  engine: Pick<CredentialEngine, 'invalidateIfSame'>;
  clock: Pick<Clock, 'now'>;
  logger: Logger;
  /** The key of an authorizer's token (throws UNKNOWN_APP for an unknown component). */
  authorizerKey(componentAppId: string, authorizerAppId: string): CredentialKey;
  /** `ComponentManager.callWithComponentToken`. */
  callWithComponentToken<T>(
    componentAppId: string,
    endpoint: string,
    fn: (token: string) => Promise<T>,
  ): Promise<T>;
}

/**
 * Merchants authorizing, updating and revoking (the `authorized`, `updateauthorized`, `unauthorized`
 * pushes and the code the browser brings back), for `ComponentManager`: the record and its refresh
 * token written, the token obtained with a previous authorization dropped on every replica, the event told.
 */
export class AuthorizationFlow {
  readonly #options: AuthorizationFlowOptions;
  readonly #events: Listeners<AuthorizationEvent>;

  constructor(options: AuthorizationFlowOptions) {
    this.#options = options;
    this.#events = new Listeners(options.logger, 'authorization event');
  }

  /** Authorization events (never a token or a code). */
  onAuthorization(listener: (event: AuthorizationEvent) => void): () => void {
    return this.#events.add(listener);
  }

  /**
   * An `authorized`, `updateauthorized` or `unauthorized` push, acted on once however often it comes
   * (a claim per push, shared by replicas). A failure is logged and releases the claim, so WeChat's
   * next delivery of the same push is acted on; the push is still answered `success`.
   */
  async onPush(event: Exclude<ComponentPushEvent, { infoType: 'component_verify_ticket' }>): Promise<void> {
    if (event.infoType === 'other') return;
    const { componentAppId, authorizerAppId, createTime, infoType } = event;
    const { holds } = this.#options.stores;
    const seen = `authorization-push:${componentAppId}:${authorizerAppId}:${infoType}:${createTime}`;
    if (!(await holds.claim(seen, PUSH_SEEN_MS)).ok) return;
    try {
      if (infoType === 'unauthorized') return await this.#unauthorize(componentAppId, authorizerAppId);
      await this.#queryAuth(componentAppId, event.authorizationCode, createTime * 1000);
      this.#events.emit({
        type: infoType === 'authorized' ? 'authorized' : 'authorization-updated',
        componentAppId,
        appId: authorizerAppId,
      });
    } catch (error) {
      await holds.hold(seen, 0);
      this.#options.logger.warn(
        {
          component: componentAppId,
          authorizer: authorizerAppId,
          infoType,
          code: (error as { code?: string }).code,
        },
        'acting on an authorization push failed; its next delivery is acted on',
      );
    }
  }

  /** The code the merchant's browser brought back to `redirect_uri` (61010 when it expired). */
  async complete(componentAppId: string, code: string): Promise<AuthorizerRecord> {
    const record = await this.#queryAuth(componentAppId, code, this.#options.clock.now());
    this.#events.emit({ type: 'authorized', componentAppId, appId: record.appId });
    return record;
  }

  async #queryAuth(componentAppId: string, code: string, at: number): Promise<AuthorizerRecord> {
    const { authorizers } = this.#options;
    const record = await this.#options.callWithComponentToken(
      componentAppId,
      COMPONENT_API_PATHS.queryAuth,
      (token) => authorizers.queryAuth(componentAppId, token, code, at),
    );
    // The refresh token changed: a token obtained with the previous authorization goes.
    await this.#dropAuthorizerToken(componentAppId, record.appId);
    return record;
  }

  async #unauthorize(componentAppId: string, authorizerAppId: string): Promise<void> {
    await this.#options.authorizers.markUnauthorized(componentAppId, authorizerAppId);
    // Deleting announces it to every replica (the store's notifications): their copies go at once, and
    // their next read finds the record UNAUTHORIZED.
    await this.#dropAuthorizerToken(componentAppId, authorizerAppId);
    this.#events.emit({ type: 'unauthorized', componentAppId, appId: authorizerAppId });
  }

  async #dropAuthorizerToken(componentAppId: string, authorizerAppId: string): Promise<void> {
    const key = this.#options.authorizerKey(componentAppId, authorizerAppId);
    const current = await this.#options.stores.credentials.getLatest(key);
    if (current) await this.#options.engine.invalidateIfSame(key, current.value);
  }
}

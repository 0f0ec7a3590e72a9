import type { Clock } from '../clock.js';
import {
  AuthorizerReauthorizationRequiredError,
  AuthorizerUnauthorizedError,
  UnknownAppError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { Redactor } from '../redact.js';
import type {
  AuthorizerIdPage,
  AuthorizerPage,
  AuthorizerPageRequest,
  AuthorizerRecord,
  AuthorizerState,
  AuthorizerStore,
  HoldStore,
} from '../store/ports.js';
import type { ComponentWeChatApi } from '../wechat/component-api.js';
import { WeChatError } from '../wechat/errors.js';
import {
  type RecoveryProgress,
  type RecoveryProgressBook,
  type RecoveryResult,
  runRecovery,
} from './authorizer-recovery.js';
import type { Obtained } from './kind.js';
import { SingleFlight } from './single-flight.js';

/** A recovery from the authorizer list runs at most once per this long per component (all replicas). */
export const RECOVERY_GAP_MS = 60_000;

export interface AuthorizersOptions {
  store: AuthorizerStore;
  holds: Pick<HoldStore, 'claim'>;
  api: Pick<ComponentWeChatApi, 'queryAuth' | 'authorizerToken' | 'authorizerList'>;
  clock: Pick<Clock, 'now'>;
  logger: Logger;
  /** Learns every refresh token and access token that passes, so no log line can hold one. */
  redactor: Pick<Redactor, 'learnCredential'>;
  /** Where recoveries keep their progress. */
  progress: RecoveryProgressBook;
}

export type { RecoveryProgress, RecoveryResult } from './authorizer-recovery.js';

/**
 * The authorizers of each component and their refresh tokens (docs/token-rules.md, "Authorizers"):
 * kept durably, replaced whenever WeChat hands out another one, recovered from `api_get_authorizer_list`
 * (every page) when lost or refused (61023), and marked `REFRESH_TOKEN_INVALID` when even the list has
 * no working one. The tokens themselves are the engine's (`kinds/authorizer-token.ts`).
 */
export class Authorizers {
  readonly #options: AuthorizersOptions;
  readonly #recoveries = new SingleFlight<RecoveryResult>();

  constructor(options: AuthorizersOptions) {
    this.#options = options;
  }

  async get(componentAppId: string, authorizerAppId: string): Promise<AuthorizerRecord | undefined> {
    const record = await this.#options.store.get(componentAppId, authorizerAppId);
    if (record?.refreshToken) this.#options.redactor.learnCredential(record.refreshToken);
    return record;
  }

  /**
   * `get` of many authorizers in one store read, in the order asked, for showing them (GraphQL, the
   * status page): without their refresh tokens, which only `get` hands out (to call WeChat with) and
   * teaches the redactor. A page of 100 then costs no redactor work, and no refresh token reaches a
   * resolver.
   */
  async getMany(
    componentAppId: string,
    authorizerAppIds: readonly string[],
  ): Promise<(AuthorizerRecord | undefined)[]> {
    const records = await this.#options.store.getMany(componentAppId, authorizerAppIds);
    return records.map((record) => record && shown(record));
  }

  /** A page of the component's authorizers, ordered by appId (a constant number of store reads), as `getMany` shows them. */
  async page(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerPage> {
    const page = await this.#options.store.page(componentAppId, request);
    return { ...page, records: page.records.map(shown) };
  }

  /** A page's appIds only (its records then read with `getMany`, beside what else the request reads). */
  pageIds(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerIdPage> {
    return this.#options.store.pageIds(componentAppId, request);
  }

  /** How many authorizers of the component are in each state. */
  counts(componentAppId: string): Promise<Record<AuthorizerState, number>> {
    return this.#options.store.counts(componentAppId);
  }

  list(componentAppId: string): Promise<AuthorizerRecord[]> {
    return this.#options.store.list(componentAppId);
  }

  /** An authorizer token from WeChat: the engine's obtain of `authorizer-token:<component>`. */
  async obtainToken(
    componentAppId: string,
    authorizerAppId: string,
    componentToken: string,
  ): Promise<Obtained> {
    let record = await this.get(componentAppId, authorizerAppId);
    if (record?.state === 'UNAUTHORIZED') throw new AuthorizerUnauthorizedError(authorizerAppId);
    if (!record?.refreshToken || record.state === 'REFRESH_TOKEN_INVALID') {
      // Lost (a Redis without persistence) or never known: the authorizer list has every refresh token.
      await this.recover(componentAppId, componentToken, { spaced: true });
      record = await this.get(componentAppId, authorizerAppId);
      if (!record) throw new UnknownAppError(authorizerAppId);
      if (record.state === 'UNAUTHORIZED') throw new AuthorizerUnauthorizedError(authorizerAppId);
      // The list (read at most once a minute) had nothing better than the token WeChat refused.
      if (!record.refreshToken || record.state === 'REFRESH_TOKEN_INVALID')
        throw new AuthorizerReauthorizationRequiredError(authorizerAppId);
    }
    try {
      return await this.#renew(componentAppId, componentToken, record, record.refreshToken as string);
    } catch (error) {
      if (!(error instanceof WeChatError && error.reaction === 'recover-refresh-token')) throw error;
      this.#options.logger.warn(
        { component: componentAppId, authorizer: authorizerAppId, errcode: error.errcode },
        'WeChat refused the refresh token; recovering it once from api_get_authorizer_list',
      );
      await this.recover(componentAppId, componentToken, { spaced: false });
      const recovered = await this.get(componentAppId, authorizerAppId);
      if (!recovered?.refreshToken || recovered.refreshToken === record.refreshToken) {
        return this.#giveUp(componentAppId, record, error);
      }
      try {
        return await this.#renew(componentAppId, componentToken, recovered, recovered.refreshToken);
      } catch (again) {
        if (again instanceof WeChatError && again.reaction === 'recover-refresh-token')
          return this.#giveUp(componentAppId, recovered, again);
        throw again;
      }
    }
  }

  /**
   * Runs api_query_auth for an authorization code (the `authorized`/`updateauthorized` push, or the
   * code the merchant's browser brought back) and records the authorizer with its refresh token.
   */
  async queryAuth(
    componentAppId: string,
    componentToken: string,
    code: string,
    at: number,
  ): Promise<AuthorizerRecord> {
    const { api, store, redactor, logger } = this.#options;
    redactor.learnCredential(code);
    const auth = await api.queryAuth(componentAppId, componentToken, code);
    redactor.learnCredential(auth.accessToken.value);
    redactor.learnCredential(auth.refreshToken);
    const record: AuthorizerRecord = {
      appId: auth.authorizerAppId,
      state: 'AUTHORIZED',
      refreshToken: auth.refreshToken,
      authorizedAt: at,
      permissions: auth.permissions,
    };
    await store.put(componentAppId, record);
    logger.info(
      { component: componentAppId, authorizer: auth.authorizerAppId, permissions: auth.permissions },
      'authorizer recorded (api_query_auth)',
    );
    return record;
  }

  /** The merchant revoked the authorization: the record stays, without its refresh token. */
  async markUnauthorized(componentAppId: string, authorizerAppId: string): Promise<void> {
    const previous = await this.get(componentAppId, authorizerAppId);
    await this.#options.store.put(componentAppId, {
      appId: authorizerAppId,
      state: 'UNAUTHORIZED',
      ...(previous?.authorizedAt !== undefined && { authorizedAt: previous.authorizedAt }),
      permissions: [],
    });
  }

  /**
   * Pages `api_get_authorizer_list` (500 a page, `RECOVERY_PAGES_AT_ONCE` at a time) and stores every
   * refresh token the store lacks or holds differently, resuming an interrupted recovery (`runRecovery`). `spaced`: skipped when any replica recovered less than a minute ago (a caller asking
   * for unknown appIds must not page the list each time).
   */
  recover(
    componentAppId: string,
    componentToken: string,
    options: { spaced: boolean },
  ): Promise<RecoveryResult> {
    return this.#recoveries.run(componentAppId, async () => {
      const claim = await this.#options.holds.claim(`authorizer-recovery:${componentAppId}`, RECOVERY_GAP_MS);
      if (options.spaced && !claim.ok) return { total: 0, recovered: 0 };
      return runRecovery(componentAppId, componentToken, this.#options);
    });
  }

  /** The progress of the component's last recovery (counts and offsets, never a token). */
  recoveryProgress(componentAppId: string): Promise<RecoveryProgress | undefined> {
    return this.#options.progress.read(componentAppId);
  }

  async #renew(
    componentAppId: string,
    componentToken: string,
    record: AuthorizerRecord,
    refreshToken: string,
  ): Promise<Obtained> {
    const { api, store, redactor } = this.#options;
    const issued = await api.authorizerToken(componentAppId, componentToken, record.appId, refreshToken);
    redactor.learnCredential(issued.accessToken.value);
    redactor.learnCredential(issued.refreshToken);
    // WeChat hands out another refresh token on a new authorization: the old one stops working.
    if (issued.refreshToken !== record.refreshToken || record.state !== 'AUTHORIZED') {
      await store.put(componentAppId, { ...record, state: 'AUTHORIZED', refreshToken: issued.refreshToken });
    }
    return { value: issued.accessToken.value, expiresInSeconds: issued.accessToken.expiresInSeconds };
  }

  async #giveUp(componentAppId: string, record: AuthorizerRecord, cause: unknown): Promise<never> {
    await this.#options.store.put(componentAppId, { ...record, state: 'REFRESH_TOKEN_INVALID' });
    this.#options.logger.warn(
      { component: componentAppId, authorizer: record.appId },
      'no working refresh token, even from the authorizer list: the merchant must authorize again',
    );
    throw new AuthorizerReauthorizationRequiredError(record.appId, { cause });
  }
}

/** A record as shown: everything but its refresh token. */
function shown({ refreshToken: _secret, ...record }: AuthorizerRecord): AuthorizerRecord {
  return record;
}

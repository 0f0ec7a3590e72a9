import {
  type AuthorizerPage,
  type AuthorizerPageRequest,
  type AuthorizerRecord,
  type AuthorizerState,
  type AuthorizerStore,
  countsOf,
  pageOf,
  sortedRecords,
} from '../ports.js';
import type { RedisStoresContext } from './context.js';

/**
 * Authorizers in Redis: one hash per component, `<prefix>{<componentAppId>}:authorizers`, field the
 * authorizer's appId, value its record as JSON; no TTL (Redis needs persistence to keep refresh tokens
 * across its restarts, docs/operations.md). Records this replica wrote or read are mirrored in its
 * memory and served from there while Redis is down.
 */
export class RedisAuthorizers implements AuthorizerStore {
  readonly #context: RedisStoresContext;
  readonly #local = new Map<string, Map<string, AuthorizerRecord>>();

  constructor(context: RedisStoresContext) {
    this.#context = context;
  }

  async get(componentAppId: string, authorizerAppId: string): Promise<AuthorizerRecord | undefined> {
    const key = this.#context.keys.authorizers(componentAppId);
    return this.#context.run(
      'authorizers.get',
      async (redis) => {
        const record = parse(await redis.hget(key, authorizerAppId));
        this.#remember(componentAppId, authorizerAppId, record);
        return record;
      },
      () => structuredCloneOrUndefined(this.#local.get(componentAppId)?.get(authorizerAppId)),
    );
  }

  async put(componentAppId: string, record: AuthorizerRecord): Promise<void> {
    const key = this.#context.keys.authorizers(componentAppId);
    this.#remember(componentAppId, record.appId, record);
    await this.#context.run(
      'authorizers.put',
      async (redis) => {
        await redis.hset(key, record.appId, JSON.stringify(record));
      },
      () => undefined,
    );
  }

  async getMany(
    componentAppId: string,
    authorizerAppIds: readonly string[],
  ): Promise<(AuthorizerRecord | undefined)[]> {
    if (authorizerAppIds.length === 0) return [];
    const key = this.#context.keys.authorizers(componentAppId);
    return this.#context.run(
      'authorizers.getMany',
      async (redis) => {
        const texts = await redis.hmget(key, ...authorizerAppIds);
        return authorizerAppIds.map((appId, at) => {
          const record = parse(texts[at]);
          this.#remember(componentAppId, appId, record);
          return record;
        });
      },
      () =>
        authorizerAppIds.map((appId) =>
          structuredCloneOrUndefined(this.#local.get(componentAppId)?.get(appId)),
        ),
    );
  }

  async page(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerPage> {
    return pageOf(await this.list(componentAppId), request);
  }

  async counts(componentAppId: string): Promise<Record<AuthorizerState, number>> {
    return countsOf(await this.list(componentAppId));
  }

  async list(componentAppId: string): Promise<AuthorizerRecord[]> {
    const key = this.#context.keys.authorizers(componentAppId);
    return this.#context.run(
      'authorizers.list',
      async (redis) =>
        sortedRecords(
          Object.values(await redis.hgetall(key)).flatMap((text) => {
            const record = parse(text);
            return record ? [record] : [];
          }),
        ),
      () => sortedRecords(this.#local.get(componentAppId)?.values() ?? []),
    );
  }

  #remember(componentAppId: string, authorizerAppId: string, record: AuthorizerRecord | undefined): void {
    const records = this.#local.get(componentAppId) ?? new Map<string, AuthorizerRecord>();
    if (record) records.set(authorizerAppId, structuredClone(record));
    else records.delete(authorizerAppId);
    this.#local.set(componentAppId, records);
  }
}

function structuredCloneOrUndefined(record: AuthorizerRecord | undefined): AuthorizerRecord | undefined {
  return record && structuredClone(record);
}

/** A stored record, or undefined for none or one this version cannot read. */
function parse(text: string | null | undefined): AuthorizerRecord | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as AuthorizerRecord;
    return typeof value?.appId === 'string' && typeof value.state === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

import calculateSlot from 'cluster-key-slot';
import { setNewest } from '../../bounded-map.js';
import {
  AUTHORIZER_STATES,
  type AuthorizerIdPage,
  type AuthorizerPage,
  type AuthorizerPageRequest,
  type AuthorizerRecord,
  type AuthorizerState,
  type AuthorizerStore,
  countsOf,
  pageOf,
  sortedRecords,
} from '../ports.js';
import type { RedisStoresContext, ScriptedRedis } from './context.js';
import { perSlot, slotGroups } from './slots.js';

/**
 * How many shards each component's index of authorizers has. Each shard is its own hash tag, so in a
 * Redis Cluster a component's index spreads over this many slots (and the records over every slot);
 * a page reads every shard, one script per slot. Fixed: changing it would strand the index's members.
 */
export const AUTHORIZER_INDEX_SHARDS = 16;

/** The index shard an authorizer's appId is in. */
export function indexShardOf(authorizerAppId: string): number {
  return calculateSlot(authorizerAppId) % AUTHORIZER_INDEX_SHARDS;
}

/** Records read per page while listing every authorizer. */
const LIST_PAGE = 500;

/**
 * Authorizers in Redis (docs/scaling.md, "Authorizers in a Cluster"), durable (no TTL: Redis needs
 * persistence to keep refresh tokens across its restarts, docs/operations.md):
 * - each record is its own key, `<prefix>{<authorizerAppId>}:authorizer:<componentAppId>` (JSON), in the
 *   authorizer's slot beside its tokens, so no slot holds a whole component;
 * - each component has an index of appIds by state, `AUTHORIZER_INDEX_SHARDS` sorted sets per state
 *   (`<prefix>{<componentAppId>:authorizers:<shard>}:<STATE>`), which pages in appId order and counts by
 *   state without reading records or scanning the keyspace.
 * A record is written before its index entry: a failure between the two leaves an authorizer whose
 * record (and refresh token) is kept and whose index entry is set again by its next write.
 * The previous layout (one hash per component) is moved to this one the first time this replica uses
 * the component, field by field (record written, then the field deleted); a record still only there
 * (written by a replica of the previous version during an upgrade) is read and moved by `get`.
 * Records this replica wrote or read are mirrored in its memory and served from there while Redis is down.
 */
export class RedisAuthorizers implements AuthorizerStore {
  readonly #context: RedisStoresContext;
  /**
   * Records this replica wrote or read, `<component>\n<authorizer>` → record, the least recently used
   * first; at most `localAuthorizerCacheSize` (the fallback while Redis is down, for those kept).
   */
  readonly #local = new Map<string, AuthorizerRecord>();
  /** componentAppId → the move of its previous-layout hash, once per replica. */
  readonly #moved = new Map<string, Promise<void>>();

  constructor(context: RedisStoresContext) {
    this.#context = context;
  }

  async get(componentAppId: string, authorizerAppId: string): Promise<AuthorizerRecord | undefined> {
    return (await this.getMany(componentAppId, [authorizerAppId]))[0];
  }

  async getMany(
    componentAppId: string,
    authorizerAppIds: readonly string[],
  ): Promise<(AuthorizerRecord | undefined)[]> {
    if (authorizerAppIds.length === 0) return [];
    await this.#moveLegacy(componentAppId);
    const { keys } = this.#context;
    return this.#context.run(
      'authorizers.get',
      async (redis) => {
        // Read with whatever else this turn reads (the page's tokens): one MGET per slot for all.
        const ids = authorizerAppIds.map((appId) => keys.authorizer(componentAppId, appId));
        const texts = await this.#context.values.read(ids);
        const records = texts.map((text) => parse(text));
        const absent = records.flatMap((record, at) => (record === undefined ? [at] : []));
        if (absent.length > 0) {
          // Written by a replica of the previous version since the move: moved now.
          const legacy = keys.legacyAuthorizers(componentAppId);
          const texts = await redis.hmget(legacy, ...absent.map((at) => authorizerAppIds[at] as string));
          for (const [i, text] of texts.entries()) {
            const record = parse(text);
            if (!record) continue;
            await this.#write(redis, componentAppId, record);
            await redis.hdel(legacy, record.appId);
            records[absent[i] as number] = record;
          }
        }
        for (const [at, appId] of authorizerAppIds.entries())
          this.#remember(componentAppId, appId, records[at]);
        // Parsed just now: the caller's own objects (`#remember` kept copies of its own).
        return records;
      },
      () =>
        authorizerAppIds.map((appId) =>
          structuredCloneOrUndefined(this.#local.get(localKey(componentAppId, appId))),
        ),
    );
  }

  async put(componentAppId: string, record: AuthorizerRecord): Promise<void> {
    this.#remember(componentAppId, record.appId, record);
    await this.#moveLegacy(componentAppId);
    await this.#context.run(
      'authorizers.put',
      (redis) => this.#write(redis, componentAppId, record),
      () => undefined,
    );
  }

  async page(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerPage> {
    const { appIds, ...rest } = await this.pageIds(componentAppId, request);
    const records = await this.getMany(componentAppId, appIds);
    return { records: records.flatMap((record) => (record ? [record] : [])), ...rest };
  }

  async pageIds(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerIdPage> {
    await this.#moveLegacy(componentAppId);
    const { options } = this.#context;
    const { after, first, state } = request;
    return this.#context.run(
      'authorizers.page',
      async (redis) => {
        const sets = this.#indexSets(componentAppId, state ? [state] : AUTHORIZER_STATES);
        // One script per slot (one in all on a single node): each answers its sets' total and first members.
        const answers = await Promise.all(
          slotGroups(options.endpoint, sets).map((indexes) =>
            redis.wxgwStoreIndexPage(
              indexes.length,
              ...indexes.map((index) => sets[index] ?? ''),
              after ?? '',
              first + 1,
            ),
          ),
        );
        let totalCount = 0;
        const appIds: string[] = [];
        for (const [total, ...members] of answers) {
          totalCount += Number(total);
          appIds.push(...members.map(String));
        }
        appIds.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        return { appIds: appIds.slice(0, first), hasNextPage: appIds.length > first, totalCount };
      },
      () => {
        const { records, ...rest } = pageOf(sortedRecords(this.#localOf(componentAppId)), request);
        return { appIds: records.map((record) => record.appId), ...rest };
      },
    );
  }

  /**
   * Moves the previous layout of each component (`moveLegacy`) before the first request needs it, so
   * no page of a started gateway waits for it (or counts its command).
   */
  async prepare(componentAppIds: readonly string[]): Promise<void> {
    await Promise.all(componentAppIds.map((componentAppId) => this.#moveLegacy(componentAppId)));
  }

  async counts(componentAppId: string): Promise<Record<AuthorizerState, number>> {
    await this.#moveLegacy(componentAppId);
    const { options } = this.#context;
    return this.#context.run(
      'authorizers.counts',
      async (redis) => {
        const counts = countsOf([]);
        await Promise.all(
          AUTHORIZER_STATES.map(async (state) => {
            const sets = this.#indexSets(componentAppId, [state]);
            const sizes = await perSlot(
              options.endpoint,
              sets,
              (group) => redis.wxgwStoreIndexCounts(group.length, ...group),
              0,
            );
            counts[state] = sizes.reduce((sum, size) => sum + Number(size), 0);
          }),
        );
        return counts;
      },
      () => countsOf(this.#localOf(componentAppId)),
    );
  }

  async list(componentAppId: string): Promise<AuthorizerRecord[]> {
    const records: AuthorizerRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.page(componentAppId, {
        first: LIST_PAGE,
        ...(after !== undefined && { after }),
      });
      records.push(...page.records);
      if (!page.hasNextPage || page.records.length === 0) return records;
      after = page.records.at(-1)?.appId;
    }
  }

  /** The record, then its index entry (its shard's sets by state: one script, one slot). */
  async #write(redis: ScriptedRedis, componentAppId: string, record: AuthorizerRecord): Promise<void> {
    const { keys } = this.#context;
    await redis.set(keys.authorizer(componentAppId, record.appId), JSON.stringify(record));
    const shard = indexShardOf(record.appId);
    const sets = AUTHORIZER_STATES.map((state) => keys.authorizerIndex(componentAppId, shard, state));
    await redis.wxgwStoreIndexMove(
      sets.length,
      ...sets,
      record.appId,
      AUTHORIZER_STATES.indexOf(record.state) + 1,
    );
  }

  /** Every shard's set of `states`. */
  #indexSets(componentAppId: string, states: readonly AuthorizerState[]): string[] {
    return states.flatMap((state) =>
      Array.from({ length: AUTHORIZER_INDEX_SHARDS }, (_, shard) =>
        this.#context.keys.authorizerIndex(componentAppId, shard, state),
      ),
    );
  }

  /**
   * Moves the component's previous-layout hash to this layout, once per replica (retried after a
   * failure). A record already moved is overwritten by the hash's: the hash only holds what a replica
   * of the previous version wrote since, which is newer. Each field is deleted once its record and
   * index entry are written, so no refresh token is ever only in flight.
   */
  #moveLegacy(componentAppId: string): Promise<void> {
    let moving = this.#moved.get(componentAppId);
    if (!moving) {
      moving = this.#move(componentAppId).catch(() => {
        // Redis is down or failed (logged by `run`): retried on next use, meanwhile served from memory.
        this.#moved.delete(componentAppId);
      });
      this.#moved.set(componentAppId, moving);
    }
    return moving;
  }

  async #move(componentAppId: string): Promise<void> {
    await this.#context.run(
      'authorizers.move',
      async (redis) => {
        const legacy = this.#context.keys.legacyAuthorizers(componentAppId);
        const fields = await redis.hgetall(legacy);
        let moved = 0;
        for (const [appId, text] of Object.entries(fields)) {
          const record = parse(text);
          // A field this version cannot read stays where it is, for the version that wrote it.
          if (!record || record.appId !== appId) continue;
          await this.#write(redis, componentAppId, record);
          await redis.hdel(legacy, appId);
          moved++;
        }
        if (moved > 0)
          this.#context.log.warn(
            { component: componentAppId, moved },
            'authorizers moved from the previous Redis layout (one hash per component) to one key each',
          );
      },
      (cause) => {
        throw cause ?? new Error('Redis is not connected');
      },
    );
  }

  #remember(componentAppId: string, authorizerAppId: string, record: AuthorizerRecord | undefined): void {
    const key = localKey(componentAppId, authorizerAppId);
    if (!record) this.#local.delete(key);
    else setNewest(this.#local, key, structuredClone(record), this.#context.options.localAuthorizerCacheSize);
  }

  /** The component's records kept in memory (what is served while Redis is down). */
  #localOf(componentAppId: string): AuthorizerRecord[] {
    const prefix = localKey(componentAppId, '');
    return [...this.#local].flatMap(([key, record]) => (key.startsWith(prefix) ? [record] : []));
  }
}

function localKey(componentAppId: string, authorizerAppId: string): string {
  return `${componentAppId}\n${authorizerAppId}`;
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

import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Redactor } from '../redact.js';
import type { AuthorizerRecord, AuthorizerStore, CredentialStore } from '../store/ports.js';
import {
  AUTHORIZER_LIST_PAGE,
  type AuthorizerListPage,
  type ComponentWeChatApi,
} from '../wechat/component-api.js';

/**
 * `recoverAuthorizers` at scale (issue 28 item 4, docs/scaling.md "Recovering them"): pages
 * `api_get_authorizer_list` 500 a page, `RECOVERY_PAGES_AT_ONCE` pages at a time, stores each page's
 * refresh tokens in one read and parallel writes, and keeps its progress in the store
 * (`<prefix>{<componentAppId>}:authorizers-recovery`, counts and offsets only, never a token), so a run
 * interrupted (an error, a replica killed) is resumed from the last offset below which every page was
 * stored, by any replica. Progress is logged every `LOG_EVERY_PAGES` pages and shown on the status page.
 */

/** The credential kind the progress is stored under, within the component's appId. */
export const RECOVERY_PROGRESS_KIND = 'authorizers-recovery';

/** Pages of the authorizer list read (and stored) at once per recovery. */
export const RECOVERY_PAGES_AT_ONCE = 4;

/** An interrupted recovery is resumed within this long of its last progress; later, it starts over. */
export const RESUME_WITHIN_MS = 6 * 3_600_000;

/** How long the progress of the last recovery is kept (and shown). */
const PROGRESS_KEPT_MS = 7 * 24 * 3_600_000;

const LOG_EVERY_PAGES = 20;

export interface RecoveryProgress {
  state: 'running' | 'done' | 'interrupted';
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  /** `total_count` as WeChat last answered it. */
  total: number;
  /** Every authorizer listed before this offset has been read and stored. */
  offset: number;
  /** Refresh tokens the store lacked or held differently, written so far by this recovery. */
  recovered: number;
  /** The offset this recovery resumed an interrupted one from. */
  resumedFrom?: number;
}

export interface RecoveryResult {
  /** Authorizers WeChat lists for the component. */
  total: number;
  /** Of those, how many had a refresh token the store lacked or held differently. */
  recovered: number;
}

/** The progress of each component's last recovery, in the shared store (no secret in it). */
export class RecoveryProgressBook {
  constructor(
    private readonly credentials: Pick<CredentialStore, 'get' | 'set'>,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  async read(componentAppId: string): Promise<RecoveryProgress | undefined> {
    const stored = await this.credentials.get({ appId: componentAppId, kind: RECOVERY_PROGRESS_KIND });
    if (!stored) return undefined;
    try {
      const progress = JSON.parse(stored.value) as RecoveryProgress;
      return typeof progress.offset === 'number' && typeof progress.state === 'string' ? progress : undefined;
    } catch {
      return undefined;
    }
  }

  async write(componentAppId: string, progress: RecoveryProgress): Promise<void> {
    const now = this.clock.now();
    await this.credentials.set(
      { appId: componentAppId, kind: RECOVERY_PROGRESS_KIND },
      { value: JSON.stringify(progress), obtainedAt: now, expiresAt: now + PROGRESS_KEPT_MS },
      'forced',
    );
  }
}

export interface RecoveryRunOptions {
  api: Pick<ComponentWeChatApi, 'authorizerList'>;
  store: Pick<AuthorizerStore, 'getMany' | 'put'>;
  progress: RecoveryProgressBook;
  clock: Pick<Clock, 'now'>;
  logger: Logger;
  redactor: Pick<Redactor, 'learnCredential'>;
}

/** One recovery of a component's refresh tokens from the authorizer list, resuming an interrupted one. */
export async function runRecovery(
  componentAppId: string,
  componentToken: string,
  options: RecoveryRunOptions,
): Promise<RecoveryResult> {
  const { api, clock, logger, progress: book } = options;
  const now = clock.now();
  const previous = await book.read(componentAppId).catch(() => undefined);
  const resumed =
    previous && previous.state !== 'done' && now - previous.updatedAt <= RESUME_WITHIN_MS
      ? previous
      : undefined;
  const progress: RecoveryProgress = {
    state: 'running',
    startedAt: resumed?.startedAt ?? now,
    updatedAt: now,
    total: resumed?.total ?? 0,
    offset: resumed?.offset ?? 0,
    recovered: resumed?.recovered ?? 0,
    ...(resumed && { resumedFrom: resumed.offset }),
  };
  if (resumed)
    logger.warn(
      { component: componentAppId, offset: resumed.offset, total: resumed.total },
      'resuming an interrupted recovery of authorizers',
    );
  let writing = book.write(componentAppId, { ...progress });
  const save = () => {
    const snapshot = { ...progress, updatedAt: clock.now() };
    writing = writing.catch(() => undefined).then(() => book.write(componentAppId, snapshot));
  };
  /** Offsets of pages stored beyond `progress.offset` (pages finish out of order). */
  const stored = new Set<number>();
  let pagesDone = 0;
  const readPage = async (offset: number): Promise<AuthorizerListPage> => {
    const page = await api.authorizerList(componentAppId, componentToken, offset, AUTHORIZER_LIST_PAGE);
    progress.total = page.totalCount;
    // Read after the await: pages run at once, and `+= await` would add to a stale count.
    const written = await storePage(componentAppId, page, options);
    progress.recovered += written;
    stored.add(offset);
    while (stored.delete(progress.offset)) progress.offset += AUTHORIZER_LIST_PAGE;
    progress.offset = Math.min(progress.offset, progress.total);
    pagesDone++;
    if (pagesDone % LOG_EVERY_PAGES === 0)
      logger.info(
        {
          component: componentAppId,
          offset: progress.offset,
          total: progress.total,
          recovered: progress.recovered,
        },
        'recovering authorizers from api_get_authorizer_list',
      );
    save();
    return page;
  };
  try {
    // The first page says how many there are; the others are read `RECOVERY_PAGES_AT_ONCE` at a time.
    const start = progress.offset;
    const first = await readPage(start);
    let next = first.list.length > 0 ? start + AUTHORIZER_LIST_PAGE : progress.total;
    if (first.list.length === 0) progress.offset = progress.total;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (!failure && next < progress.total) {
        const offset = next;
        next += AUTHORIZER_LIST_PAGE;
        try {
          await readPage(offset);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: RECOVERY_PAGES_AT_ONCE }, worker));
    if (failure) throw failure.error;
  } catch (error) {
    progress.state = 'interrupted';
    save();
    await writing.catch(() => undefined);
    logger.warn(
      {
        component: componentAppId,
        offset: progress.offset,
        total: progress.total,
        recovered: progress.recovered,
      },
      'recovery of authorizers interrupted; the next one resumes from this offset',
    );
    throw error;
  }
  progress.state = 'done';
  progress.offset = progress.total;
  progress.finishedAt = clock.now();
  save();
  await writing.catch(() => undefined);
  logger.warn(
    {
      component: componentAppId,
      total: progress.total,
      recovered: progress.recovered,
      ms: progress.finishedAt - progress.startedAt,
    },
    'authorizers recovered from api_get_authorizer_list',
  );
  return { total: progress.total, recovered: progress.recovered };
}

/** Stores a page's refresh tokens the store lacks or holds differently: one read, parallel writes. */
async function storePage(
  componentAppId: string,
  page: AuthorizerListPage,
  { store, redactor, clock }: RecoveryRunOptions,
): Promise<number> {
  const items = page.list.filter((item) => item.refreshToken);
  for (const item of items) redactor.learnCredential(item.refreshToken);
  const known = await store.getMany(
    componentAppId,
    items.map((item) => item.authorizerAppId),
  );
  const writes: AuthorizerRecord[] = [];
  for (const [at, item] of items.entries()) {
    const record = known[at];
    // The same refresh token WeChat refused stays refused; the same working one needs no write.
    if (record?.refreshToken === item.refreshToken && record.state !== 'UNAUTHORIZED') continue;
    writes.push({
      appId: item.authorizerAppId,
      state: 'AUTHORIZED',
      refreshToken: item.refreshToken,
      authorizedAt: record?.authorizedAt ?? (item.authTime > 0 ? item.authTime * 1000 : clock.now()),
      permissions: record?.permissions ?? [],
    });
  }
  await Promise.all(writes.map((record) => store.put(componentAppId, record)));
  return writes.length;
}

import type { TokenMode } from '../config/index.js';
import type { ComponentManager, ComponentSummary } from '../credentials/component-manager.js';
import type { TokenInspection, TokenService, TokenState, TokenStatus } from '../credentials/types.js';
import { errorText, type Redactor, redact, tokenFingerprint } from '../redact.js';
import type { StoreHealth, Stores } from '../store/ports.js';
import { describeErrcode, ERRCODE_CATALOG } from '../wechat/errors.js';
import { type AuthorizerListQuery, type AuthorizerListView, authorizerList } from './authorizer-list.js';

/** One line of an extra section: a label, a value, and how it should look. */
export interface StatusRow {
  label: string;
  value: string;
  /** @default 'plain' */
  tone?: 'plain' | 'ok' | 'warn' | 'bad';
}

/**
 * More per-app state shown under the token (JS-SDK tickets, say): each source names its section and
 * describes an app in rows, or answers undefined when it has nothing for the app. Never a secret.
 */
export interface StatusSectionSource {
  title: string;
  describe(appId: string): Promise<StatusRow[] | undefined>;
}

export interface AppStatusView {
  appId: string;
  name: string;
  tokenMode: TokenMode;
  state: TokenState;
  expiresAt?: Date;
  obtainedAt?: Date;
  /** Seconds left of `lifetimeSeconds` (from obtainedAt to expiresAt). */
  secondsLeft?: number;
  lifetimeSeconds?: number;
  /** Names the cached token without revealing it (as the logs and tokenEvents do). */
  fingerprint?: string;
  lastError?: { code: string; message: string; at: Date; fix?: string };
  nextRenewalAt?: Date;
  fetchLockHeldUntil?: Date;
  circuits: TokenInspection['circuits'];
  sections: { title: string; rows: StatusRow[] }[];
  /** Set when the app's state could not be read. */
  unreadable?: string;
}

export interface StatusView {
  generatedAt: Date;
  store: StoreHealth & { kind: string };
  apps: AppStatusView[];
  /** Open Platform components: ticket age, token state, authorizer counts (never a value). */
  components?: ComponentSummary[];
  /** A page of each component's authorizers (searched and paged as the query asks). */
  authorizerLists?: AuthorizerListView[];
}

export interface StatusSources {
  tokens: Pick<TokenService, 'listApps' | 'statuses' | 'inspect'>;
  store: Pick<Stores, 'kind' | 'health'>;
  sections: readonly StatusSectionSource[];
  components?: Pick<ComponentManager, 'summaries' | 'list' | 'authorizers' | 'tokenStatuses'>;
  now: () => number;
  /** How long the store may take to report its health (as for /ready). */
  healthTimeoutMs: number;
  /** The gateway's redaction: every text the page shows leaves through it. @default patterns only */
  redactor?: Redactor;
}

/** What to do about the gateway's own codes; WeChat codes take the errcode catalog's advice. */
const GATEWAY_FIXES: Readonly<Record<string, string>> = {
  UPSTREAM_UNAVAILABLE:
    'WeChat did not answer (network error, timeout or 5xx on every base URL): check the egress path; the gateway retries in the background.',
  UPSTREAM_BAD_RESPONSE:
    'WeChat answered something that is not its JSON: check proxies between the gateway and WeChat.',
  STORE_UNAVAILABLE: 'Redis is unreachable: restore it; replicas recover by themselves when it answers.',
};

const WECHAT_FIXES: ReadonlyMap<string, string> = new Map(
  [...ERRCODE_CATALOG.keys()]
    .map((errcode) => describeErrcode(errcode, 'token'))
    .reverse()
    .map((entry) => [entry.code, entry.advice]),
);

export function fixFor(code: string): string | undefined {
  return GATEWAY_FIXES[code] ?? WECHAT_FIXES.get(code);
}

function tokenPart(status: TokenStatus, now: number): Partial<AppStatusView> {
  const { expiresAt, obtainedAt, accessToken } = status;
  if (!expiresAt || !obtainedAt) return {};
  return {
    expiresAt,
    obtainedAt,
    secondsLeft: Math.max(0, (expiresAt.getTime() - now) / 1000),
    lifetimeSeconds: Math.max(1, (expiresAt.getTime() - obtainedAt.getTime()) / 1000),
    // The token itself never leaves this function.
    ...(accessToken && { fingerprint: tokenFingerprint(accessToken) }),
  };
}

async function sectionsOf(appId: string, sources: readonly StatusSectionSource[]) {
  const described = await Promise.all(
    sources.map(async (source) => {
      const rows = await source
        .describe(appId)
        .catch(() => [{ label: 'state', value: 'could not be read', tone: 'bad' as const }]);
      return rows ? { title: source.title, rows } : undefined;
    }),
  );
  return described.filter((section) => section !== undefined);
}

/** A page collected without the gateway's redactor knows only the patterns. */
function redactorOf(sources: StatusSources): Pick<Redactor, 'redact' | 'errorText'> {
  return sources.redactor ?? { redact, errorText };
}

async function appView(
  app: { appId: string; name: string; tokenMode: TokenMode },
  read: Promise<TokenStatus>,
  sources: StatusSources,
): Promise<AppStatusView> {
  const base = { appId: app.appId, name: app.name, tokenMode: app.tokenMode, circuits: [], sections: [] };
  try {
    const [status, inspection, sections] = await Promise.all([
      read,
      sources.tokens.inspect?.(app.appId) ?? Promise.resolve<TokenInspection>({ circuits: [] }),
      sectionsOf(app.appId, sources.sections),
    ]);
    const { lastError } = status;
    return {
      ...base,
      state: status.state,
      ...tokenPart(status, sources.now()),
      ...(lastError && {
        lastError: {
          code: lastError.code,
          message: redactorOf(sources).redact(lastError.message),
          at: lastError.at,
          ...(fixFor(lastError.code) && { fix: fixFor(lastError.code) }),
        },
      }),
      ...(inspection.nextRenewalAt && { nextRenewalAt: inspection.nextRenewalAt }),
      ...(inspection.fetchLockHeldUntil && { fetchLockHeldUntil: inspection.fetchLockHeldUntil }),
      circuits: inspection.circuits,
      sections,
    };
  } catch (error) {
    return {
      ...base,
      state: 'MISSING',
      unreadable: redactorOf(sources).errorText(error),
    };
  }
}

/** Everything the page shows, read from the store and this replica's manager; never calls WeChat. */
export async function collectStatus(
  sources: StatusSources,
  query: AuthorizerListQuery = {},
): Promise<StatusView> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, degraded: false, detail: `no answer within ${sources.healthTimeoutMs} ms` }),
      sources.healthTimeoutMs,
    );
  });
  const health = Promise.race([
    sources.store.health().catch(
      (error: unknown): StoreHealth => ({
        ok: false,
        degraded: false,
        detail: redactorOf(sources).errorText(error),
      }),
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
  const listed = sources.tokens.listApps();
  // Every app's token in one store read; a failed read shows on each app.
  const statuses = sources.tokens.statuses(listed.map((app) => app.appId));
  // Each app's view shows a failed read; with no app, nothing else would observe it.
  statuses.catch(() => undefined);
  const [store, apps, components, authorizerLists] = await Promise.all([
    health,
    Promise.all(
      listed.map((app, at) =>
        appView(
          app,
          statuses.then((all) => all[at] as TokenStatus),
          sources,
        ),
      ),
    ),
    sources.components?.summaries().catch(() => []) ?? [],
    collectAuthorizerLists(sources, query),
  ]);
  const detail = store.detail === undefined ? {} : { detail: redactorOf(sources).redact(store.detail) };
  return {
    generatedAt: new Date(sources.now()),
    store: { kind: sources.store.kind, ok: store.ok, degraded: store.degraded, ...detail },
    apps,
    components,
    ...(authorizerLists.length > 0 && { authorizerLists }),
  };
}

/**
 * A page of every component's authorizers: the one the query names (or the first) as it asks, the
 * others from their start; a component that cannot be read is left out (its card still shows counts).
 */
async function collectAuthorizerLists(
  sources: StatusSources,
  query: AuthorizerListQuery,
): Promise<AuthorizerListView[]> {
  const manager = sources.components;
  if (!manager) return [];
  const configured = manager.list().map((c) => c.appId);
  const selected = query.component && configured.includes(query.component) ? query.component : configured[0];
  const notice =
    query.component && !configured.includes(query.component)
      ? 'Ignored: component is not a configured component.'
      : query.notice;
  const lists = await Promise.all(
    configured.map((appId) =>
      authorizerList(manager, appId, appId === selected ? { ...query, ...(notice && { notice }) } : {}).catch(
        () => undefined,
      ),
    ),
  );
  return lists.flatMap((list) => (list ? [list] : []));
}

import type { ComponentSummary } from '../credentials/component-manager.js';
import type { TokenState, TokenStatus } from '../credentials/types.js';
import type { StoreHealth } from '../store/ports.js';
import { WECOM_ERRCODE_CATALOG } from '../wechat/errcode-catalog.js';
import { describeErrcode, ERRCODE_CATALOG } from '../wechat/errors.js';

/**
 * Error codes an operator must fix (a wrong secret, an IP not whitelisted, …): retrying cannot help,
 * so an app failing with one does not hold readiness back — taking the replica out of rotation
 * would not fix it either — and `/ready` names it instead.
 */
export const CONFIG_ERROR_CODES: ReadonlySet<string> = new Set(
  [
    ...[...ERRCODE_CATALOG.keys()].flatMap((errcode) => [
      describeErrcode(errcode, 'token'),
      describeErrcode(errcode, 'api'),
    ]),
    ...WECOM_ERRCODE_CATALOG.values(),
  ]
    .filter((entry) => !entry.retryable)
    .map((entry) => entry.code),
);

export interface AppReadiness {
  appId: string;
  name: string;
  ready: boolean;
  state: TokenState;
  /** Why the app is (not) ready: a usable token, a known configuration error, or waiting. */
  reason: 'token' | 'config_error' | 'no_token';
  /** The last failure to obtain a token, when there was one (its code only: messages may be long). */
  error?: string;
}

/**
 * The store in one word: `ok`; `degraded` (a shared store is down and this replica serves from its
 * own memory: not ready, so a load balancer prefers replicas that still share state); `down` (the
 * store does not answer at all).
 */
export type StoreStatus = 'ok' | 'degraded' | 'down';

export interface StoreReadiness {
  kind: string;
  status: StoreStatus;
  /** What is wrong, for anyone to read: never an address or a credential. */
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  store: StoreReadiness;
  apps: AppReadiness[];
}

export function storeStatus(health: Pick<StoreHealth, 'ok' | 'degraded'>): StoreStatus {
  if (!health.ok) return 'down';
  return health.degraded ? 'degraded' : 'ok';
}

const USABLE: ReadonlySet<TokenState> = new Set(['FRESH', 'EXPIRING']);

export function appReadiness(status: TokenStatus): AppReadiness {
  const base = { appId: status.appId, name: status.name, state: status.state };
  const error = status.lastError?.code;
  if (USABLE.has(status.state)) return { ...base, ready: true, reason: 'token', ...(error && { error }) };
  if (error && CONFIG_ERROR_CODES.has(error)) return { ...base, ready: true, reason: 'config_error', error };
  return { ...base, ready: false, reason: 'no_token', ...(error && { error }) };
}

/**
 * Ready when the store is reachable and not degraded (a replica on its local fallback must leave
 * the rotation), at least one app is configured, and each app has a usable token or a known
 * configuration error.
 */
export function decideReadiness(
  store: StoreHealth & { kind: string },
  statuses: readonly TokenStatus[],
): Readiness {
  const apps = statuses.map(appReadiness);
  const status = storeStatus(store);
  const ready = status === 'ok' && apps.length > 0 && apps.every((app) => app.ready);
  return {
    ready,
    store: { kind: store.kind, status, ...(store.detail === undefined ? {} : { detail: store.detail }) },
    apps,
  };
}

/** The apps `/ready` lists by name at most: the others are counted, so its size does not grow with them. */
export const READY_LISTED_APPS = 20;

/** `/ready`'s apps: counts, and the apps needing attention (not ready, or a configuration error) up to a bound. */
export interface AppsSummary {
  total: number;
  ready: number;
  byState: Record<TokenState, number>;
  byReason: Record<AppReadiness['reason'], number>;
  /** By platform (`officialAccount`, `miniProgram`, `wecom`). */
  byKind: Record<string, number>;
  /** The first `READY_LISTED_APPS` apps not ready or failing on a configuration error, in configuration order. */
  attention: AppReadiness[];
  /** How many more need attention than `attention` lists. */
  attentionNotListed: number;
}

/** Summarises the apps' readiness (`kindOf`: each app's platform) for `/ready`. */
export function summarizeApps(
  apps: readonly AppReadiness[],
  kindOf: (appId: string) => string,
  listed = READY_LISTED_APPS,
): AppsSummary {
  const byState: Record<TokenState, number> = { FRESH: 0, EXPIRING: 0, EXPIRED: 0, MISSING: 0 };
  const byReason: Record<AppReadiness['reason'], number> = { token: 0, config_error: 0, no_token: 0 };
  const byKind: Record<string, number> = {};
  const attention: AppReadiness[] = [];
  let needing = 0;
  let ready = 0;
  for (const app of apps) {
    byState[app.state]++;
    byReason[app.reason]++;
    const kind = kindOf(app.appId);
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (app.ready) ready++;
    if (app.reason === 'token') continue;
    needing++;
    if (attention.length < listed) attention.push(app);
  }
  return {
    total: apps.length,
    ready,
    byState,
    byReason,
    byKind,
    attention,
    attentionNotListed: needing - attention.length,
  };
}

/**
 * Where each component's refresh tokens live and what losing them costs: the store keeps them without a
 * TTL, so a Redis without persistence (AOF or RDB) loses every one on its restart.
 */
export function refreshTokenNote(storeKind: string): string {
  return storeKind === 'redis'
    ? 'Authorizer refresh tokens and verify tickets are kept in Redis without a TTL: Redis needs persistence (AOF or RDB), or its restart loses them (recoverAuthorizers restores refresh tokens from WeChat; WeChat pushes a new ticket within 10 minutes).'
    : "Authorizer refresh tokens and verify tickets are kept in this process's memory: a restart loses them (recoverAuthorizers restores refresh tokens from WeChat; WeChat pushes a new ticket within 10 minutes).";
}

/** The components in /ready's detail: ticket, token and authorizer counts (never a value); not a readiness condition. */
export function componentReadiness(
  summaries: readonly ComponentSummary[] | undefined,
  storeKind: string,
): { refreshTokens: string; list: unknown[] } | { refreshTokens: string; unreadable: true } {
  const refreshTokens = refreshTokenNote(storeKind);
  if (!summaries) return { refreshTokens, unreadable: true };
  return {
    refreshTokens,
    list: summaries.map((c) => ({
      appId: c.appId,
      name: c.name,
      verifyTicket: {
        state: c.verifyTicket.state,
        ...(c.verifyTicket.ageSeconds !== undefined && { ageSeconds: c.verifyTicket.ageSeconds }),
        ...(c.verifyTicket.pushRestartedAt && {
          pushRestartedAt: c.verifyTicket.pushRestartedAt.toISOString(),
        }),
        ...(c.verifyTicket.lastRestartError && { pushRestartError: c.verifyTicket.lastRestartError }),
      },
      token: { state: c.token.state, ...(c.token.lastError && { error: c.token.lastError.code }) },
      authorizers: c.authorizers,
    })),
  };
}

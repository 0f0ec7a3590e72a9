import DataLoader from 'dataloader';
import type { AuthenticatedCaller } from '../auth/resolve-caller.js';
import type { RefreshBudget } from '../limits/rate-limiter.js';
import type { IpList, IpListCache } from '../services/ip-list-cache.js';
import type { JsSdkSigner } from '../services/js-sdk.js';
import type { NetworkChecker } from '../services/network-check.js';
import type { WeChatOps } from '../services/wechat-ops.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { TokenService, TokenStatus } from '../token/types.js';

/** Per-request loaders keyed by appId: aliases asking the same app in one request resolve once. */
export interface Loaders {
  status: DataLoader<string, TokenStatus>;
  callbackIps: DataLoader<string, IpList>;
  apiDomainIps: DataLoader<string, IpList>;
}

/** What Yoga's `context` factory builds for each request. */
export interface RequestContext {
  tokens: TokenService;
  loaders: Loaders;
  /** WeChat's operations endpoints (quotas, clear_quota, rid lookup): uncached, one call per field. */
  ops: WeChatOps;
  /** What web pages need: JS-SDK tickets (state only), signatures, the callback network check. */
  pages: PageServices;
}

export interface PageServices {
  tickets: Pick<TicketService, 'statuses'>;
  signer: JsSdkSigner;
  network: NetworkChecker;
}

/** What resolvers see: the request context plus what the security plugins add before execution. */
export interface GraphQLContext extends RequestContext {
  /** Who is calling (set by useAuth, which refuses a request before execution when it cannot say). */
  caller: AuthenticatedCaller;
  /** The caller's refreshToken budgets (set by useRateLimit). */
  refreshBudget?: RefreshBudget;
}

export interface ContextDeps {
  tokens: TokenService;
  callbackIps: IpListCache;
  apiDomainIps: IpListCache;
  ops: WeChatOps;
  pages: PageServices;
}

/** Settles every key on its own, so one failing app fails only the fields that asked for it. */
function perKey<V>(load: (appId: string) => Promise<V>) {
  return (appIds: readonly string[]) =>
    Promise.all(appIds.map((appId) => load(appId).catch((error: unknown) => toError(error))));
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Each loader is made when a resolver first asks for it: most requests need one of them, or none. */
function createLoaders(deps: Pick<ContextDeps, 'tokens' | 'callbackIps' | 'apiDomainIps'>): Loaders {
  let status: Loaders['status'] | undefined;
  let callbackIps: Loaders['callbackIps'] | undefined;
  let apiDomainIps: Loaders['apiDomainIps'] | undefined;
  return {
    get status() {
      status ??= new DataLoader(perKey((appId) => deps.tokens.status(appId)));
      return status;
    },
    get callbackIps() {
      callbackIps ??= new DataLoader(perKey((appId) => deps.callbackIps.get(appId)));
      return callbackIps;
    },
    get apiDomainIps() {
      apiDomainIps ??= new DataLoader(perKey((appId) => deps.apiDomainIps.get(appId)));
      return apiDomainIps;
    },
  };
}

/** Yoga's `context` factory: fresh loaders for this request only (the caller comes from useAuth). */
export function createContextFactory(deps: ContextDeps) {
  return (): RequestContext => ({
    tokens: deps.tokens,
    loaders: createLoaders(deps),
    ops: deps.ops,
    pages: deps.pages,
  });
}

import type { AuthenticatedCaller } from '../auth/resolve-caller.js';
import type { ComponentManager } from '../credentials/component-manager.js';
import type { JsSdkTickets } from '../credentials/kinds/js-sdk-ticket.js';
import type { TokenService } from '../credentials/types.js';
import type { RefreshBudget } from '../limits/rate-limiter.js';
import type { IpList, IpListCache } from '../services/ip-list-cache.js';
import type { JsSdkSigner } from '../services/js-sdk.js';
import type { NetworkChecker } from '../services/network-check.js';
import type { OpenApiManagement } from '../services/open-api-management.js';

/** One result per app for one request: aliases asking the same app resolve once. */
export interface PerApp<V> {
  load(appId: string): Promise<V>;
}

/**
 * Per-request loaders of what WeChat answers, keyed by appId. A list's token statuses are batched by
 * the field itself (`App.tokenStatus`, a Pothos loadable field: one store read per request).
 */
export interface Loaders {
  callbackIps: PerApp<IpList>;
  apiDomainIps: PerApp<IpList>;
}

/** What Yoga's `context` factory builds for each request. */
export interface RequestContext {
  tokens: TokenService;
  loaders: Loaders;
  /** WeChat's OpenAPI management endpoints (quotas, clear_quota, rid lookup): uncached, one call per field. */
  openApi: OpenApiManagement;
  /** What web pages need: JS-SDK tickets (state only), signatures, the callback network check. */
  pages: PageServices;
  /** The Open Platform components, when any is configured. */
  components?: ComponentManager;
}

export interface PageServices {
  tickets: Pick<JsSdkTickets, 'statuses'>;
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
  openApi: OpenApiManagement;
  pages: PageServices;
  components?: ComponentManager | undefined;
}

/**
 * Remembers each app's answer for the request: every app is read at most once per request, at once
 * (nothing is batched, so nothing waits for a deferred dispatch as a DataLoader would).
 */
function perApp<V>(load: (appId: string) => Promise<V>): PerApp<V> {
  const answers = new Map<string, Promise<V>>();
  return {
    load(appId) {
      let answer = answers.get(appId);
      if (!answer) {
        answer = load(appId);
        answers.set(appId, answer);
      }
      return answer;
    },
  };
}

/** Each loader is made when a resolver first asks for it: most requests need one of them, or none. */
function createLoaders(deps: Pick<ContextDeps, 'callbackIps' | 'apiDomainIps'>): Loaders {
  let callbackIps: Loaders['callbackIps'] | undefined;
  let apiDomainIps: Loaders['apiDomainIps'] | undefined;
  return {
    get callbackIps() {
      callbackIps ??= perApp((appId) => deps.callbackIps.get(appId));
      return callbackIps;
    },
    get apiDomainIps() {
      apiDomainIps ??= perApp((appId) => deps.apiDomainIps.get(appId));
      return apiDomainIps;
    },
  };
}

/** Yoga's `context` factory: fresh loaders for this request only (the caller comes from useAuth). */
export function createContextFactory(deps: ContextDeps) {
  return (): RequestContext => ({
    tokens: deps.tokens,
    loaders: createLoaders(deps),
    openApi: deps.openApi,
    pages: deps.pages,
    ...(deps.components && { components: deps.components }),
  });
}

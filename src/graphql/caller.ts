import { type Config, SCOPES, type Scope } from '../config.js';

/** Who is calling: what they may do, and (when restricted) on which apps. */
export interface Caller {
  scopes: ReadonlySet<Scope>;
  /** When set, the caller may only act on these apps. */
  appIds?: ReadonlySet<string>;
}

/** A gateway without API keys is open (development): every caller holds every scope. */
export const OPEN_CALLER: Caller = { scopes: new Set(SCOPES) };

/** A caller that presented no recognised key to a gateway that has keys: it holds no scope. */
export const ANONYMOUS_CALLER: Caller = { scopes: new Set() };

/**
 * The caller of one request. Without configured API keys every caller is trusted with all scopes;
 * with keys, recognising a presented key is the job of the access-control layer, and until a key is
 * recognised the caller holds no scope, so every scoped field answers FORBIDDEN.
 */
export function resolveCaller(_request: Request, auth: Config['auth']): Caller {
  return auth.apiKeys.length === 0 ? OPEN_CALLER : ANONYMOUS_CALLER;
}

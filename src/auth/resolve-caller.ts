import type { Config } from '../config/index.js';
import { UnauthenticatedError } from '../errors.js';
import { type ApiKeyEntry, ApiKeyRing } from './api-key-ring.js';
import { presentedKey } from './presented-key.js';
import { SCOPES, type Scope } from './scopes.js';

/** Who is calling: what they may do, on which apps, and under which name budgets are kept. */
export interface AuthenticatedCaller {
  scopes: ReadonlySet<Scope>;
  /** When set, the caller may only act on these apps (and on the authorizers of `componentAppIds`). */
  appIds?: ReadonlySet<string>;
  /**
   * When set, the caller may act on every authorizer of these Open Platform components (and on
   * `Query.component` for them), and on no other app than `appIds`.
   */
  componentAppIds?: ReadonlySet<string>;
  /** Names the caller's rate-limit budget and log lines: the key's id, or "anonymous"; never the key. */
  id: string;
  /** The key's configured name, or "anonymous". */
  name: string;
}

/** Everyone, on a gateway without API keys (development, or GATEWAY_ALLOW_ANONYMOUS=true). */
export const OPEN_CALLER: AuthenticatedCaller = {
  scopes: new Set(SCOPES),
  id: 'anonymous',
  name: 'anonymous',
};

export type CallerResolution = { caller: AuthenticatedCaller } | { error: UnauthenticatedError };

/**
 * Turns request headers into a caller. Without configured keys every request is the open caller (all
 * scopes); with keys, a request must present a recognised key, or it is refused as a whole.
 */
export function createCallerResolver(
  auth: Pick<Config['auth'], 'apiKeys'>,
): (headers: Headers) => CallerResolution {
  const ring = new ApiKeyRing(auth.apiKeys);
  if (ring.size === 0) return () => ({ caller: OPEN_CALLER });
  // One caller per key, so what is cached per caller (the compiled phase's answers) is shared by
  // every connection presenting it.
  const callers = new Map<ApiKeyEntry, AuthenticatedCaller>();
  const callerOf = (entry: ApiKeyEntry): AuthenticatedCaller => {
    let caller = callers.get(entry);
    if (!caller) {
      caller = {
        scopes: entry.scopes,
        appIds: entry.appIds,
        ...(entry.componentAppIds && { componentAppIds: entry.componentAppIds }),
        id: entry.id,
        name: entry.name,
      };
      callers.set(entry, caller);
    }
    return caller;
  };
  return (headers) => {
    const presented = presentedKey(headers);
    switch (presented.kind) {
      case 'none':
        return { error: new UnauthenticatedError() };
      case 'malformed':
        return { error: new UnauthenticatedError(presented.reason) };
      case 'key': {
        const entry = ring.match(presented.key);
        if (!entry)
          return { error: new UnauthenticatedError('The API key is not recognised by this gateway.') };
        return { caller: callerOf(entry) };
      }
    }
  };
}

import type { Plugin } from 'graphql-yoga';
import { type AuthenticatedCaller, OPEN_CALLER } from '../auth/resolve-caller.js';
import { RateLimitedError } from '../errors.js';
import type { RateLimiter, RefreshBudget } from '../limits/rate-limiter.js';
import { refuseRequest } from './http-error.js';

export interface RateLimitPluginOptions {
  limiter: RateLimiter;
  /** Who made the request (from useAuth); requests it did not see count as the open caller. */
  callerOf(request: Request): AuthenticatedCaller | undefined;
}

/**
 * Draws every GraphQL request from its key's budget before the body is read; an empty budget answers
 * 429 RATE_LIMITED with `Retry-After`. Must come after useAuth. On an open gateway (no keys) every
 * caller is the same anonymous caller, so a per-key budget would be one budget for all clients and
 * throttle the whole service: requests are not budgeted there. The caller's refreshToken budgets
 * (which protect WeChat's quota, keys or not) go into the context as `refreshBudget`, checked by the
 * resolver once it knows the app.
 */
export function useRateLimit(options: RateLimitPluginOptions): Plugin<{ refreshBudget?: RefreshBudget }> {
  return {
    async onRequestParse({ request }) {
      const caller = options.callerOf(request) ?? OPEN_CALLER;
      if (caller === OPEN_CALLER) return;
      try {
        await options.limiter.checkRequest(caller);
      } catch (error) {
        if (error instanceof RateLimitedError) {
          throw refuseRequest(error, 429, { 'Retry-After': String(error.retryAfterSeconds ?? 1) });
        }
        throw error;
      }
    },
    onContextBuilding({ context, extendContext }) {
      const caller = options.callerOf(context.request) ?? OPEN_CALLER;
      extendContext({ refreshBudget: options.limiter.refreshBudgetOf(caller) });
    },
  };
}

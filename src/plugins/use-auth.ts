import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { repeatedCredentialHeader } from '../auth/presented-key.js';
import { type AuthenticatedCaller, createCallerResolver } from '../auth/resolve-caller.js';
import type { Config } from '../config/index.js';
import { BadUserInputError } from '../errors.js';
import { refuseRequest } from './http-error.js';

export interface AuthPlugin extends Plugin<{ caller?: AuthenticatedCaller }> {
  /** The caller of a request this plugin has accepted (rate limits are kept per caller). */
  callerOf(request: Request): AuthenticatedCaller | undefined;
}

/**
 * Resolves the caller from `Authorization: Bearer <key>` or `x-api-key` before the body is read. With
 * keys configured, a request without a recognised key is refused as a whole (401 UNAUTHENTICATED);
 * a credential header sent twice is 400 BAD_USER_INPUT, whichever copy is right; per-field scope checks (FORBIDDEN) happen in the schema, from the caller put into the context here.
 */
export function useAuth(auth: Pick<Config['auth'], 'apiKeys'>): AuthPlugin {
  const resolve = createCallerResolver(auth);
  const callers = new WeakMap<Request, AuthenticatedCaller>();
  return {
    callerOf: (request) => callers.get(request),
    onRequestParse({ request, serverContext }) {
      const raw = (serverContext as { req?: Pick<IncomingMessage, 'rawHeaders'> }).req?.rawHeaders ?? [];
      const repeated = repeatedCredentialHeader(raw);
      if (repeated) {
        throw refuseRequest(
          new BadUserInputError(`The request carries the ${repeated} header more than once; send it once.`),
          400,
        );
      }
      const resolution = resolve(request.headers);
      if ('error' in resolution) {
        throw refuseRequest(resolution.error, 401, { 'WWW-Authenticate': 'Bearer realm="wxtoken-gateway"' });
      }
      callers.set(request, resolution.caller);
    },
    onContextBuilding({ context, extendContext }) {
      const caller = callers.get(context.request);
      if (caller) extendContext({ caller });
    },
  };
}

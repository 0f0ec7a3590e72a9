import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { repeatedCredentialHeader } from '../auth/presented-key.js';
import { type AuthenticatedCaller, createCallerResolver } from '../auth/resolve-caller.js';
import type { Config } from '../config/index.js';
import { BadUserInputError } from '../errors.js';
import type { Refusal } from './respond.js';

/** What `presentedKey` reads, straight from node's headers (no Fetch `Headers` per request). */
function headerReader(req: IncomingMessage): Headers {
  return {
    get(name: string): string | null {
      const value = req.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  } as Headers;
}

/**
 * Resolves the caller of a GraphQL request from `Authorization: Bearer <key>` or `x-api-key` before its
 * body is read. With keys configured, a request without a recognised key is refused as a whole (401
 * UNAUTHENTICATED); a credential header sent twice is 400 BAD_USER_INPUT, whichever copy is right
 * (node keeps only the first `Authorization`, so only the raw list tells). Scopes are checked per field
 * in the schema, from the caller the pipeline puts into the context.
 */
export function createCallerPhase(
  auth: Pick<Config['auth'], 'apiKeys'>,
): (req: IncomingMessage) => { caller: AuthenticatedCaller } | { refusal: Refusal } {
  const resolve = createCallerResolver(auth);
  /**
   * The caller each keep-alive connection was last resolved to, with the credential headers it sent:
   * a client sends the same ones on every request, so their key is hashed once per connection. The
   * headers are compared with what the same connection sent before, never with a configured key, so
   * the comparison's timing tells nothing of the keys.
   */
  const callers = new WeakMap<
    Socket,
    {
      authorization: string | undefined;
      apiKey: string | string[] | undefined;
      resolution: { caller: AuthenticatedCaller };
    }
  >();
  return (req) => {
    const repeated = repeatedCredentialHeader(req.rawHeaders);
    if (repeated) {
      return {
        refusal: {
          status: 400,
          error: new BadUserInputError(
            `The request carries the ${repeated} header more than once; send it once.`,
          ),
        },
      };
    }
    const { authorization, 'x-api-key': apiKey } = req.headers;
    const last = callers.get(req.socket);
    if (last && last.authorization === authorization && last.apiKey === apiKey) return last.resolution;
    const resolution = resolve(headerReader(req));
    if ('error' in resolution) {
      return {
        refusal: {
          status: 401,
          error: resolution.error,
          headers: ['www-authenticate', 'Bearer realm="wxtoken-gateway"'],
        },
      };
    }
    callers.set(req.socket, { authorization, apiKey, resolution });
    return resolution;
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthenticatedCaller } from '../auth/resolve-caller.js';
import type { RefreshBudget } from '../limits/rate-limiter.js';
import type { RanOperation } from '../metrics/operation-label.js';
import { REQUEST_ID_HEADER, type RequestId, requestIdFor } from './request-id.js';

/** Which part of the gateway a request is for, decided once by the pipeline (pipeline.ts). */
export type Route =
  /** A GraphQL operation at the GraphQL endpoint: admitted, executed, observed. */
  | 'graphql'
  /** WeChat's pushes: no key, no CORS, no GraphQL limits (src/plugins/use-component-push.ts). */
  | 'push'
  /** Every other path: GraphiQL, health, readiness, metrics, the status page, unknown paths. */
  | 'endpoint';

/** What an executor reports of the operation it ran, for the request line and the metric. */
export interface Outcome {
  /** As sent in `operationName` or declared in the document; undefined for anonymous operations. */
  operationName?: string | undefined;
  /** The operation that ran (only this names a metric series: metrics/operation-label.ts). */
  ran?: RanOperation | undefined;
  /** Its result refused it whole: every error FORBIDDEN, nothing answered (`refusedEntirely`). */
  refused?: boolean;
  /** `ok` or the first error's `extensions.code`. */
  code?: string;
  /** The first error's `extensions.reason`. */
  reason?: string | undefined;
}

/**
 * One request on its way through the pipeline: what the admission phases established (its id, the
 * caller, a listed origin) and what the executor reports back (its outcome), so that decoration and
 * observation, written once, read the same facts whichever executor answered.
 */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The request target's path as sent (no query; dot segments untouched). */
  readonly path: string;
  readonly route: Route;
  readonly requestId: RequestId;
  /** `performance.now()` when the request reached the pipeline. */
  readonly startedAt: number;
  /** A listed origin a cross-origin request came from (src/pipeline/cors.ts). */
  origin?: string;
  caller?: AuthenticatedCaller;
  refreshBudget?: RefreshBudget;
  /** The request's document key, when an executor may compile the document Yoga runs for it. */
  documentKey?: string;
  readonly outcome: Outcome;
  /** The request line and metric were written (observe.ts): once per request. */
  observed: boolean;
}

/** The path of a request target (`/graphql?x=1` → `/graphql`). */
function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

export function createExchange(
  req: IncomingMessage,
  res: ServerResponse,
  routeOf: (path: string) => Route,
  generateId?: () => string,
): Exchange {
  const path = pathOf(req.url ?? '/');
  return {
    req,
    res,
    path,
    route: routeOf(path),
    requestId: requestIdFor(req.headers[REQUEST_ID_HEADER] as string | undefined, generateId),
    startedAt: performance.now(),
    outcome: {},
    observed: false,
  };
}

/** The exchange Yoga's server context carries (pipeline.ts hands it over with the request). */
export function exchangeOf(serverContext: unknown): Exchange | undefined {
  return (serverContext as { exchange?: Exchange } | undefined)?.exchange;
}

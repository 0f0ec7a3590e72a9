import { type DocumentNode, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RanOperation } from '../metrics/gateway-metrics.js';
import { resultCode, resultReason, statusCode } from '../metrics/result-code.js';

/** What happened to one request to the GraphQL endpoint, reported once its response is ready. */
export interface GraphQLRequestOutcome {
  /** Yoga's per-request server context (the key other plugins can correlate on). */
  serverContext: object;
  /** As sent in `operationName` or declared in the document; undefined for anonymous operations. */
  operationName: string | undefined;
  /**
   * The operation that ran: one the document (parsed and valid) holds under that name, whose
   * execution produced data or a stream. Undefined when none did: a refusal (a stream over its cap
   * included), a parse or validation failure, a name the document lacks, variables that do not
   * coerce. Only this names a metric series, so a client cannot claim label slots with names.
   */
  ran: RanOperation | undefined;
  /** `ok`, or the first error's code as the response says it (or one named after the HTTP status when there was no result). */
  code: string;
  /** The first error's `extensions.reason`, when it has one (Yoga's name for a `BAD_USER_INPUT`). */
  reason: string | undefined;
  status: number;
  durationMs: number;
}

export interface TrackGraphQLRequestsOptions {
  /** @default '/graphql' */
  graphqlEndpoint?: string;
  onOutcome(outcome: GraphQLRequestOutcome): void;
}

interface Tracked {
  startedAt: number;
  sawParams: boolean;
  operationName: string | undefined;
  ran: RanOperation | undefined;
  /** Read once the response is ready: later plugins give errors their final code (useRequestErrorCodes). */
  result: unknown;
}

/** An execution result with data (null included) or a stream: graphql-js began the operation. */
function produced(result: unknown): boolean {
  return (
    typeof result === 'object' && result !== null && (Symbol.asyncIterator in result || 'data' in result)
  );
}

/**
 * Follows each request to the GraphQL endpoint from arrival to response, including those refused
 * before execution (parse, validation, auth, body limit), and reports it once. The GraphiQL page
 * (a GET answered with HTML and no GraphQL params) is not an operation and is not reported.
 * Register it before plugins that may end a request early, or it never sees those requests.
 */
export function trackGraphQLRequests(options: TrackGraphQLRequestsOptions): Plugin {
  const endpoint = options.graphqlEndpoint ?? '/graphql';
  // Keyed by the server context: unlike the Request, no plugin replaces it mid-flight.
  const tracked = new WeakMap<object, Tracked>();
  // Batched operations get a context whose prototype is the server context.
  const find = (context: object): Tracked | undefined =>
    tracked.get(context) ?? tracked.get(Object.getPrototypeOf(context) as object);
  // Called by Yoga only for a document that parsed and validated; graphql-js refuses a name it lacks.
  const started = (args: {
    contextValue: unknown;
    document: DocumentNode;
    operationName?: string | null;
  }) => {
    const state = find(args.contextValue as object);
    const operation = state && getOperationAST(args.document, args.operationName);
    if (!state || !operation) return;
    state.ran = { operationName: operation.name?.value };
    state.operationName ??= state.ran.operationName;
  };
  return {
    onRequest({ url, serverContext }) {
      if (url.pathname !== endpoint) return;
      tracked.set(serverContext, {
        startedAt: performance.now(),
        sawParams: false,
        operationName: undefined,
        ran: undefined,
        result: undefined,
      });
    },
    onParams({ params, context }) {
      const state = find(context);
      if (!state) return;
      state.sawParams = true;
      // Client text: only a string names an operation (anything else is refused, use-request-parsing.ts).
      if (typeof params.operationName === 'string' && params.operationName)
        state.operationName = params.operationName;
    },
    onExecute: ({ args }) => started(args),
    onSubscribe: ({ args }) => started(args),
    onResultProcess({ result, serverContext }) {
      const state = tracked.get(serverContext);
      if (state) state.result = result;
    },
    onResponse({ response, serverContext }) {
      const state = tracked.get(serverContext);
      if (!state) return;
      tracked.delete(serverContext);
      if (!state.sawParams && response.headers.get('content-type')?.startsWith('text/html')) return;
      options.onOutcome({
        serverContext,
        operationName: state.operationName,
        ran: produced(state.result) ? state.ran : undefined,
        code: state.result === undefined ? statusCode(response.status) : resultCode(state.result),
        reason: state.result === undefined ? undefined : resultReason(state.result),
        status: response.status,
        durationMs: performance.now() - state.startedAt,
      });
    },
  };
}

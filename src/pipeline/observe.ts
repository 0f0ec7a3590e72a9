import { type DocumentNode, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { refusedEntirely } from '../metrics/operation-label.js';
import { resultCode, resultReason, statusCode } from '../metrics/result-code.js';
import { createRequestLineWriter } from '../plugins/request-line.js';
import type { Redactor } from '../redact.js';
import { type Exchange, exchangeOf } from './exchange.js';

export interface ObserverOptions {
  /** The `http` module's logger. */
  logger: Logger;
  /** The logger's redactor: the request line's client text leaves through it. */
  redactor: Redactor;
  metrics?: GatewayMetrics | undefined;
}

/** Writes a GraphQL request's line and counts it, once, from its exchange and its answer's status. */
export type Observe = (exchange: Exchange, status: number) => void;

/**
 * The one owner of a GraphQL request's observation: one log line (operation, duration, result code,
 * status) and one sample of `wxgw_graphql_requests`, whatever phase answered it: a refusal, the
 * compiled phase or Yoga. Requests to other paths have neither (their own endpoints count them).
 */
export function createObserver(options: ObserverOptions): Observe {
  const writeLine = createRequestLineWriter(options.logger, options.redactor);
  const { metrics } = options;
  return (exchange, status) => {
    if (exchange.observed || exchange.route !== 'graphql') return;
    exchange.observed = true;
    const { outcome, requestId } = exchange;
    const code = outcome.code ?? statusCode(status);
    const durationMs = performance.now() - exchange.startedAt;
    writeLine({
      reqId: requestId.id,
      reqIdFromCaller: requestId.fromCaller,
      operationName: outcome.operationName,
      code,
      reason: outcome.reason,
      status,
      durationMs,
    });
    metrics?.observeGraphQLRequest(
      { ran: outcome.ran, refused: outcome.refused, callerId: exchange.caller?.id },
      code,
      durationMs / 1000,
      outcome.reason,
    );
  };
}

/** An execution result with data (null included) or a stream: graphql-js began the operation. */
function produced(result: unknown): boolean {
  return (
    typeof result === 'object' && result !== null && (Symbol.asyncIterator in result || 'data' in result)
  );
}

/** The result each exchange's Yoga run produced, read once its response is ready. */
const results = new WeakMap<Exchange, unknown>();

/**
 * The Yoga phase's report to the observer: the operation name sent or run, the operation that ran,
 * and the result's code, then the observation as the response leaves Yoga. Batched operations get a
 * context whose prototype is the server context, which carries the exchange.
 */
export function useOutcome(observe: Observe): Plugin {
  const started = (args: {
    contextValue: unknown;
    document: DocumentNode;
    operationName?: string | null;
  }) => {
    const exchange = exchangeOf(args.contextValue);
    const operation = exchange && getOperationAST(args.document, args.operationName);
    if (!exchange || !operation) return;
    exchange.outcome.ran = { operationName: operation.name?.value };
    exchange.outcome.operationName ??= exchange.outcome.ran.operationName;
  };
  return {
    onParams({ params, context }) {
      const exchange = exchangeOf(context);
      // Client text: only a string names an operation (anything else is refused, use-request-parsing.ts).
      if (exchange && typeof params.operationName === 'string' && params.operationName)
        exchange.outcome.operationName = params.operationName;
    },
    onExecute: ({ args }) => started(args),
    onSubscribe: ({ args }) => started(args),
    onResultProcess({ result, serverContext }) {
      const exchange = exchangeOf(serverContext);
      if (exchange) results.set(exchange, result);
    },
    onResponse({ response, serverContext }) {
      const exchange = exchangeOf(serverContext);
      if (exchange?.route !== 'graphql') return;
      const result = results.get(exchange);
      if (result !== undefined) {
        if (!produced(result)) exchange.outcome.ran = undefined;
        exchange.outcome.refused = refusedEntirely(result);
        exchange.outcome.code = resultCode(result);
        exchange.outcome.reason = resultReason(result);
      } else {
        exchange.outcome.ran = undefined;
      }
      observe(exchange, response.status);
    },
  };
}

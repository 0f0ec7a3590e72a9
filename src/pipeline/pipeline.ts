import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { sendNodeResponse } from '@whatwg-node/server';
import { OPEN_CALLER } from '../auth/resolve-caller.js';
import type { Config } from '../config/index.js';
import { BadUserInputError, InternalServerError, RateLimitedError } from '../errors.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Logger } from '../logger.js';
import type { EntryErrorCode, GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Authority } from '../net/authority.js';
import { isGraphiQLVisit } from '../plugins/use-graphiql.js';
import { type Redactor, redact } from '../redact.js';
import { type AllowedMethods, methodRefusal } from './allowed-methods.js';
import { type BodyLimitOptions, createBodyLimit } from './body-limit.js';
import { createCallerPhase } from './caller.js';
import { isVariantOf, variantAnswer } from './canonical-path.js';
import type { CompiledPhase } from './compiled-phase.js';
import { type CorsOptions, createCors } from './cors.js';
import { csrfRefusal } from './csrf.js';
import { type EntryRefusal, entryRefusal, parserRefusal } from './entry.js';
import { createExchange, type Exchange, type Route } from './exchange.js';
import { answerable, canonicalContentType, isJsonMediaType, jsonAnswerTypeOf } from './media-type.js';
import type { Observe } from './observe.js';
import { REQUEST_ID_HEADER, type RequestId, requestIdFor } from './request-id.js';
import { decorate, decoration, errorBody, type Refusal, refuse, send } from './respond.js';

/** A node:http handler: what the pipeline is to the server. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The part of a Yoga server the pipeline drives: its Fetch answer to a node request, sent here. */
export interface FetchServer {
  handleNodeRequestAndResponse(
    req: IncomingMessage,
    res: ServerResponse,
    context: { req: IncomingMessage; res: ServerResponse; exchange: Exchange },
  ): Response | Promise<Response>;
}

export interface PipelineOptions {
  /** @default '/graphql' */
  graphqlEndpoint?: string;
  /** Where WeChat's pushes arrive: answered by their own rules (no key, no CORS, their own bounds). */
  pushPrefix: string;
  /** GATEWAY_ALLOWED_HOSTS; empty: any well-formed `Host`. */
  allowedHosts: readonly Authority[];
  /** The `http` module's logger. */
  logger: Logger;
  /** The gateway's redaction, for the cause of a masked 500 (it knows every credential held). */
  redactor: Pick<Redactor, 'errorText'>;
  metrics?: GatewayMetrics | undefined;
  methods: AllowedMethods;
  cors: CorsOptions;
  bodyLimit: BodyLimitOptions;
  auth: Pick<Config['auth'], 'apiKeys'>;
  limiter: RateLimiter;
  observe: Observe;
  yoga: FetchServer;
  /** The compiled phase; left out, Yoga executes every operation. */
  compiled?: CompiledPhase | undefined;
  /** Makes ids for requests that bring none (tests make them predictable). @default crypto.randomUUID */
  generateId?: () => string;
}

export interface Pipeline {
  /** The server's request handler. */
  handle: NodeHandler;
  /** The server's `clientError` listener: what node's parser refuses, answered as the entry answers. */
  clientError(error: Error & { code?: string }, socket: Duplex): void;
}

/** The request's id as a log line holds it: the caller's own is client text, redacted like any. */
const logged = (requestId: RequestId) => (requestId.fromCaller ? redact(requestId.id) : requestId.id);

/**
 * The one request pipeline (docs/architecture.md, "One request"): every request passes each phase
 * below once, in this order, whichever executor answers it, so each rule has one owner.
 * 1. The entry (entry.ts): a target that is not a path, a bad or foreign `Host`.
 * 2. Decoration (respond.ts): security headers and `x-request-id` on every answer.
 * 3. Admission: the endpoint's one spelling (canonical-path.ts), CORS (cors.ts), methods
 *    (allowed-methods.ts); for a GraphQL operation also the body bound (body-limit.ts), CSRF (csrf.ts),
 *    the caller (caller.ts), its request budget, and an answerable `Accept` (media-type.ts).
 * 4. Execution: the compiled phase (compiled-phase.ts) for a JSON query Yoga has run before, else Yoga
 *    with the body read, the caller and its budgets in its context. WeChat's pushes and the operator
 *    endpoints are Yoga's plugins.
 * 5. Observation (observe.ts): one request line and one metric sample per GraphQL request.
 * Anything thrown on the way is the masked 500, with its cause logged redacted.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const { logger, metrics, yoga, compiled, limiter, observe } = options;
  const endpoint = options.graphqlEndpoint ?? '/graphql';
  const cors = createCors({ ...options.cors, graphqlEndpoint: endpoint });
  const bodyLimit = createBodyLimit(options.bodyLimit);
  const callerOf = createCallerPhase(options.auth);

  const routeOf = (path: string, req: IncomingMessage): Route => {
    if (path === endpoint) {
      // Only a GET accepting HTML can be a browser's visit: nothing else pays for reading the query.
      if (req.method !== 'GET' || !req.headers.accept?.includes('text/html')) return 'graphql';
      const query = req.url?.indexOf('?') ?? -1;
      const search = new URLSearchParams(query < 0 ? '' : req.url?.slice(query + 1));
      return isGraphiQLVisit(req.method, req.headers.accept, search) ? 'endpoint' : 'graphql';
    }
    return path.startsWith(options.pushPrefix) ? 'push' : 'endpoint';
  };

  /** Refuses a GraphQL operation as a result would: its code and reason are the line's and the metric's. */
  function refuseOperation(exchange: Exchange, refusal: Refusal): void {
    exchange.outcome.code = refusal.error.code;
    exchange.outcome.reason = refusal.reason;
    refuse(exchange, refusal);
    observe(exchange, refusal.status);
  }

  /** Refuses a request before it is an operation (CORS, methods): named by its status, as no result was. */
  function refuseRequest(exchange: Exchange, refusal: Refusal): void {
    refuse(exchange, refusal);
    observe(exchange, refusal.status);
  }

  function failed(exchange: Exchange, error: unknown): void {
    logger.error(
      {
        reqId: logged(exchange.requestId),
        code: 'INTERNAL_SERVER_ERROR',
        status: 500,
        err: options.redactor.errorText(error),
      },
      'request failed',
    );
    metrics?.observeEntryError('INTERNAL_SERVER_ERROR');
    exchange.outcome.code = 'INTERNAL_SERVER_ERROR';
    observe(exchange, 500);
    const { res } = exchange;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    send(res, 500, errorBody(new InternalServerError()), [...decoration(exchange), 'connection', 'close']);
  }

  /** Yoga executes: the exchange (caller, budgets, id) travels in its server context. */
  function yogaAnswer(exchange: Exchange): Promise<void> {
    const { req, res } = exchange;
    decorate(exchange);
    if (exchange.route === 'graphql') metrics?.observeAnswer('yoga');
    const context = {
      req,
      res,
      exchange,
      ...(exchange.caller && { caller: exchange.caller }),
      ...(exchange.refreshBudget && { refreshBudget: exchange.refreshBudget }),
    };
    return Promise.resolve(yoga.handleNodeRequestAndResponse(req, res, context)).then((response) =>
      sendNodeResponse(response, res, req, true),
    );
  }

  function toYoga(exchange: Exchange): Promise<void> {
    let answered: Promise<void>;
    try {
      answered = yogaAnswer(exchange);
    } catch (error) {
      answered = Promise.reject(error);
    }
    if (compiled && exchange.documentKey !== undefined) {
      // Whatever became of Yoga's run (answered, refused, thrown at once or later), requests waiting
      // on it go on.
      const settle = () => compiled.settled(exchange);
      answered.then(settle, settle);
    }
    return answered;
  }

  async function execute(exchange: Exchange): Promise<void> {
    const { req } = exchange;
    if (req.method === 'POST') {
      const body = await bodyLimit.read(req);
      if (body === 'aborted') {
        exchange.res.destroy();
        return;
      }
      if (body === 'too large') return refuseOperation(exchange, bodyLimit.tooLarge);
      const type =
        compiled && isJsonMediaType(req.headers['content-type']) && jsonAnswerTypeOf(req.headers.accept);
      if (type) {
        let answered = compiled.answer(exchange, body.toString('utf8'), type);
        if (answered instanceof Promise) answered = await answered;
        if (answered) return;
      }
      (req as IncomingMessage & { body?: Buffer }).body = body;
    }
    return toYoga(exchange);
  }

  /** The budget phase: a refused take spends nothing; the store answers at once when it can. */
  async function budgeted(exchange: Exchange): Promise<void> {
    try {
      await limiter.checkRequest(exchange.caller ?? OPEN_CALLER);
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      return refuseOperation(exchange, {
        status: 429,
        error,
        headers: ['retry-after', String(error.retryAfterSeconds ?? 1)],
      });
    }
    return admitted(exchange);
  }

  /** The last admission rule, then execution. */
  function admitted(exchange: Exchange): Promise<void> {
    if (!answerable(exchange.req.headers.accept)) {
      refuseOperation(exchange, {
        status: 406,
        error: new BadUserInputError(
          'No answer format in the Accept header is supported: accept application/json or application/graphql-response+json.',
        ),
      });
      return Promise.resolve();
    }
    return execute(exchange);
  }

  function run(exchange: Exchange): Promise<void> | undefined {
    const { req, res, path } = exchange;
    if (exchange.route !== 'push') {
      if (isVariantOf(endpoint, path)) {
        send(res, 404, variantAnswer(endpoint), decoration(exchange), 'text/plain; charset=utf-8');
        return undefined;
      }
      const decision = cors(req, path, exchange.requestId.id);
      if (decision) {
        if ('answer' in decision) return void refuseRequest(exchange, decision.answer);
        if ('preflight' in decision) {
          res.writeHead(204, [...decoration(exchange), ...decision.preflight]);
          res.end();
          return undefined;
        }
        exchange.origin = decision.origin;
      }
      const wrongMethod = methodRefusal(options.methods, path, req.method ?? '');
      if (wrongMethod) return void refuseRequest(exchange, wrongMethod);
    }
    if (exchange.route !== 'graphql') return toYoga(exchange);
    const refusal = bodyLimit.refusal(req) ?? csrfRefusal(req);
    if (refusal) return void refuseOperation(exchange, refusal);
    const resolution = callerOf(req);
    if ('refusal' in resolution) return void refuseOperation(exchange, resolution.refusal);
    const { caller } = resolution;
    exchange.caller = caller;
    exchange.refreshBudget = limiter.refreshBudgetOf(caller);
    // An open gateway's callers are one anonymous caller: a budget would throttle every client at once.
    if (caller === OPEN_CALLER || limiter.admitsNow(caller) === true) return admitted(exchange);
    return budgeted(exchange);
  }

  function answerEntryRefusal(req: IncomingMessage, res: ServerResponse, refusal: EntryRefusal): void {
    const requestId = requestIdFor(req.headers[REQUEST_ID_HEADER] as string | undefined, options.generateId);
    logger.info(
      {
        reqId: logged(requestId),
        code: refusal.error.code,
        status: refusal.status,
        problem: refusal.problem,
      },
      'request refused',
    );
    metrics?.observeEntryError(refusal.code);
    const exchange = createExchange(
      req,
      res,
      () => 'endpoint',
      () => requestId.id,
    );
    refuse(exchange, {
      status: refusal.status,
      error: refusal.error,
      ...(refusal.status === 400 ? { reason: 'BAD_REQUEST' } : {}),
      headers: ['connection', 'close'],
    });
  }

  const handle: NodeHandler = (req, res) => {
    const refusal = entryRefusal(req, options.allowedHosts);
    if (refusal) return answerEntryRefusal(req, res, refusal);
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && contentType !== 'application/json') {
      req.headers['content-type'] = canonicalContentType(contentType);
    }
    const exchange = createExchange(req, res, (path) => routeOf(path, req), options.generateId);
    try {
      const running = run(exchange);
      if (running) running.catch((error: unknown) => failed(exchange, error));
    } catch (error) {
      failed(exchange, error);
    }
  };

  function clientError(error: Error & { code?: string }, socket: Duplex): void {
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = parserRefusal(error.code);
    const requestId = requestIdFor(undefined, options.generateId);
    const code: EntryErrorCode = refusal.status === 400 ? 'BAD_REQUEST' : 'UNREADABLE_REQUEST';
    logger.info(
      {
        reqId: requestId.id,
        code: 'BAD_USER_INPUT',
        reason: refusal.reason,
        status: refusal.status,
        problem: error.code,
      },
      'request refused',
    );
    metrics?.observeEntryError(code);
    socket.end(refusal.raw(requestId.id), () => socket.destroy());
  }

  return { handle, clientError };
}

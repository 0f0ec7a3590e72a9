import { GraphQLError } from 'graphql';
import type { MaskError, Plugin } from 'graphql-yoga';
import { type CompiledDocument, type DocumentCache, documentKey } from '../compiled/document-cache.js';
import { type ResponseCache, recordingContext } from '../compiled/response-cache.js';
import type { GraphQLContext, RequestContext } from '../graphql/context.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { refusedEntirely } from '../metrics/operation-label.js';
import { resultCode } from '../metrics/result-code.js';
import { toErrorContract } from '../plugins/use-request-error-codes.js';
import { type Exchange, exchangeOf } from './exchange.js';
import type { Observe } from './observe.js';
import { decoration } from './respond.js';

export interface CompiledPhaseOptions {
  documents: DocumentCache;
  answers: ResponseCache;
  /** Yoga's context factory: the same services a Yoga run gets. */
  context(): RequestContext;
  /** Yoga's mask: errors leave every phase in the same shape. */
  maskError: MaskError;
  observe: Observe;
  /** Counts each answer by the phase that gave it (`wxgw_graphql_answers_total`). */
  metrics?: Pick<GatewayMetrics, 'observeAnswer'> | undefined;
}

export interface CompiledPhase {
  /**
   * Answers an admitted JSON POST whose document Yoga has already run: from the answer cache while its
   * reads are unchanged, else by the document compiled with graphql-jit. False leaves the request to
   * Yoga (a document not yet compiled, a batch, variables that do not coerce, anything not a query).
   */
  answer(exchange: Exchange, text: string, mediaType: string): boolean | Promise<boolean>;
  /** Registered in Yoga: compiles the document Yoga ran for a request this phase left to it. */
  plugin: Plugin;
  /** Yoga is done with a request this phase left to it (answered or failed): its document is settled. */
  settled(exchange: Exchange): void;
}

interface Body {
  query?: unknown;
  documentId?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

const BODY_FIELDS = new Set(['query', 'documentId', 'operationName', 'variables']);

/** A body with any other field is Yoga's, which says what it makes of it. */
function hasOnlyFields(body: Body): boolean {
  for (const name in body) if (!BODY_FIELDS.has(name)) return false;
  return true;
}

/** The error with the location Yoga's would carry (graphql-jit's errors have a path only). */
function located(error: GraphQLError, compiled: CompiledDocument): GraphQLError {
  const node = error.nodes === undefined && error.path ? compiled.locate(error.path) : undefined;
  if (!node) return error;
  return new GraphQLError(error.message, {
    nodes: [node],
    path: error.path,
    ...(error.originalError ? { originalError: error.originalError } : {}),
    extensions: error.extensions,
  });
}

/**
 * The compiled phase of the pipeline (README, "Performance"): what envelop's `useGraphQlJit` and Yoga's
 * response cache are to Yoga, run on node:http after the same admission. It only executes: the caller,
 * its budget, the headers, the request line and the metric are the pipeline's, the same for every
 * answer; scopes are checked by the resolvers; errors pass Yoga's mask and the error contract.
 */
export function createCompiledPhase(options: CompiledPhaseOptions): CompiledPhase {
  const { documents, answers } = options;
  /**
   * Documents Yoga is running for the first time, by key: requests for the same document that arrive
   * meanwhile (a cold burst) wait for that run's verdict rather than each going through Yoga, then run
   * compiled, or go to Yoga themselves when Yoga compiled nothing (a refusal, a mutation, a failure).
   */
  const firstRuns = new Map<string, { exchange: Exchange; settle(): void; settled: Promise<void> }>();

  function settle(key: string): void {
    const run = firstRuns.get(key);
    if (!run) return;
    firstRuns.delete(key);
    run.settle();
  }

  function send(
    exchange: Exchange,
    answer: { body: string; code: string; refused?: boolean },
    ran: CompiledDocument,
    mediaType: string,
  ) {
    const { res } = exchange;
    res.writeHead(200, [
      ...decoration(exchange),
      'content-type',
      `${mediaType}; charset=utf-8`,
      'content-length',
      String(Buffer.byteLength(answer.body)),
    ]);
    res.end(answer.body);
    exchange.outcome.operationName = ran.operationName;
    exchange.outcome.ran = ran;
    exchange.outcome.code = answer.code;
    exchange.outcome.refused = answer.refused === true;
    options.observe(exchange, 200);
  }

  async function run(
    exchange: Exchange,
    text: string,
    compiled: CompiledDocument,
    variables: Record<string, unknown> | undefined,
    mediaType: string,
  ): Promise<boolean> {
    // The factory's object is this request's own: completed in place rather than copied.
    const context = options.context() as GraphQLContext;
    context.caller = exchange.caller as GraphQLContext['caller'];
    if (exchange.refreshBudget) context.refreshBudget = exchange.refreshBudget;
    const recording = recordingContext(context);
    const result = await compiled.run(recording.context, variables);
    // No data at all: the variables did not coerce, which Yoga answers as a request error.
    if (result.data === undefined) return false;
    const errors = result.errors?.map(
      (error) => options.maskError(located(error, compiled), error.message, false) as GraphQLError,
    );
    if (errors) toErrorContract(errors);
    const masked = errors ? { errors, data: result.data } : { data: result.data };
    const code = resultCode(masked);
    const body = JSON.stringify(
      errors ? { errors: errors.map((error) => error.toJSON()), data: result.data } : masked,
    );
    // Only answers made of token and list reads alone are cached (an answer with errors never is).
    const reads = errors ? undefined : recording.reads();
    if (reads && exchange.caller)
      answers.set(exchange.caller, text, { compiled, variables, body, code, reads });
    options.metrics?.observeAnswer('compiled');
    send(exchange, { body, code, refused: refusedEntirely(masked) }, compiled, mediaType);
    return true;
  }

  return {
    answer(exchange, text, mediaType) {
      const caller = exchange.caller;
      // The same body from the same caller: parsed and checked when it was first answered.
      const cached = caller && answers.get(caller, text);
      if (cached) {
        const hit = (unchanged: boolean): boolean | Promise<boolean> => {
          if (!unchanged) return run(exchange, text, cached.compiled, cached.variables, mediaType);
          options.metrics?.observeAnswer('cache');
          send(exchange, cached, cached.compiled, mediaType);
          return true;
        };
        const unchanged = answers.unchanged(cached);
        return unchanged instanceof Promise ? unchanged.then(hit) : hit(unchanged);
      }
      let body: Body;
      try {
        body = JSON.parse(text) as Body;
      } catch {
        return false;
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
      const key = hasOnlyFields(body) ? documentKey(body) : undefined;
      const given = body.variables ?? undefined;
      if (!key || (given !== undefined && (typeof given !== 'object' || Array.isArray(given)))) return false;
      const variables = given as Record<string, unknown> | undefined;
      const compiled = documents.get(key);
      if (compiled) return run(exchange, text, compiled, variables, mediaType);
      const first = firstRuns.get(key);
      if (first) {
        // Only a request that waited compiles the document now: one sent once is never compiled.
        return first.settled.then(() => {
          const verdict = documents.get(key);
          return verdict ? run(exchange, text, verdict, variables, mediaType) : false;
        });
      }
      let settle!: () => void;
      const settled = new Promise<void>((resolve) => {
        settle = resolve;
      });
      firstRuns.set(key, { exchange, settle, settled });
      exchange.documentKey = key;
      return false;
    },
    plugin: {
      onExecute({ args }) {
        const key = exchangeOf(args.contextValue)?.documentKey;
        if (!key) return;
        documents.add(key, args.document, args.operationName ?? undefined);
        // Compiled (or refused, not a query) before its resolvers run: the waiting requests go now.
        settle(key);
      },
    },
    settled(exchange) {
      const key = exchange.documentKey;
      if (key && firstRuns.get(key)?.exchange === exchange) settle(key);
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type DocumentNode, GraphQLError, type GraphQLSchema } from 'graphql';
import type { MaskError, Plugin } from 'graphql-yoga';
import { type CallerResolution, OPEN_CALLER } from '../auth/resolve-caller.js';
import type { GraphQLContext, RequestContext } from '../graphql/context.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { resultCode } from '../metrics/result-code.js';
import { isJsonMediaType } from '../plugins/media-type.js';
import { REQUEST_ID_HEADER, requestIdFor } from '../plugins/request-id.js';
import { createRequestLineWriter } from '../plugins/request-line.js';
import { API_RESPONSE_HEADER_LIST } from '../plugins/use-security-headers.js';
import type { Redactor } from '../redact.js';
import { setNewest } from './bounded-map.js';
import { type CompiledDocument, type DocumentCache, documentKey } from './document-cache.js';
import { type Remembered, ResponseCache, recordingContext, type TokenReads } from './response-cache.js';

export interface CompiledPathOptions {
  cache: DocumentCache;
  /** @default '/graphql' */
  graphqlEndpoint?: string;
  resolveCaller(headers: Headers): CallerResolution;
  limiter: RateLimiter;
  context(): RequestContext;
  /** The context's token service: what a remembered answer's reads are made again from. */
  tokens: TokenReads;
  /** @default a ResponseCache of `tokens` with its defaults */
  responses?: ResponseCache;
  /** Yoga's mask: errors leave both paths in the same shape. */
  maskError: MaskError;
  maxBodyBytes: number;
  /** The `http` module's logger (the request line). */
  logger: Logger;
  /** The logger's redactor (the request line's client text). */
  redactor: Redactor;
  metrics?: GatewayMetrics;
  /**
   * Yoga's enveloped parse and validate, for `precompile`, in the context of a POST of the document
   * under that operation name: Yoga's parse cache keeps what its hooks make of a failure for every
   * later request.
   */
  enveloped(params: { operationName?: string }): Enveloped;
}

export interface CompiledPath {
  /**
   * Answers the request when it may, else hands it to `yoga` (with its body, once read). A failure
   * rejects the promise: the HTTP entry answers it (src/plugins/front-door.ts).
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    yoga: (req: IncomingMessage, res: ServerResponse) => unknown,
  ): Promise<void> | undefined;
  /** Registered in Yoga: remembers the documents Yoga ran for requests this path handed over. */
  plugin: Plugin;
  /** How many requests this path answered (tests prove which path served what). */
  served(): number;
  /** How many of those were answers given again from memory. */
  remembered(): number;
  /**
   * Compiles a document ahead of its first request, after Yoga's own parse and validation (query
   * limits and introspection rules included): trusted documents at start-up, and tests. True when the
   * document is now served here.
   */
  precompile(text: string, request: { operationName?: string; documentId?: string }): boolean;
}

/** Yoga's parse and validate with every plugin's rules (`yoga.getEnveloped`). */
export interface Enveloped {
  parse(source: string): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
  schema: GraphQLSchema;
}

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const ANSWERED: Readonly<Record<string, string>> = {
  '*/*': 'application/json',
  'application/json': 'application/json',
  [GRAPHQL_RESPONSE]: GRAPHQL_RESPONSE,
};

/**
 * The media type Yoga would answer for this Accept header (its rule: the first listed type it serves,
 * `*\/*` and no header meaning application/json), when the header only names types Yoga answers a
 * query with; undefined sends the request to Yoga.
 */
export function answeredMediaType(accept: string | undefined): string | undefined {
  const types = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  if (types.some((type) => ANSWERED[type] === undefined)) return undefined;
  return ANSWERED[types[0] as string];
}

/** Accept headers whose answered type is remembered: a client sends the same one every time. */
const MAX_REMEMBERED_ACCEPTS = 64;

/** `answeredMediaType` of the header, remembered per header text. */
function mediaTypeAnswering(accept: string | undefined, remembered: Map<string, string | undefined>) {
  const key = accept ?? '';
  if (remembered.has(key)) return remembered.get(key);
  const answered = answeredMediaType(accept);
  setNewest(remembered, key, answered, MAX_REMEMBERED_ACCEPTS);
  return answered;
}

interface Body {
  query?: unknown;
  documentId?: unknown;
  operationName?: unknown;
  variables?: unknown;
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

/** Credential headers sent twice, which Yoga refuses (node keeps only the first Authorization). */
function repeatsCredentials(raw: readonly string[]): boolean {
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]?.toLowerCase();
    if (name === 'authorization' || name === 'x-api-key') seen++;
  }
  return seen > 1;
}

const BODY_FIELDS = new Set(['query', 'documentId', 'operationName', 'variables']);

/** A body with any other field goes to Yoga, which says what it makes of it. */
function hasOnlyFields(body: Body): boolean {
  for (const name in body) if (!BODY_FIELDS.has(name)) return false;
  return true;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > limit ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)),
    );
    req.on('error', () => resolve(undefined));
  });
}

/**
 * The compiled path (README, "Performance"): a POST of a document the Yoga path has already run is
 * answered straight on node:http by the document compiled once with graphql-jit — same caller
 * resolution, scopes (in the resolvers), rate limit, error mask, security headers, request id, log line
 * and metrics as the Yoga path. Everything this path would answer differently goes to Yoga untouched
 * or with its body: GET, other media types, missing or oversized Content-Length, an Origin header
 * (CORS), credential headers sent twice, a refused key or budget, unknown documents, batches, variables that do not coerce, and anything not a query.
 */
export function createCompiledPath(options: CompiledPathOptions): CompiledPath {
  const endpoint = options.graphqlEndpoint ?? '/graphql';
  const handedOver = new WeakMap<IncomingMessage, string>();
  const writeLine = createRequestLineWriter(options.logger, options.redactor);
  const responses = options.responses ?? new ResponseCache({ tokens: options.tokens });
  const accepts = new Map<string, string | undefined>();
  let served = 0;
  let givenAgain = 0;
  /**
   * The caller each keep-alive connection was last resolved to, with the credential headers it sent:
   * a client sends the same ones on every request, and hashing its key each time cost 4 % of a cached
   * request. The headers are compared with what the same connection sent before, never with a
   * configured key, so the comparison's timing tells nothing of the keys.
   */
  const callers = new WeakMap<
    Socket,
    { authorization: string | undefined; apiKey: string | string[] | undefined; caller: CallerResolution }
  >();

  function callerOf(req: IncomingMessage): CallerResolution {
    const { authorization, 'x-api-key': apiKey } = req.headers;
    const last = callers.get(req.socket);
    if (last && last.authorization === authorization && last.apiKey === apiKey) return last.caller;
    const caller = options.resolveCaller(headerReader(req));
    if (!('error' in caller)) callers.set(req.socket, { authorization, apiKey, caller });
    return caller;
  }

  /** Sends a 200 answer of the document that ran, then writes its request line and counts it. */
  function send(
    req: IncomingMessage,
    res: ServerResponse,
    answer: { body: string; code: string },
    ran: CompiledDocument,
    mediaType: string,
    startedAt: number,
  ): void {
    const requestId = requestIdFor(req.headers[REQUEST_ID_HEADER] as string | undefined);
    res.writeHead(200, [
      ...API_RESPONSE_HEADER_LIST,
      'content-type',
      `${mediaType}; charset=utf-8`,
      'content-length',
      String(Buffer.byteLength(answer.body)),
      REQUEST_ID_HEADER,
      requestId.id,
    ]);
    res.end(answer.body);
    served++;
    const durationMs = performance.now() - startedAt;
    writeLine({
      reqId: requestId.id,
      reqIdFromCaller: requestId.fromCaller,
      operationName: ran.operationName,
      code: answer.code,
      status: 200,
      durationMs,
    });
    options.metrics?.observeGraphQLRequest(ran, answer.code, durationMs / 1000);
  }

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    yoga: (req: IncomingMessage, res: ServerResponse) => unknown,
    mediaType: string,
  ): Promise<void> {
    const startedAt = performance.now();
    const resolution = callerOf(req);
    if ('error' in resolution) {
      yoga(req, res);
      return;
    }
    const raw = await readBody(req, options.maxBodyBytes);
    if (raw === undefined) {
      res.destroy();
      return;
    }
    const handOver = (key?: string) => {
      if (key) handedOver.set(req, key);
      (req as IncomingMessage & { body?: Buffer }).body = raw;
      yoga(req, res);
    };
    const { caller } = resolution;
    const text = raw.toString('utf8');
    // The same body from the same caller: parsed and checked when it was first answered.
    const remembered = responses.get(caller, text);
    let compiled: CompiledDocument;
    let variables: Record<string, unknown> | undefined;
    if (remembered) {
      ({ compiled, variables } = remembered);
    } else {
      let body: Body;
      try {
        body = JSON.parse(text) as Body;
      } catch {
        return handOver();
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return handOver();
      const key = hasOnlyFields(body) ? documentKey(body) : undefined;
      const given = body.variables ?? undefined;
      if (!key || (given !== undefined && (typeof given !== 'object' || Array.isArray(given)))) {
        return handOver();
      }
      const known = options.cache.get(key);
      if (!known) return handOver(key);
      compiled = known;
      variables = given as Record<string, unknown> | undefined;
    }
    if (caller !== OPEN_CALLER) {
      // A refusal goes to Yoga, which refuses it again in its own words (a refused take spends nothing).
      const admitted = options.limiter.admitsNow(caller);
      if (admitted === false) return handOver();
      if (admitted === undefined) {
        try {
          await options.limiter.checkRequest(caller);
        } catch {
          return handOver();
        }
      }
    }
    if (remembered) {
      let unchanged = responses.unchanged(remembered);
      if (unchanged instanceof Promise) unchanged = await unchanged;
      if (unchanged) {
        givenAgain++;
        return send(req, res, remembered, compiled, mediaType, startedAt);
      }
    }
    // The factory's object is this request's own: completed in place rather than copied.
    const context = options.context() as GraphQLContext;
    context.caller = caller;
    context.refreshBudget = options.limiter.refreshBudgetOf(caller);
    const recording = recordingContext(context);
    const result = await compiled.run(recording.context, variables);
    // No data at all: the variables did not coerce, which Yoga answers as a request error.
    if (result.data === undefined) return handOver();
    const errors = result.errors?.map(
      (error) => options.maskError(located(error, compiled), error.message, false) as GraphQLError,
    );
    const masked = errors ? { errors, data: result.data } : { data: result.data };
    const code = resultCode(masked);
    const json = JSON.stringify(
      errors ? { errors: errors.map((error) => error.toJSON()), data: result.data } : masked,
    );
    // An answer with errors is not remembered: only answers made of statuses alone are.
    const reads = errors ? undefined : recording.reads();
    if (!reads) return send(req, res, { body: json, code }, compiled, mediaType, startedAt);
    const fresh: Remembered = { compiled, variables, body: json, code, reads };
    responses.remember(caller, text, fresh);
    send(req, res, fresh, compiled, mediaType, startedAt);
  }

  return {
    served: () => served,
    remembered: () => givenAgain,
    precompile(text, request) {
      const key = documentKey(
        request.documentId === undefined
          ? { query: text, operationName: request.operationName }
          : { documentId: request.documentId, operationName: request.operationName },
      );
      if (!key) return false;
      const { parse, validate, schema } = options.enveloped({ operationName: request.operationName });
      let document: DocumentNode;
      try {
        document = parse(text);
      } catch {
        return false;
      }
      if (validate(schema, document).length > 0) return false;
      return options.cache.learn(key, document, request.operationName);
    },
    handle(req, res, yoga) {
      const length = req.headers['content-length'];
      const mediaType = mediaTypeAnswering(req.headers.accept, accepts);
      if (
        req.method !== 'POST' ||
        req.url !== endpoint ||
        !isJsonMediaType(req.headers['content-type']) ||
        mediaType === undefined ||
        length === undefined ||
        req.headers['transfer-encoding'] !== undefined ||
        // Cross-origin requests are the CORS plugin's to answer.
        req.headers.origin !== undefined ||
        repeatsCredentials(req.rawHeaders) ||
        !(Number(length) <= options.maxBodyBytes)
      ) {
        yoga(req, res);
        return undefined;
      }
      // A failure is the HTTP entry's to answer (src/plugins/front-door.ts): the masked 500.
      return answer(req, res, yoga, mediaType);
    },
    plugin: {
      onExecute({ args }) {
        const req = (args.contextValue as { req?: IncomingMessage }).req;
        const key = req && handedOver.get(req);
        if (!key || !req) return;
        handedOver.delete(req);
        options.cache.learn(key, args.document, args.operationName ?? undefined);
      },
    },
  };
}

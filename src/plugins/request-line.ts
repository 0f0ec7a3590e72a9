import { symbols } from 'pino';
import type { Logger } from '../logger.js';
import { GRAPHQL_NAME } from '../metrics/bounded-label.js';
import { OK } from '../metrics/result-code.js';
import { redact } from '../redact.js';

/** What one line of the request log says (the Yoga path and the compiled path write the same). */
export interface RequestLine {
  reqId: string | undefined;
  /** True when `reqId` is the caller's `x-request-id` (client text), false when the gateway made it. */
  reqIdFromCaller: boolean;
  operationName: string | undefined;
  code: string;
  reason?: string | undefined;
  status: number;
  durationMs: number;
}

/** Operation names whose redacted form is remembered; a flood of new names only costs redaction again. */
const MAX_REMEMBERED_NAMES = 1000;

/**
 * The writer of the one line per GraphQL request, for a logger that is already the `http` module's
 * child. A successful request's line is written straight to the logger's destination, in pino's own
 * format: every field of it is safe by construction (a result code from the fixed table, numbers, a
 * constant message, an id the gateway made) or redacted on its own (the caller's request id, the
 * operation name, once per name), so it skips the generic pipeline (path redaction and `redact()` over
 * every string), which cost more than the rest of a cached request. Any other line (a refusal, a
 * failure) goes through the logger as every line does.
 */
export function createRequestLineWriter(logger: Logger): (line: RequestLine) => void {
  // pino's own destination (its exported stream symbol); a logger without one takes the slow path.
  const destination = (logger as unknown as Record<symbol, { write(line: string): void } | undefined>)[
    symbols.streamSym
  ];
  const bindings = JSON.stringify(logger.bindings()).slice(1, -1);
  const head = `{"level":${logger.levels.values.info},"time":`;
  const bound = bindings ? `,${bindings}` : '';
  const names = new Map<string, string>();

  const operationOf = (name: string | undefined): string | undefined => {
    // Client-chosen text: logged only when it is a plain GraphQL name.
    if (name === undefined) return undefined;
    let label = names.get(name);
    if (label === undefined) {
      label = GRAPHQL_NAME.test(name) ? redact(name) : '[invalid]';
      if (names.size >= MAX_REMEMBERED_NAMES) names.clear();
      names.set(name, label);
    }
    return label;
  };

  return (request) => {
    const reqId =
      request.reqIdFromCaller && request.reqId !== undefined ? redact(request.reqId) : request.reqId;
    const operation = operationOf(request.operationName);
    const durationMs = Math.round(request.durationMs * 10) / 10;
    if (!destination || request.status >= 500 || request.code !== OK || request.reason !== undefined) {
      const line = {
        reqId,
        operation,
        durationMs,
        code: request.code,
        ...(request.reason === undefined ? {} : { reason: request.reason }),
        status: request.status,
      };
      if (request.status >= 500) logger.error(line, 'graphql request');
      else if (request.code !== OK) logger.info(line, 'graphql request failed');
      else logger.info(line, 'graphql request');
      return;
    }
    if (!logger.isLevelEnabled('info')) return;
    destination.write(
      `${head}${Date.now()}${bound}${reqId === undefined ? '' : `,"reqId":${JSON.stringify(reqId)}`}${
        operation === undefined ? '' : `,"operation":${JSON.stringify(operation)}`
      },"durationMs":${durationMs},"code":${JSON.stringify(request.code)},"status":${request.status},"msg":"graphql request"}\n`,
    );
  };
}

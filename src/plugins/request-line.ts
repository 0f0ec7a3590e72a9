import { symbols } from 'pino';
import type { Logger } from '../logger.js';
import { GRAPHQL_NAME } from '../metrics/bounded-label.js';
import { OK } from '../metrics/result-code.js';
import type { Redactor } from '../redact.js';

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
 * operation name, once per name, by the gateway's `redactor`, the logger's), so it skips the generic pipeline (path redaction and redaction over
 * every string), which cost more than the rest of a cached request. Those lines are handed over once
 * per turn of the event loop: pino's destination measures what it holds on every write, which cost a
 * quarter of a cached answer's throughput at one write per line. Any other line (a refusal, a
 * failure) goes through the logger as every line does, after the lines before it.
 */
export function createRequestLineWriter(logger: Logger, redactor: Redactor): (line: RequestLine) => void {
  // pino's own destination (its exported stream symbol); a logger without one takes the slow path.
  const destination = (logger as unknown as Record<symbol, { write(line: string): void } | undefined>)[
    symbols.streamSym
  ];
  const bindings = JSON.stringify(logger.bindings()).slice(1, -1);
  const head = `{"level":${logger.levels.values.info},"time":`;
  const bound = bindings ? `,${bindings}` : '';
  const code = `,"code":${JSON.stringify(OK)}`;
  /** Each operation name's log form (redacted, once) and its `,"operation":…` member. */
  const names = new Map<string, { label: string; member: string }>();
  let pending = '';

  const flush = () => {
    const lines = pending;
    pending = '';
    if (lines) destination?.write(lines);
  };

  const operationOf = (name: string): { label: string; member: string } => {
    let operation = names.get(name);
    if (operation === undefined) {
      // Client-chosen text: logged only when it is a plain GraphQL name.
      const label = typeof name === 'string' && GRAPHQL_NAME.test(name) ? redactor.redact(name) : '[invalid]';
      operation = { label, member: `,"operation":${JSON.stringify(label)}` };
      if (names.size >= MAX_REMEMBERED_NAMES) names.clear();
      names.set(name, operation);
    }
    return operation;
  };

  return (request) => {
    const durationMs = Math.round(request.durationMs * 10) / 10;
    if (!destination || request.status >= 500 || request.code !== OK || request.reason !== undefined) {
      flush();
      const line = {
        reqId:
          request.reqIdFromCaller && request.reqId !== undefined
            ? redactor.redact(request.reqId)
            : request.reqId,
        operation: request.operationName === undefined ? undefined : operationOf(request.operationName).label,
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
    const { reqId } = request;
    const id =
      reqId === undefined
        ? ''
        : `,"reqId":${JSON.stringify(request.reqIdFromCaller ? redactor.redact(reqId) : reqId)}`;
    if (pending === '') setImmediate(flush);
    const operation = request.operationName === undefined ? '' : operationOf(request.operationName).member;
    pending += `${head}${Date.now()}${bound}${id}${operation},"durationMs":${durationMs}${code},"status":${request.status},"msg":"graphql request"}\n`;
  };
}

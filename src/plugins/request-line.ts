import { setNewest } from '../bounded-map.js';
import type { Logger } from '../logger.js';
import { GRAPHQL_NAME } from '../metrics/bounded-label.js';
import { OK } from '../metrics/result-code.js';
import type { Redactor } from '../redact.js';
import { atTurnEnd } from '../turn-end.js';

/** What one line of the request log says (the pipeline writes one per GraphQL request: src/pipeline/observe.ts). */
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
 * child. Every line is a call of the logger's own methods (`info`, or `error` for a 5xx), so it leaves
 * through the logger's serializers, formatters, hooks and redaction like any other line, in the order
 * the requests ended. The client text in it (the caller's request id, the operation name) is redacted
 * here by the gateway's `redactor` as well, so it stays redacted under a logger that does not know the
 * gateway's secrets; an operation name that is not a plain GraphQL name is logged as `[invalid]`.
 * Each line is written at the end of the event-loop turn its request ended in (src/turn-end.ts), and
 * the logger's destination buffers them (src/logger.ts).
 */
export function createRequestLineWriter(logger: Logger, redactor: Redactor): (line: RequestLine) => void {
  /** Each operation name's log form (redacted once). */
  const names = new Map<string, string>();

  const operationOf = (name: string): string => {
    let label = names.get(name);
    if (label === undefined) {
      // Client-chosen text: logged only when it is a plain GraphQL name.
      label = typeof name === 'string' && GRAPHQL_NAME.test(name) ? redactor.redact(name) : '[invalid]';
      setNewest(names, name, label, MAX_REMEMBERED_NAMES);
    }
    return label;
  };

  const write = (request: RequestLine, failed: boolean) => {
    const line = {
      reqId:
        request.reqIdFromCaller && request.reqId !== undefined
          ? redactor.redact(request.reqId)
          : request.reqId,
      operation: request.operationName === undefined ? undefined : operationOf(request.operationName),
      durationMs: Math.round(request.durationMs * 10) / 10,
      code: request.code,
      ...(request.reason === undefined ? {} : { reason: request.reason }),
      status: request.status,
    };
    if (failed) logger.error(line, 'graphql request');
    else if (request.code !== OK) logger.info(line, 'graphql request failed');
    else logger.info(line, 'graphql request');
  };

  return (request) => {
    const failed = request.status >= 500;
    if (!logger.isLevelEnabled(failed ? 'error' : 'info')) return;
    atTurnEnd(() => write(request, failed));
  };
}

import type { Logger } from '../logger.js';
import { redact } from '../redact.js';
import type { UpstreamCallEvent } from '../wechat/endpoints.js';
import type { GatewayMetrics } from './gateway-metrics.js';

export interface UpstreamObserverOptions {
  logger: Logger;
  /** Left out when metrics are off. */
  metrics?: GatewayMetrics;
}

/** The host of a base URL, for logs (never its path or query, where a misconfigured secret could sit). */
function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return redact(baseUrl);
  }
}

/**
 * The WeChat client's `onUpstreamCall` hook: one log line and one metric observation per HTTP attempt.
 * Failures log at warn so an operator sees WeChat trouble without debug logging.
 */
export function observeUpstreamCalls(options: UpstreamObserverOptions): (event: UpstreamCallEvent) => void {
  const logger = options.logger.child({ module: 'upstream' });
  return (event) => {
    options.metrics?.observeUpstreamCall(event);
    const line = {
      endpoint: event.endpoint,
      host: hostOf(event.baseUrl),
      durationMs: Math.round(event.durationMs),
      outcome: event.outcome,
      ...(event.status === undefined ? {} : { status: event.status }),
      ...(event.errcode === undefined ? {} : { errcode: event.errcode }),
      ...(event.rid === undefined ? {} : { rid: redact(event.rid) }),
      ...(event.detail === undefined ? {} : { detail: event.detail }),
    };
    if (event.outcome === 'ok') logger.info(line, 'upstream call');
    else logger.warn(line, 'upstream call failed');
  };
}

import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { trackGraphQLRequests } from './track-graphql-requests.js';

export interface MetricsPluginOptions {
  metrics: GatewayMetrics;
  /** @default '/metrics' */
  path?: string;
  /** @default '/graphql' */
  graphqlEndpoint?: string;
}

/**
 * Serves `GET /metrics` (Prometheus text) and counts and times every GraphQL request by operation
 * name and result code. Register it before plugins that may end a request early.
 */
export function useMetrics(options: MetricsPluginOptions): Plugin {
  const { metrics } = options;
  const path = options.path ?? '/metrics';
  const tracker = trackGraphQLRequests({
    graphqlEndpoint: options.graphqlEndpoint,
    onOutcome({ ran, code, reason, durationMs }) {
      metrics.observeGraphQLRequest(ran, code, durationMs / 1000, reason);
    },
  });
  return {
    ...tracker,
    async onRequest(payload) {
      if (payload.url.pathname !== path) return tracker.onRequest?.(payload);
      const { fetchAPI, endResponse, request } = payload;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      endResponse(
        new fetchAPI.Response(await metrics.text(), {
          headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
